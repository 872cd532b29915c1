#!/usr/bin/env bash
# The store unit tests and a few API unit tests through PostgreSQL: starts a private server
# (pg_fixture.sh), sets NT_PG_URL and runs the controller unit binary filtered to them. Fails
# when a PostgreSQL test was skipped or none ran. Usage: store_postgres.sh UNIT_CONTROLLER.
# Exits 77 (skipped) where PostgreSQL cannot run.
set -uo pipefail
unit=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/pg_fixture.sh"
tmp=$(mktemp -d)
cleanup() { pg_stop; rm -rf "$tmp"; }
trap cleanup EXIT
pg_start "$tmp" || exit 1
export NT_PG_URL=$PG_URL
filter='Engines/StoreTest.*/postgresql:PgStoreTest.*:OpenStoreTest.*:PortTest.*:SubnetTest.*'
filter+=':RouterTest.*:FloatingIpTest.*'
"$unit" --gtest_filter="$filter" >"$tmp/unit.log" 2>&1
rc=$?
grep -E '^\[ *(FAILED|SKIPPED|PASSED) ' "$tmp/unit.log"
[ $rc -eq 0 ] || { cat "$tmp/unit.log" | tail -60; exit 1; }
if grep -q '^\[  SKIPPED \]' "$tmp/unit.log"; then echo "FAIL: tests were skipped"; exit 1; fi
ran=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$tmp/unit.log")
[ "${ran:-0}" -ge 40 ] || { echo "FAIL: only ${ran:-0} tests ran"; exit 1; }
echo "PASS: $ran tests through PostgreSQL"
