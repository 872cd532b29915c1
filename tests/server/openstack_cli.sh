#!/usr/bin/env bash
# neutrino-server driven by the real `openstack` CLI (python3-openstackclient): networks of
# every ML2 type with their provider attributes and MTUs, list/show/set/delete, the error
# cases (exit status and Neutron's message), subnets (pools, gateways, IPv6 modes) and ports
# (addresses, MACs, exhaustion, in-use deletes), and the API's own behaviour over plain HTTP
# (version documents, extensions, NeutronError bodies, filters, fields, pagination, If-Match),
# security groups and rules, and tags.
# Usage: openstack_cli.sh TOOLS_DIR. Exits 77 (skipped) without the openstack CLI or curl.
set -uo pipefail
tools=$1
source "$(dirname "$0")/cli_fixture.sh"
cat >"$tmp/neutron.conf" <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
debug = True
[database]
connection = sqlite:///$tmp/neutron.sqlite
CONF
cat >"$tmp/ml2_conf.ini" <<CONF
[ml2]
type_drivers = local,flat,vlan,vxlan,gre
tenant_network_types = vxlan
[ml2_type_flat]
flat_networks = physnet1,external
[ml2_type_vlan]
network_vlan_ranges = physnet1:100:200
[ml2_type_vxlan]
vni_ranges = 1:1000
[ml2_type_gre]
tunnel_id_ranges = 1:100
CONF

# A malformed value stops the server with file, section and key.
printf '[ml2_type_vxlan]\nvni_ranges = 1:99999999\n' >"$tmp/bad.ini"
msg=$("$tools/neutrino-server" --config-file "$tmp/neutron.conf" --config-file "$tmp/bad.ini" 2>&1) && fail "bad config accepted"
expect_eq "$msg" "neutrino-server: $tmp/bad.ini: [ml2_type_vxlan] vni_ranges: '1:99999999' is not a range within 1:16777215" "bad config"

start_server --config-file "$tmp/neutron.conf" --config-file "$tmp/ml2_conf.ini" \
  --pidfile "$tmp/server.pid"
grep -q 'neutron.conf: \[DEFAULT\] debug: unknown option, ignored' "$tmp/server.log" || fail "unknown option not logged"
expect_eq "$(cat "$tmp/server.pid")" "$pid" "pidfile"

py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Networks of every type, as the seeds create them.
out=$(os network create --provider-network-type vxlan --provider-segment 100 vxlan100 -f json) || fail "vxlan create"
expect_eq "$(echo "$out" | val "['provider:segmentation_id']")" 100 "vxlan vni"
expect_eq "$(echo "$out" | val "['mtu']")" 1450 "vxlan mtu"
expect_eq "$(echo "$out" | val "['status']")" ACTIVE "status"
out=$(os network create --provider-network-type gre --provider-segment 7 gre7 -f json) || fail "gre create"
expect_eq "$(echo "$out" | val "['mtu']")" 1458 "gre mtu"
out=$(os network create --provider-network-type vlan --provider-physical-network physnet1 --provider-segment 101 vlan101 -f json) || fail "vlan create"
expect_eq "$(echo "$out" | val "['provider:physical_network']"),$(echo "$out" | val "['mtu']")" physnet1,1500 "vlan"
out=$(os network create --provider-network-type flat --provider-physical-network physnet1 flat1 -f json) || fail "flat create"
expect_eq "$(echo "$out" | val "['provider:segmentation_id']")" None "flat seg"
out=$(os network create --external --provider-network-type flat --provider-physical-network external ext_net -f json) || fail "ext create"
expect_eq "$(echo "$out" | val "['router:external']")" True "external"
expect_eq "$(os network create --provider-network-type local local1 -f value -c mtu)" 1500 "local"
out=$(os network create tenant1 -f json) || fail "tenant create"
expect_eq "$(echo "$out" | val "['provider:network_type']"),$(echo "$out" | val "['provider:segmentation_id']")" vxlan,1 "tenant vni"

