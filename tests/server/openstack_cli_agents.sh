#!/usr/bin/env bash
# neutrino-server's agents and change feed over real HTTP: agents report with curl (what
# neutrino-agent sends, POST /v2.0/neutrino/agent-report), the real `openstack network agent
# list/show/set/delete` shows them alive `:-)` and `XXX` after agent_down_time (10 s here), ports
# bound through `openstack port create --host` get Neutron's OVS binding, a DHCP agent's report
# schedules a subnet's network to it (its network:dhcp port at .2, `openstack network agent list
# --network`), an L3 agent's report schedules a router to it (`openstack network agent list
# --router`, agent add/remove router --l3), and a long-poll on /v2.0/neutrino/changes is
# answered as soon as a port is created while other requests are still served.
# Usage: openstack_cli_agents.sh TOOLS_DIR. Exits 77 (skipped) without the openstack CLI or curl.
set -uo pipefail
tools=$1
source "$(dirname "$0")/cli_fixture.sh"
cat >"$tmp/neutron.conf" <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
agent_down_time = 10
[database]
connection = sqlite:///$tmp/neutron.sqlite
CONF
start_server --config-file "$tmp/neutron.conf"
report() {  # TYPE BINARY HOST [CONFIGURATIONS]
  curl -sf -X POST "$url/v2.0/neutrino/agent-report" -H 'Content-Type: application/json' \
    -d "{\"agent_state\": {\"agent_type\": \"$1\", \"binary\": \"$2\", \"host\": \"$3\",
         \"topic\": \"N/A\", \"start_flag\": true, \"configurations\": ${4:-{\}}}}"
}

curl -s "$url/v2.0/extensions" | grep -q '"alias":"agent"' || fail "extension agent"
conf='{"tunneling_ip": "192.0.2.1", "tunnel_types": ["vxlan"]}'
out=$(report "Open vSwitch agent" neutron-openvswitch-agent compute1 "$conf") || fail "report"
expect_eq "$(echo "$out" | val "['state']")" new "first report"
ovs=$(echo "$out" | val "['agent']['id']")
expect_eq "$(report "Open vSwitch agent" neutron-openvswitch-agent compute1 "$conf" | val "['state']")" alive "second report"
dhcp=$(report "DHCP agent" neutron-dhcp-agent controller | val "['agent']['id']") || fail "dhcp report"

# The table shows Alive and State as people read them (-f value gives True/False).
row() { os network agent list "$@" -c ID -c "Agent Type" -c Host -c Alive -c State -c Binary | tr -s ' ' | grep -- "-"; }
# Each check of a live agent reports just before: the CLI alone takes seconds on a loaded machine.
ovs_report() { report "Open vSwitch agent" neutron-openvswitch-agent compute1 "$conf" >/dev/null || fail "report"; }
ovs_report
out=$(row) || fail "agent list"
expect_eq "$(echo "$out" | grep -c '| :-) | UP |')" 2 "both alive and up: $out"
echo "$out" | grep -qx "| $ovs | Open vSwitch agent | compute1 | :-) | UP | neutron-openvswitch-agent |" || fail "ovs row: $out"
expect_eq "$(os network agent list --host controller -f value -c ID)" "$dhcp" "list --host"
expect_eq "$(os network agent list --agent-type dhcp -f value -c ID)" "$dhcp" "list --agent-type"
out=$(os network agent show "$ovs" -f json) || fail "agent show"
expect_eq "$(echo "$out" | val "['configuration']['tunneling_ip']")" 192.0.2.1 "configurations"
expect_eq "$(echo "$out" | val "['host']")" compute1 "host"

# agent_down_time = 10: the DHCP agent stops reporting and is shown dead; the OVS one is not.
sleep 11
row --host controller | grep -q "| $dhcp | DHCP agent | controller | XXX | UP |" || fail "dead agent: $(row)"
ovs_report
row --host compute1 | grep -q "| $ovs | Open vSwitch agent | compute1 | :-) | UP |" || fail "live agent: $(row)"

os network agent set --disable --description maintenance "$dhcp" || fail "agent set --disable"
expect_eq "$(os network agent show "$dhcp" -f value -c admin_state_up -c description | tr '\n' ' ')" \
  "False maintenance " "disabled"
row --host controller | grep -q "| XXX | DOWN |" || fail "State DOWN: $(row)"
os network agent set --enable "$dhcp" || fail "agent set --enable"
os network agent delete "$dhcp" || fail "agent delete"
err=$(os network agent show "$dhcp" 2>&1) && fail "deleted agent shown"
echo "$err" | grep -q "$dhcp" || fail "not found: $err"
expect_eq "$(os network agent list -f value -c ID)" "$ovs" "one agent left"

