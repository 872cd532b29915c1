# Shared helpers for the real-mode tests (sourced, not run).
#
# Every test builds its own little world out of network namespaces and veth pairs, runs
# neutrino-vswitchd inside those namespaces (each daemon with its own run directory), sends
# real traffic between namespaces it created, and tears it all down on exit, pass or fail.
# Nothing is created in, routed to, or sent into the host's own network namespace.
#
# Usage (from a test):  source "$(dirname "$0")/lib.sh" "$@"
#   $1 (or $NT_TOOLS_DIR): the directory holding neutrino-vswitchd, nvs-vsctl, nvs-ofctl,
#   nvs-appctl (CMake passes <build>/src/tools).
# Exit status 77 means "skipped" (not root, or ip/ping/tcpdump missing).

TOOLS=${1:-${NT_TOOLS_DIR:-}}
if [[ -z "$TOOLS" || ! -x "$TOOLS/neutrino-vswitchd" ]]; then
  echo "usage: $0 <directory with neutrino-vswitchd and the nvs-* tools>" >&2
  exit 2
fi
TOOLS=$(cd "$TOOLS" && pwd)

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: real-mode tests need root (network namespaces)"
  exit 77
fi
for tool in ip ping tcpdump; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: '$tool' is not installed"
    exit 77
  fi
done
if ! ip netns add "ntrprobe$$" 2>/dev/null; then
  echo "SKIP: cannot create network namespaces here"
  exit 77
fi
ip netns del "ntrprobe$$"

# Everything this test creates carries this prefix: namespaces are "${P}-<name>".
P="ntr$$"
NAMESPACES=()   # namespaces to delete
RUNDIRS=()      # daemon run directories (each holds the daemon's pidfile)
BG_PIDS=()      # background helpers (tcpdump) to stop

