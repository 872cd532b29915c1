#!/usr/bin/env bash
# Does a stuck control client stall the switch? Measures, with 0, then 5 stuck clients arriving
# during the measurement, then those 5 parked, then 20 (5 of them asking for dpctl/dump-flows):
#   - `nvs-vsctl show` latency (best / worst of N runs, ms)
#   - ping through the switch (RTT avg / max, loss of 100 pings 20 ms apart)
#   - the daemon's CPU time during the row (ms) and its resident memory after it (MiB)
# and then how long a client that reads takes to get a whole 20,000-flow dump (ms, bytes) while
# the stuck clients stay. A stuck client connects to the control socket, asks for a large reply
# (dump-flows of a bridge with 20,000 flows, about 2.5 MB) with a 4 KiB receive buffer and never
# reads it.
#
#   ./bench/control_stall.sh [TOOLS_DIR] [--no-enable-dummy]
#
# TOOLS_DIR holds neutrino-vswitchd and the nvs-* tools (default build/release/src/tools).
# --no-enable-dummy runs a daemon older than that option (to measure a base commit).
# Needs root: two instance namespaces joined by br-int in a node namespace (veth ports);
# touches nothing outside the namespaces and the temporary run directory it creates.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=build/release/src/tools
DAEMON_ARGS=(--enable-dummy)
for a in "$@"; do
  case "$a" in
    --no-enable-dummy) DAEMON_ARGS=() ;;
    -*) echo "usage: $0 [TOOLS_DIR] [--no-enable-dummy]" >&2; exit 2 ;;
    *) TOOLS=$a ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "control_stall: needs root (network namespaces)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "control_stall: needs python3" >&2; exit 2; }
TOOLS=$(cd "$TOOLS" && pwd)
P="ntstall$$"
RUN=$(mktemp -d /tmp/nt-stall.XXXXXX)
CLIENTS=()
cleanup() {
  set +e
  for pid in "${CLIENTS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  if [ -f "$RUN/neutrino-vswitchd.pid" ]; then kill -9 "$(cat "$RUN/neutrino-vswitchd.pid")" 2>/dev/null; fi
  for ns in node vm1 vm2; do ip netns del "$P-$ns" 2>/dev/null; done
  rm -rf "$RUN"
}
trap cleanup EXIT
on() { local ns="$P-$1"; shift; ip netns exec "$ns" "$@"; }
for ns in node vm1 vm2; do ip netns add "$P-$ns"; on "$ns" ip link set lo up; done
for i in 1 2; do
  ip link add eth0 netns "$P-vm$i" type veth peer name "qvo$i" netns "$P-node"
  on "vm$i" ip link set eth0 up
  on "vm$i" ip addr add "10.9.0.$i/24" dev eth0
  on node ip link set "qvo$i" up
done
export NVS_RUNDIR=$RUN
on node "$TOOLS/neutrino-vswitchd" --detach --pidfile --log-file "${DAEMON_ARGS[@]}"
on node "$TOOLS/nvs-vsctl" add-br br-int -- add-port br-int qvo1 -- add-port br-int qvo2
on node "$TOOLS/nvs-vsctl" add-br br-big
python3 -c '
for i in range(20000):
    print("priority=%d,ip,nw_dst=10.%d.%d.%d actions=drop" % (i % 60000 + 1, i // 65536, i // 256 % 256, i % 256))
' > "$RUN/big.flows"
on node "$TOOLS/nvs-ofctl" add-flows br-big "$RUN/big.flows"
on vm1 ping -c 3 -i 0.2 -W 2 10.9.0.2 >/dev/null  # learn MACs, warm the caches

# Started with `ip netns exec` itself in the background (it execs python3), so the pid kept is
# the client's own and cleanup really ends it.
# stuck_client [TOOL ARGV...]: default ofctl dump-flows br-big.
stuck_client() {
  local req=${*:-ofctl dump-flows br-big}
  ip netns exec "$P-node" python3 -c '
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
words = sys.argv[2].split()
s.sendall((json.dumps({"tool": words[0], "argv": words[1:], "stdin": ""}) + "\n").encode())
time.sleep(3600)
' "$RUN/neutrino-vswitchd.ctl" "$req" &
  CLIENTS+=($!)
}

DAEMON_PID=$(cat "$RUN/neutrino-vswitchd.pid")
TICK_HZ=$(getconf CLK_TCK)
daemon_cpu_ms() {  # user + system time of the daemon so far
  awk -v hz="$TICK_HZ" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' \
    "/proc/$DAEMON_PID/stat"
}
daemon_rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$DAEMON_PID/status"; }

# measure LABEL [ARRIVING]: ARRIVING stuck clients connect during the first second.
measure() {
  local label=$1 arriving=${2:-0} best=999999 worst=0 i t0 t1 ms ping_out cpu0
  cpu0=$(daemon_cpu_ms)
  on vm1 ping -n -c 100 -i 0.02 -W 2 10.9.0.2 >"$RUN/ping.txt" 2>&1 &
  local ping_pid=$!
  for i in $(seq "$arriving"); do stuck_client; sleep 0.2; done
  for i in $(seq 10); do
    t0=$(date +%s%N)
    on node "$TOOLS/nvs-vsctl" show >/dev/null
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    (( ms < best )) && best=$ms
    (( ms > worst )) && worst=$ms
    sleep 0.1
  done
  wait "$ping_pid" || true
  ping_out=$(cat "$RUN/ping.txt")
  local loss rtt
  loss=$(echo "$ping_out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
  rtt=$(echo "$ping_out" | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/\([0-9.]*\)/.*|avg \1 ms, max \2 ms|p')
  printf '%-22s vsctl show best %5d ms, worst %6d ms | ping loss %3s%%, %-28s | daemon cpu %5d ms, rss %6s MiB\n' \
    "$label" "$best" "$worst" "${loss:-100}" "${rtt:-no replies}" \
    "$(( $(daemon_cpu_ms) - cpu0 ))" "$(daemon_rss_mib)"
}

# A client that reads: a whole dump-flows of br-big, timed.
reader() {
  local t0 t1 bytes
  t0=$(date +%s%N)
  bytes=$(on node "$TOOLS/nvs-ofctl" dump-flows br-big | wc -c)
  t1=$(date +%s%N)
  printf '%-22s dump-flows br-big (20,000 flows): %d ms, %d bytes\n' "$1" \
    "$(( (t1 - t0) / 1000000 ))" "$bytes"
}

echo "neutrino-vswitchd from $TOOLS"
measure "0 stuck clients"
reader "reader, 0 stuck"
measure "5 stuck arriving" 5
sleep 0.3
measure "5 stuck clients"
reader "reader, 5 stuck"
for i in $(seq 10); do stuck_client; done
for i in $(seq 5); do stuck_client appctl dpctl/dump-flows; done
sleep 0.3
measure "20 stuck clients"
reader "reader, 20 stuck"
echo "control coverage:"
on node "$TOOLS/nvs-appctl" coverage/show | grep -A20 'Event coverage (control)' | sed 's/^/  /' || true
