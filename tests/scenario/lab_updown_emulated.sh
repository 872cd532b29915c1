#!/usr/bin/env bash
# The emulated lab left up (no root): `neutrino lab up FILE` keeps the lab in a background
# process; `lab exec` pings from an instance, dumps a node's flows and shows its configuration
# through it; `lab capture` records a segment and an instance's eth0 while a ping crosses; a
# nvs-vsctl set Port ... tag=5 changes the emulated node's forwarding; a command the emulated
# lab does not have is refused with a message; `lab down` ends the process.
# $1: the directory holding neutrino.
set -euo pipefail
NEUTRINO="$(cd "${1:?usage: $0 TOOLS_DIR}" && pwd)/neutrino"
export NT_LAB_DIR=$(mktemp -d /tmp/ntlabs.XXXXXX)
NAME="emu$$"
trap '"$NEUTRINO" lab down --all >/dev/null 2>&1 || true; rm -rf "$NT_LAB_DIR"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$NEUTRINO" lab up "$(dirname "$0")/../../examples/lab/04-vxlan.scn" --name "$NAME" --quiet
PID=$(sed -n 's/.*"server_pid": \([0-9]*\).*/\1/p' "$NT_LAB_DIR/$NAME.json")
kill -0 "$PID" || fail "the lab process is not running"

out=$("$NEUTRINO" lab exec --name "$NAME" cirros-vm1 ping -c 2 172.16.100.4)
echo "$out"
grep -q "2 packets transmitted, 2 packets received, 0% packet loss" <<<"$out" || fail "ping"

out=$("$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-ofctl dump-flows br-tun table=20)
echo "$out"
grep -q "hard_timeout=300.*dl_dst=fa:16:3e:fd:8a:ed" <<<"$out" || fail "learned flow"

out=$("$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-vsctl show)
echo "$out"
grep -q 'options: {in_key=flow, local_ip="166.66.16.10", out_key=flow, remote_ip="166.66.16.11"}' \
  <<<"$out" || fail "nvs-vsctl show on the controller"
[[ $("$NEUTRINO" lab exec --name "$NAME" devstack-compute01 nvs-vsctl get Port qvoab219616-01 tag) \
  == 1 ]] || fail "nvs-vsctl get on the compute node"

# lab capture: the lab process writes the frames crossing a segment, a node's NIC or an
# instance's eth0 as they pass; tcpdump filters and prints them. Started before the ping, ended
# by the count.
"$NEUTRINO" lab capture --name "$NAME" tenant -c 2 udp port 4789 >"$NT_LAB_DIR/seg.txt" \
  2>"$NT_LAB_DIR/seg.err" &
SEG=$!
"$NEUTRINO" lab capture --name "$NAME" cirros-vm2 -c 2 -w "$NT_LAB_DIR/vm2.pcap" icmp \
  2>"$NT_LAB_DIR/vm2.err" &
VM2=$!
for f in seg vm2; do
  for _ in $(seq 50); do grep -q "listening on" "$NT_LAB_DIR/$f.err" 2>/dev/null && break; sleep 0.1; done
done
"$NEUTRINO" lab exec --name "$NAME" cirros-vm1 ping -c 1 172.16.100.4 >/dev/null
wait "$SEG" || fail "lab capture tenant: $(cat "$NT_LAB_DIR/seg.err")"
wait "$VM2" || fail "lab capture cirros-vm2: $(cat "$NT_LAB_DIR/vm2.err")"
cat "$NT_LAB_DIR/seg.txt"
[[ $(grep -c "> 166.66.16.1[01].4789: VXLAN, flags \[I\] (0x08), vni 100" "$NT_LAB_DIR/seg.txt") \
  -eq 2 ]] || fail "the tenant segment capture does not show the two VXLAN frames"
grep -q "2 packets captured" "$NT_LAB_DIR/seg.err" || fail "capture count: $(cat "$NT_LAB_DIR/seg.err")"
tcpdump -n -r "$NT_LAB_DIR/vm2.pcap" 2>/dev/null | tee "$NT_LAB_DIR/vm2.txt"
grep -q "172.16.100.3 > 172.16.100.4: ICMP echo request" "$NT_LAB_DIR/vm2.txt" &&
  grep -q "172.16.100.4 > 172.16.100.3: ICMP echo reply" "$NT_LAB_DIR/vm2.txt" ||
  fail "cirros-vm2's eth0 capture does not hold the echo request and reply"
if "$NEUTRINO" lab capture --name "$NAME" nowhere -c 1 2>"$NT_LAB_DIR/err"; then
  fail "a capture on an unknown target should fail"
fi
grep -q "no segment, node or instance named 'nowhere'" "$NT_LAB_DIR/err" || fail "capture message"

# nvs-ofctl's looking commands answer as the daemon's do: port numbers and counters.
"$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-ofctl show br-int \
  >"$NT_LAB_DIR/show.txt" || fail "nvs-ofctl show br-int"
grep -q "^ LOCAL(br-int): addr:" "$NT_LAB_DIR/show.txt" || fail "show: $(cat "$NT_LAB_DIR/show.txt")"
"$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-ofctl dump-ports br-int LOCAL \
  >"$NT_LAB_DIR/ports.txt" || fail "nvs-ofctl dump-ports br-int LOCAL"
grep -q "^  port LOCAL: rx pkts=" "$NT_LAB_DIR/ports.txt" || fail "dump-ports: $(cat "$NT_LAB_DIR/ports.txt")"

# nvs-vsctl changes an emulated node as it changes a real one: another tag on vm1's port puts
# it on another local network (br-tun knows only VLAN 1), so the ping fails; back on tag 1 it
# works again.
"$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-vsctl set Port qvoa2ac3b9a-24 tag=5 \
  || fail "nvs-vsctl set Port ... tag=5"
[[ $("$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-vsctl get Port qvoa2ac3b9a-24 tag) \
  == 5 ]] || fail "the tag did not change"
out=$("$NEUTRINO" lab exec --name "$NAME" cirros-vm1 ping -c 1 172.16.100.4 || true)
echo "$out"
grep -q "1 packets transmitted, 0 packets received, 100% packet loss" <<<"$out" ||
  fail "ping should fail with tag=5"
"$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-vsctl set Port qvoa2ac3b9a-24 tag=1 \
  || fail "nvs-vsctl set Port ... tag=1"
out=$("$NEUTRINO" lab exec --name "$NAME" cirros-vm1 ping -c 1 172.16.100.4)
echo "$out"
grep -q "1 packets transmitted, 1 packets received, 0% packet loss" <<<"$out" ||
  fail "ping should work again with tag=1"

# What an emulated node cannot do is refused, saying what it can do.
if "$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-vsctl frobnicate br-int \
  2>"$NT_LAB_DIR/err"; then
  fail "nvs-vsctl frobnicate should fail"
fi
grep -q "unknown command 'frobnicate'" "$NT_LAB_DIR/err" || fail "no clear message (frobnicate)"
if "$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-ofctl snoop br-int \
  2>"$NT_LAB_DIR/err"; then
  fail "nvs-ofctl snoop should be refused by the emulated lab"
fi
grep -q "lab up --real runs the real tools" "$NT_LAB_DIR/err" || fail "no clear message (snoop)"

"$NEUTRINO" lab down "$NAME"
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && fail "the lab process outlived lab down"
[[ ! -e "$NT_LAB_DIR/$NAME.json" ]] || fail "state file left"
echo "PASS: lab_updown_emulated.sh"
