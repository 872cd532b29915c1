#!/usr/bin/env bash
# Does a stuck control client slow VXLAN forwarding? Two neutrino-vswitchd nodes in namespaces
# (tests/real's seed world: cirros-vm1 behind the controller, cirros-vm2 behind compute01, VNI
# 100 over an underlay veth); 200 pings 10 ms apart from vm1 to vm2 across the tunnel, with 0
# stuck clients, then while 5 arrive at the controller's daemon, then with those 5 parked. A
# stuck client asks for a dump-flows of a 20,000-flow bridge (about 2.5 MB) with a 4 KiB
# receive buffer and never reads it. Also prints `nvs-vsctl show` latency on the controller
# and the controller daemon's CPU time during each row.
#
#   ./bench/control_stall_vxlan.sh [TOOLS_DIR]     (default build/release/src/tools)
#
# Needs root, ip, ping and tcpdump (tests/real/lib.sh's checks); touches nothing outside the
# namespaces and run directories it creates.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/real/lib.sh "${1:-build/release/src/tools}"
command -v python3 >/dev/null || fail "needs python3"

seed_vxlan_world >/dev/null
neutrino_vtep ctl CTL_RUN 166.66.16.10 166.66.16.11 qvoa2ac3b9a-24
neutrino_vtep cmp CMP_RUN 166.66.16.11 166.66.16.10 qvoab219616-01
vsctl ctl "$CTL_RUN" add-br br-big
python3 -c '
for i in range(20000):
    print("priority=%d,ip,nw_dst=10.%d.%d.%d actions=drop" % (i % 60000 + 1, i // 65536, i // 256 % 256, i % 256))
' >"$CTL_RUN/big.flows"
ofctl ctl "$CTL_RUN" add-flows br-big "$CTL_RUN/big.flows"
expect_ping_ok vm1 172.16.100.4 >/dev/null  # learn the MACs both ways, warm the caches

CTL_PID=$(daemon_pid "$CTL_RUN")
TICK_HZ=$(getconf CLK_TCK)
cpu_ms() { awk -v hz="$TICK_HZ" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' "/proc/$CTL_PID/stat"; }

stuck_client() {
  ip netns exec "$P-ctl" python3 -c '
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall((json.dumps({"tool": "ofctl", "argv": ["dump-flows", "br-big"], "stdin": ""}) + "\n").encode())
time.sleep(3600)
' "$CTL_RUN/neutrino-vswitchd.ctl" &
  BG_PIDS+=($!)
}

# measure LABEL [ARRIVING]: ARRIVING stuck clients connect while the pings run.
measure() {
  local label=$1 arriving=${2:-0} cpu0 ping_pid i t0 t1 ms best=999999 worst=0 out loss rtt
  cpu0=$(cpu_ms)
  on vm1 ping -n -c 200 -i 0.01 -W 2 172.16.100.4 >"$CTL_RUN/ping.txt" 2>&1 &
  ping_pid=$!
  for i in $(seq "$arriving"); do stuck_client; sleep 0.2; done
  for i in $(seq 5); do
    t0=$(date +%s%N)
    vsctl ctl "$CTL_RUN" show >/dev/null
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    ((ms < best)) && best=$ms
    ((ms > worst)) && worst=$ms
    sleep 0.1
  done
  wait "$ping_pid" || true
  out=$(cat "$CTL_RUN/ping.txt")
  loss=$(echo "$out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
  rtt=$(echo "$out" | sed -n 's|.*= \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/.*|min \1, avg \2, max \3 ms|p')
  printf '%-18s vxlan ping loss %3s%%, %-36s | vsctl show best %4d, worst %5d ms | cpu %5d ms\n' \
    "$label" "${loss:-100}" "${rtt:-no replies}" "$best" "$worst" "$(($(cpu_ms) - cpu0))"
}

echo
echo "neutrino-vswitchd from $TOOLS"
measure "0 stuck clients"
measure "5 stuck arriving" 5
sleep 0.3
measure "5 stuck clients"
