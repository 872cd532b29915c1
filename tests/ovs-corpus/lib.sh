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

# Splits a recorded file into cases: one record per "$ " line, keyed by its ordinal.
split_cases() {
  awk -v out="$2" '/^\$ /{n++; print "" > (out "." n); close(out "." n)} n{print >> (out "." n)}' "$1"
  grep -c '^\$ ' "$1"
}

# compare_corpus EXPECTED ACTUAL KNOWN DIR: case by case; a case listed in KNOWN (its "$ " line)
# must still differ, every other case must match exactly, or as sets of lines when its comment
# says "as a set". Prints one line per failure and a summary; returns non-zero on a failure.
compare_corpus() {
  local expected=$1 actual=$2 known_file=$3 dir=$4 n_exp n_act i cmd
  n_exp=$(split_cases "$expected" "$dir/exp")
  n_act=$(split_cases "$actual" "$dir/act")
  if [[ "$n_exp" != "$n_act" ]]; then
    echo "$(basename "$expected") has $n_exp cases, the run $n_act: re-record"
    return 1
  fi
  known() { grep -qxF -- "$ $1" <(grep '^\$ ' "$known_file"); }
  local pass=0 fail=0 kd=0
  for ((i = 1; i <= n_exp; i++)); do
    cmd=$(sed -n '2s/^\$ //p' "$dir/exp.$i")
    # Cases whose comment says "as a set": Open vSwitch orders flows of equal priority (and
    # connections) by its hashes, Neutrino by insertion, so those compare as sets of lines.
    if [[ "$cmd" == *"#"*"as a set"* ]]; then
      sort -o "$dir/exp.$i" "$dir/exp.$i"
      sort -o "$dir/act.$i" "$dir/act.$i"
    fi
    if cmp -s "$dir/exp.$i" "$dir/act.$i"; then
      if known "$cmd"; then
        echo "NOW MATCHES (remove from $(basename "$known_file")): $cmd"
        fail=$((fail + 1))
      else
        pass=$((pass + 1))
      fi
    elif known "$cmd"; then
      kd=$((kd + 1))
    else
      echo "DIFFERS from Open vSwitch: $cmd"
      diff -u --label ovs-3.1 --label neutrino "$dir/exp.$i" "$dir/act.$i" | tail -n +3
      fail=$((fail + 1))
    fi
  done
  echo "ovs corpus ($(basename "$expected")): $pass cases match Open vSwitch, $kd known differences, $fail failures"
  [[ $fail -eq 0 ]]
}

# start_ovs DIR: a private ovsdb-server and ovs-vswitchd (--enable-dummy) with everything in DIR
# (pidfiles ovsdb.pid / ovs-vswitchd.pid, so ovs-appctl finds the switch); nothing system-wide
# is touched. stop_ovs DIR stops them.
start_ovs() {
  local dir=$1
  export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir
  ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ovsdb-server --remote=punix:"$dir/db.sock" --pidfile="$dir/ovsdb.pid" --detach \
    --log-file="$dir/ovsdb.log" "$dir/conf.db"
  ovs-vsctl --db=unix:"$dir/db.sock" --no-wait init
  ovs-vswitchd --enable-dummy unix:"$dir/db.sock" --pidfile="$dir/ovs-vswitchd.pid" --detach \
    --log-file="$dir/vswitchd.log"
}
stop_ovs() {
  local p
  for p in ovs-vswitchd ovsdb; do
    [[ -f "$1/$p.pid" ]] && kill "$(cat "$1/$p.pid")" 2>/dev/null
  done
  sleep 0.5
}

# start_neutrino TOOLS DIR: neutrino-vswitchd (--enable-dummy) with its run directory DIR.
start_neutrino() {
  export NVS_RUNDIR=$2
  "$1/neutrino-vswitchd" --detach --pidfile --log-file --enable-dummy
}
stop_neutrino() {
  [[ -f "$1/neutrino-vswitchd.pid" ]] && kill "$(cat "$1/neutrino-vswitchd.pid")" 2>/dev/null
  sleep 0.2
}
