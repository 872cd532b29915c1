#!/usr/bin/env bash
# Real mode, seed 000 "local network": instances on one node's br-int, kept apart by VLAN tags.
#
#   ns "node":  neutrino-vswitchd, br-int (standalone: NORMAL switching)
#                 qvo1 tag=1  <-veth->  ns "vm1"  172.16.1.3/24
#                 qvo2 tag=1  <-veth->  ns "vm2"  172.16.1.4/24
#                 qvo3 tag=2  <-veth->  ns "vm3"  172.16.1.102/24
#
# Shows: real ping between the two tag-1 instances; the tag-2 instance, though on the same
# subnet, reaches nobody; fdb/show has learned both tag-1 MACs on VLAN 1; `nvs-vsctl show`
# lists the ports with their tags.
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"

step "A node namespace with its own neutrino-vswitchd and br-int"
new_ns node
start_daemon node RUN
vsctl node "$RUN" add-br br-int

step "Three instances, each a namespace whose veth peer sits in the node and joins br-int"
# A veth end is an existing Linux interface: a "system" port (the default type).
i=0
for vm in vm1:fa:16:3e:8e:3b:12:172.16.1.3:1 vm2:fa:16:3e:fd:8a:ed:172.16.1.4:1 \
          vm3:fa:16:3e:00:00:03:172.16.1.102:2; do
  IFS=: read -r name m1 m2 m3 m4 m5 m6 addr tag <<<"$vm"
  i=$((i + 1))
  new_ns "$name"
  veth "$name" eth0 node "qvo$i"
  instance_addr "$name" eth0 "$m1:$m2:$m3:$m4:$m5:$m6" "$addr/24"
  vsctl node "$RUN" add-port br-int "qvo$i" tag="$tag"
done

step "nvs-vsctl show: the three ports and their tags"
vsctl node "$RUN" show | tee "$RUN/show.txt"
for i in 1 2 3; do grep -Eq "Port \"?qvo$i\"?$" "$RUN/show.txt" || fail "show does not list qvo$i"; done
# Each port's block lists "tag: N" right after "Port qvoN".
grep -EA1 'Port "?qvo1"?$' "$RUN/show.txt" | grep -q 'tag: 1' || fail "qvo1 is not shown with tag 1"
grep -EA1 'Port "?qvo2"?$' "$RUN/show.txt" | grep -q 'tag: 1' || fail "qvo2 is not shown with tag 1"
grep -EA1 'Port "?qvo3"?$' "$RUN/show.txt" | grep -q 'tag: 2' || fail "qvo3 is not shown with tag 2"

step "vm2 (tag 1) pings vm1 (tag 1): same VLAN, every echo answered"
expect_ping_ok vm2 172.16.1.3

step "and vm1 pings vm2"
expect_ping_ok vm1 172.16.1.4

step "vm3 (tag 2) pings vm1: a different VLAN, its ARP request never reaches vm1"
expect_ping_fails vm3 172.16.1.3
# vm1 never even learned vm3's address.
if on vm1 ip neigh show 172.16.1.102 | grep -q lladdr; then fail "vm1 has an ARP entry for vm3"; fi

step "fdb/show br-int: br-int learned vm1's and vm2's MACs on VLAN 1 (vm3's on VLAN 2)"
appctl node "$RUN" fdb/show br-int | tee "$RUN/fdb.txt"
grep -Eq '^ *[0-9]+ +1 +fa:16:3e:8e:3b:12 ' "$RUN/fdb.txt" || fail "vm1's MAC is not on VLAN 1"
grep -Eq '^ *[0-9]+ +1 +fa:16:3e:fd:8a:ed ' "$RUN/fdb.txt" || fail "vm2's MAC is not on VLAN 1"
if grep -Eq '^ *[0-9]+ +1 +fa:16:3e:00:00:03 ' "$RUN/fdb.txt"; then fail "vm3's MAC is on VLAN 1"; fi
