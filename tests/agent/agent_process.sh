#!/usr/bin/env bash
# neutrino-agent as a process: the real neutrino-server, neutrino-vswitchd (dummy netdevs: no
# root) and neutrino-agent. A port created with `openstack port create --host` and plugged with
# nvs-vsctl exactly as Nova/os-vif plug it goes ACTIVE with the seed's flows; `openstack network
# agent list` shows the agent alive; kill -9 of the daemon and a restart: flows back within 1 s;
# an agent restart: the same flows under one new cookie (no stale one); SIGTERM: clean exit,
# flows stay.
# Usage: agent_process.sh TOOLS_DIR. Exits 77 (skipped) without the openstack CLI or curl.
set -uo pipefail
tools=$1
source "$(dirname "$0")/../server/cli_fixture.sh"
run=$tmp/run
mkdir -p "$run"
export NVS_RUNDIR=$run
apid=""
stop_all() {
  [ -n "$apid" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
  [ -f "$run/pid" ] && kill -9 "$(cat "$run/pid")" 2>/dev/null
  cleanup
}
trap stop_all EXIT
afail() { echo "--- agent log"; tail -20 "$tmp/agent.log"; fail "$@"; }
now_ms() { date +%s%3N; }

cat >"$tmp/neutron.conf" <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
[database]
connection = sqlite:///$tmp/neutron.sqlite
CONF
start_server --config-file "$tmp/neutron.conf"
start_daemon() {
  "$tools/neutrino-vswitchd" --enable-dummy --detach --pidfile="$run/pid" --log-file="$run/vswitchd.log" \
    --rundir="$run" || fail "vswitchd did not start"
}
start_daemon
cat >"$tmp/ovs.ini" <<CONF
[DEFAULT]
host = compute01
[ovs]
local_ip = 166.66.16.11
[agent]
tunnel_types = vxlan
report_interval = 2
CONF
start_agent() {
  "$tools/neutrino-agent" --config-file "$tmp/ovs.ini" --server-url "$url" --rundir "$run" \
    --log-file "$tmp/agent.log" >/dev/null 2>&1 &
  apid=$!
}
start_agent
vsctl() { "$tools/nvs-vsctl" "$@"; }
ofctl() { "$tools/nvs-ofctl" "$@"; }
flows() { ofctl dump-flows --no-stats "$1" | sed -E 's/cookie=0x[0-9a-f]+/cookie=C/g' | sort; }
cookies() { ofctl dump-flows --no-stats "$1" | grep -o '^ *cookie=0x[0-9a-f]*' | sort -u | wc -l; }
wait_for() {  # SECONDS COMMAND...: until COMMAND succeeds
  local end=$(($(now_ms) + $1 * 1000)); shift
  until "$@" >/dev/null 2>&1; do [ "$(now_ms)" -lt "$end" ] || return 1; sleep 0.02; done
}
has_canary() { ofctl dump-flows br-int table=23 | grep -q 'actions=drop'; }
wait_for 10 has_canary || afail "agent did not set up br-int"
vsctl br-exists br-tun || afail "no br-tun"
expect_eq "$(vsctl get Interface patch-int options)" "{peer=patch-tun}" "patch-int"

# A second (fake) agent with a tunnel endpoint: the mesh gets vxlan-a642100a.
curl -sf -X POST "$url/v2.0/neutrino/agent-report" -H 'Content-Type: application/json' \
  -d '{"agent_state": {"agent_type": "Open vSwitch agent", "binary": "neutrino-openvswitch-agent",
       "host": "devstack-controller", "topic": "N/A", "start_flag": true,
       "configurations": {"tunneling_ip": "166.66.16.10", "tunnel_types": ["vxlan"]}}}' >/dev/null \
  || fail "report"
wait_for 5 vsctl get Interface vxlan-a642100a ofport || afail "no tunnel port to the peer"
expect_eq "$(vsctl get Interface vxlan-a642100a options)" \
  '{in_key=flow, local_ip="166.66.16.11", out_key=flow, remote_ip="166.66.16.10"}' "tunnel options"

os network create vxlan100 --provider-network-type vxlan --provider-segment 100 -f value -c id \
  >"$tmp/net" || fail "network create"
os subnet create sub100 --network vxlan100 --subnet-range 172.16.100.0/24 >/dev/null || fail "subnet"
os port create vm2-port --network vxlan100 --host compute01 --fixed-ip ip-address=172.16.100.4 \
  -f json >"$tmp/port" || fail "port create"