# Error cases: exit status 1 and Neutron's message.
err=$(os network create --provider-network-type vxlan --provider-segment 100 dup 2>&1) && fail "duplicate VNI accepted"
echo "$err" | grep -q "ConflictException: 409.*The tunnel ID 100 is in use." || fail "dup vni: $err"
err=$(os network create --provider-network-type vlan --provider-physical-network physnet1 --provider-segment 101 dupvlan 2>&1) && fail "duplicate VLAN accepted"
echo "$err" | grep -q "The VLAN 101 on physical network physnet1 is in use." || fail "dup vlan: $err"
err=$(os network create --provider-network-type vlan --provider-physical-network physnet1 --provider-segment 5000 badvlan 2>&1) && fail "VLAN 5000 accepted"
echo "$err" | grep -q "BadRequestException: 400.*segmentation_id out of range (1 through 4094)" || fail "vlan range: $err"
err=$(os network create --provider-network-type flat --provider-physical-network physnet9 f9 2>&1) && fail "unknown physnet accepted"
echo "$err" | grep -q "physical_network 'physnet9' unknown for flat provider network" || fail "flat physnet: $err"
err=$(os network create --provider-network-type flat --provider-physical-network physnet1 flat1b 2>&1) && fail "second flat accepted"
echo "$err" | grep -q "Physical network physnet1 is in use." || fail "flat in use: $err"
err=$(os network show nosuchnet 2>&1) && fail "show of a missing network"
echo "$err" | grep -q "No Network found for nosuchnet" || fail "missing: $err"

# list / show / set / delete
names=$(os network list -f value -c Name | sort | tr '\n' ' ')
expect_eq "$names" "ext_net flat1 gre7 local1 tenant1 vlan101 vxlan100 " "network list"
expect_eq "$(os network show vxlan100 -f value -c provider:network_type)" vxlan "show"
os network set --name vxlan100b vxlan100 || fail "set"
expect_eq "$(os network show vxlan100b -f value -c revision_number)" 1 "revision after set"
os network delete vxlan100b || fail "delete"
out=$(os network create --provider-network-type vxlan --provider-segment 100 again -f value -c provider:segmentation_id) || fail "VNI not released"
expect_eq "$out" 100 "VNI reused after delete"

# The API over plain HTTP.
expect_eq "$(curl -s "$url/" | val "['versions'][0]['status']")" CURRENT "versions"
curl -s "$url/v2.0/extensions" | grep -q '"alias":"provider"' || fail "extensions"
curl -s "$url/v2.0/extensions" | grep -q '"alias":"router"' || fail "router extension"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' "$url/v2.0/networks/00000000-0000-0000-0000-000000000000")
expect_eq "$code $(val "['NeutronError']['type']" <"$tmp/body")" "404 NetworkNotFound" "404 body"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X POST -d '{"network": ' "$url/v2.0/networks")
expect_eq "$code $(val "['NeutronError']['message']" <"$tmp/body")" "400 Malformed request body" "bad json"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X POST -d '{"network": {"colour": "red"}}' "$url/v2.0/networks")
expect_eq "$code $(val "['NeutronError']['message']" <"$tmp/body")" "400 Unrecognized attribute(s) 'colour'" "unknown attr"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/v2.0/nothing")
expect_eq "$code" 404 "unknown url"
expect_eq "$(curl -s "$url/v2.0/networks?name=gre7&name=flat1&fields=name&sort_key=name" | val "['networks']")" \
  "[{'name': 'flat1'}, {'name': 'gre7'}]" "filters + fields + sort"
expect_eq "$(curl -s "$url/v2.0/networks?provider:network_type=flat&fields=name&sort_key=name&sort_dir=desc" | val "['networks']")" \
  "[{'name': 'flat1'}, {'name': 'ext_net'}]" "filter on provider attribute"
page=$(curl -s "$url/v2.0/networks?limit=2")
expect_eq "$(echo "$page" | val "['networks'].__len__()")" 2 "limit"
next=$(echo "$page" | val "['networks_links'][0]['href']")
rest=$(curl -s "$next" | val "['networks'].__len__()")
expect_eq "$rest" 2 "second page"
id=$(os network show gre7 -f value -c id)
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X PUT -H 'If-Match: revision_number=5' -d '{"network": {"name": "x"}}' "$url/v2.0/networks/$id")
expect_eq "$code $(val "['NeutronError']['type']" <"$tmp/body")" "412 RevisionNumberConstraintFailed" "If-Match"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'If-Match: revision_number=0' -d '{"network": {"name": "gre7b"}}' "$url/v2.0/networks/$id")
expect_eq "$code" 200 "If-Match current"
# A project that is not admin: no provider attributes, no other project's networks.
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H 'X-Project-Id: p2' -H 'X-Roles: member' -X POST \
  -d '{"network": {"provider:network_type": "vxlan"}}' "$url/v2.0/networks")
