#!/usr/bin/env bash
# The cost of making flow changes durable, with a large flow table (issue 14's target: <= 1 ms
# per single change at 200,000 flows, >= 200,000 flows/s for a bundle, persistence included).
#
#   ./bench/persist_bench.sh [--flows N] [--singles N]
#
# Starts neutrino-vswitchd in a private run directory (removed on exit; the daemon is stopped
# by its pid), adds a datapath_type=dummy bridge, then reports:
#   bundle     `nvs-ofctl --bundle add-flows br0 FILE` of N flows: seconds and flows/s
#   replace    `nvs-ofctl --bundle replace-flows br0 FILE2` of the same N flows with other
#              actions (every flow changes): seconds and flows/s
#   single     `nvs-ofctl add-flow` one flow at a time on top of the N: median end-to-end ms,
#              the median of a process that does no work (`nvs-ofctl parse-flow`, no daemon: start-up
#              overhead), and the daemon's persistence time per change (coverage/show's
#              flows_journal_commit_usec / flows_journal_commit; absent before the journal)
#   ovs        if Open vSwitch is installed (ovs-vswitchd, ovsdb-server, ovs-ofctl; Debian's
#              openvswitch-switch) and NT_OVS is not 0: the same two bundles through
#              `ovs-ofctl --bundle` to a datapath_type=dummy bridge of a private ovs-vswitchd,
#              measured in the same run, and Neutrino's rate as a ratio of OVS's (OVS keeps flows
#              in memory only: Neutrino's figure includes making them durable)
# NT_BIN=DIR runs the tools from DIR (default build/release/src/tools). Needs no root.
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWS=200000
SINGLES=50
while [ $# -gt 0 ]; do
  case "$1" in
    --flows) FLOWS=$2; shift 2 ;;
    --singles) SINGLES=$2; shift 2 ;;
    *) echo "usage: $0 [--flows N] [--singles N]" >&2; exit 2 ;;
  esac
done
BIN=${NT_BIN:-build/release/src/tools}
BIN=$(cd "$BIN" && pwd)
dir=$(mktemp -d /tmp/nt-persist-bench-XXXXXX)
export NVS_RUNDIR=$dir
cleanup() {
  for p in "$dir/pid" "$dir/ovs/ovs-vswitchd.pid" "$dir/ovs/ovsdb-server.pid"; do
    if [ -f "$p" ]; then kill "$(cat "$p")" 2>/dev/null || true; fi
  done
  sleep 0.2
  rm -rf "$dir"
}
trap cleanup EXIT
"$BIN/neutrino-vswitchd" --enable-dummy --detach --pidfile="$dir/pid" --log-file="$dir/log" --rundir="$dir"
"$BIN/nvs-vsctl" add-br br0 -- set bridge br0 datapath_type=dummy
# N distinct flows: priority and an IPv4 destination per flow.
awk -v n="$FLOWS" 'BEGIN { for (i = 0; i < n; i++)
  printf "priority=%d,ip,nw_dst=10.%d.%d.%d actions=output:1\n", 100 + i % 1000,
         int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' > "$dir/flows.txt"
now() { date +%s.%N; }
t0=$(now)
"$BIN/nvs-ofctl" --bundle add-flows br0 "$dir/flows.txt"
t1=$(now)
n=$("$BIN/nvs-ofctl" dump-flows br0 | grep -c 'nw_dst=' || true)
[ "$n" -eq "$FLOWS" ] || { echo "persist_bench: $n flows installed, expected $FLOWS" >&2; exit 1; }
awk -v a="$t0" -v b="$t1" -v n="$FLOWS" \
  'BEGIN { printf "bundle: %d flows in %.3f s = %.0f flows/s\n", n, b - a, n / (b - a) }'
nt_add=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
sed 's/output:1$/output:2/' "$dir/flows.txt" > "$dir/flows2.txt"
t0=$(now)
"$BIN/nvs-ofctl" --bundle replace-flows br0 "$dir/flows2.txt"
t1=$(now)
n=$("$BIN/nvs-ofctl" dump-flows br0 | grep -c 'output:2' || true)
[ "$n" -eq "$FLOWS" ] || { echo "persist_bench: $n flows replaced, expected $FLOWS" >&2; exit 1; }
awk -v a="$t0" -v b="$t1" -v n="$FLOWS" \
  'BEGIN { printf "replace: %d flows in %.3f s = %.0f flows/s\n", n, b - a, n / (b - a) }'