# ML2 binding (controller/binding.h) through the real CLI, as Nova binds: compute1's alive OVS
# agent reports vxlan, so a port on a vxlan network bound there is `ovs` with the OVS driver's
# vif_details; a host without an agent is binding_failed until that agent reports; ports stay
# DOWN until device-status; --host cleared is unbound.
os network create bindnet -f value -c id >/dev/null || fail "network create bindnet"
ovs_report
out=$(os port create --network bindnet --host compute1 bound1 -f json) || fail "port create --host"
expect_eq "$(echo "$out" | val "['binding_vif_type']")" ovs "vif_type on an agent's host"
expect_eq "$(echo "$out" | val "['status']")" DOWN "status before the agent wires it"
p1=$(echo "$out" | val "['id']")
out=$(os port show "$p1" -f json) || fail "port show"
expect_eq "$(echo "$out" | val "['binding_vif_details']" | tr -d "'{} ")" \
  "bridge_name:br-int,connectivity:l2,datapath_type:system,ovs_hybrid_plug:False,port_filter:True" \
  "vif_details"
expect_eq "$(echo "$out" | val "['binding_host_id']")" compute1 "binding host"
# The table form shows it too.
# (The whole output first: with pipefail, grep -q closing early could fail the CLI's write.)
table=$(os port show "$p1" -c binding_vif_type) || fail "port show table"
grep -q "| binding_vif_type | ovs" <<<"$table" || fail "table: $table"
p3=$(os port create --network bindnet --host compute3 bound3 -f value -c id) || fail "port create compute3"
expect_eq "$(os port show "$p3" -f value -c binding_vif_type)" binding_failed "no agent on compute3"
report "Open vSwitch agent" neutron-openvswitch-agent compute3 \
  '{"tunneling_ip": "192.0.2.3", "tunnel_types": ["vxlan"]}' >/dev/null || fail "compute3 report"
expect_eq "$(os port show "$p3" -f value -c binding_vif_type)" ovs "rebound when compute3's agent reports"
out=$(os network agent list --host compute3 -c Host -c Alive | tr -s ' ') || fail "agent list compute3"
echo "$out" | grep -q "| compute3 | :-) |" || fail "compute3 alive: $out"
curl -sf -X POST "$url/v2.0/neutrino/device-status" -H 'Content-Type: application/json' \
  -d "{\"host\": \"compute1\", \"devices_up\": [\"$p1\"]}" >/dev/null || fail "device-status"
expect_eq "$(os port show "$p1" -f value -c status)" ACTIVE "status after device-status up"
os port unset --host "$p1" || fail "port unset --host"
expect_eq "$(os port show "$p1" -f value -c binding_vif_type -c binding_host_id | tr '\n' ' ')" \
  " unbound " "unbound without a host"
os port delete "$p1" "$p3" || fail "port delete"
os network delete bindnet || fail "network delete bindnet"
os network agent delete "$(os network agent list --host compute3 -f value -c ID)" || fail "delete compute3 agent"

# DHCP (controller/dhcp.h): a DHCP agent reports as neutron-dhcp-agent does; a DHCP-enabled
# subnet then gets its network:dhcp port (.2, bound to the agent's host) and the network is
# listed as hosted by that agent (dhcp_agent_scheduler: list, remove, add).
dhcp_report() {
  curl -sf -X POST "$url/v2.0/neutrino/agent-report" -H 'Content-Type: application/json' \
    -d '{"agent_state": {"agent_type": "DHCP agent", "binary": "neutron-dhcp-agent",
         "host": "compute1", "topic": "dhcp_agent", "availability_zone": "nova",
         "start_flag": true, "configurations": {"dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq",
         "dhcp_lease_duration": 86400, "networks": 0, "subnets": 0, "ports": 0}}}'
}
curl -s "$url/v2.0/extensions" | grep -q '"alias":"dhcp_agent_scheduler"' || fail "extension dhcp_agent_scheduler"
dhcp=$(dhcp_report | val "['agent']['id']") || fail "dhcp report"
ovs_report
os network create dhcpnet -f value -c id >/dev/null || fail "network create dhcpnet"
os subnet create --network dhcpnet --subnet-range 10.0.7.0/24 dhcpsub -f value -c id >/dev/null ||
  fail "subnet create dhcpsub"
out=$(os port list --network dhcpnet --device-owner network:dhcp -f json) || fail "port list dhcp"
expect_eq "$(echo "$out" | val "[0]['Fixed IP Addresses'][0]['ip_address']")" 10.0.7.2 "DHCP port at .2"
dport=$(echo "$out" | val "[0]['ID']")
expect_eq "$(os port show "$dport" -f value -c binding_host_id -c binding_vif_type | tr '\n' ' ')" \
  "compute1 ovs " "DHCP port bound to the agent's host"
dhcp_report >/dev/null || fail "dhcp report"
out=$(os network agent list --network dhcpnet -c ID -c "Agent Type" -c Host -c "Availability Zone" \
  -c Alive -c Binary | tr -s ' ') || fail "agent list --network"
echo "$out" | grep -q "| $dhcp | DHCP agent | compute1 | nova | :-) | neutron-dhcp-agent |" ||
  fail "agent list --network: $out"
