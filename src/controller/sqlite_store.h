// SqliteStore: the embedded Store engine (one SQLite file in WAL mode).
//
// One connection, one mutex: transactions run one at a time (BEGIN IMMEDIATE), which is what
// SQLite allows for writers anyway, and makes each request's allocations atomic. Statements
// are prepared once per connection and reused (a cache keyed by their SQL). Durability: WAL
// with synchronous=NORMAL — a crash of the process or the OS never corrupts the database, but
// a power loss may lose the last commits (not yet checkpointed); FULL would fsync every
// commit. With NORMAL the fsyncs happen at checkpoints, on the committing request's path: the
// WAL is checkpointed every 10,000 pages (wal_autocheckpoint; ~40 MB of WAL at most between
// checkpoints) rather than SQLite's 1,000, so a port create pays for one every ~10x fewer
// commits (api_bench: 1,000 creates now run without one). The schema is created on open
// (resources, allocations with a (pool, key) primary key, changes, meta holding the revision
// counter).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "controller/store.h"

struct sqlite3;

namespace nt::controller {

class StmtCache;

class SqliteStore : public Store {
 public:
  // path ":memory:" gives a private in-memory database (tests).
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
  ~SqliteStore() override;

  Status transact(const std::function<Status(Txn&)>& fn) override;
  uint64_t current_revision() override;

 private:
  explicit SqliteStore(sqlite3* db);
  Status exec(const char* sql);

  sqlite3* db_;
  std::unique_ptr<StmtCache> stmts_;  // used under mu_
  std::mutex mu_;
};

}  // namespace nt::controller
