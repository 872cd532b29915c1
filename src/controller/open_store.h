// open_store: the Store engine that `[database] connection` names.
//
// "" -> SQLite at `default_sqlite_path`; `sqlite:///PATH` -> SQLite at PATH;
// `postgresql://...` / `postgres://...` (libpq URIs, e.g. postgresql://user@host:port/db or
// postgresql:///db?host=/socket/dir) -> PostgreSQL. Errors name the option and the reason (a
// malformed URL, an unreachable server), never the password.
#pragma once

#include <memory>
#include <string>

#include "controller/store.h"

namespace nt::controller {

Result<std::unique_ptr<Store>> open_store(const std::string& connection,
                                          const std::string& default_sqlite_path);

}  // namespace nt::controller