expect_eq "$(echo "$out" | grep -c -- '-.*|')" 1 "only the DHCP agent hosts dhcpnet: $out"
os network agent remove network --dhcp "$dhcp" dhcpnet || fail "agent remove network"
expect_eq "$(os network agent list --network dhcpnet -f value -c ID)" "" "removed from the agent"
os network agent add network --dhcp "$dhcp" dhcpnet || fail "agent add network"
expect_eq "$(os network agent list --network dhcpnet -f value -c ID)" "$dhcp" "added to the agent"
# Deleted by hand, the DHCP port comes back at the agent's next report.
dport=$(os port list --network dhcpnet --device-owner network:dhcp -f value -c ID) || fail "port list"
os port delete "$dport" || fail "DHCP port delete"
dhcp_report >/dev/null || fail "dhcp report"
expect_eq "$(os port list --network dhcpnet --device-owner network:dhcp -f value -c ID | wc -l)" 1 \
  "DHCP port recreated"
os subnet delete dhcpsub || fail "subnet delete with a DHCP port"
expect_eq "$(os port list --network dhcpnet -f value -c ID | wc -l)" 0 "DHCP port gone with the subnet"
os network delete dhcpnet || fail "network delete dhcpnet"
os network agent delete "$dhcp" || fail "dhcp agent delete"

# L3 (controller/l3_agents.h): an L3 agent reports as neutrino-l3-agent does; a new router is
# scheduled to it (`openstack network agent list --router`), removed from it and added back
# (l3_agent_scheduler); another kind of agent is refused with Neutron's InvalidL3Agent.
l3_report() {
  curl -sf -X POST "$url/v2.0/neutrino/agent-report" -H 'Content-Type: application/json' \
    -d '{"agent_state": {"agent_type": "L3 agent", "binary": "neutrino-l3-agent",
         "host": "network1", "topic": "l3_agent", "availability_zone": "nova",
         "start_flag": true, "configurations": {"agent_mode": "legacy", "routers": 0,
         "ex_gw_ports": 0, "interfaces": 0, "floating_ips": 0}}}'
}
curl -s "$url/v2.0/extensions" | grep -q '"alias":"l3_agent_scheduler"' || fail "extension l3_agent_scheduler"
l3=$(l3_report | val "['agent']['id']") || fail "l3 report"
os router create l3router -f value -c id >/dev/null || fail "router create l3router"
l3_report >/dev/null || fail "l3 report"
out=$(os network agent list --router l3router -c ID -c "Agent Type" -c Host -c Alive -c Binary |
  tr -s ' ') || fail "agent list --router"
echo "$out" | grep -q "| $l3 | L3 agent | network1 | :-) | neutrino-l3-agent |" ||
  fail "agent list --router: $out"
expect_eq "$(os network agent list --agent-type l3 -f value -c ID)" "$l3" "list --agent-type l3"
os network agent remove router --l3 "$l3" l3router || fail "agent remove router --l3"
expect_eq "$(os network agent list --router l3router -f value -c ID)" "" "removed from the agent"
os network agent add router --l3 "$l3" l3router || fail "agent add router --l3"
expect_eq "$(os network agent list --router l3router -f value -c ID)" "$l3" "added to the agent"
# (The CLI does not check this answer, as with Neutron: it exits 0; curl shows it.)
rid=$(os router show l3router -f value -c id) || fail "router show l3router"
err=$(curl -s -w ' %{http_code}' -X POST "$url/v2.0/agents/$ovs/l3-routers" \
  -H 'Content-Type: application/json' -d "{\"router_id\": \"$rid\"}")
{ grep -q '"type":"InvalidL3Agent"' <<<"$err" && grep -q 'is not a L3 Agent or has been disabled' \
  <<<"$err" && grep -q ' 404$' <<<"$err"; } || fail "InvalidL3Agent: $err"
os router delete l3router || fail "router delete l3router"
os network agent delete "$l3" || fail "l3 agent delete"

# The feed: a long-poll waits, other requests are served meanwhile, a commit answers it.
state=$(curl -sf "$url/v2.0/neutrino/hosts/compute1/state") || fail "host state"
rev=$(echo "$state" | val "['revision']")
curl -sf "$url/v2.0/neutrino/changes?since=$rev&wait=20" >"$tmp/poll" &
poll=$!
sleep 0.3
os network create feednet -f value -c id >/dev/null || fail "network create during a long-poll"
wait $poll || fail "long-poll"
expect_eq "$(val "['changes'][0]['body']['name']" <"$tmp/poll")" feednet "feed answer"
# More waiters than the server's 8 ordinary workers: other requests are still answered at once.
rev=$(val "['revision']" <"$tmp/poll")
polls=()
for _ in $(seq 12); do
  curl -sf "$url/v2.0/neutrino/changes?since=$rev&wait=20" -o /dev/null & polls+=($!)
done
sleep 0.5
t0=$(date +%s%N)
curl -sf "$url/v2.0/networks" >/dev/null || fail "list while 12 long-polls wait"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 3000 ] || fail "list took $ms ms while long-polls wait"
os network delete feednet || fail "network delete (wakes the long-polls)"
for p in "${polls[@]}"; do wait "$p" || fail "long-poll $p"; done
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/v2.0/neutrino/changes?since=x")
expect_eq "$code" 400 "bad since"

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
expect_eq "$rc" 0 "exit status after SIGTERM"
echo "PASS"
