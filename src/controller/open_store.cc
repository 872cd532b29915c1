#include "controller/open_store.h"

#include "controller/config.h"
#include "controller/pg_store.h"
#include "controller/sqlite_store.h"

namespace nt::controller {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

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
  if (starts_with(connection, "postgresql://") || starts_with(connection, "postgres://")) {
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

}  // namespace nt::controller
