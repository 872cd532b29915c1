#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs packages, builds the sanitizer
# tree (unit + scenario tests under ASan/UBSan, warnings as errors), the optimised tree (what the
# main job and the benchmarks run; optimisation exposes undefined behaviour the sanitizer build
# may not) and the fuzz tree (beside the tests), then runs every test through ctest in parallel,
# the unit and scenario tests again optimised, and the fuzzers for a bounded time each.
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
# The fuzz tree builds beside the two test phases, at the lowest priority: those phases leave a
# core idle much of the time (the labs wait on the kernel, their daemons and timeouts), and
# nice 19 gives the tests the CPU whenever they want it. Its log is shown once it is done.
mkdir -p build
(nice -n 19 ./scripts/build.sh fuzz >build/fuzz-build.log 2>&1) &
fuzz_build=$!
jobs=$(nproc)
status=0
# The OVS corpora compare text answers: they run once, optimised (under ASan every nvs-ofctl
# start costs ~0.3 s). The whole-lab runs in network namespaces (real_lab_*) run optimised too:
# the switch labs take the netns lock one at a time, the cloud labs run two at a time, and under
# ASan their process start-ups made them CI's longest serial chain. The sanitizer tree keeps the
# real-kernel tests of the daemons and the agent's drivers (vswitchd's netdevs, qrouter-
# namespaces, haproxy, the L3 agent process) and one whole cloud lab (DHCP with dnsmasq, the
# lab's real back end) and its refusals. The optimised tree then runs the unit and scenario tests
# again, and every lab run, but not the other end-to-end tests the sanitizer tree already ran
# (server, store, agent process, drivers).
ctest --test-dir build/asan --output-on-failure \
  -E '^(ovs_|real_lab_[^c]|real_lab_cloud_(0[1-689]|10))' -j "$jobs" || status=1
phase "asan tests"
ctest --test-dir build/release --output-on-failure \
  -E '^(real_([^l]|l[^a])|server_|store_|agent_process|flows_durable|examples_cloud)' -j "$jobs" ||
  status=1
phase "release tests"
fuzz_ok=0
wait "$fuzz_build" || fuzz_ok=$?
tail -n 3 build/fuzz-build.log
phase "fuzz build"
if [ "$fuzz_ok" -ne 0 ]; then
  cat build/fuzz-build.log
  echo "test.sh: the fuzz build failed" >&2
  exit 1
fi
ctest --test-dir build/fuzz --output-on-failure -R '^fuzz_' -j "$jobs" || status=1
phase "fuzz tests"
exit $status
