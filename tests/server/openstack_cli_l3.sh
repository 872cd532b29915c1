#!/usr/bin/env bash
# neutrino-server's L3 resources driven by the real `openstack` CLI, through the seed's router
# walkthrough: an external network 10.10.10.0/24 and a tenant subnet 172.16.100.0/24, a router
# with its gateway (10.10.10.2) and an interface (172.16.100.1), a floating IP (10.10.10.3)
# associated with a VM port and back, then the teardown, with the error cases (exit status and
# Neutron's message) on the way.
# Usage: openstack_cli_l3.sh TOOLS_DIR. Exits 77 (skipped) without the openstack CLI or curl.
set -uo pipefail
tools=$1
source "$(dirname "$0")/cli_fixture.sh"
cat >"$tmp/neutron.conf" <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
enable_snat_by_default = true
max_routes = 2
[database]
connection = sqlite:///$tmp/neutron.sqlite
[ml2_type_flat]
flat_networks = external
CONF
start_server --config-file "$tmp/neutron.conf"

for alias in router ext-gw-mode extraroute fip-port-details; do
  curl -s "$url/v2.0/extensions" | grep -q "\"alias\":\"$alias\"" || fail "extension $alias"
done

# The seed's networks.
os network create --external --provider-network-type flat --provider-physical-network external ext_net -f value -c id >/dev/null || fail "ext_net"
ext_sub=$(os subnet create --network ext_net --subnet-range 10.10.10.0/24 --no-dhcp subnet_10_10_10_0 -f value -c id) || fail "ext subnet"
os network create vlan100 -f value -c id >/dev/null || fail "vlan100"
sub=$(os subnet create --network vlan100 --subnet-range 172.16.100.0/24 \
  --allocation-pool start=172.16.100.2,end=172.16.100.99 subnet_172_16_100_0 -f value -c id) || fail "tenant subnet"
os network create internal -f value -c id >/dev/null || fail "internal"
os subnet create --network internal --subnet-range 192.168.7.0/24 internal_sub -f value -c id >/dev/null || fail "internal subnet"

# A router, its interface and its gateway.
out=$(os router create router_100_101 -f json) || fail "router create"
expect_eq "$(echo "$out" | val "['status']"),$(echo "$out" | val "['external_gateway_info']")" "ACTIVE,None" "new router"
router=$(echo "$out" | val "['id']")
os router add subnet router_100_101 subnet_172_16_100_0 || fail "router add subnet"
os router set --external-gateway ext_net router_100_101 || fail "router set --external-gateway"
out=$(os router show router_100_101 -f json) || fail "router show"
expect_eq "$(echo "$out" | val "['external_gateway_info']['external_fixed_ips']")" \
  "[{'ip_address': '10.10.10.2', 'subnet_id': '$ext_sub'}]" "gateway address"
expect_eq "$(echo "$out" | val "['external_gateway_info']['enable_snat']")" True "enable_snat"
echo "$out" | grep -q '"ip_address": "172.16.100.1"' || fail "interface address in router show: $out"
expect_eq "$(os port list --router router_100_101 -f value -c Fixed\ IP\ Addresses | grep -c 172.16.100.1)" 1 "port list --router"
expect_eq "$(os router list -f value -c Name)" router_100_101 "router list"

# Router errors.
err=$(os router set --external-gateway vlan100 router_100_101 2>&1) && fail "gateway on an internal network"
echo "$err" | grep -q "BadRequestException: 400.*Bad router request: Network .* is not an external network." || fail "not external: $err"
err=$(os router add subnet router_100_101 subnet_172_16_100_0 2>&1) && fail "subnet attached twice"
echo "$err" | grep -q "400.*Router already has a port on subnet $sub." || fail "twice: $err"
err=$(os router show nosuchrouter 2>&1) && fail "show of a missing router"
echo "$err" | grep -q "No Router found for nosuchrouter" || fail "missing router: $err"
iface=$(os port list --router router_100_101 --device-owner network:router_interface -f value -c ID) || fail "interface port"
err=$(os port delete "$iface" 2>&1) && fail "router port deleted through the port API"
echo "$err" | grep -q "cannot be deleted directly via the port API: has device owner network:router_interface." || fail "service port: $err"

# Extra routes (extraroute), max_routes = 2.
os router set --route destination=192.168.50.0/24,gateway=172.16.100.20 router_100_101 || fail "router set --route"
expect_eq "$(os router show router_100_101 -f json | val "['routes']")" \
  "[{'destination': '192.168.50.0/24', 'nexthop': '172.16.100.20'}]" "routes"