nt_replace=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
counter() { "$BIN/nvs-appctl" coverage/show | awk -v k="$1" '$1 == k { print $NF; f = 1 } END { if (!f) print 0 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
c0=$(counter flows_journal_commit); u0=$(counter flows_journal_commit_usec)
for i in $(seq 1 "$SINGLES"); do
  a=$(now)
  "$BIN/nvs-ofctl" add-flow br0 "priority=7,tcp,tp_dst=$i actions=drop"
  b=$(now)
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
done | median > "$dir/e2e"
for i in $(seq 1 "$SINGLES"); do
  a=$(now); "$BIN/nvs-ofctl" parse-flow "actions=drop" >/dev/null; b=$(now)
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
done | median > "$dir/noop"
c1=$(counter flows_journal_commit); u1=$(counter flows_journal_commit_usec)
echo "single add-flow at $FLOWS flows: median $(cat "$dir/e2e") ms end to end" \
  "(a no-op nvs-ofctl: $(cat "$dir/noop") ms)"
if [ "$c1" -gt "$c0" ]; then
  awk -v c="$((c1 - c0))" -v u="$((u1 - u0))" \
    'BEGIN { printf "daemon persistence: %d records, mean %.3f ms per change\n", c, u / c / 1000 }'
else
  echo "daemon persistence: no journal counters (whole-file save)"
fi
ls -l "$dir/flows" | awk 'NR > 1 { print "  " $5, $NF }'

# Open vSwitch, same machine, same run, same files.
if [ "${NT_OVS:-1}" != 0 ] && command -v ovs-vswitchd >/dev/null && command -v ovsdb-server >/dev/null &&
  command -v ovs-ofctl >/dev/null && [ -f /usr/share/openvswitch/vswitch.ovsschema ]; then
  o=$dir/ovs
  mkdir -p "$o"
  export OVS_RUNDIR=$o OVS_DBDIR=$o OVS_LOGDIR=$o OVS_SYSCONFDIR=$o
  ovsdb-tool create "$o/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ovsdb-server "$o/conf.db" --remote=punix:"$o/db.sock" --pidfile="$o/ovsdb-server.pid" \
    --detach --log-file="$o/ovsdb-server.log" 2>/dev/null
  ovs-vsctl --db=unix:"$o/db.sock" --no-wait init
  ovs-vswitchd unix:"$o/db.sock" --enable-dummy=override --pidfile="$o/ovs-vswitchd.pid" \
    --detach --log-file="$o/ovs-vswitchd.log" -vconsole:off 2>/dev/null
  ovs-vsctl --db=unix:"$o/db.sock" add-br br0 -- set bridge br0 datapath_type=dummy
  ovs_run() {  # NAME FILE NEUTRINO_SECONDS
    local a b
    a=$(now)
    ovs-ofctl -vconsole:off --bundle "$1" br0 "$2"
    b=$(now)
    awk -v a="$a" -v b="$b" -v n="$FLOWS" -v c="$1" -v nt="$3" 'BEGIN {
      printf "ovs %s: %d flows in %.3f s = %.0f flows/s; neutrino/ovs rate: %.2f\n",
             c, n, b - a, n / (b - a), (b - a) / nt }'
  }
  ovs_run add-flows "$dir/flows.txt" "$nt_add"
  ovs_run replace-flows "$dir/flows2.txt" "$nt_replace"
  n=$(ovs-ofctl dump-flows br0 | grep -c 'output:2' || true)
  [ "$n" -eq "$FLOWS" ] || { echo "persist_bench: ovs has $n flows, expected $FLOWS" >&2; exit 1; }
else
  echo "ovs: no comparison (NT_OVS=0, or Open vSwitch not installed: apt-get install openvswitch-switch)"
fi
