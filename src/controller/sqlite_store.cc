#include "controller/sqlite_store.h"

#include <sqlite3.h>

#include <map>
#include <unordered_map>

#include "controller/store_keys.h"

namespace nt::controller {
namespace {

constexpr const char* kSqliteSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA wal_autocheckpoint=10000;
CREATE TABLE IF NOT EXISTS resources (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL, id TEXT NOT NULL, project_id TEXT, network_id TEXT, name TEXT,
  device_id TEXT, body TEXT NOT NULL, UNIQUE (kind, id));
CREATE INDEX IF NOT EXISTS resources_network ON resources (kind, network_id);
CREATE INDEX IF NOT EXISTS resources_name ON resources (kind, name);
CREATE INDEX IF NOT EXISTS resources_project ON resources (kind, project_id);
CREATE INDEX IF NOT EXISTS resources_device ON resources (kind, device_id);
CREATE TABLE IF NOT EXISTS allocations (
  pool TEXT NOT NULL, key TEXT NOT NULL, owner TEXT NOT NULL, PRIMARY KEY (pool, key));
CREATE INDEX IF NOT EXISTS allocations_owner ON allocations (owner);
CREATE TABLE IF NOT EXISTS cursors (
  pool TEXT NOT NULL, lo TEXT NOT NULL, next TEXT NOT NULL, PRIMARY KEY (pool, lo));
CREATE TABLE IF NOT EXISTS changes (
  revision INTEGER NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, op TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_revision ON changes (revision);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('revision', 0);
)sql";

}  // namespace

// The connection's prepared statements, keyed by their SQL (string literals: the address is
// the key). Each is prepared on first use and reset for the next; a statement already in use
// (the same SQL nested in itself) gets a fresh one, finalised after use.
class StmtCache {
 public:
  explicit StmtCache(sqlite3* db) : db_(db) {}
  ~StmtCache() {
    for (auto& [sql, e] : map_) sqlite3_finalize(e.st);
  }
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;

