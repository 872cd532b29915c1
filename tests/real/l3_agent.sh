#!/usr/bin/env bash
# neutrino-agent --role l3 as a process on the real kernel: neutrino-server, neutrino-vswitchd
# with real (tap) internal ports in a scratch datapath namespace, and the agent. A router with a
# gateway on an external network and an interface on a tenant subnet (created through the API
# with curl) becomes qrouter-<id> holding qr-/qg- with their addresses, the default route and
# Neutron's nat rules; a floating IP adds its /32 and DNAT; deleting the router removes the
# namespace. Everything it creates carries its pid or is the router's own namespace, and is
# removed on exit, pass or fail. Needs root, ip, iptables, curl (else 77).
# Usage: l3_agent.sh TOOLS_DIR
set -uo pipefail
tools=$(cd "$1" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in ip iptables-restore iptables curl python3; do
  command -v "$t" >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done
tmp=$(mktemp -d)
dp="ntl3e-$$-dp"
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
  ip netns delete "$dp" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- agent log"; tail -20 "$tmp/agent.log" 2>/dev/null
  [ -n "$router" ] && { echo "--- qrouter-$router"; ip -n "qrouter-$router" -o -4 addr show; } 2>/dev/null
  exit 1
}
wait_for() {  # SECONDS COMMAND...
  local i
  for i in $(seq $(($1 * 10))); do "${@:2}" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

ip netns add "$dp" || { echo "SKIP: cannot create namespaces"; exit 77; }
ip netns exec "$dp" "$tools/neutrino-vswitchd" --detach --pidfile="$run/pid" \
  --log-file="$run/vswitchd.log" --rundir="$run" || fail "vswitchd did not start"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/neutron.conf" <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
[database]
connection = sqlite:///$tmp/neutron.sqlite
CONF
"$tools/neutrino-server" --config-file "$tmp/neutron.conf" --log-file "$tmp/server.log" \
  --state-dir "$tmp" >/dev/null 2>&1 &
spid=$!
url=http://127.0.0.1:$port
wait_for 10 curl -sf "$url/" || fail "server did not start"
cat >"$tmp/l3.ini" <<CONF
[DEFAULT]
host = l3host-$$
state_path = $tmp/state
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
ext=$(api POST networks '{"network":{"name":"ext","router:external":true}}' | val '["network"]["id"]')
api POST subnets "{\"subnet\":{\"network_id\":\"$ext\",\"cidr\":\"10.10.10.0/24\",\"ip_version\":4,\"enable_dhcp\":false}}" >/dev/null || fail "ext subnet"
net=$(api POST networks '{"network":{"name":"tenant"}}' | val '["network"]["id"]')
sub=$(api POST subnets "{\"subnet\":{\"network_id\":\"$net\",\"cidr\":\"172.16.100.0/24\",\"ip_version\":4}}" | val '["subnet"]["id"]')
wait_for 10 sh -c "curl -sf '$url/v2.0/agents' | grep -q 'L3 agent'" || fail "no L3 agent reported"
router=$(api POST routers "{\"router\":{\"name\":\"r1\",\"external_gateway_info\":{\"network_id\":\"$ext\"}}}" | val '["router"]["id"]')
api PUT "routers/$router/add_router_interface" "{\"subnet_id\":\"$sub\"}" >/dev/null || fail "add_router_interface"
ns=qrouter-$router

nat_has() { ip netns exec "$ns" iptables -t nat -S | grep -qF -- "$1"; }
wait_for 15 nat_has "-j SNAT --to-source" || fail "$ns: no SNAT rule"
gw=$(ip netns exec "$ns" iptables -t nat -S | sed -nE 's/.*-o (qg-[^ ]+) -j SNAT --to-source ([0-9.]+).*/\2/p')
[ -n "$gw" ] || fail "no gateway address in the SNAT rule"
addr_has() { ip -n "$ns" -o -4 addr show | grep -q "inet $1"; }
wait_for 15 addr_has 172.16.100.1/24 || fail "qr- lacks 172.16.100.1/24"
# The router is wired twice (gateway first, then the interface); a dump of the namespace's
# addresses taken while the second pass runs can miss qg-'s: wait for the converged state.
wait_for 15 addr_has "$gw/24" || fail "qg- lacks $gw/24"
route_has() { ip -n "$ns" -4 route show | grep -q "^default via 10.10.10.1 dev qg-"; }
wait_for 15 route_has || fail "no default route"
[ "$(ip netns exec "$ns" sysctl -n net.ipv4.ip_forward)" = 1 ] || fail "forwarding off"
echo "router $router: qr-/qg- wired, gateway $gw"

vm=$(api POST ports "{\"port\":{\"network_id\":\"$net\"}}" | val '["port"]["id"]')
fipj=$(api POST floatingips "{\"floatingip\":{\"floating_network_id\":\"$ext\",\"port_id\":\"$vm\"}}")
fip=$(echo "$fipj" | val '["floatingip"]["floating_ip_address"]')
fip_id=$(echo "$fipj" | val '["floatingip"]["id"]')
wait_for 15 nat_has "-d $fip/32 -j DNAT" || fail "no DNAT for $fip"
wait_for 5 addr_has "$fip/32" || fail "qg- lacks $fip/32"
echo "floating IP $fip: DNAT and /32 in place"
api DELETE "floatingips/$fip_id" >/dev/null
wait_for 15 sh -c "! ip netns exec '$ns' iptables -t nat -S | grep -q -- '-d $fip/32'" ||
  fail "DNAT for $fip stays"
addr_has "$fip/32" && fail "qg- keeps $fip/32"
echo "floating IP deleted: DNAT and /32 gone"

api PUT "routers/$router/remove_router_interface" "{\"subnet_id\":\"$sub\"}" >/dev/null || fail "remove_router_interface"
api PUT "routers/$router" '{"router":{"external_gateway_info":{}}}' >/dev/null || fail "clear gateway"
api DELETE "routers/$router" >/dev/null
wait_for 15 sh -c "! ip netns list | grep -q '^$ns'" || fail "$ns not removed"
echo "PASS"
