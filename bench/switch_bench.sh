#!/usr/bin/env bash
# Neutrino vs Open vSwitch (userspace datapath) vs the Linux bridge, on the same machine, in
# the same run: two namespaces joined by one bridge that lives in a third namespace.
#
#   ./bench/switch_bench.sh [--seconds N] [--cc ALGORITHM] [--firewall]
#                           [--only neutrino|ovs|ovs-tso|linux-bridge]...
#
# --firewall: both OpenFlow switches run the same stateful-firewall flows (issue 12): untracked
# IP -> ct(table=1,zone=1); new -> ct(commit,zone=1),NORMAL; established -> NORMAL; ARP by
# NORMAL; and new TCP connections per second (short connections, one at a time) are measured
# too. The Linux bridge is skipped in this mode (it tracks nothing).
#
# For each switch it reports iperf3 TCP throughput (1 and 4 streams), 64-byte UDP packets/s
# received, and ping RTT; then the ratios of Neutrino to the others. Open vSwitch runs with
# datapath_type=netdev (ovsdb-server and ovs-vswitchd started here, in a private directory,
# stopped by pid) once with offloads off and once with other_config:userspace-tso-enable=true.
# NT_BIN=DIR runs the Neutrino tools from DIR (default build/release/src/tools).
# --cc picks the iperf3 senders' TCP congestion control (default cubic, Linux's own default;
# some kernels default to bbr, whose pacing on a 2-core machine caps one stream at its own
# bandwidth estimate whatever the switch does, so the script always names the one it used).
# Needs root. Touches nothing outside the namespaces it creates; removes them on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TEST=5
CC=cubic
ONLY=()
FIREWALL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_TEST=$2; shift 2 ;;
    --cc) CC=$2; shift 2 ;;
    --only) ONLY+=("$2"); shift 2 ;;
    --firewall) FIREWALL=1; shift ;;
    *) echo "usage: $0 [--seconds N] [--cc ALGORITHM] [--firewall] [--only VARIANT]..." >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "switch_bench: needs root (network namespaces)" >&2; exit 2; }
modprobe "tcp_$CC" 2>/dev/null || true
grep -qw -- "$CC" /proc/sys/net/ipv4/tcp_available_congestion_control || {
  echo "switch_bench: congestion control \"$CC\" is not available (have: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control))" >&2
  exit 2; }

need_pkgs=()
for p in iperf3 ethtool openvswitch-switch iproute2 iputils-ping python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  # Keep the package's own service from starting: this script runs its own daemons.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

TAG="ntb$$"
NS_A="$TAG-a"; NS_B="$TAG-b"; NS_SW="$TAG-sw"
WORK=$(mktemp -d /tmp/neutrino-bench.XXXXXX)
BIN=${NT_BIN:-$PWD/build/release/src/tools}
PIDFILES=()

