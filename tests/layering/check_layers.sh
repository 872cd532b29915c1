#!/usr/bin/env bash
# The layering rule, checked: no layer includes a layer above it.
#
# The order lives in ONE place, the "## Layers" table of docs/architecture.md: its rows
# (| `layer` | ...) name the layers from the bottom up. This script reads that table, then every
# `#include "<layer>/..."` in src/<layer>/ and tests/unit/<layer>/, and fails, naming each
# file and line, when a layer includes one listed after itself, or when src/ holds a directory
# the table does not list.
#
# Usage: check_layers.sh ROOT          check the tree at ROOT (exit 0 clean, 1 violations)
#        check_layers.sh --self-test ROOT
#            copies ROOT's docs and src to a temporary tree and proves the check can fail:
#            the copy must pass, then pass no longer after an upward include or an unlisted
#            layer is planted in it.
set -euo pipefail

layer_order() {  # the table's layer names, bottom first
  awk '/^## Layers/ {on = 1; next} on && /^## / {exit}
       on && /^\| `[a-z_]+` \|/ {split($0, f, "`"); print f[2]}' "$1/docs/architecture.md"
}

check() {
  local root=$1 bad=0 layer rank inc target
  declare -A rank_of=()
  rank=0
  while read -r layer; do
    rank_of[$layer]=$rank
    rank=$((rank + 1))
  done < <(layer_order "$root")
  if [ "${#rank_of[@]}" -lt 2 ]; then
    echo "docs/architecture.md: no layer table under '## Layers'" >&2
    return 1
  fi
  for dir in "$root"/src/*/; do
    layer=$(basename "$dir")
    if [ -z "${rank_of[$layer]+x}" ]; then
      echo "src/$layer: not a layer in docs/architecture.md's table" >&2
      bad=1
    fi
  done
  for layer in "${!rank_of[@]}"; do
    for dir in "$root/src/$layer" "$root/tests/unit/$layer"; do
      [ -d "$dir" ] || continue
      while IFS= read -r hit; do
        inc=${hit#*#include \"}
        target=${inc%%/*}
        [ -n "${rank_of[$target]+x}" ] || continue
        if [ "${rank_of[$target]}" -gt "${rank_of[$layer]}" ]; then
          echo "${hit%%:#*}: $layer includes ${inc%\"*}, but $target is above $layer" >&2
          bad=1
        fi
      done < <(cd "$root" && grep -rnE '^#include "[a-z_]+/' --include='*.h' --include='*.cc' \
                               "${dir#"$root"/}")
    done
  done
  return $bad
}

self_test() {
  local root=$1 tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp/docs" "$tmp/tests"
  cp "$root/docs/architecture.md" "$tmp/docs/"
  cp -r "$root/src" "$tmp/src"
  [ -d "$root/tests/unit" ] && cp -r "$root/tests/unit" "$tmp/tests/unit"
  check "$tmp" 2>/dev/null || { echo "self-test: the copied tree should pass" >&2; return 1; }
  # An upward include: the packet layer reaching into xlate.
  echo '#include "xlate/switch.h"' >>"$tmp/src/packet/parse.h"
  local out
  if out=$(check "$tmp" 2>&1); then
    echo "self-test: an upward include (packet -> xlate) was not caught" >&2
    return 1
  fi
  grep -q 'src/packet/parse.h:[0-9]*: packet includes xlate/switch.h, but xlate is above packet' \
    <<<"$out" || { echo "self-test: wrong report: $out" >&2; return 1; }
  # The same in a unit test directory.
  sed -i '$d' "$tmp/src/packet/parse.h"
  check "$tmp" 2>/dev/null || { echo "self-test: removing the include should pass again" >&2; return 1; }
  mkdir -p "$tmp/tests/unit/common"
  echo '#include "vswitchd/daemon.h"' >"$tmp/tests/unit/common/up_test.cc"
  if check "$tmp" 2>/dev/null; then
    echo "self-test: an upward include in tests/unit/common was not caught" >&2
    return 1
  fi
  rm "$tmp/tests/unit/common/up_test.cc"
  # A directory that is no layer of the table.
  mkdir "$tmp/src/mystery"
  if check "$tmp" 2>/dev/null; then
    echo "self-test: src/mystery (not in the table) was not caught" >&2
    return 1
  fi
  echo "self-test passed: upward includes (src and tests/unit) and unlisted layers are caught"
}

if [ "${1:-}" = "--self-test" ]; then
  self_test "${2:?usage: $0 --self-test ROOT}"
else
  root=${1:?usage: $0 ROOT}
  if check "$root"; then
    echo "layering ok: $(layer_order "$root" | paste -sd' ')"
  else
    exit 1
  fi
fi
