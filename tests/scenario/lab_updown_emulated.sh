#!/usr/bin/env bash
# The emulated lab left up (no root): `neutrino lab up FILE` keeps the lab in a background
# process; `lab exec` pings from an instance and dumps a node's flows through it; a command the
# emulated lab does not have is refused with a message; `lab down` ends the process.
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

# What an emulated node cannot do is refused, saying what it can do.
if "$NEUTRINO" lab exec --name "$NAME" devstack-controller nvs-vsctl del-br br-int \
  2>"$NT_LAB_DIR/err"; then
  fail "nvs-vsctl del-br should be refused by the emulated lab"
fi
grep -q "'del-br' changes the configuration" "$NT_LAB_DIR/err" || fail "no clear message (del-br)"
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
