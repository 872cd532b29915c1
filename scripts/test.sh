#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs packages, builds the sanitizer
# tree (unit + scenario tests under ASan/UBSan, warnings as errors), the optimised tree (what the
# main job and the benchmarks run; optimisation exposes undefined behaviour the sanitizer build
# may not) and the fuzz tree, then runs every test through ctest in parallel, the unit and
# scenario tests again optimised, and the fuzzers for a bounded time each.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
phase() { echo "test.sh: $1 done at $((SECONDS - start)) s"; }
./scripts/install-deps.sh
phase install-deps
export NT_WERROR=ON
./scripts/build.sh asan
phase "asan build"
./scripts/build.sh release
phase "release build"
./scripts/build.sh fuzz
phase "fuzz build"
jobs=$(nproc)
status=0
# The OVS corpora compare text answers: they run once, optimised (under ASan every nvs-ofctl
# start costs ~0.3 s). The optimised tree then runs the unit and scenario tests again, not the
# end-to-end ones the sanitizer tree already ran (server, store, agent process, real netns).
ctest --test-dir build/asan --output-on-failure -E '^ovs_' -j "$jobs" || status=1
phase "asan tests"
ctest --test-dir build/release --output-on-failure \
  -E '^(real_|server_|store_|agent_process|flows_durable|examples_cloud|lab_updown)' -j "$jobs" ||
  status=1
phase "release tests"
ctest --test-dir build/fuzz --output-on-failure -R '^fuzz_' -j "$jobs" || status=1
phase "fuzz tests"
exit $status
