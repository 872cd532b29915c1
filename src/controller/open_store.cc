#include "controller/open_store.h"

#include <chrono>

#include "controller/config.h"
#include "controller/pg_store.h"
#include "controller/sqlite_store.h"

namespace nt::controller {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool is_postgresql(const std::string& c) {
  return starts_with(c, "postgresql://") || starts_with(c, "postgres://");
}

// The connection string as it may appear in a message: "user:secret@" -> "user:***@".
std::string redacted(std::string connection) {
  size_t start = connection.find("://");
  if (start == std::string::npos) return connection;
  start += 3;
  size_t at = connection.find('@', start);
  size_t colon = connection.find(':', start);
  if (at == std::string::npos || colon > at || connection.find('/', start) < at) return connection;
  return connection.replace(colon + 1, at - colon - 1, "***");
}

Error option_error(const std::string& connection, const std::string& why) {
  return make_error("[database] connection '" + redacted(connection) + "': " + why);
}

}  // namespace

Result<std::unique_ptr<Store>> open_store(const std::string& connection,
                                          const std::string& default_sqlite_path) {
  if (is_postgresql(connection)) {
    auto pg = PgStore::open(connection);
    if (!pg) return option_error(connection, pg.error().message);
    return std::unique_ptr<Store>(std::move(*pg));
  }
  std::string path = default_sqlite_path;
  if (!connection.empty()) {
    auto p = sqlite_path(connection);
    if (!p) return option_error(connection, "not sqlite:///PATH or postgresql://...");
    path = *p;
  }
  auto lite = SqliteStore::open(path);
  if (!lite)
    return option_error(connection.empty() ? "sqlite:///" + path : connection,
                        lite.error().message);
  return std::unique_ptr<Store>(std::move(*lite));
}

ChangeListener::ChangeListener(std::function<Result<std::optional<uint64_t>>(int)> wait,
                               std::function<void(uint64_t)> on_revision)
    : wait_(std::move(wait)), on_revision_(std::move(on_revision)), thread_([this] { run(); }) {}

ChangeListener::~ChangeListener() {
  stop_ = true;
  thread_.join();
}

// A lost connection is not fatal: the store's own requests report it; waiters still wake on
// this server's commits and on their timeouts. `wait_` reconnects; retry slowly.
void ChangeListener::run() {
  while (!stop_) {
    auto rev = wait_(kPollMs);
    if (!rev) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
      continue;
    }
    if (*rev) on_revision_(**rev);
  }
}

Result<std::unique_ptr<ChangeListener>> listen_changes(const std::string& connection,
                                                       std::function<void(uint64_t)> on_revision) {
  if (!is_postgresql(connection)) return std::unique_ptr<ChangeListener>();
  auto pg = PgListener::open(connection);
  if (!pg) return option_error(connection, pg.error().message);
  // Only the listener's thread calls this: a failed wait drops the connection, the next one
  // reconnects (a database restart).
  auto l = std::make_shared<std::unique_ptr<PgListener>>(std::move(*pg));
  auto wait = [l, connection](int ms) -> Result<std::optional<uint64_t>> {
    if (!*l) {
      auto again = PgListener::open(connection);
      if (!again) return again.error();
      *l = std::move(*again);
    }
    auto r = (*l)->wait(ms);
    if (!r) l->reset();
    return r;
  };
  return std::make_unique<ChangeListener>(std::move(wait), std::move(on_revision));
}

}  // namespace nt::controller
