# A private PostgreSQL for tests, from Debian's packages (sourced by the tests that need it).
#   pg_start DIR   initdb in DIR/data as an unprivileged user (as root: `postgres` or `nobody`
#                  through runuser, DIR handed to it), start it listening only on a unix socket
#                  in DIR (no TCP port another test could take); sets PG_URL.
#                  Exits 77 (skip) where PostgreSQL cannot run: no server binaries, no user.
#   pg_stop        stops it (call it from the caller's EXIT trap; harmless when not started).
# Test settings: fsync off (the data is thrown away), trust authentication for user neutrino.
PG_DIR=""
PG_RUN=()

pg_skip() {
  echo "SKIP: $* — install Debian's postgresql (scripts/install-deps.sh)"
  exit 77
}

pg_start() {
  PG_DIR=$1
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] ||
    pg_skip "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
  PG_BIN=$bindir
  if [ "$(id -u)" -eq 0 ]; then
    local user
    for user in postgres nobody ""; do id -u "$user" >/dev/null 2>&1 && break; done
    [ -n "$user" ] || pg_skip "running as root and no unprivileged user (postgres, nobody)"
    command -v runuser >/dev/null || pg_skip "running as root without runuser"
    chown "$user" "$PG_DIR"
    PG_RUN=(runuser -u "$user" --)
    "${PG_RUN[@]}" test -w "$PG_DIR" ||
      pg_skip "user $user cannot reach $PG_DIR (set TMPDIR to a directory it can traverse)"
  fi
  local port=5432  # names the socket file only
  if ! "${PG_RUN[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U neutrino -A trust -E UTF8 \
      --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
    cat "$PG_DIR/initdb.log"
    echo "FAIL: initdb"
    return 1
  fi
  if ! "${PG_RUN[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
      -o "-p $port -k $PG_DIR -c listen_addresses='' -c fsync=off -c max_connections=200" \
      start >/dev/null; then
    cat "$PG_DIR/postgres.log"
    echo "FAIL: pg_ctl start"
    return 1
  fi
  PG_STARTED=1
  PG_URL="postgresql:///postgres?host=$PG_DIR&port=$port&user=neutrino"
  echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on the socket in $PG_DIR"
}

pg_stop() {
  [ -n "${PG_STARTED:-}" ] || return 0
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1
  PG_STARTED=""
}
