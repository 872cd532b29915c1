#!/usr/bin/env bash
# neutrino-server driven by the real `openstack` CLI (python3-openstackclient): networks of
# every ML2 type with their provider attributes and MTUs, list/show/set/delete, the error
# cases (exit status and Neutron's message), and the API's own behaviour over plain HTTP
# (version documents, extensions, NeutronError bodies, filters, fields, pagination, If-Match).
# Usage: openstack_cli.sh TOOLS_DIR. Exits 77 (skipped) without the openstack CLI or curl.
set -uo pipefail
tools=$1
command -v openstack >/dev/null && command -v curl >/dev/null || { echo "SKIP: needs openstack and curl"; exit 77; }
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/server.log" ] && tail -20 "$tmp/server.log"; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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

"$tools/neutrino-server" --config-file "$tmp/neutron.conf" --config-file "$tmp/ml2_conf.ini" \
  --log-file "$tmp/server.log" --pidfile "$tmp/server.pid" --state-dir "$tmp" &
pid=$!
url=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$url/" >/dev/null && break; sleep 0.1; done
curl -sf "$url/" >/dev/null || fail "server did not start"
grep -q 'neutron.conf: \[DEFAULT\] debug: unknown option, ignored' "$tmp/server.log" || fail "unknown option not logged"
expect_eq "$(cat "$tmp/server.pid")" "$pid" "pidfile"

export OS_AUTH_TYPE=none OS_ENDPOINT=$url
os() { openstack "$@"; }
val() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

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
curl -s "$url/v2.0/extensions" | grep -q '"alias":"router"' && fail "router offered but not implemented"
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

# SIGTERM: clean exit, pidfile removed.
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
expect_eq "$rc" 0 "exit status after SIGTERM"
[ -e "$tmp/server.pid" ] && fail "pidfile left behind"
echo "PASS"
