#!/usr/bin/env bash
# Real mode, seed 000 "OVS VxLAN": two nodes, each a namespace running its own
# neutrino-vswitchd with br-int + br-tun, joined by an underlay link; VNI 100 carries local
# VLAN 1 between them.
#
#   ns "vm1" 172.16.100.3 --veth-- ns "ctl" (devstack-controller)  eth1 166.66.16.10/24
#                                     br-int qvoa2ac3b9a-24 tag=1        |  underlay veth
#                                     br-tun vxlan-a642100b              |
#   ns "vm2" 172.16.100.4 --veth-- ns "cmp" (devstack-compute01)   eth1 166.66.16.11/24
#                                     br-int qvoab219616-01 tag=1
#                                     br-tun vxlan-a642100b
#
# Shows: real ping between the instances across the tunnel; tcpdump on the controller's
# underlay decodes the packets as VXLAN, vni 100; the controller's br-tun table 20 holds the
# flow its learn action made for cirros-vm2's MAC, with hard_timeout=300.
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"

seed_vxlan_world  # ctl, cmp, vm1 ($VM1_MAC behind ctl), vm2 ($VM2_MAC behind cmp)

step "Each node runs its own daemon: br-int, br-tun, the patch pair, the vxlan port, seed flows"
neutrino_vtep ctl CTL_RUN 166.66.16.10 166.66.16.11 qvoa2ac3b9a-24
neutrino_vtep cmp CMP_RUN 166.66.16.11 166.66.16.10 qvoab219616-01

step "nvs-ofctl show br-tun on the controller: patch-int is port 1, the vxlan port is port 2"
ofctl ctl "$CTL_RUN" show br-tun | tee "$CTL_RUN/show-br-tun.txt"
grep -q ' 1(patch-int)' "$CTL_RUN/show-br-tun.txt" || fail "patch-int is not ofport 1"
grep -q ' 2(vxlan-a642100b)' "$CTL_RUN/show-br-tun.txt" || fail "vxlan-a642100b is not ofport 2"
for n in ctl:$CTL_RUN cmp:$CMP_RUN; do
  [[ "$(vsctl "${n%%:*}" "${n#*:}" get Interface patch-int ofport)" == 1 ]] || fail "$n: patch-int ofport"
  [[ "$(vsctl "${n%%:*}" "${n#*:}" get Interface vxlan-a642100b ofport)" == 2 ]] || fail "$n: vxlan ofport"
done

step "tcpdump on the controller's underlay, listening while the instances ping"
ip netns exec "$P-ctl" timeout 20 tcpdump -nn -l -i eth1 -c 4 udp port 4789 >"$CTL_RUN/tcpdump.txt" 2>&1 &
BG_PIDS+=($!)
TCPDUMP=$!
wait_for 5 grep -q 'listening on' "$CTL_RUN/tcpdump.txt" || fail "tcpdump did not start"

step "cirros-vm1 pings cirros-vm2 across the tunnel"
expect_ping_ok vm1 172.16.100.4

step "and cirros-vm2 pings cirros-vm1"
expect_ping_ok vm2 172.16.100.3

step "What tcpdump saw on the underlay: VXLAN, vni 100, around the instances' packets"
wait "$TCPDUMP" || true
cat "$CTL_RUN/tcpdump.txt"
grep -q '166.66.16.10.* > 166.66.16.11.4789: VXLAN.*vni 100' "$CTL_RUN/tcpdump.txt" ||
  fail "no VXLAN vni 100 packet from the controller to compute01 on the underlay"
grep -q '166.66.16.11.* > 166.66.16.10.4789: VXLAN.*vni 100' "$CTL_RUN/tcpdump.txt" ||
  fail "no VXLAN vni 100 packet from compute01 to the controller on the underlay"

step "dump-flows br-tun table=20 on the controller: the learned flow for cirros-vm2's MAC"
ofctl ctl "$CTL_RUN" dump-flows br-tun table=20 | tee "$CTL_RUN/table20.txt"
grep -q "hard_timeout=300.*dl_dst=$VM2_MAC" "$CTL_RUN/table20.txt" ||
  fail "no learned table-20 flow with hard_timeout=300 for $VM2_MAC"
grep "dl_dst=$VM2_MAC" "$CTL_RUN/table20.txt" | grep -q 'output:2' ||
  fail "the learned flow does not send to the vxlan port"

step "and on compute01, the learned flow for cirros-vm1's MAC"
ofctl cmp "$CMP_RUN" dump-flows br-tun table=20 | tee "$CMP_RUN/table20.txt"
grep -q "hard_timeout=300.*dl_dst=$VM1_MAC" "$CMP_RUN/table20.txt" ||
  fail "no learned table-20 flow with hard_timeout=300 for $VM1_MAC"