expect_eq "$code $(val "['NeutronError']['type']" <"$tmp/body")" "403 PolicyNotAuthorized" "non-admin provider"
expect_eq "$(curl -s -H 'X-Project-Id: p2' -H 'X-Roles: member' "$url/v2.0/networks?fields=name" | val "['networks']")" \
  "[{'name': 'ext_net'}]" "non-admin sees only shared/external"

# Subnets, as the seeds create them: defaults, pools, no gateway, no DHCP, IPv6 SLAAC.
out=$(os subnet create --network tenant1 --subnet-range 10.0.0.0/24 --dns-nameserver 8.8.8.8 \
  --host-route destination=192.168.0.0/16,gateway=10.0.0.254 sub1 -f json) || fail "subnet create"
expect_eq "$(echo "$out" | val "['gateway_ip']"),$(echo "$out" | val "['enable_dhcp']"),$(echo "$out" | val "['ip_version']")" \
  "10.0.0.1,True,4" "subnet defaults"
expect_eq "$(echo "$out" | val "['allocation_pools']")" "[{'end': '10.0.0.254', 'start': '10.0.0.2'}]" "default pool"
expect_eq "$(echo "$out" | val "['dns_nameservers']")" "['8.8.8.8']" "dns"
expect_eq "$(echo "$out" | val "['host_routes']")" "[{'destination': '192.168.0.0/16', 'nexthop': '10.0.0.254'}]" "host routes"
sub1=$(echo "$out" | val "['id']")
out=$(os subnet create --network ext_net --subnet-range 10.10.10.0/24 --no-dhcp \
  --allocation-pool start=10.10.10.2,end=10.10.10.99 ext_sub -f json) || fail "ext subnet"
expect_eq "$(echo "$out" | val "['enable_dhcp']"),$(echo "$out" | val "['allocation_pools']")" \
  "False,[{'end': '10.10.10.99', 'start': '10.10.10.2'}]" "explicit pool, no dhcp"
out=$(os subnet create --network tenant1 --subnet-range 10.0.1.0/24 --gateway none nogw -f json) || fail "no gateway"
expect_eq "$(echo "$out" | val "['gateway_ip']"),$(echo "$out" | val "['allocation_pools'][0]['start']")" "None,10.0.1.1" "gateway none"
out=$(os subnet create --network tenant1 --ip-version 6 --subnet-range fd00:1::/64 --ipv6-ra-mode slaac \
  --ipv6-address-mode slaac sub6 -f json) || fail "v6 subnet"
expect_eq "$(echo "$out" | val "['gateway_ip']"),$(echo "$out" | val "['ipv6_address_mode']")" "fd00:1::1,slaac" "v6 subnet"
expect_eq "$(os network show tenant1 -f json | val "['subnets'].__len__()")" 3 "network's subnets"
expect_eq "$(os subnet list -f value -c Name | sort | tr '\n' ' ')" "ext_sub nogw sub1 sub6 " "subnet list"
expect_eq "$(os subnet list --network ext_net -f value -c Name)" ext_sub "subnet list --network"
expect_eq "$(os subnet show sub1 -f value -c cidr)" 10.0.0.0/24 "subnet show"
os subnet set --name sub1b --dns-nameserver 1.1.1.1 sub1 || fail "subnet set"
out=$(os subnet show sub1b -f json) || fail "show after set"
expect_eq "$(echo "$out" | py "sorted(d['dns_nameservers'])"),$(echo "$out" | val "['revision_number']")" "['1.1.1.1', '8.8.8.8'],1" "subnet set"
os subnet set --name sub1 sub1b || fail "subnet rename"

# Subnet errors: exit status 1 and Neutron's message.
err=$(os subnet create --network tenant1 --subnet-range 10.0.2.5/24 bad 2>&1) && fail "host bits accepted"
echo "$err" | grep -q "BadRequestException: 400.*'10.0.2.5/24' isn't a recognized IP subnet cidr, '10.0.2.0/24' is recommended" || fail "host bits: $err"
err=$(os subnet create --network tenant1 --subnet-range 10.0.0.128/25 bad 2>&1) && fail "overlap accepted"
echo "$err" | grep -q "400.*Requested subnet with cidr: 10.0.0.128/25 for network: .* overlaps with another subnet" || fail "overlap: $err"
err=$(os subnet create --network tenant1 --subnet-range 10.0.3.0/24 --allocation-pool start=10.0.3.0,end=10.0.3.9 bad 2>&1) && fail "pool out of bounds"
echo "$err" | grep -q "400.*The allocation pool 10.0.3.0-10.0.3.9 spans beyond the subnet cidr 10.0.3.0/24." || fail "bounds: $err"
err=$(os subnet create --network tenant1 --subnet-range 10.0.3.0/24 --allocation-pool start=10.0.3.2,end=10.0.3.9 \
  --allocation-pool start=10.0.3.5,end=10.0.3.20 bad 2>&1) && fail "overlapping pools"
