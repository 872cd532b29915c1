#!/usr/bin/env bash
# The OVS corpus test: runs every command of cases.txt through nvs-ofctl against a
# neutrino-vswitchd with the same bridge record.sh gives Open vSwitch (br0, datapath_type=dummy,
# dummy ports p1 = 1 and p2 = 2; no root needed, no kernel device made) and compares each
# answer with the one Open vSwitch 3.1 gave (expected.txt). No Open vSwitch is needed here.
#
# known-differences.txt lists the cases where Neutrino still answers differently, by their
# command line and a reason. A listed case must still differ (so the list cannot go stale);
# an unlisted case must match exactly (a case whose comment says "as a set": the same lines in
# any order).
#   $1: the directory holding neutrino-vswitchd, nvs-vsctl and nvs-ofctl
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=${1:?usage: check.sh TOOLS_DIR}
. "$here/lib.sh"
dir=$(mktemp -d /tmp/nt-corpus.XXXXXX)
stop() {
  stop_neutrino "$dir"
  rm -rf "$dir"
}
trap stop EXIT
start_neutrino "$tools" "$dir" || { echo "daemon did not start"; exit 1; }
"$tools/nvs-vsctl" add-br br0 -- set bridge br0 datapath_type=dummy \
  -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
  -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 || exit 1
run_corpus "$tools/nvs-ofctl" "$here/cases.txt" "$dir/actual"

compare_corpus "$here/expected.txt" "$dir/actual.body" "$here/known-differences.txt" "$dir"
