#!/usr/bin/env bash
# neutrino-server on PostgreSQL survives a database restart: the connection the server dropped
# is reset at the next transaction's BEGIN, before the request ran, so no request fails and
# nothing is lost. Usage: pg_restart.sh TOOLS_DIR. Exits 77 where PostgreSQL cannot run.
set -uo pipefail
tools=$1
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
source "$(dirname "$0")/pg_fixture.sh"
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  pg_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
pg_start "$tmp" || exit 1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = %s\n[database]\nconnection = %s\n' \
  "$port" "$PG_URL" >"$tmp/neutron.conf"
"$tools/neutrino-server" --config-file "$tmp/neutron.conf" --log-file "$tmp/server.log" \
  --state-dir "$tmp" 2>/dev/null &
pid=$!
create() {
  python3 - "$port" "$1" <<'PY'
import http.client, json, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
for _ in range(100):
    try:
        http.client.HTTPConnection("127.0.0.1", port).request("GET", "/"); break
    except OSError:
        time.sleep(0.1)
c = http.client.HTTPConnection("127.0.0.1", port)
for i in range(count):
    c.request("POST", "/v2.0/networks", body=json.dumps({"network": {"name": f"n{i}"}}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    body = r.read()
    assert r.status == 201, (r.status, body)
c.request("GET", "/v2.0/networks")
print(len(json.loads(c.getresponse().read())["networks"]))
PY
}
[ "$(create 2)" = 2 ] || { echo "FAIL: before the restart"; exit 1; }
"${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -m fast -w -t 60 \
  restart >/dev/null || { echo "FAIL: pg_ctl restart"; exit 1; }
got=$(create 3) || { echo "FAIL: a request after the restart"; tail -n 5 "$tmp/server.log"; exit 1; }
[ "$got" = 5 ] || { echo "FAIL: $got networks, want 5"; exit 1; }
echo "PASS: 5 networks across a PostgreSQL restart"
