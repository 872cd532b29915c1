#include "controller/pg_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <map>
#include <memory>

#include "controller/store_keys.h"

namespace nt::controller {
namespace {

// The key of the advisory lock every transaction holds ('ntrn').
constexpr const char* kLockKey = "1853125230";

constexpr const char* kPgSchema = R"sql(
CREATE TABLE IF NOT EXISTS resources (
  seq BIGSERIAL PRIMARY KEY,
  kind TEXT NOT NULL, id TEXT NOT NULL, project_id TEXT, network_id TEXT, name TEXT,
  device_id TEXT, body TEXT NOT NULL, UNIQUE (kind, id));
CREATE INDEX IF NOT EXISTS resources_network ON resources (kind, network_id);
CREATE INDEX IF NOT EXISTS resources_name ON resources (kind, name);
CREATE INDEX IF NOT EXISTS resources_project ON resources (kind, project_id);
CREATE INDEX IF NOT EXISTS resources_device ON resources (kind, device_id);
CREATE TABLE IF NOT EXISTS allocations (
  pool TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL, owner TEXT NOT NULL,
  PRIMARY KEY (pool, key));
CREATE INDEX IF NOT EXISTS allocations_owner ON allocations (owner);
CREATE TABLE IF NOT EXISTS cursors (
  pool TEXT COLLATE "C" NOT NULL, lo TEXT COLLATE "C" NOT NULL, next TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (pool, lo));
CREATE TABLE IF NOT EXISTS changes (
  seq BIGSERIAL PRIMARY KEY,
  revision BIGINT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, op TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_revision ON changes (revision);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta VALUES ('revision', 0) ON CONFLICT DO NOTHING;
)sql";

// Keys first_free reads per round trip while it walks a run of claimed keys.
constexpr int kWalkBatch = 64;

using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string message_of(PGconn* conn) {
  std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

Error db_error(PGconn* conn) {
  return make_error("database: " + message_of(conn), ErrorCode::kInternal);
}

std::optional<uint64_t> parse_u64(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Whether `s` is well-formed UTF-8 (shortest forms, no surrogates, at most U+10FFFF), the only
// text a UTF8 database's TEXT holds.
bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t k = 1; k < n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

// A connection to `conninfo`, or an error that names what failed without the password.
Result<PGconn*> connect(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn && PQstatus(conn) == CONNECTION_OK) return conn;
  std::string msg = message_of(conn);
  PQfinish(conn);
  return make_error("cannot connect to PostgreSQL: " + msg, ErrorCode::kInternal);
}

}  // namespace

class PgTxn : public Txn {
 public:
  explicit PgTxn(PgStore& store) : s_(store) {}
  uint64_t written() const { return revision_; }

  Result<std::optional<std::string>> get_text(const std::string& kind,
                                              const std::string& id) override {
    auto rows = s_.query("SELECT body FROM resources WHERE kind = $1 AND id = $2", {kind, id});
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move((*rows)[0][0]));
  }

  Status put(const std::string& kind, const Json& body) override {
    std::string id = column_of(body, "id");
    auto rows = s_.query(
        "INSERT INTO resources (kind, id, project_id, network_id, name, device_id, body) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, id) DO UPDATE SET "
        "project_id = $3, network_id = $4, name = $5, device_id = $6, body = $7",
        {kind, id, column_of(body, "project_id"), column_of(body, "network_id"),
         column_of(body, "name"), column_of(body, "device_id"), body.dump()});
    if (!rows) return rows.error();
    return log_change(kind, id, "put");
  }

  Status remove(const std::string& kind, const std::string& id) override {
    if (!valid_utf8(id)) return ok_status();  // nothing stored has that id: nothing to log
    auto rows = s_.query("DELETE FROM resources WHERE kind = $1 AND id = $2", {kind, id});
    if (!rows) return rows.error();
    return log_change(kind, id, "delete");
  }