step() { echo; echo "=== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# The daemon whose pidfile is in run directory $1, if it is still alive.
daemon_pid() {
  local pidfile="$1/neutrino-vswitchd.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == neutrino-vswit* ]] || return 1
  echo "$pid"
}

# Stops the daemon of run directory $1 (by its pidfile): TERM, then KILL after 2 s.
stop_daemon() {
  local pid i
  pid=$(daemon_pid "$1") || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 20); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? d ns pid
  set +e
  if [[ $rc -ne 0 ]]; then
    # Show what the daemons said: the first thing one wants after a failure.
    for d in "${RUNDIRS[@]}"; do
      if [[ -f "$d/neutrino-vswitchd.log" ]]; then
        echo "--- $d/neutrino-vswitchd.log (last 30 lines)"
        tail -n 30 "$d/neutrino-vswitchd.log"
      fi
    done
  fi
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  for d in "${RUNDIRS[@]}"; do stop_daemon "$d"; done
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  for d in "${RUNDIRS[@]}"; do rm -rf "$d"; done
  if [[ $rc -eq 0 ]]; then echo; echo "PASS: $(basename "$0")"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# on NS CMD...: runs CMD inside namespace ${P}-NS.
on() { local ns="$P-$1"; shift; ip netns exec "$ns" "$@"; }

# new_ns NAME: a fresh namespace ${P}-NAME with only loopback up and IPv6 off (so the only
# traffic is what the test sends: no router solicitations or duplicate address probes).
new_ns() {
  local ns="$P-$1"
  ip netns add "$ns"
  NAMESPACES+=("$ns")
  on "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  on "$1" ip link set lo up
}

# veth NS1 IF1 NS2 IF2: a veth pair with end IF1 in namespace NS1 and IF2 in NS2, created
# straight in those namespaces (never in the host's).
veth() {
  ip link add "$2" netns "$P-$1" type veth peer name "$4" netns "$P-$3"
  on "$1" ip link set "$2" up
  on "$3" ip link set "$4" up
}

# instance NS IF MAC ADDR/LEN: gives an instance's interface its MAC and address.
instance_addr() {
  on "$1" ip link set "$2" address "$3"
  on "$1" ip addr add "$4" dev "$2"
}

# start_daemon NODE VAR: starts neutrino-vswitchd in namespace ${P}-NODE with a new run
# directory, whose path is stored in variable VAR.
start_daemon() {
  local rundir
  rundir=$(mktemp -d "/tmp/$P-$1.XXXXXX")
  RUNDIRS+=("$rundir")
  printf -v "$2" '%s' "$rundir"
  restart_daemon "$1" "$rundir"
}

# restart_daemon NODE RUNDIR: (re)starts the daemon of NODE on an existing run directory.
restart_daemon() {
  on "$1" env NVS_RUNDIR="$2" "$TOOLS/neutrino-vswitchd" --detach --pidfile --log-file --enable-dummy
  daemon_pid "$2" >/dev/null || fail "neutrino-vswitchd in $1 did not start"
}

# The tools, run in a node's namespace against that node's daemon: vsctl NODE RUNDIR ARGS...
vsctl() { local n=$1 r=$2; shift 2; on "$n" env NVS_RUNDIR="$r" "$TOOLS/nvs-vsctl" "$@"; }
ofctl() { local n=$1 r=$2; shift 2; on "$n" env NVS_RUNDIR="$r" "$TOOLS/nvs-ofctl" "$@"; }
appctl() { local n=$1 r=$2; shift 2; on "$n" env NVS_RUNDIR="$r" "$TOOLS/nvs-appctl" "$@"; }

# ping_loss NS DEST [COUNT]: runs a real ping inside NS, prints its output, and stores
# the packet loss percentage ("0", "100", ...) in LOSS.
LOSS=""
ping_loss() {
  local out
  out=$(on "$1" ping -n -c "${3:-3}" -W 2 -i 0.2 "$2" 2>&1) || true
  echo "$out" | sed 's/^/    /'
  LOSS=$(echo "$out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
  [[ -n "$LOSS" ]] || LOSS=100
}
expect_ping_ok() {
  ping_loss "$@"
  [[ "$LOSS" == 0 ]] || fail "ping from $1 to $2: expected 0% loss, got $LOSS%"
}
expect_ping_fails() {
  ping_loss "$@"
  [[ "$LOSS" == 100 ]] || fail "ping from $1 to $2: expected 100% loss, got $LOSS%"
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# neutrino_vtep NODE RUNVAR LOCAL_IP REMOTE_IP VM_PORT: the seed's VXLAN node, run by
# neutrino-vswitchd in namespace NODE (whose underlay already carries LOCAL_IP):
#   br-int (fail_mode=secure, one flow: priority=0 actions=NORMAL)
#     VM_PORT tag=1 (a veth end already in NODE), patch-tun <-> patch-int of br-tun
#   br-tun (fail_mode=secure, the seed's flows from br-tun.flows)
#     patch-int = ofport 1, vxlan-a642100b = ofport 2 (VNI from the flow, LOCAL_IP -> REMOTE_IP)
neutrino_vtep() {
  local node=$1 local_ip=$3 remote_ip=$4 vm_port=$5 run
  start_daemon "$node" "$2"
  run=${!2}
  vsctl "$node" "$run" add-br br-int -- set-fail-mode br-int secure \
    -- add-port br-int patch-tun -- set Interface patch-tun type=patch options:peer=patch-int \
    -- add-port br-int "$vm_port" tag=1
  ofctl "$node" "$run" add-flow br-int "priority=0 actions=NORMAL"
  vsctl "$node" "$run" add-br br-tun -- set-fail-mode br-tun secure \
    -- add-port br-tun patch-int -- set Interface patch-int type=patch options:peer=patch-tun \
       ofport_request=1 \
    -- add-port br-tun vxlan-a642100b -- set Interface vxlan-a642100b type=vxlan \
       options:in_key=flow options:out_key=flow \
       options:local_ip="$local_ip" options:remote_ip="$remote_ip" ofport_request=2
  ofctl "$node" "$run" add-flows br-tun "$(dirname "${BASH_SOURCE[0]}")/br-tun.flows"
}

# seed_vxlan_world: the seed's two VXLAN nodes and their instances, before any switch runs:
#   namespaces ctl (devstack-controller, eth1 166.66.16.10/24) and cmp (devstack-compute01,
#   eth1 166.66.16.11/24) joined by an underlay veth; vm1 (cirros-vm1, $VM1_MAC, 172.16.100.3)
#   on ctl's qvoa2ac3b9a-24 and vm2 (cirros-vm2, $VM2_MAC, 172.16.100.4) on cmp's
#   qvoab219616-01, MTU 1450 to leave room for the VXLAN headers.
VM1_MAC=fa:16:3e:8e:3b:12
VM2_MAC=fa:16:3e:fd:8a:ed
seed_vxlan_world() {
  step "Two node namespaces and the underlay between them (addresses only in those namespaces)"
  new_ns ctl
  new_ns cmp
  veth ctl eth1 cmp eth1
  on ctl ip addr add 166.66.16.10/24 dev eth1
  on cmp ip addr add 166.66.16.11/24 dev eth1

  step "One instance behind each node (MTU 1450 leaves room for the VXLAN headers)"
  new_ns vm1
  new_ns vm2
  veth vm1 eth0 ctl qvoa2ac3b9a-24
  veth vm2 eth0 cmp qvoab219616-01
  on vm1 ip link set eth0 mtu 1450
  on vm2 ip link set eth0 mtu 1450
  instance_addr vm1 eth0 "$VM1_MAC" 172.16.100.3/24
  instance_addr vm2 eth0 "$VM2_MAC" 172.16.100.4/24
}
