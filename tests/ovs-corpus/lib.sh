# Shared by record.sh (real Open vSwitch) and check.sh (Neutrino): read the corpus of
# commands and write, for each, what the tool answered in one stable text form.
#
# cases.txt: one command per line, shell-quoted, without the program name ("add-flow br0
# 'in_port=1 actions=drop'"); '#' lines and blank lines are comments. Every command runs
# against bridge br0 (datapath_type=dummy) with dummy ports p1 (port 1) and p2 (port 2),
# set up afresh by the caller. A line "@reset" deletes all flows (del-flows br0) without
# recording anything, so each group of cases starts from an empty table.
#
# The output file holds, per case:
#   $ COMMAND
#   > a line the tool wrote to stdout
#   ! a line it wrote to stderr (the program name written as "ofctl:", log lines dropped)
#   [exit N]   (only when N is not 0)

# run_corpus TOOL CASES OUT: TOOL is the ovs-ofctl or nvs-ofctl program (with any env).
run_corpus() {
  local tool=$1 cases=$2 out=$3 line rc stdout stderr
  : >"$out.body"
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ -z "${line// /}" || "$line" == \#* ]] && continue
    if [[ "$line" == "@reset" ]]; then
      $tool del-flows br0 >/dev/null 2>&1
      continue
    fi
    eval "set -- $line"
    stdout=$($tool "$@" 2>/tmp/ovs-corpus-stderr.$$); rc=$?
    stderr=$(cat /tmp/ovs-corpus-stderr.$$)
    {
      printf '$ %s\n' "$line"
      [[ -n "$stdout" ]] && printf '%s\n' "$stdout" | sed 's/^/> /'
      # Log lines (TIMESTAMP|SEQ|MODULE|LEVEL|text) are the tool's logging, not its answer.
      [[ -n "$stderr" ]] && printf '%s\n' "$stderr" |
        grep -Ev '^[0-9T:.Z-]+\|[0-9]+\|[a-z_]+\|(DBG|INFO|WARN|ERR|EMER)\|' |
        sed -E 's/^(ovs|nvs)-ofctl:/ofctl:/; s/^/! /'
      [[ $rc -ne 0 ]] && printf '[exit %d]\n' "$rc"
    } >>"$out.body"
  done <"$cases"
  rm -f /tmp/ovs-corpus-stderr.$$
}
