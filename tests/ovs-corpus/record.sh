#!/usr/bin/env bash
# Re-records expected.txt from a real Open vSwitch (Debian's openvswitch-switch): starts a
# private ovsdb-server and ovs-vswitchd (--enable-dummy) in a temporary directory, creates
# bridge br0 with datapath_type=dummy and dummy ports p1 (1) and p2 (2) — no kernel device,
# nothing system-wide touched — runs every command of cases.txt through ovs-ofctl and writes
# what it answered. Run it when cases.txt changes; check.sh needs no Open vSwitch.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
for p in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl; do
  command -v "$p" >/dev/null || { echo "record.sh: $p not found (apt-get install openvswitch-switch)" >&2; exit 1; }
done
dir=$(mktemp -d /tmp/ovs-corpus.XXXXXX)
stop() {
  stop_ovs "$dir"
  rm -rf "$dir"
}
trap stop EXIT
start_ovs "$dir"
vsctl() { ovs-vsctl --db=unix:"$dir/db.sock" "$@"; }
vsctl add-br br0 -- set bridge br0 datapath_type=dummy \
  -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
  -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2
run_corpus ovs-ofctl "$here/cases.txt" "$dir/out"
{
  echo "# recorded from Open vSwitch $(ovs-ofctl --version | head -1 | awk '{print $NF}') (Debian), \`ovs-ofctl --version\`:"
  ovs-ofctl --version | sed 's/^/#   /'
  echo "# by tests/ovs-corpus/record.sh from cases.txt; do not edit by hand."
  cat "$dir/out.body"
} >"$here/expected.txt"
echo "wrote $here/expected.txt"
