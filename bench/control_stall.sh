#!/usr/bin/env bash
# Does a stuck control client stall the switch? Measures, with 0 and then 5 stuck clients:
#   - `nvs-vsctl show` latency (best / worst of N runs, ms)
#   - ping through the switch (RTT avg / max, loss of 100 pings 20 ms apart)
# A stuck client connects to the control socket, asks for a large reply (dump-flows of a
# bridge with 20,000 flows) with a 4 KiB receive buffer and never reads it.
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
stuck_client() {
  ip netns exec "$P-node" python3 -c '
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall((json.dumps({"tool": "ofctl", "argv": ["dump-flows", "br-big"], "stdin": ""}) + "\n").encode())
time.sleep(3600)
' "$RUN/neutrino-vswitchd.ctl" &
  CLIENTS+=($!)
}

measure() {
  local label=$1 best=999999 worst=0 i t0 t1 ms ping_out
  on vm1 ping -n -c 100 -i 0.02 -W 2 10.9.0.2 >"$RUN/ping.txt" 2>&1 &
  local ping_pid=$!
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
  printf '%-18s vsctl show best %5d ms, worst %6d ms | ping loss %3s%%, %s\n' \
    "$label" "$best" "$worst" "${loss:-100}" "${rtt:-no replies}"
}

echo "neutrino-vswitchd from $TOOLS"
measure "0 stuck clients"
for i in 1 2 3 4 5; do stuck_client; done
sleep 0.3
measure "5 stuck clients"
echo "control coverage:"
on node "$TOOLS/nvs-appctl" coverage/show | grep -A20 'Event coverage (control)' | sed 's/^/  /' || true
