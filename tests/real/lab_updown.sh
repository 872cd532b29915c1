#!/usr/bin/env bash
# Real lab, interactive use (issue 4): `neutrino lab up --real` builds a lab out of network
# namespaces and leaves it up; `lab exec` runs busybox ping inside an instance and nvs-ofctl
# against a node's own daemon; `lab capture` runs tcpdump on an underlay segment; `lab down`
# removes every namespace, daemon and file the lab made. And a lab whose expectation fails
# is torn down all the same.
#
# $1: the directory holding neutrino and the nvs-* tools. Exit 77: skipped (not root).
set -euo pipefail
TOOLS=$(cd "${1:?usage: $0 TOOLS_DIR}" && pwd)
NEUTRINO="$TOOLS/neutrino"
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
export NT_LAB_DIR=$(mktemp -d /tmp/ntlabs.XXXXXX)
WORK=$(mktemp -d /tmp/ntlabwork.XXXXXX)
NAME="updown$$"
cleanup() {
  local rc=$?
  "$NEUTRINO" lab down --all >/dev/null 2>&1 || true
  rm -rf "$NT_LAB_DIR" "$WORK"
  [[ $rc -eq 0 ]] && echo "PASS: $(basename "$0")"
  exit $rc
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo; echo "=== $*"; }

# The lab's namespaces all start with the prefix its state file records.
prefix() { sed -n 's/.*"prefix": "\(nl[0-9]*\)".*/\1/p' "$NT_LAB_DIR/$NAME.json"; }
namespaces_of() { ip netns list | awk '{print $1}' | grep "^$1-" || true; }

step "lab up: the seed's two-node VXLAN lab, left running"
rc=0
"$NEUTRINO" lab up --real "$(dirname "$0")/../../examples/lab/04-vxlan.scn" --name "$NAME" \
  --quiet >"$WORK/up.txt" 2>&1 || rc=$?
cat "$WORK/up.txt"
[[ $rc -eq 0 ]] || fail "lab up exited $rc"
P=$(prefix)
[[ -n "$P" ]] || fail "no state file for the lab"
namespaces_of "$P"
[[ $(namespaces_of "$P" | wc -l) -eq 5 ]] || fail "expected 5 namespaces (2 nodes, 2 instances, underlay)"
"$NEUTRINO" lab list | grep -qx "$NAME" || fail "lab list does not show $NAME"

step "lab exec: cirros-vm1 pings cirros-vm2 across the tunnel (busybox ping, as on cirros)"
"$NEUTRINO" lab exec --name "$NAME" cirros-vm1 ping -c 2 172.16.100.4 | tee "$WORK/ping.txt"
grep -q "2 packets transmitted, 2 packets received, 0% packet loss" "$WORK/ping.txt" ||
  fail "ping across the lab failed"

step "lab exec: nvs-ofctl on the controller talks to the controller's daemon"
"$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-ofctl dump-flows br-tun table=20 |
  tee "$WORK/flows.txt"
grep -q "hard_timeout=300.*dl_dst=fa:16:3e:fd:8a:ed" "$WORK/flows.txt" ||
  fail "the learned table-20 flow is not on the controller"

step "lab capture: tcpdump on the tenant segment sees VXLAN vni 100"
# A filter, as a user would give tcpdump: the VTEPs may re-ARP for each other first, and two
# ARP frames must not use up the count before the tunnelled echo request and reply pass.
"$NEUTRINO" lab capture --name "$NAME" tenant -c 2 -w "$WORK/u.pcap" udp port 4789 \
  2>"$WORK/cap.err" &
CAP=$!
for _ in $(seq 50); do grep -q "listening on" "$WORK/cap.err" 2>/dev/null && break; sleep 0.1; done
"$NEUTRINO" lab exec --name "$NAME" cirros-vm2 ping -c 1 172.16.100.3 >/dev/null
wait "$CAP" || fail "lab capture failed: $(cat "$WORK/cap.err")"
tcpdump -nn -r "$WORK/u.pcap" 2>/dev/null | tee "$WORK/u.txt"
grep -q "VXLAN.*vni 100" "$WORK/u.txt" || fail "no VXLAN vni 100 in the capture"

step "lab down: nothing of the lab is left"
"$NEUTRINO" lab down "$NAME"
[[ -z "$(namespaces_of "$P")" ]] || fail "namespaces left after lab down: $(namespaces_of "$P")"
[[ ! -e "$NT_LAB_DIR/$NAME.json" ]] || fail "state file left after lab down"
pgrep -f "$P" >/dev/null && fail "processes of the lab still running"

step "a lab whose expectation fails exits 1 and is torn down all the same"
cat >"$WORK/bad.scn" <<'LAB'
node lonely
add-br br-int
instance vm1 bridge=br-int port=qvo1 tag=1 mac=fa:16:3e:00:00:01 ip=10.0.0.1/24
instance vm2 bridge=br-int port=qvo2 tag=2 mac=fa:16:3e:00:00:02 ip=10.0.0.2/24
ping vm1 10.0.0.2 -c 1 -W 1
> 1 packets transmitted, 1 packets received, 0% packet loss
LAB
rc=0
"$NEUTRINO" lab run --real "$WORK/bad.scn" >"$WORK/bad.txt" 2>&1 || rc=$?
cat "$WORK/bad.txt"
[[ $rc -eq 1 ]] || fail "a failing lab should exit 1, got $rc"
grep -q "FAILED .*bad.scn:5" "$WORK/bad.txt" || fail "the failure does not name the line"
[[ -z "$(ip netns list | grep "^nl[0-9]*-i-vm[12] " || true)" ]] || fail "instance namespaces left"

step "a cloud lab left up: lab down stops its neutrino-server and neutrino-agent too"
cat >"$WORK/cloud.scn" <<'LAB'
node n1
server
[ml2]
tenant_network_types = local
end
agent
[securitygroup]
firewall_driver = noop
end
vsctl list-br
= br-int
LAB
NAME="cloud$$"
"$NEUTRINO" lab up --real "$WORK/cloud.scn" --name "$NAME" --quiet >"$WORK/cloud.txt" 2>&1 ||
  { cat "$WORK/cloud.txt"; fail "the cloud lab did not come up"; }
P=$(prefix)
pgrep -a -f "$P-cloud" || true
[[ $(pgrep -f "$P-cloud" | wc -l) -eq 2 ]] || fail "expected neutrino-server and one neutrino-agent"
"$NEUTRINO" lab down "$NAME"
pgrep -f "$P" >/dev/null && fail "cloud programs of the lab still running: $(pgrep -a -f "$P")"
[[ -z "$(ls -d /tmp/"$P"-* 2>/dev/null)" ]] || fail "files left: $(ls -d /tmp/"$P"-*)"
[[ -z "$(namespaces_of "$P")" ]] || fail "namespaces left after lab down: $(namespaces_of "$P")"