cleanup() {
  for f in "${PIDFILES[@]}"; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
  for ns in "$NS_A" "$NS_B" "$NS_SW"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Two hosts (namespaces A and B) with veth pairs whose other ends sit in the switch namespace.
topology() {
  local offloads=$1
  for ns in "$NS_A" "$NS_B" "$NS_SW"; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; done
  ip -n "$NS_SW" link set lo up
  for side in a b; do
    local ns=$NS_A; [ $side = b ] && ns=$NS_B
    ip link add "${TAG}$side" type veth peer name "${side}1"
    ip link set "${TAG}$side" netns "$ns"
    ip link set "${side}1" netns "$NS_SW"
    ip -n "$ns" link set "${TAG}$side" name eth0
    ip -n "$ns" addr add "10.250.0.$([ $side = a ] && echo 1 || echo 2)/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    ip -n "$NS_SW" link set "${side}1" up
    if [ "$offloads" = off ]; then
      ip netns exec "$ns" ethtool -K eth0 tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
    fi
  done
}

measure() {
  local name=$1
  ip netns exec "$NS_A" ping -c 3 -W 2 10.250.0.2 >/dev/null 2>&1 || {
    echo "$name: no connectivity" >&2; printf '%s 0 0 0 0\n' "$name" >> "$WORK/results"; return; }
  ip netns exec "$NS_B" iperf3 -s -D --pidfile "$WORK/iperf.pid" >/dev/null 2>&1; sleep 0.5
  local tcp1 tcp4 udp rtt
  tcp1=$(ip netns exec "$NS_A" iperf3 -c 10.250.0.2 -C "$CC" -t "$SECONDS_PER_TEST" -f m | awk '/receiver/ {print $(NF-2)}')
  tcp4=$(ip netns exec "$NS_A" iperf3 -c 10.250.0.2 -C "$CC" -t "$SECONDS_PER_TEST" -P 4 -f m | awk '/SUM.*receiver/ {print $(NF-2)}')
  # 18-byte UDP payload = a 64-byte Ethernet frame on the wire (with FCS).
  udp=$(ip netns exec "$NS_A" iperf3 -c 10.250.0.2 -u -l 18 -b 0 -t "$SECONDS_PER_TEST" | \
        awk -v t="$SECONDS_PER_TEST" '/receiver/ { split($(NF-2), a, "/"); print int((a[2]-a[1])/t) }')
  rtt=$(ip netns exec "$NS_A" ping -c 20 -i 0.05 10.250.0.2 | awk -F/ '/rtt|round-trip/ {print $5*1000}')
  kill "$(cat "$WORK/iperf.pid")" 2>/dev/null || true
  local conns=0
  [ "$FIREWALL" = 1 ] && conns=$(connections_per_second)
  printf '%s %s %s %s %s %s\n' "$name" "${tcp1:-0}" "${tcp4:-0}" "${udp:-0}" "${rtt:-0}" "${conns:-0}" | \
    tee -a "$WORK/results"
}

# Short TCP connections from A to B, one after another (connect, 1 byte, close), per second:
# each is a new conntrack entry, committed, then torn down.
connections_per_second() {
  ip netns exec "$NS_B" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.250.0.2", 5999)); s.listen(512)
while True:
    c, _ = s.accept(); c.recv(1); c.close()' &
  local server=$!
  sleep 0.5
  ip netns exec "$NS_A" python3 -c '
import socket, sys, time
t = float(sys.argv[1]); n = 0; end = time.time() + t
while time.time() < end:
    c = socket.create_connection(("10.250.0.2", 5999), timeout=2)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    c.send(b"x"); c.close(); n += 1
print(int(n / t))' "$SECONDS_PER_TEST" || echo 0
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}

# The stateful firewall both OpenFlow switches run with --firewall.
firewall_flows() {
  cat <<'FLOWS'
table=0,priority=100,ip,ct_state=-trk actions=ct(table=1,zone=1)
table=0,priority=10,arp actions=NORMAL
table=0,priority=0 actions=drop
table=1,priority=100,ip,ct_state=+trk+new actions=ct(commit,zone=1),NORMAL
table=1,priority=100,ip,ct_state=+trk+est actions=NORMAL
table=1,priority=1 actions=drop
FLOWS
}

run_linux_bridge() {
  topology "$1"
  ip -n "$NS_SW" link add br0 type bridge
  ip -n "$NS_SW" link set a1 master br0
  ip -n "$NS_SW" link set b1 master br0
  ip -n "$NS_SW" link set br0 up
  measure "linux-bridge-offloads-$1"
}

run_ovs() {
  local tso=$1 dir="$WORK/ovs-$1"
  topology "$([ "$tso" = on ] && echo on || echo off)"
  mkdir -p "$dir"
  export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir
  ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ovsdb-server --remote=punix:"$dir/db.sock" --pidfile="$dir/ovsdb.pid" --detach \
    --log-file="$dir/ovsdb.log" "$dir/conf.db" >/dev/null 2>&1
  PIDFILES+=("$dir/ovsdb.pid")
  ovs-vsctl --db=unix:"$dir/db.sock" --no-wait init
  [ "$tso" = on ] && ovs-vsctl --db=unix:"$dir/db.sock" --no-wait set Open_vSwitch . \
    other_config:userspace-tso-enable=true
  ip netns exec "$NS_SW" ovs-vswitchd unix:"$dir/db.sock" --pidfile="$dir/vswitchd.pid" \
    --detach --log-file="$dir/vswitchd.log" >/dev/null 2>&1
  PIDFILES+=("$dir/vswitchd.pid")
  ovs-vsctl --db=unix:"$dir/db.sock" add-br br0 -- set bridge br0 datapath_type=netdev \
    -- add-port br0 a1 -- add-port br0 b1
  local fw=""
  if [ "$FIREWALL" = 1 ]; then
    firewall_flows > "$dir/fw.flows"
    # OpenFlow 1.0 cannot carry table ids in replace-flows (ovs-ofctl refuses: "switch does not
    # support any of the usable flow formats"): the firewall has two tables.
    ovs-ofctl -O OpenFlow13 replace-flows "unix:$dir/br0.mgmt" "$dir/fw.flows"
    fw="-fw"
  fi
  sleep 1
  measure "ovs-netdev-tso-$tso$fw"
  kill "$(cat "$dir/vswitchd.pid")" "$(cat "$dir/ovsdb.pid")" 2>/dev/null || true
  unset OVS_RUNDIR OVS_LOGDIR OVS_DBDIR
}

run_neutrino() {
  local offloads=$1 rxmode=${2:-ring} dir="$WORK/neutrino-$1-${2:-ring}"
  [ -x "$BIN/neutrino-vswitchd" ] || { echo "neutrino-vswitchd not built (./scripts/build.sh release)" >&2; return; }
  topology "$offloads"
  mkdir -p "$dir"
  export NVS_RUNDIR=$dir
  ip netns exec "$NS_SW" "$BIN/neutrino-vswitchd" --detach --pidfile --log-file
  PIDFILES+=("$dir/neutrino-vswitchd.pid")
  "$BIN/nvs-vsctl" add-br br0 -- add-port br0 a1 -- add-port br0 b1
  if [ "$rxmode" = mmsg ]; then
    "$BIN/nvs-vsctl" set Interface a1 options:rx_mode=mmsg -- set Interface b1 options:rx_mode=mmsg
  fi
  local suffix=""; [ "$rxmode" = mmsg ] && suffix="-mmsg"
  if [ "$FIREWALL" = 1 ]; then
    firewall_flows > "$dir/fw.flows"
    "$BIN/nvs-ofctl" -O OpenFlow13 replace-flows br0 "$dir/fw.flows"
    suffix="$suffix-fw"
  fi
  sleep 1
  measure "neutrino-offloads-$offloads$suffix"
  "$BIN/nvs-appctl" exit 2>/dev/null || true
  unset NVS_RUNDIR
}

selected() { [ ${#ONLY[@]} -eq 0 ] || printf '%s\n' "${ONLY[@]}" | grep -qx "$1"; }
: > "$WORK/results"
echo "# TCP congestion control: $CC"
echo "# variant tcp1_mbps tcp4_mbps udp64_pps ping_rtt_us new_conns_per_s"
if [ "$FIREWALL" = 0 ] && selected linux-bridge; then
  run_linux_bridge on
  run_linux_bridge off
fi
selected ovs && run_ovs off
selected ovs-tso && run_ovs on
if [ "$FIREWALL" = 1 ]; then
  selected neutrino && { run_neutrino off; run_neutrino on; }
else
  selected neutrino && { run_neutrino off; run_neutrino on; run_neutrino off mmsg; }
fi

# Ratios measured in this run.
awk -v fw="$FIREWALL" '
  { tcp1[$1]=$2; tcp4[$1]=$3; udp[$1]=$4; rtt[$1]=$5; conns[$1]=$6 }
  function r(a, b) { return (b > 0) ? sprintf("%.2f", a / b) : "n/a" }
  END {
    if (fw == 1) {
      n = "neutrino-offloads-off-fw"; o = "ovs-netdev-tso-off-fw"
      nt = "neutrino-offloads-on-fw"; t = "ovs-netdev-tso-on-fw"
      print ""
      print "Stateful firewall, Neutrino / OVS netdev (offloads off): tcp1 " r(tcp1[n], tcp1[o]) ", udp64 " r(udp[n], udp[o]) ", rtt " r(rtt[n], rtt[o]) ", new conns/s " r(conns[n], conns[o])
      print "Stateful firewall, Neutrino (offloads on) / OVS netdev with userspace TSO: tcp1 " r(tcp1[nt], tcp1[t]) ", tcp4 " r(tcp4[nt], tcp4[t]) ", new conns/s " r(conns[nt], conns[t])
      exit
    }
    n = "neutrino-offloads-off"; o = "ovs-netdev-tso-off"; t = "ovs-netdev-tso-on"
    nt = "neutrino-offloads-on"; lb = "linux-bridge-offloads-on"; lbo = "linux-bridge-offloads-off"
    print ""
    m = "neutrino-offloads-off-mmsg"
    print "Neutrino / OVS netdev (offloads off): tcp1 " r(tcp1[n], tcp1[o]) ", udp64 " r(udp[n], udp[o]) ", rtt " r(rtt[n], rtt[o])
    print "Neutrino rx_mode=mmsg / OVS netdev (offloads off): tcp1 " r(tcp1[m], tcp1[o]) ", udp64 " r(udp[m], udp[o]) ", rtt " r(rtt[m], rtt[o])
    print "Neutrino (offloads on) / OVS netdev with userspace TSO: tcp1 " r(tcp1[nt], tcp1[t]) ", tcp4 " r(tcp4[nt], tcp4[t])
    print "Neutrino / Linux bridge (offloads on): tcp1 " r(tcp1[nt], tcp1[lb]) ", udp64 " r(udp[nt], udp[lb])
    print "Neutrino / Linux bridge (offloads off): tcp1 " r(tcp1[n], tcp1[lbo]) ", udp64 " r(udp[n], udp[lbo])
  }' "$WORK/results"