  Result<std::vector<Json>> list(const std::string& kind, const std::string& column,
                                 const std::string& value) override {
    static const std::map<std::string, const char*> kQueries = {
        {"", "SELECT body FROM resources WHERE kind = $1 ORDER BY seq"},
        {"project_id",
         "SELECT body FROM resources WHERE kind = $1 AND project_id = $2 ORDER BY seq"},
        {"network_id",
         "SELECT body FROM resources WHERE kind = $1 AND network_id = $2 ORDER BY seq"},
        {"name", "SELECT body FROM resources WHERE kind = $1 AND name = $2 ORDER BY seq"},
        {"device_id", "SELECT body FROM resources WHERE kind = $1 AND device_id = $2 ORDER BY seq"},
    };
    auto q = kQueries.find(column);
    if (q == kQueries.end()) return make_error("no index on " + column, ErrorCode::kInternal);
    std::vector<std::string> params = {kind};
    if (!column.empty()) params.push_back(value);
    auto rows = s_.query(q->second, params);
    if (!rows) return rows.error();
    std::vector<Json> out;
    out.reserve(rows->size());
    for (const auto& r : *rows) out.push_back(Json::parse(r[0]));
    return out;
  }

  Status claim(const std::string& pool, const std::string& key, const std::string& owner) override {
    auto rows = s_.query(
        "INSERT INTO allocations (pool, key, owner) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        {pool, key, owner});
    if (!rows) return rows.error();
    if (rows->empty()) {
      return make_error(pool + " " + key + " is already allocated", ErrorCode::kConflict);
    }
    return ok_status();
  }

  Status release(const std::string& pool, const std::string& key) override {
    auto rows = s_.query("DELETE FROM allocations WHERE pool = $1 AND key = $2", {pool, key});
    if (!rows) return rows.error();
    return lower_cursors(pool, key);
  }

  Status release_owner(const std::string& owner) override {
    auto rows = s_.query("DELETE FROM allocations WHERE owner = $1 RETURNING pool, key", {owner});
    if (!rows) return rows.error();
    for (const auto& r : *rows) NT_TRY(lower_cursors(r[0], r[1]));
    return ok_status();
  }

  Status drop_pool(const std::string& pool) override {
    for (const char* sql :
         {"DELETE FROM allocations WHERE pool = $1", "DELETE FROM cursors WHERE pool = $1"}) {
      auto rows = s_.query(sql, {pool});
      if (!rows) return rows.error();
    }
    return ok_status();
  }

  // Invariant (as SqliteStore's): every key in [lo, next) of a range with a cursor is claimed.
  // The search starts at the cursor and walks claimed keys in order until the first gap,
  // kWalkBatch keys per round trip, then moves the cursor there.
  Result<std::optional<std::string>> first_free(const std::string& pool, const std::string& lo,
                                                const std::string& hi) override {
    auto cur = s_.query("SELECT next FROM cursors WHERE pool = $1 AND lo = $2", {pool, lo});
    if (!cur) return cur.error();
    std::string want = cur->empty() ? lo : (*cur)[0][0];
    if (want > hi) return std::optional<std::string>();
    auto gap = walk_claimed(pool, want, hi);
    if (!gap) return gap.error();
    want = *gap;
    bool exhausted = want.empty() || want > hi;
    auto up = s_.query(
        "INSERT INTO cursors (pool, lo, next) VALUES ($1, $2, $3) "
        "ON CONFLICT (pool, lo) DO UPDATE SET next = $3",
        {pool, lo, exhausted ? std::string(kExhausted) : want});
    if (!up) return up.error();
    return exhausted ? std::optional<std::string>() : std::optional<std::string>(want);
  }

  Result<std::set<std::string>> claimed(const std::string& pool) override {
    auto rows = s_.query("SELECT key FROM allocations WHERE pool = $1", {pool});
    if (!rows) return rows.error();
    std::set<std::string> out;
    for (const auto& r : *rows) out.insert(r[0]);
    return out;
  }

  Result<bool> is_claimed(const std::string& pool, const std::string& key) override {
    auto rows = s_.query("SELECT 1 FROM allocations WHERE pool = $1 AND key = $2", {pool, key});
    if (!rows) return rows.error();
    return !rows->empty();
  }

  // The change log after `after` up to `upto`, in commit order (seq: insertion order within a
  // revision, as SQLite's rowid).
  Result<std::vector<Change>> changes(uint64_t after, uint64_t upto) override {
    auto rows = s_.query(
        "SELECT revision, kind, id, op FROM changes WHERE revision > $1 AND revision <= $2 "
        "ORDER BY revision, seq",
        {std::to_string(after), std::to_string(upto)});
    if (!rows) return rows.error();
    std::vector<Change> out;
    out.reserve(rows->size());
    for (const auto& r : *rows) {
      auto rev = parse_u64(r[0]);
      if (!rev) return make_error("database: bad revision in changes", ErrorCode::kInternal);
      out.push_back({*rev, r[1], r[2], r[3]});
    }
    return out;
  }

  Result<uint64_t> revision() override {
    if (revision_ == 0) {
      auto rows =
          s_.query("UPDATE meta SET value = value + 1 WHERE key = 'revision' RETURNING value", {});
      if (!rows) return rows.error();
      auto v = rows->empty() ? std::nullopt : parse_u64((*rows)[0][0]);
      if (!v) return make_error("database: no revision row", ErrorCode::kInternal);
      revision_ = *v;
    }
    return revision_;
  }

 private:
  // The first key >= `want` (and <= hi) that is not claimed; "" past the largest key.
  Result<std::string> walk_claimed(const std::string& pool, std::string want,
                                   const std::string& hi) {
    while (!want.empty() && want <= hi) {
      auto rows = s_.query(
          "SELECT key FROM allocations WHERE pool = $1 AND key >= $2 AND key <= $3 "
          "ORDER BY key LIMIT " +
              std::to_string(kWalkBatch),
          {pool, want, hi});
      if (!rows) return rows.error();
      for (const auto& r : *rows) {
        if (r[0] != want) return want;
        want = hex_increment(want);
        if (want.empty()) return want;
      }
      if (rows->size() < static_cast<size_t>(kWalkBatch)) return want;
    }
    return want;
  }

  Status lower_cursors(const std::string& pool, const std::string& key) {
    auto rows = s_.query("UPDATE cursors SET next = $2 WHERE pool = $1 AND lo <= $2 AND next > $2",
                         {pool, key});
    return rows ? ok_status() : Status(rows.error());
  }

  Status log_change(const std::string& kind, const std::string& id, const char* op) {
    auto rev = revision();
    if (!rev) return rev.error();
    auto rows = s_.query("INSERT INTO changes (revision, kind, id, op) VALUES ($1, $2, $3, $4)",
                         {std::to_string(*rev), kind, id, op});
    return rows ? ok_status() : Status(rows.error());
  }

  PgStore& s_;
  uint64_t revision_ = 0;
};

Result<std::unique_ptr<PgStore>> PgStore::open(const std::string& conninfo) {
  auto conn = connect(conninfo);
  if (!conn) return conn.error();
  std::unique_ptr<PgStore> store(new PgStore(*conn));
  NT_TRY(store->exec(std::string("SET client_min_messages = warning; BEGIN; "
                                 "SELECT pg_advisory_xact_lock(") +
                     kLockKey + "); " + kPgSchema + "COMMIT;"));
  return store;
}

PgStore::~PgStore() { PQfinish(conn_); }

Status PgStore::exec(const std::string& sql) {
  PgResult r(PQexec(conn_, sql.c_str()), &PQclear);
  auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    Error e = db_error(conn_);
    PgResult rb(PQexec(conn_, "ROLLBACK"), &PQclear);  // harmless outside a transaction
    return e;
  }
  return ok_status();
}

// A parameter that is not UTF-8 (an id from a URL) cannot equal any stored text: a lookup
// finds no row; a write is refused as invalid input.
Result<PgStore::Rows> PgStore::query(const std::string& sql,
                                     const std::vector<std::string>& params) {
  for (const auto& p : params) {
    if (valid_utf8(p)) continue;
    if (sql.rfind("INSERT", 0) == 0) return make_error("a value is not valid UTF-8");
    return Rows();
  }
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "nt" + std::to_string(prepared_.size());
    PgResult p(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr), &PQclear);
    if (PQresultStatus(p.get()) != PGRES_COMMAND_OK) return db_error(conn_);
    it = prepared_.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  PgResult r(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                            values.data(), nullptr, nullptr, 0),
             &PQclear);
  auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return db_error(conn_);
  Rows rows(static_cast<size_t>(PQntuples(r.get())));
  int cols = PQnfields(r.get());
  for (size_t i = 0; i < rows.size(); ++i) {
    for (int c = 0; c < cols; ++c) {
      rows[i].emplace_back(PQgetvalue(r.get(), static_cast<int>(i), c));
    }
  }
  return rows;
}

