#!/usr/bin/env bash
# The L3 service on the real kernel (issue 13's real-node benchmarks), with the real programs:
# neutrino-server, neutrino-vswitchd (real tap internal ports, in a scratch datapath namespace)
# and neutrino-agent --role l3 with bridge_mappings external:br-ex. An instance namespace `vm`
# holds a port of the tenant subnet (plugged as os-vif plugs it, then moved in); a namespace
# `ext` is the external network's gateway 10.10.10.1, cabled to br-ex by a veth.
#   1. `router add subnet` to traffic: from the add_router_interface request until the instance
#      pings 10.10.10.1 through the router (SNAT), ms (target <= 1000).
#   2. `floating ip set` to traffic: from the association request until ext pings the floating
#      IP, ms (target <= 1000).
#   3. SNAT throughput: iperf3 TCP from the instance to ext through qrouter- with Neutron's rules
#      (SNAT), and through the same namespace with the nat table flushed and conntrack entries
#      deleted (plain forwarding): the ratio (target >= 0.90). Both include neutrino-vswitchd's
#      forwarding of the instance's and the router's ports.
# Everything it creates carries its pid or is the router's own namespace; removed on exit.
# Usage: sudo bench/router_bench.sh TOOLS_DIR [ROUNDS=5] [SECONDS=5]
#        (TOOLS_DIR: build/release/src/tools)
set -uo pipefail
tools=$(cd "$1" && pwd)
rounds=${2:-5}
secs=${3:-5}
[ "$(id -u)" -eq 0 ] || { echo "router_bench: needs root" >&2; exit 2; }
for t in ip iptables-restore iptables curl python3 iperf3 ping conntrack; do
  command -v "$t" >/dev/null || { echo "router_bench: needs $t" >&2; exit 2; }