echo "$err" | grep -q "ConflictException: 409.*Found overlapping allocation pools: 10.0.3.2-10.0.3.9 10.0.3.5-10.0.3.20 for subnet 10.0.3.0/24." || fail "pools: $err"
err=$(os subnet create --network tenant1 --subnet-range 10.0.3.0/24 --gateway 10.0.3.5 --allocation-pool start=10.0.3.2,end=10.0.3.9 bad 2>&1) && fail "gateway in pool"
echo "$err" | grep -q "409.*Gateway ip 10.0.3.5 conflicts with allocation pool 10.0.3.2-10.0.3.9." || fail "gateway: $err"
err=$(os subnet create --network tenant1 --ip-version 6 --subnet-range fd00:2::/64 --ipv6-ra-mode slaac --ipv6-address-mode dhcpv6-stateful bad 2>&1) && fail "mode combination"
echo "$err" | grep -q "400.*If both attributes are set, they must be the same value" || fail "modes: $err"
err=$(os subnet show nosuchsubnet 2>&1) && fail "show of a missing subnet"
echo "$err" | grep -q "No Subnet found for nosuchsubnet" || fail "missing subnet: $err"

# Ports: the first free address of the first IPv4 subnet plus the SLAAC address, MACs from base_mac.
out=$(os port create --network tenant1 p1 -f json) || fail "port create"
expect_eq "$(echo "$out" | val "['fixed_ips'][0]")" "{'ip_address': '10.0.0.2', 'subnet_id': '$sub1'}" "first address"
mac=$(echo "$out" | val "['mac_address']")
expect_eq "${mac:0:9}" "fa:16:3e:" "base_mac"
expect_eq "$(echo "$out" | val "['fixed_ips'][1]['ip_address'].startswith('fd00:1::f816:3eff:fe')")" True "EUI-64"
expect_eq "$(echo "$out" | val "['status']"),$(echo "$out" | val "['binding_vif_type']"),$(echo "$out" | val "['binding_vnic_type']")" \
  "DOWN,unbound,normal" "port status and binding"
expect_eq "$(os port create --network tenant1 --fixed-ip subnet=sub1,ip-address=10.0.0.50 p2 -f json | val "['fixed_ips'][0]['ip_address']")" \
  10.0.0.50 "explicit address"
expect_eq "$(os port create --network tenant1 --fixed-ip subnet=sub1 p3 -f json | val "['fixed_ips']")" \
  "[{'ip_address': '10.0.0.3', 'subnet_id': '$sub1'}]" "address by subnet"
err=$(os port create --network tenant1 --fixed-ip subnet=sub1,ip-address=10.0.0.50 bad 2>&1) && fail "address in use accepted"
echo "$err" | grep -q "ConflictException: 409.*IP address 10.0.0.50 already allocated in subnet $sub1" || fail "in use: $err"
err=$(os port create --network tenant1 --fixed-ip subnet=sub1,ip-address=10.0.9.9 bad 2>&1) && fail "foreign address accepted"
echo "$err" | grep -q "BadRequestException: 400.*IP address 10.0.9.9 is not a valid IP for the specified subnet." || fail "outside: $err"
err=$(os port create --network tenant1 --mac-address "$mac" bad 2>&1) && fail "MAC in use accepted"
echo "$err" | grep -q "409.*The mac address $mac is in use." || fail "mac: $err"
expect_eq "$(os port list --network tenant1 -f value -c Name | sort | tr '\n' ' ')" "p1 p2 p3 " "port list"
expect_eq "$(os port list --fixed-ip ip-address=10.0.0.50 -f value -c Name)" p2 "port list --fixed-ip"
expect_eq "$(os port show p1 -f value -c status)" DOWN "port show"
os port set --no-fixed-ip --fixed-ip subnet=sub1,ip-address=10.0.0.60 p2 || fail "port set fixed ip"
expect_eq "$(os port show p2 -f json | val "['fixed_ips'][0]['ip_address']")" 10.0.0.60 "fixed ip moved"
os port create --network tenant1 --fixed-ip ip-address=10.0.0.50 p4 -f value -c id >/dev/null || fail "released address not reusable"