pid_=$(val "['id']" <"$tmp/port")
mac=$(val "['mac_address']" <"$tmp/port")
expect_eq "$(os port show "$pid_" -f value -c status)" DOWN "before the plug"
tap=tap${pid_:0:11}
t0=$(now_ms)
vsctl -- --may-exist add-port br-int "$tap" -- set Interface "$tap" external_ids:iface-id="$pid_" \
  external_ids:attached-mac="$mac" external_ids:iface-status=active external_ids:vm-uuid=vm2
active() { curl -sf "$url/v2.0/ports/$pid_" | grep -q '"status":"ACTIVE"'; }
wait_for 5 active || afail "port not ACTIVE"
echo "plug -> ACTIVE: $(($(now_ms) - t0)) ms"
expect_eq "$(os port show "$pid_" -f value -c status)" ACTIVE "openstack port show"
expect_eq "$(vsctl get Port "$tap" tag)" 1 "local VLAN"
os network agent list -f value -c "Agent Type" -c Host -c Alive | grep -q "Open vSwitch agent compute01 True" \
  || afail "agent not alive in the list: $(os network agent list -f value)"

cat >"$tmp/want-br-tun" <<'FLOWS'
 cookie=C, priority=0 actions=drop
 cookie=C, priority=1,in_port=1 actions=resubmit(,2)
 cookie=C, priority=1,in_port=2 actions=resubmit(,4)
 cookie=C, table=10, priority=1 actions=learn(table=20,hard_timeout=300,priority=1,cookie=C,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[]),output:1
 cookie=C, table=2, priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,20)
 cookie=C, table=2, priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,22)
 cookie=C, table=20, priority=0 actions=resubmit(,22)
 cookie=C, table=22, dl_vlan=1 actions=strip_vlan,set_tunnel:0x64,output:2
 cookie=C, table=22, priority=0 actions=drop
 cookie=C, table=3, priority=0 actions=drop
 cookie=C, table=4, priority=0 actions=drop
 cookie=C, table=4, priority=1,tun_id=0x64 actions=mod_vlan_vid:1,resubmit(,10)
 cookie=C, table=6, priority=0 actions=drop
FLOWS
have_seed_flows() { diff <(flows br-tun) "$tmp/want-br-tun"; }
have_seed_flows >/dev/null || { have_seed_flows; afail "br-tun flows differ from the seed's"; }
flows br-int >"$tmp/br-int.before"
flows br-tun >"$tmp/br-tun.before"

# kill -9 of the daemon, then a restart: the flows are back within 1 s of its return.
kill -9 "$(cat "$run/pid")"
sleep 0.3
ofctl del-flows br-int 2>/dev/null && fail "daemon still answering"
start_daemon
t0=$(now_ms)
same() { diff <(flows br-int) "$tmp/br-int.before" && diff <(flows br-tun) "$tmp/br-tun.before"; }
wait_for 1 same || { same; afail "flows not back within 1 s of the daemon's return"; }
echo "daemon back -> flows equal: $(($(now_ms) - t0)) ms"
# The same daemon's flows wiped by hand: the canary (table 23) makes the agent re-apply.
ofctl del-flows br-int
wait_for 3 same || afail "flows not re-applied after del-flows"

# Agent restart: no stale cookie, the same flows, the port still ACTIVE and on VLAN 1.
kill "$apid"
wait "$apid" || fail "agent did not exit cleanly on SIGTERM"
apid=""
same || fail "flows changed when the agent stopped"
old=$(ofctl dump-flows --no-stats br-int | grep -o 'cookie=0x[0-9a-f]*' | sort -u)
start_agent
newcookie() { ! ofctl dump-flows --no-stats br-int | grep -q "$old"; }
wait_for 5 newcookie || afail "old cookie still present"
wait_for 5 same || { same; afail "flows differ after the agent restart"; }
for br in br-int br-tun; do expect_eq "$(cookies $br)" 1 "cookies on $br"; done
expect_eq "$(vsctl get Port "$tap" tag)" 1 "local VLAN kept over the restart"
active || fail "port not ACTIVE after the agent restart"

# Unplugged: DOWN, and the network's flows are gone with its local VLAN.
vsctl del-port br-int "$tap"
down() { curl -sf "$url/v2.0/ports/$pid_" | grep -q '"status":"DOWN"'; }
wait_for 5 down || afail "port not DOWN after the unplug"
wait_for 2 bash -c "! $tools/nvs-ofctl dump-flows br-tun | grep -q tun_id=0x64" || afail "flows of the network left"
echo "PASS"
