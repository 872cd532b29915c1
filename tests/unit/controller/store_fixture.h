// Stores for the controller unit tests: SQLite always; PostgreSQL when NT_PG_URL names a
// database (tests/server/store_postgres.sh starts a private server and sets it).
#pragma once

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "controller/pg_store.h"
#include "controller/sqlite_store.h"

namespace nt::controller {

// The PostgreSQL database of the tests, or "" when none was given.
inline std::string pg_test_url() {
  const char* url = std::getenv("NT_PG_URL");
  return url ? url : "";
}

// Empties the test database: the engine recreates its tables on open.
inline bool pg_reset(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (ok) {
    PGresult* r = PQexec(c,
                         "SET client_min_messages = warning; "
                         "DROP TABLE IF EXISTS resources, allocations, cursors, changes, meta");
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  PQfinish(c);
  return ok;
}

// A fresh, empty store: PostgreSQL when NT_PG_URL is set, else in-memory SQLite.
inline std::unique_ptr<Store> open_test_store() {
  std::string url = pg_test_url();
  if (url.empty()) return std::move(SqliteStore::open(":memory:").value());
  if (!pg_reset(url)) return nullptr;
  auto s = PgStore::open(url);
  return s ? std::move(*s) : nullptr;
}

}  // namespace nt::controller