# Exhaustion of a /29 (five addresses), then a release.
os network create small -f value -c id >/dev/null || fail "small network"
os subnet create --network small --subnet-range 10.9.0.0/29 small_sub -f value -c id >/dev/null || fail "small subnet"
for i in 1 2 3 4 5; do os port create --network small s$i -f value -c id >/dev/null || fail "port s$i"; done
err=$(os port create --network small s6 2>&1) && fail "exhausted subnet gave an address"
echo "$err" | grep -q "ConflictException: 409.*No more IP addresses available on network" || fail "exhaustion: $err"
os port delete s3 || fail "port delete"
expect_eq "$(os port create --network small s6 -f json | val "['fixed_ips'][0]['ip_address']")" 10.9.0.4 "released address reused"

# In-use subnets and networks refuse deletion; emptied, they go.
err=$(os subnet delete sub1 2>&1) && fail "subnet in use deleted"
echo "$err" | grep -q "ConflictException: 409.*One or more ports have an IP allocation from this subnet." || fail "subnet in use: $err"
err=$(os network delete tenant1 2>&1) && fail "network in use deleted"
echo "$err" | grep -q "There are one or more ports still in use on the network." || fail "network in use: $err"
os port delete p1 p2 p3 p4 || fail "port delete"
os subnet delete nogw || fail "subnet delete"
expect_eq "$(os network show tenant1 -f json | val "['subnets'].__len__()")" 2 "subnets after delete"
os network delete tenant1 || fail "network delete with subnets"
err=$(os subnet show sub1 2>&1) && fail "subnet survived its network"
curl -s "$url/v2.0/extensions" | grep -q '"alias":"binding"' || fail "binding extension"

# Security groups: the project's default group (four rules) on first use, rules as the seeds
# create them, Neutron's errors; a port gets the default group.
out=$(os security group create web --description "web servers" -f json) || fail "sg create"
expect_eq "$(echo "$out" | py "sorted((r['direction'], r['ethertype']) for r in d['rules'])")" \
  "[('egress', 'IPv4'), ('egress', 'IPv6')]" "new group's rules"
expect_eq "$(os security group list -f value -c Name | sort | tr '\n' ' ')" "default web " "sg list"
expect_eq "$(os security group show default -f json | py "len(d['rules'])")" 4 "default group's rules"
def_id=$(os security group show default -f value -c id)
expect_eq "$(os security group show default -f json | py "sorted(r['direction'] + ' ' + r['ethertype'] + ' ' + str(r['remote_group_id'] == '$def_id') for r in d['rules'])")" \
  "['egress IPv4 False', 'egress IPv6 False', 'ingress IPv4 True', 'ingress IPv6 True']" "default rules"
out=$(os security group rule create --protocol tcp --dst-port 22 --remote-ip 0.0.0.0/0 web -f json) || fail "ssh rule"
expect_eq "$(echo "$out" | py "(d['protocol'], d['port_range_min'], d['port_range_max'], d['remote_ip_prefix'], d['direction'])")" \
  "('tcp', 22, 22, '0.0.0.0/0', 'ingress')" "ssh rule"
ssh_rule=$(echo "$out" | val "['id']")
err=$(os security group rule create --protocol tcp --dst-port 22 --remote-ip 0.0.0.0/0 web 2>&1) && fail "duplicate rule accepted"
echo "$err" | grep -q "ConflictException: 409.*Security group rule already exists. Rule id is $ssh_rule." || fail "dup rule: $err"
out=$(os security group rule create --protocol icmp default -f json) || fail "icmp rule"
expect_eq "$(echo "$out" | val "['protocol']")" icmp "icmp rule"
out=$(os security group rule create --ethertype IPv6 --protocol tcp --dst-port 80:81 --remote-ip 2001:db8::/32 web -f json) || fail "v6 rule"
expect_eq "$(echo "$out" | py "(d['ether_type'], d['port_range_min'], d['port_range_max'], d['remote_ip_prefix'])")" \
  "('IPv6', 80, 81, '2001:db8::/32')" "v6 rule"