  sqlite3* db() const { return db_; }
  // A statement for `sql` (nullptr when it does not prepare); `cached` tells give_back's duty.
  sqlite3_stmt* take(const char* sql, bool& cached) {
    Entry& e = map_[sql];
    cached = !e.busy;
    if (cached && e.st) {
      e.busy = true;
      return e.st;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, cached ? SQLITE_PREPARE_PERSISTENT : 0, &st, nullptr) !=
        SQLITE_OK) {
      sqlite3_finalize(st);
      cached = false;
      return nullptr;
    }
    if (cached) e = {st, true};
    return st;
  }
  void give_back(const char* sql, sqlite3_stmt* st, bool cached) {
    if (!cached) {
      sqlite3_finalize(st);
      return;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    map_[sql].busy = false;
  }

 private:
  struct Entry {
    sqlite3_stmt* st = nullptr;
    bool busy = false;
  };
  sqlite3* db_;
  std::unordered_map<const char*, Entry> map_;
};

namespace {

// A statement of the connection's cache, reset and cleared when it goes out of scope.
class Stmt {
 public:
  Stmt(StmtCache& cache, const char* sql) : cache_(cache), sql_(sql), db_(cache.db()) {
    st_ = cache.take(sql, cached_);
  }
  ~Stmt() {
    if (st_) cache_.give_back(sql_, st_, cached_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return st_ != nullptr; }
  Stmt& bind(int i, const std::string& s) {
    if (st_) sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind_null(int i) {
    if (st_) sqlite3_bind_null(st_, i);
    return *this;
  }
  Stmt& bind_int(int i, int64_t v) {
    if (st_) sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  int step() { return st_ ? sqlite3_step(st_) : SQLITE_ERROR; }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(st_, col);
    return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
  // The column's text without a copy: valid until the next step; "" for NULL.
  const char* c_text(int col) const {
    const unsigned char* t = sqlite3_column_text(st_, col);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  int size(int col) const { return sqlite3_column_bytes(st_, col); }
  Error error() const {
    return make_error(std::string("database: ") + sqlite3_errmsg(db_), ErrorCode::kInternal);
  }

 private:
  StmtCache& cache_;
  const char* sql_;
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  bool cached_ = false;
};

class SqliteTxn : public Txn {
 public:
  explicit SqliteTxn(StmtCache& stmts) : stmts_(stmts) {}

  Result<std::optional<std::string>> get_text(const std::string& kind,
                                              const std::string& id) override {
    Stmt st(stmts_, "SELECT body FROM resources WHERE kind = ?1 AND id = ?2");
    st.bind(1, kind).bind(2, id);
    int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return st.error();
    return std::optional<std::string>(std::string(st.c_text(0), static_cast<size_t>(st.size(0))));
  }

  Status put(const std::string& kind, const Json& body) override {
    Stmt st(stmts_,
            "INSERT INTO resources (kind, id, project_id, network_id, name, device_id, body) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (kind, id) DO UPDATE SET "
            "project_id = ?3, network_id = ?4, name = ?5, device_id = ?6, body = ?7");
    std::string id = column_of(body, "id");
    st.bind(1, kind).bind(2, id).bind(3, column_of(body, "project_id"));
    st.bind(4, column_of(body, "network_id")).bind(5, column_of(body, "name"));
    st.bind(6, column_of(body, "device_id")).bind(7, body.dump());
    if (st.step() != SQLITE_DONE) return st.error();
    return log_change(kind, id, "put");
  }

  Status remove(const std::string& kind, const std::string& id) override {
    Stmt st(stmts_, "DELETE FROM resources WHERE kind = ?1 AND id = ?2");
    st.bind(1, kind).bind(2, id);
    if (st.step() != SQLITE_DONE) return st.error();
    return log_change(kind, id, "delete");
  }

  Result<std::vector<Json>> list(const std::string& kind, const std::string& column,
                                 const std::string& value) override {
    std::vector<Json> out;
    NT_TRY(each_body(kind, column, value,
                     [&](const char* text, int) { out.push_back(Json::parse(text)); }));
    return out;
  }

  Status append_bodies(const std::string& kind, const std::string& column, const std::string& value,
                       std::string& out) override {
    bool first = true;
    return each_body(kind, column, value, [&](const char* text, int size) {
      if (!first) out += ',';
      first = false;
      out.append(text, static_cast<size_t>(size));
    });
  }

  Status claim(const std::string& pool, const std::string& key, const std::string& owner) override {
    Stmt st(stmts_, "INSERT INTO allocations (pool, key, owner) VALUES (?1, ?2, ?3)");
    st.bind(1, pool).bind(2, key).bind(3, owner);
    int rc = st.step();
    if (rc == SQLITE_CONSTRAINT) {
      return make_error(pool + " " + key + " is already allocated", ErrorCode::kConflict);
    }
    if (rc != SQLITE_DONE) return st.error();
    return ok_status();
  }

  Status release(const std::string& pool, const std::string& key) override {
    Stmt st(stmts_, "DELETE FROM allocations WHERE pool = ?1 AND key = ?2");
    st.bind(1, pool).bind(2, key);
    if (st.step() != SQLITE_DONE) return st.error();
    return lower_cursors(pool, key);
  }

  Status release_owner(const std::string& owner) override {
    Stmt keys(stmts_, "SELECT pool, key FROM allocations WHERE owner = ?1");
    keys.bind(1, owner);
    int rc;
    while ((rc = keys.step()) == SQLITE_ROW) NT_TRY(lower_cursors(keys.text(0), keys.text(1)));
    if (rc != SQLITE_DONE) return keys.error();
    Stmt st(stmts_, "DELETE FROM allocations WHERE owner = ?1");
    st.bind(1, owner);
    if (st.step() != SQLITE_DONE) return st.error();
    return ok_status();
  }

  Status drop_pool(const std::string& pool) override {
    for (const char* sql :
         {"DELETE FROM allocations WHERE pool = ?1", "DELETE FROM cursors WHERE pool = ?1"}) {
      Stmt st(stmts_, sql);
      st.bind(1, pool);
      if (st.step() != SQLITE_DONE) return st.error();
    }
    return ok_status();
  }

  // Invariant: every key in [lo, next) of a range with a cursor is claimed. The search starts
  // at the cursor and walks claimed keys in order only until the first gap, then moves the
  // cursor there; a release below a cursor moves it back (lower_cursors).
  Result<std::optional<std::string>> first_free(const std::string& pool, const std::string& lo,
                                                const std::string& hi) override {
    Stmt cur(stmts_, "SELECT next FROM cursors WHERE pool = ?1 AND lo = ?2");
    cur.bind(1, pool).bind(2, lo);
    int rc = cur.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return cur.error();
    std::string want = rc == SQLITE_ROW ? cur.text(0) : lo;
    if (want > hi) return std::optional<std::string>();
    Stmt st(stmts_,
            "SELECT key FROM allocations WHERE pool = ?1 AND key >= ?2 AND key <= ?3 ORDER BY key");
    st.bind(1, pool).bind(2, want).bind(3, hi);
    while (!want.empty() && (rc = st.step()) == SQLITE_ROW && st.text(0) == want) {
      want = hex_increment(want);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return st.error();
    bool exhausted = want.empty() || want > hi;
    Stmt up(stmts_,
            "INSERT INTO cursors (pool, lo, next) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (pool, lo) DO UPDATE SET next = ?3");
    up.bind(1, pool).bind(2, lo).bind(3, exhausted ? std::string(kExhausted) : want);
    if (up.step() != SQLITE_DONE) return up.error();
    return exhausted ? std::optional<std::string>() : std::optional<std::string>(want);
  }

  Result<std::set<std::string>> claimed(const std::string& pool) override {
    Stmt st(stmts_, "SELECT key FROM allocations WHERE pool = ?1");
    st.bind(1, pool);
    std::set<std::string> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) out.insert(st.text(0));
    if (rc != SQLITE_DONE) return st.error();
    return out;
  }

  Result<bool> is_claimed(const std::string& pool, const std::string& key) override {
    Stmt st(stmts_, "SELECT 1 FROM allocations WHERE pool = ?1 AND key = ?2");
    st.bind(1, pool).bind(2, key);
    int rc = st.step();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return st.error();
  }

  Result<uint64_t> revision() override {
    if (revision_ == 0) {
      Stmt up(stmts_, "UPDATE meta SET value = value + 1 WHERE key = 'revision'");
      if (up.step() != SQLITE_DONE) return up.error();
      Stmt st(stmts_, "SELECT value FROM meta WHERE key = 'revision'");
      if (st.step() != SQLITE_ROW) return st.error();
      revision_ = static_cast<uint64_t>(st.integer(0));
    }
    return revision_;
  }

  Result<std::vector<Change>> changes(uint64_t after, uint64_t upto) override {
    Stmt st(stmts_,
            "SELECT revision, kind, id, op FROM changes WHERE revision > ?1 AND revision <= ?2 "
            "ORDER BY revision, rowid");
    st.bind_int(1, static_cast<int64_t>(after)).bind_int(2, static_cast<int64_t>(upto));
    std::vector<Change> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      out.push_back({static_cast<uint64_t>(st.integer(0)), st.text(1), st.text(2), st.text(3)});
    }
    if (rc != SQLITE_DONE) return st.error();
    return out;
  }

 private:
  // Calls fn(text, size) for the body of every row `list` gives, in its order.
  template <typename Fn>
  Status each_body(const std::string& kind, const std::string& column, const std::string& value,
                   Fn fn) {
    static const std::map<std::string, const char*> kQueries = {
        {"", "SELECT body FROM resources WHERE kind = ?1 ORDER BY seq"},
        {"project_id",
         "SELECT body FROM resources WHERE kind = ?1 AND project_id = ?2 ORDER BY seq"},
        {"network_id",
         "SELECT body FROM resources WHERE kind = ?1 AND network_id = ?2 ORDER BY seq"},
        {"name", "SELECT body FROM resources WHERE kind = ?1 AND name = ?2 ORDER BY seq"},
        {"device_id", "SELECT body FROM resources WHERE kind = ?1 AND device_id = ?2 ORDER BY seq"},
    };
    auto q = kQueries.find(column);
    if (q == kQueries.end()) return make_error("no index on " + column, ErrorCode::kInternal);
    Stmt st(stmts_, q->second);
    st.bind(1, kind);
    if (!column.empty()) st.bind(2, value);
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) fn(st.c_text(0), st.size(0));
    if (rc != SQLITE_DONE) return st.error();
    return ok_status();
  }

  Status lower_cursors(const std::string& pool, const std::string& key) {
    Stmt st(stmts_, "UPDATE cursors SET next = ?2 WHERE pool = ?1 AND lo <= ?2 AND next > ?2");
    st.bind(1, pool).bind(2, key);
    if (st.step() != SQLITE_DONE) return st.error();
    return ok_status();
  }

  Status log_change(const std::string& kind, const std::string& id, const char* op) {
    auto rev = revision();
    if (!rev) return rev.error();
    Stmt st(stmts_, "INSERT INTO changes (revision, kind, id, op) VALUES (?1, ?2, ?3, ?4)");
    st.bind_int(1, static_cast<int64_t>(*rev)).bind(2, kind).bind(3, id).bind(4, op);
    if (st.step() != SQLITE_DONE) return st.error();
    return ok_status();
  }

  StmtCache& stmts_;
  uint64_t revision_ = 0;
};

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));
  Status s = store->exec(kSqliteSchema);
  if (!s) return make_error("database " + path + ": " + s.error().message);
  return store;
}

SqliteStore::SqliteStore(sqlite3* db) : db_(db), stmts_(std::make_unique<StmtCache>(db)) {}

SqliteStore::~SqliteStore() {
  stmts_.reset();  // finalised before the connection closes
  sqlite3_close(db_);
}

Status SqliteStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return make_error(msg, ErrorCode::kInternal);
  }
  return ok_status();
}

Status SqliteStore::transact(const std::function<Status(Txn&)>& fn) {
  std::lock_guard lock(mu_);
  NT_TRY(exec("BEGIN IMMEDIATE"));
  SqliteTxn txn(*stmts_);
  Status s = ok_status();
  try {
    s = fn(txn);
  } catch (...) {  // a Fault or a parse error: nothing of the request stays
    (void)exec("ROLLBACK");
    throw;
  }
  if (!s) {
    (void)exec("ROLLBACK");
    return s;
  }
  Status c = exec("COMMIT");
  if (!c) (void)exec("ROLLBACK");
  return c;
}

uint64_t SqliteStore::current_revision() {
  std::lock_guard lock(mu_);
  Stmt st(*stmts_, "SELECT value FROM meta WHERE key = 'revision'");
  return st.step() == SQLITE_ROW ? static_cast<uint64_t>(st.integer(0)) : 0;
}

}  // namespace nt::controller
