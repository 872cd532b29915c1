#!/usr/bin/env bash
# The conntrack corpus: the same flows and the same packets through Open vSwitch 3.1 and
# Neutrino must give the same bytes out of every port and the same dump-conntrack text.
#
#   ct_corpus.sh record          re-records ct-expected.txt from Debian's openvswitch-switch (a
#                                private ovsdb-server + ovs-vswitchd --enable-dummy, bridge br0
#                                datapath_type=dummy, nothing system-wide touched)
#   ct_corpus.sh check TOOLS_DIR runs ct-cases.txt against neutrino-vswitchd and compares (ctest
#                                ovs_ct_corpus; no Open vSwitch needed)
#
# ct-cases.txt is in cases.txt's format (lib.sh) with three more verbs: `appctl ...` (the
# switch's appctl), `sent PORT` (the frames PORT sent since the last `sent PORT`, one hex line
# each, from its tx_pcap) and, inside a line, `$(frame tcp|udp|icmp ...)` (ct_frames.py).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
mode=${1:?usage: ct_corpus.sh record | check TOOLS_DIR}
dir=$(mktemp -d /tmp/ct-corpus.XXXXXX)
frame() { python3 "$here/ct_frames.py" "$@"; }
corpus_tool() {
  case $1 in
    appctl) shift; $APPCTL "$@" ;;
    sent) python3 "$here/ct_frames.py" sent "$dir/$2.pcap" ;;
    *) $OFCTL "$@" ;;
  esac
}
bridge_args=(add-br br0 -- set bridge br0 datapath_type=dummy
  -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 options:tx_pcap="$dir/p1.pcap"
  -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 options:tx_pcap="$dir/p2.pcap")

if [[ "$mode" == record ]]; then
  for p in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl ovs-appctl; do
    command -v "$p" >/dev/null || { echo "ct_corpus.sh: $p not found" >&2; exit 1; }
  done
  trap 'stop_ovs "$dir"; rm -rf "$dir"' EXIT
  start_ovs "$dir"
  ovs-vsctl --db=unix:"$dir/db.sock" "${bridge_args[@]}"
  APPCTL=ovs-appctl OFCTL=ovs-ofctl
  run_corpus corpus_tool "$here/ct-cases.txt" "$dir/out"
  {
    echo "# recorded from Open vSwitch $(ovs-ofctl --version | head -1 | awk '{print $NF}') (Debian) by"
    echo "# tests/ovs-corpus/ct_corpus.sh record from ct-cases.txt; do not edit by hand."
    cat "$dir/out.body"
  } >"$here/ct-expected.txt"
  echo "wrote $here/ct-expected.txt"
  exit 0
fi

tools=${2:?usage: ct_corpus.sh check TOOLS_DIR}
trap 'stop_neutrino "$dir"; rm -rf "$dir"' EXIT
start_neutrino "$tools" "$dir" || { echo "daemon did not start"; exit 1; }
"$tools/nvs-vsctl" "${bridge_args[@]}" || exit 1
APPCTL=$tools/nvs-appctl OFCTL=$tools/nvs-ofctl
run_corpus corpus_tool "$here/ct-cases.txt" "$dir/actual"
compare_corpus "$here/ct-expected.txt" "$dir/actual.body" "$here/ct-known-differences.txt" "$dir"
