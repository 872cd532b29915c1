# What the openstack-CLI tests share (sourced after `tools=$1`): the skip check, a private
# temporary directory, the server's pid killed and the directory removed on exit, `fail` (which
# shows the server log's tail), `expect_eq ACTUAL EXPECTED WHAT`, and a free loopback `port`.
command -v openstack >/dev/null && command -v curl >/dev/null || { echo "SKIP: needs openstack and curl"; exit 77; }
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/server.log" ] && tail -20 "$tmp/server.log"; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# start_server ARGS...: neutrino-server with ARGS, its log in $tmp/server.log and state in $tmp;
# sets pid and url, waits until it answers, and points the openstack CLI (`os`) at it; `val
# EXPR` prints EXPR of the JSON on stdin (e.g. "['id']").
start_server() {
  "$tools/neutrino-server" "$@" --log-file "$tmp/server.log" --state-dir "$tmp" &
  pid=$!
  url=http://127.0.0.1:$port
  for _ in $(seq 100); do curl -sf "$url/" >/dev/null && break; sleep 0.1; done
  curl -sf "$url/" >/dev/null || fail "server did not start"
  export OS_AUTH_TYPE=none OS_ENDPOINT=$url
}
os() { openstack "$@"; }
val() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
