// PgStore: the PostgreSQL Store engine (libpq), for several neutrino-server processes sharing
// one database behind one address.
//
// Correctness: every transaction runs at READ COMMITTED and first takes one transaction-scoped
// advisory lock (pg_advisory_xact_lock on a fixed key), so transactions of all processes run
// one at a time, in the order they got the lock. PostgreSQL releases that lock only after the
// commit is visible, and each statement of the next holder takes a fresh snapshot after it got
// the lock, so every transaction sees all earlier ones complete: the history is serial, as with
// the SQLite engine's BEGIN IMMEDIATE, and an allocation (first_free, then claim) cannot race
// with another server's. The (pool, key) primary key stays the last line of defence; claims use
// INSERT ... ON CONFLICT DO NOTHING, so a taken key is a kConflict without aborting the
// transaction (a failed statement would poison the rest of a PostgreSQL transaction).
//
// Speed: no serialization failures and hence no retries; BEGIN plus the lock is one round trip,
// every statement is prepared once per connection and then only executed, the revision bump is
// one UPDATE ... RETURNING, and COMMIT travels with the NOTIFY. Each PgStore holds one
// connection (one mutex, like SqliteStore); the servers' parallelism is the processes'. A
// connection the database dropped (a restart) is reset at the next BEGIN, which is retried once.
//
// The schema is the SQLite engine's (resources with indexed kind/id/project/network/name/device
// and a JSON body, allocations with primary key (pool, key) and range cursors, changes, meta
// revision); keys compare bytewise (COLLATE "C") so hex keys order numerically. It is created
// on open under the same advisory lock, so servers starting together do not race.
//
// Change notification: a transaction that wrote commits together with
// `NOTIFY neutrino_changes, '<revision>'`; PgListener LISTENs on that channel.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "controller/store.h"

struct pg_conn;

namespace nt::controller {

// The NOTIFY channel carrying each committed revision.
inline constexpr const char* kChangesChannel = "neutrino_changes";

class PgStore : public Store {
 public:
  // `conninfo`: a libpq connection URI (postgresql://user@host:port/db,
  // postgresql:///db?host=/socket/dir) or key=value string.
  static Result<std::unique_ptr<PgStore>> open(const std::string& conninfo);
  ~PgStore() override;

  Status transact(const std::function<Status(Txn&)>& fn) override;
  uint64_t current_revision() override;

  using Rows = std::vector<std::vector<std::string>>;

 private:
  friend class PgTxn;
  explicit PgStore(pg_conn* conn) : conn_(conn) {}
  // One statement, prepared on first use, executed with text parameters; rows of text columns.
  Result<Rows> query(const std::string& sql, const std::vector<std::string>& params);
  Status exec(const std::string& sql);
  Status reconnect_if_broken();
  Status begin();

  pg_conn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  std::mutex mu_;
};

// A connection LISTENing on kChangesChannel: `wait` returns the revision of the next
// notification, or nullopt after `timeout_ms` without one.
class PgListener {
 public:
  static Result<std::unique_ptr<PgListener>> open(const std::string& conninfo);
  ~PgListener();
  Result<std::optional<uint64_t>> wait(int timeout_ms);

 private:
  explicit PgListener(pg_conn* conn) : conn_(conn) {}
  pg_conn* conn_;
};

}  // namespace nt::controller