done
tmp=$(mktemp -d)
dp="ntrb-$$-dp" vmns="ntrb-$$-vm" extns="ntrb-$$-ext"
run=$tmp/run
mkdir -p "$run"
spid="" apid="" router=""
cleanup() {
  [ -n "$apid" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
  [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
  [ -f "$run/pid" ] && kill -9 "$(cat "$run/pid")" 2>/dev/null
  [ -n "$router" ] && ip netns delete "qrouter-$router" 2>/dev/null
  for f in "$tmp"/state/external/pids/*.pid; do  # the routers' haproxy (the agent leaves it)
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  for n in "$vmns" "$extns" "$dp"; do ip netns delete "$n" 2>/dev/null; done
  [ -n "${ROUTER_BENCH_LOG:-}" ] && cp "$tmp/agent.log" "$ROUTER_BENCH_LOG"
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "router_bench: $*" >&2
  tail -5 "$tmp/agent.log" >&2 2>/dev/null
  exit 1
}
wait_for() {  # SECONDS COMMAND...
  local i
  for i in $(seq $(($1 * 100))); do "${@:2}" >/dev/null 2>&1 && return 0; sleep 0.01; done
  return 1
}
now_ms() { date +%s%3N; }
vsctl() { ip netns exec "$dp" env NVS_RUNDIR="$run" "$tools/nvs-vsctl" "$@"; }

for n in "$dp" "$vmns" "$extns"; do ip netns add "$n" || fail "cannot create namespace $n"; done
ip netns exec "$dp" "$tools/neutrino-vswitchd" --detach --pidfile="$run/pid" \
  --log-file="$run/vswitchd.log" --rundir="$run" || fail "vswitchd did not start"
vsctl add-br br-ex || fail "add-br br-ex"
ip link add "ntrb$$a" type veth peer name "ntrb$$b" || fail "veth"
ip link set "ntrb$$a" netns "$dp"
ip link set "ntrb$$b" netns "$extns"
ip -n "$dp" link set "ntrb$$a" up
vsctl add-port br-ex "ntrb$$a" || fail "add-port br-ex"
ip -n "$extns" link set lo up
ip -n "$extns" link set "ntrb$$b" up
ip -n "$extns" addr add 10.10.10.1/24 dev "ntrb$$b"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/neutron.conf" <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
[database]
connection = sqlite:///$tmp/neutron.sqlite
[ml2]
type_drivers = flat,local
tenant_network_types = local
[ml2_type_flat]
flat_networks = external
CONF
"$tools/neutrino-server" --config-file "$tmp/neutron.conf" --log-file "$tmp/server.log" \
  --state-dir "$tmp" >/dev/null 2>&1 &
spid=$!
url=http://127.0.0.1:$port
wait_for 10 curl -sf "$url/" || fail "server did not start"
host=rbhost-$$
cat >"$tmp/l3.ini" <<CONF
[DEFAULT]
host = $host
state_path = $tmp/state
[ovs]
bridge_mappings = external:br-ex
[agent]
report_interval = 1
CONF
"$tools/neutrino-agent" --config-file "$tmp/l3.ini" --server-url "$url" --rundir "$run" \
  --role l3 --datapath-netns "$dp" --log-file "$tmp/agent.log" >/dev/null 2>&1 &
apid=$!

api() {  # METHOD PATH [BODY]
  curl -sf -X "$1" -H 'Content-Type: application/json' ${3:+-d "$3"} "$url/v2.0/$2"
}
val() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
ext=$(api POST networks '{"network":{"name":"ext","router:external":true,"provider:network_type":"flat","provider:physical_network":"external"}}' | val '["network"]["id"]') || fail "ext network"
api POST subnets "{\"subnet\":{\"network_id\":\"$ext\",\"cidr\":\"10.10.10.0/24\",\"gateway_ip\":\"10.10.10.1\",\"ip_version\":4,\"enable_dhcp\":false}}" >/dev/null || fail "ext subnet"
net=$(api POST networks '{"network":{"name":"tenant"}}' | val '["network"]["id"]')
sub=$(api POST subnets "{\"subnet\":{\"network_id\":\"$net\",\"cidr\":\"172.16.100.0/24\",\"ip_version\":4,\"enable_dhcp\":false}}" | val '["subnet"]["id"]')
wait_for 10 sh -c "curl -sf '$url/v2.0/agents' | grep -q 'L3 agent'" || fail "no L3 agent reported"

# The instance: a port bound here, plugged as os-vif plugs it, moved into its namespace.
vmj=$(api POST ports "{\"port\":{\"network_id\":\"$net\",\"binding:host_id\":\"$host\"}}")
vm=$(echo "$vmj" | val '["port"]["id"]')
vmmac=$(echo "$vmj" | val '["port"]["mac_address"]')
vmip=$(echo "$vmj" | val '["port"]["fixed_ips"][0]["ip_address"]')
tap="tap${vm:0:11}"
vsctl -- --may-exist add-port br-int "$tap" -- set Interface "$tap" type=internal \
  "external_ids:iface-id=$vm" "external_ids:attached-mac=$vmmac" external_ids:iface-status=active \
  || fail "plug $tap"
wait_for 15 sh -c "curl -sf '$url/v2.0/ports/$vm' | grep -q '\"status\": *\"ACTIVE\"'" || fail "instance port not ACTIVE"
wait_for 5 ip -n "$dp" link show "$tap" || fail "no $tap"
ip -n "$dp" link set "$tap" netns "$vmns"
ip -n "$vmns" link set lo up
ip -n "$vmns" link set "$tap" address "$vmmac" up
ip -n "$vmns" addr add "$vmip/24" dev "$tap"
ip -n "$vmns" route add default via 172.16.100.1

pings() { ip netns exec "$1" ping -c 1 -W 0.1 "$2"; }
router=$(api POST routers "{\"router\":{\"name\":\"r1\",\"external_gateway_info\":{\"network_id\":\"$ext\"}}}" | val '["router"]["id"]')
ns=qrouter-$router
wait_for 15 sh -c "ip netns exec '$ns' iptables -t nat -S | grep -q -- '-j SNAT'" || fail "$ns: no SNAT rule"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: >"$tmp/t1" && : >"$tmp/t2"
for r in $(seq "$rounds"); do
  t0=$(now_ms)
  api PUT "routers/$router/add_router_interface" "{\"subnet_id\":\"$sub\"}" >/dev/null || fail "add_router_interface"
  wait_for 10 pings "$vmns" 10.10.10.1 || fail "round $r: no traffic after add_router_interface"
  echo $(($(now_ms) - t0)) >>"$tmp/t1"
  fipj=$(api POST floatingips "{\"floatingip\":{\"floating_network_id\":\"$ext\"}}")
  fip=$(echo "$fipj" | val '["floatingip"]["floating_ip_address"]')
  fid=$(echo "$fipj" | val '["floatingip"]["id"]')
  t0=$(now_ms)
  api PUT "floatingips/$fid" "{\"floatingip\":{\"port_id\":\"$vm\"}}" >/dev/null || fail "floating ip set"
  wait_for 10 pings "$extns" "$fip" || fail "round $r: $fip unreachable after association"
  echo $(($(now_ms) - t0)) >>"$tmp/t2"
  if [ "$r" -lt "$rounds" ]; then
    api DELETE "floatingips/$fid" >/dev/null
    api PUT "routers/$router/remove_router_interface" "{\"subnet_id\":\"$sub\"}" >/dev/null
    wait_for 10 sh -c "! ip netns exec '$vmns' ping -c 1 -W 0.2 10.10.10.1" || fail "interface stays"
  fi
done

iperf() {  # the instance to ext, Mbit/s
  ip netns exec "$vmns" iperf3 -c 10.10.10.1 -t "$secs" -f m 2>/dev/null |
    awk '/receiver/ {print $(NF-2)}'
}
ip netns exec "$extns" iperf3 -s -D --pidfile "$tmp/iperf.pid" >/dev/null 2>&1
sleep 0.5
snat=$(iperf)
ip netns exec "$ns" iptables -t nat -F
ip netns exec "$ns" conntrack -F >/dev/null 2>&1
ip netns exec "$extns" ip route add 172.16.100.0/24 via "$(ip netns exec "$ns" ip -4 -o addr show | awk '/qg-/ && /\/24/ {sub("/.*","",$4); print $4}')"
plain=$(iperf)
kill "$(cat "$tmp/iperf.pid")" 2>/dev/null

t1=$(median <"$tmp/t1") t2=$(median <"$tmp/t2")
echo "router_bench: $rounds rounds (median, max), iperf3 ${secs}s"
printf '%-48s %8s %8s  %s\n' "router add subnet -> instance pings out (ms)" "$t1" "$(sort -n "$tmp/t1" | tail -1)" "target <= 1000"
printf '%-48s %8s %8s  %s\n' "floating ip set -> outside pings it (ms)" "$t2" "$(sort -n "$tmp/t2" | tail -1)" "target <= 1000"
printf '%-48s %8s Mbit/s\n' "TCP through the router, SNAT" "$snat"
printf '%-48s %8s Mbit/s\n' "TCP through the router, no NAT rules" "$plain"
python3 -c "print('%-48s %8.3f  target >= 0.90' % ('SNAT / plain forwarding', float('$snat')/float('$plain')))"