err=$(os security group rule create --ethertype IPv6 --remote-ip 10.0.0.0/8 web 2>&1) && fail "v4 prefix on v6 rule"
echo "$err" | grep -q "BadRequestException: 400.*Conflicting value ethertype IPv6 for CIDR 10.0.0.0/8" || fail "ethertype: $err"
web_id=$(os security group show web -f value -c id)
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X POST -d '{"security_group_rule": {"security_group_id": "'"$web_id"'",
  "direction": "ingress", "protocol": "tcp", "port_range_min": 30, "port_range_max": 20}}' "$url/v2.0/security-group-rules")
expect_eq "$code $(val "['NeutronError']['type']" <"$tmp/body")" "400 SecurityGroupInvalidPortRange" "bad range"
err=$(os security group rule create --protocol nonsense web 2>&1) && fail "bad protocol"
echo "$err" | grep -q "400.*Security group rule protocol nonsense not supported" || fail "protocol: $err"
expect_eq "$(os security group rule list web -f value -c 'IP Protocol' | sort | tr '\n' ' ')" "None None tcp tcp " "rule list"
os security group rule delete "$ssh_rule" || fail "rule delete"
err=$(os security group rule show "$ssh_rule" 2>&1) && fail "deleted rule shown"
os network create sgnet -f value -c id >/dev/null && os subnet create --network sgnet --subnet-range 10.5.0.0/24 sgsub -f value -c id >/dev/null || fail "sg network"
expect_eq "$(os port create --network sgnet sgp1 -f json | py "d['security_group_ids']")" "['$def_id']" "port gets default group"
os port create --network sgnet --security-group web sgp2 -f value -c id >/dev/null || fail "port with group"
err=$(os security group delete web 2>&1) && fail "group in use deleted"
echo "$err" | grep -q "ConflictException: 409.*in use" || fail "sg in use: $err"
err=$(os port create --network sgnet --security-group 11111111-2222-4333-8444-555555555555 bad 2>&1) && fail "unknown group accepted"
os port delete sgp1 sgp2 || fail "sg port delete"
os security group delete web || fail "sg delete"
err=$(os security group show web 2>&1) && fail "deleted group shown"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H 'X-Project-Id: p2' -H 'X-Roles: member' "$url/v2.0/security-groups")
expect_eq "$code $(py "[d['security_groups'][0]['name'], len(d['security_groups'])]" <"$tmp/body")" \
  "200 ['default', 1]" "p2's own default group"
p2_def=$(curl -s -H 'X-Project-Id: p2' -H 'X-Roles: member' "$url/v2.0/security-groups" | val "['security_groups'][0]['id']")
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X DELETE -H 'X-Project-Id: p2' -H 'X-Roles: member' "$url/v2.0/security-groups/$p2_def")
expect_eq "$code $(val "['NeutronError']['type']" <"$tmp/body")" "409 SecurityGroupCannotRemoveDefault" "non-admin default delete"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H $'X-Project-Id: \xff' "$url/v2.0/networks")
expect_eq "$code" 400 "non-UTF-8 project"
for alias in security-group stateful-security-group security-groups-normalized-cidr standard-attr-tag; do
  curl -s "$url/v2.0/extensions" | grep -q "\"alias\":\"$alias\"" || fail "extension $alias"
done

# Tags (standard-attr-tag) through the CLI and the list filters.
os network create --tag red --tag blue tagged -f value -c id >/dev/null || fail "network create --tag"
os network set --tag green tagged || fail "network set --tag"
expect_eq "$(os network show tagged -f json | py "sorted(d['tags'])")" "['blue', 'green', 'red']" "tags"
expect_eq "$(os network list --tags red,green -f value -c Name)" tagged "list --tags"
expect_eq "$(os network list --any-tags nothing,blue -f value -c Name)" tagged "list --any-tags"
expect_eq "$(os network list --not-tags red -f value -c Name | grep -c tagged)" 0 "list --not-tags"
os network unset --tag red tagged || fail "network unset --tag"
expect_eq "$(os network show tagged -f json | py "sorted(d['tags'])")" "['blue', 'green']" "tag removed"
tagged_id=$(os network show tagged -f value -c id)
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -d '' "$url/v2.0/networks/$tagged_id/tags/x")" 201 "PUT tag"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$url/v2.0/networks/$tagged_id/tags/x")" 204 "GET tag"
expect_eq "$(curl -s "$url/v2.0/networks/$tagged_id/tags" | py "sorted(d['tags'])")" "['blue', 'green', 'x']" "GET tags"

# SIGTERM: clean exit, pidfile removed.
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
expect_eq "$rc" 0 "exit status after SIGTERM"
[ -e "$tmp/server.pid" ] && fail "pidfile left behind"
echo "PASS"
