#!/usr/bin/env bash
# Configures and builds one of Neutrino's build trees under build/:
#   release  optimised programs and benchmarks (the main job uses this)
#   asan     unit and scenario tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   fuzz     libFuzzer targets (clang)
# Usage: build.sh KIND [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
shift || true
# Remaining arguments: targets to build (default: everything in the tree).
jobs=${JOBS:-$(nproc)}
werror=${NT_WERROR:-OFF}
# Unity batches (CMakeLists.txt's NT_UNITY): about half the CPU time of a full build.
unity=${NT_UNITY:-ON}
# ccache, when installed, makes rebuilds across several checkouts cheap (not needed by CI).
launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
case "$kind" in
  release)
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DNT_WERROR="$werror" \
      -DNT_UNITY="$unity" "${launcher[@]}" >/dev/null
    ;;
  asan)
    # -g1: line tables are all a sanitizer report needs; full debug info costs a third of
    # the build (variable tracking in the large test bodies).
    cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
      -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DNT_SANITIZE=ON -DNT_BENCH=OFF -DNT_WERROR="$werror" \
      -DNT_UNITY="$unity" "${launcher[@]}" >/dev/null
    ;;
  fuzz)
    cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_CXX_FLAGS="-O1 -fsanitize=fuzzer-no-link,address,undefined" -DNT_FUZZ=ON \
      -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
      -DNT_BENCH=OFF -DNT_FUZZ_SECONDS="${NT_FUZZ_SECONDS:-30}" "${launcher[@]}" >/dev/null
    # Only the fuzz targets (and the layers they link): the sanitizer tree builds the rest.
    targets=$(for f in tests/fuzz/*_fuzz.cc; do basename "$f" .cc; done)
    ninja -C build/fuzz -j "$jobs" $targets
    exit 0
    ;;
  *) echo "usage: $0 release|asan|fuzz" >&2; exit 2 ;;
esac
ninja -C "build/$kind" -j "$jobs" "$@"
