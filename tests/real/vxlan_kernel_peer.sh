#!/usr/bin/env bash
# Real mode: Neutrino's VXLAN against the Linux kernel's. The controller is as in
# vxlan_two_nodes.sh (neutrino-vswitchd, br-int + br-tun with the seed's flows); compute01 is
# plain Linux: a kernel vxlan device for VNI 100 in a Linux bridge with the instance's veth.
#
#   ns "vm1" 172.16.100.3 --veth-- ns "ctl" neutrino-vswitchd     eth1 166.66.16.10/24
#                                     br-int qvoa2ac3b9a-24 tag=1      |  underlay veth
#                                     br-tun vxlan-a642100b            |
#   ns "vm2" 172.16.100.4 --veth-- ns "cmp" Linux bridge br0       eth1 166.66.16.11/24
#                                     qvoab219616-01 + vx100 (id 100, dstport 4789)
#
# Shows: both implementations speak the same VXLAN: ping works in both directions, and the
# controller's br-tun learns the kernel side's instance from the decapsulated packets.
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"

seed_vxlan_world  # ctl, cmp, vm1 ($VM1_MAC behind ctl), vm2 ($VM2_MAC behind cmp)

step "The controller: neutrino-vswitchd with the seed's br-int and br-tun"
neutrino_vtep ctl CTL_RUN 166.66.16.10 166.66.16.11 qvoa2ac3b9a-24

step "compute01: a kernel vxlan device (VNI 100) and the instance's veth in a Linux bridge"
on cmp ip link add vx100 type vxlan id 100 local 166.66.16.11 remote 166.66.16.10 dstport 4789
on cmp ip link add br0 type bridge
on cmp ip link set vx100 master br0
on cmp ip link set qvoab219616-01 master br0
on cmp ip link set vx100 up
on cmp ip link set br0 up
on cmp ip -d link show vx100 | sed 's/^/    /'

step "The instance behind Neutrino pings the one behind the kernel"
expect_ping_ok vm1 172.16.100.4

step "and the instance behind the kernel pings the one behind Neutrino"
on vm2 ip neigh flush dev eth0
on vm1 ip neigh flush dev eth0
expect_ping_ok vm2 172.16.100.3

step "The controller's br-tun learned the kernel side's instance (table 20, hard_timeout=300)"
ofctl ctl "$CTL_RUN" dump-flows br-tun table=20 | tee "$CTL_RUN/table20.txt"
grep -q "hard_timeout=300.*dl_dst=$VM2_MAC" "$CTL_RUN/table20.txt" ||
  fail "no learned table-20 flow for $VM2_MAC"

step "The kernel's bridge learned the Neutrino side's instance behind vx100"
on cmp bridge fdb show br br0 | tee "$CTL_RUN/kernel-fdb.txt"
grep -q "$VM1_MAC dev vx100" "$CTL_RUN/kernel-fdb.txt" || fail "br0 did not learn $VM1_MAC on vx100"