err=$(os router set --route destination=10.9.0.0/16,gateway=8.8.8.8 router_100_101 2>&1) && fail "unreachable nexthop"
echo "$err" | grep -q "400.*the nexthop is not connected with router" || fail "nexthop: $err"
err=$(os router set --route destination=10.9.0.0/16,gateway=172.16.100.21 --route destination=10.8.0.0/16,gateway=172.16.100.22 router_100_101 2>&1) && fail "max_routes"
echo "$err" | grep -q "The number of routes exceeds the maximum 2." || fail "max_routes: $err"
os router unset --route destination=192.168.50.0/24,gateway=172.16.100.20 router_100_101 || fail "router unset --route"
expect_eq "$(os router show router_100_101 -f json | val "['routes']")" "[]" "routes removed"

# A floating IP for a VM port: the seed's 10.10.10.3.
vm=$(os port create --network vlan100 cirros-vm1 -f value -c id) || fail "vm port"
out=$(os floating ip create ext_net -f json) || fail "floating ip create"
expect_eq "$(echo "$out" | val "['floating_ip_address']"),$(echo "$out" | val "['status']"),$(echo "$out" | val "['port_id']")" \
  "10.10.10.3,DOWN,None" "floating ip"
fip=$(echo "$out" | val "['id']")
os floating ip set --port cirros-vm1 10.10.10.3 || fail "floating ip set --port"
out=$(os floating ip show 10.10.10.3 -f json) || fail "floating ip show"
expect_eq "$(echo "$out" | val "['port_id']"),$(echo "$out" | val "['fixed_ip_address']"),$(echo "$out" | val "['router_id']")" \
  "$vm,172.16.100.2,$router" "association"
echo "$out" | val "['port_details']" | grep -q "name='cirros-vm1'" || fail "port_details: $out"
expect_eq "$(os floating ip list -f value -c 'Floating IP Address' -c 'Fixed IP Address')" "10.10.10.3 172.16.100.2" "floating ip list"
err=$(os router remove subnet router_100_101 subnet_172_16_100_0 2>&1) && fail "interface needed by a floating IP removed"
echo "$err" | grep -q "409.*cannot be deleted, as it is required by one or more floating IPs." || fail "in use by fip: $err"
os floating ip unset --port 10.10.10.3 || fail "floating ip unset --port"
expect_eq "$(os floating ip show "$fip" -f value -c port_id)" None "disassociated"

# Floating IP errors.
other=$(os port create --network internal other -f value -c id) || fail "other port"
err=$(os floating ip set --port other 10.10.10.3 2>&1) && fail "unreachable port associated"
echo "$err" | grep -q "ResourceNotFound: 404.*External network .* is not reachable from subnet" || fail "unreachable: $err"
err=$(os floating ip create vlan100 2>&1) && fail "floating ip on an internal network"
echo "$err" | grep -q "400.*is not a valid external network." || fail "fip on internal: $err"
err=$(os floating ip create --floating-ip-address 10.10.10.2 ext_net 2>&1) && fail "router's address taken"
echo "$err" | grep -q "409.*IP address 10.10.10.2 already allocated in subnet $ext_sub" || fail "taken: $err"
out=$(os floating ip create --floating-ip-address 10.10.10.50 --port cirros-vm1 ext_net -f json) || fail "fip with address and port"
expect_eq "$(echo "$out" | val "['floating_ip_address']"),$(echo "$out" | val "['fixed_ip_address']")" "10.10.10.50,172.16.100.2" "fip with port"
fip2=$(echo "$out" | val "['id']")
err=$(os floating ip set --port cirros-vm1 10.10.10.3 2>&1) && fail "second fip on one fixed ip"
echo "$err" | grep -q "409.*already has a floating IP on external network" || fail "already associated: $err"
os port delete cirros-vm1 || fail "associated port delete"
expect_eq "$(os floating ip show "$fip2" -f value -c port_id)" None "port delete disassociates"

# Teardown: in-use router, then the order that works.
err=$(os router delete router_100_101 2>&1) && fail "router with interfaces deleted"
echo "$err" | grep -q "409.*still has ports" || fail "router in use: $err"
os floating ip delete 10.10.10.3 "$fip2" || fail "floating ip delete"
expect_eq "$(os floating ip list -f value -c ID)" "" "floating ips gone"
os router remove subnet router_100_101 subnet_172_16_100_0 || fail "router remove subnet"
err=$(os router remove subnet router_100_101 subnet_172_16_100_0 2>&1) && fail "interface removed twice"
echo "$err" | grep -q "404.*has no interface on subnet $sub" || fail "not found: $err"
os router unset --external-gateway router_100_101 || fail "router unset --external-gateway"
expect_eq "$(os router show router_100_101 -f value -c external_gateway_info)" None "gateway removed"
os router delete router_100_101 || fail "router delete"
expect_eq "$(os router list -f value -c ID)" "" "routers gone"
os port delete other || fail "other delete"
os network delete vlan100 internal ext_net || fail "networks delete (nothing of L3 left)"

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
expect_eq "$rc" 0 "exit status after SIGTERM"
echo "PASS"
