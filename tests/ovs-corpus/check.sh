#!/usr/bin/env bash
# The OVS corpus test: runs every command of cases.txt through nvs-ofctl against a
# neutrino-vswitchd with the same bridge record.sh gives Open vSwitch (br0, datapath_type=dummy,
# dummy ports p1 = 1 and p2 = 2; no root needed, no kernel device made) and compares each
# answer with the one Open vSwitch 3.1 gave (expected.txt). No Open vSwitch is needed here.
#
# known-differences.txt lists the cases where Neutrino still answers differently, by their
# command line and a reason. A listed case must still differ (so the list cannot go stale);
# an unlisted case must match exactly (a case whose comment says "as a set": the same lines in
# any order).
#   $1: the directory holding neutrino-vswitchd, nvs-vsctl and nvs-ofctl
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=${1:?usage: check.sh TOOLS_DIR}
. "$here/lib.sh"
dir=$(mktemp -d /tmp/nt-corpus.XXXXXX)
export NVS_RUNDIR=$dir
stop() {
  [[ -f "$dir/neutrino-vswitchd.pid" ]] && kill "$(cat "$dir/neutrino-vswitchd.pid")" 2>/dev/null
  sleep 0.2
  rm -rf "$dir"
}
trap stop EXIT
"$tools/neutrino-vswitchd" --detach --pidfile --log-file --enable-dummy || { echo "daemon did not start"; exit 1; }
"$tools/nvs-vsctl" add-br br0 -- set bridge br0 datapath_type=dummy \
  -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
  -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 || exit 1
run_corpus "$tools/nvs-ofctl" "$here/cases.txt" "$dir/actual"

# Splits a recorded file into cases: one record per "$ " line, keyed by its ordinal.
split_cases() {
  awk -v out="$2" '/^\$ /{n++; print "" > (out "." n); close(out "." n)} n{print >> (out "." n)}' "$1"
  grep -c '^\$ ' "$1"
}
n_exp=$(split_cases "$here/expected.txt" "$dir/exp")
n_act=$(split_cases "$dir/actual.body" "$dir/act")
if [[ "$n_exp" != "$n_act" ]]; then
  echo "expected.txt has $n_exp cases, the run $n_act: re-record with record.sh"
  exit 1
fi
known() { grep -qxF -- "$ $1" <(grep '^\$ ' "$here/known-differences.txt"); }
pass=0 fail=0 kd=0
for ((i = 1; i <= n_exp; i++)); do
  cmd=$(sed -n '2s/^\$ //p' "$dir/exp.$i")
  # Cases whose comment says "as a set": Open vSwitch orders flows of equal priority by its
  # classifier's hashes, Neutrino by insertion, so those dumps compare as sets of lines.
  if [[ "$cmd" == *"#"*"as a set"* ]]; then
    sort -o "$dir/exp.$i" "$dir/exp.$i"
    sort -o "$dir/act.$i" "$dir/act.$i"
  fi
  if cmp -s "$dir/exp.$i" "$dir/act.$i"; then
    if known "$cmd"; then
      echo "NOW MATCHES (remove from known-differences.txt): $cmd"
      fail=$((fail + 1))
    else
      pass=$((pass + 1))
    fi
  elif known "$cmd"; then
    kd=$((kd + 1))
  else
    echo "DIFFERS from Open vSwitch: $cmd"
    diff -u --label ovs-3.1 --label neutrino "$dir/exp.$i" "$dir/act.$i" | tail -n +3
    fail=$((fail + 1))
  fi
done
echo "ovs corpus: $pass cases match Open vSwitch, $kd known differences, $fail failures"
[[ $fail -eq 0 ]]