// A connection the server closed (a restart) is reset once; its prepared statements are gone.
Status PgStore::reconnect_if_broken() {
  if (PQstatus(conn_) == CONNECTION_OK) return ok_status();
  PQreset(conn_);
  prepared_.clear();
  if (PQstatus(conn_) != CONNECTION_OK) return db_error(conn_);
  return ok_status();
}

// BEGIN and the lock. A connection the server dropped since the last transaction (a restart)
// fails here, before anything of the request ran, so it is reset and BEGIN tried once more.
Status PgStore::begin() {
  const std::string sql =
      std::string("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(") +
      kLockKey + ")";
  NT_TRY(reconnect_if_broken());
  Status s = exec(sql);
  if (s || PQstatus(conn_) == CONNECTION_OK) return s;
  NT_TRY(reconnect_if_broken());
  return exec(sql);
}

Status PgStore::transact(const std::function<Status(Txn&)>& fn) {
  std::lock_guard lock(mu_);
  NT_TRY(begin());
  PgTxn txn(*this);
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
  if (txn.written() == 0) return exec("COMMIT");
  return exec(std::string("NOTIFY ") + kChangesChannel + ", '" + std::to_string(txn.written()) +
              "'; COMMIT");
}

uint64_t PgStore::current_revision() {
  std::lock_guard lock(mu_);
  if (!reconnect_if_broken()) return 0;
  auto rows = query("SELECT value FROM meta WHERE key = 'revision'", {});
  if (!rows || rows->empty()) return 0;
  return parse_u64((*rows)[0][0]).value_or(0);
}

Result<std::unique_ptr<PgListener>> PgListener::open(const std::string& conninfo) {
  auto conn = connect(conninfo);
  if (!conn) return conn.error();
  std::unique_ptr<PgListener> l(new PgListener(*conn));
  PgResult r(PQexec(*conn, (std::string("LISTEN ") + kChangesChannel).c_str()), &PQclear);
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return db_error(*conn);
  return l;
}

PgListener::~PgListener() { PQfinish(conn_); }

Result<std::optional<uint64_t>> PgListener::wait(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (!PQconsumeInput(conn_)) return db_error(conn_);
    if (PGnotify* n = PQnotifies(conn_)) {
      auto rev = parse_u64(n->extra);
      PQfreemem(n);
      if (!rev) return make_error("database: bad notification payload", ErrorCode::kInternal);
      return std::optional<uint64_t>(*rev);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::optional<uint64_t>();
    pollfd pfd{PQsocket(conn_), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      return make_error("database: poll failed", ErrorCode::kInternal);
    }
  }
}

}  // namespace nt::controller
