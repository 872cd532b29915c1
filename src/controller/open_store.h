// open_store: the Store engine that `[database] connection` names.
//
// "" -> SQLite at `default_sqlite_path`; `sqlite:///PATH` -> SQLite at PATH;
// `postgresql://...` / `postgres://...` (libpq URIs, e.g. postgresql://user@host:port/db or
// postgresql:///db?host=/socket/dir) -> PostgreSQL. Errors name the option and the reason (a
// malformed URL, an unreachable server), never the password.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "controller/store.h"

namespace nt::controller {

Result<std::unique_ptr<Store>> open_store(const std::string& connection,
                                          const std::string& default_sqlite_path);

// Commits made by other servers sharing the store (PostgreSQL: LISTEN neutrino_changes): a
// thread calls `on_revision` with each such revision until the listener is destroyed (which
// takes at most kPollMs). SQLite has one writer process, so `listen_changes` returns nullptr
// for it; a PostgreSQL listener that cannot connect is an error naming the option.
class ChangeListener {
 public:
  static constexpr int kPollMs = 200;
  ChangeListener(std::function<Result<std::optional<uint64_t>>(int)> wait,
                 std::function<void(uint64_t)> on_revision);
  ~ChangeListener();
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;

 private:
  void run();
  std::function<Result<std::optional<uint64_t>>(int)> wait_;
  std::function<void(uint64_t)> on_revision_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Result<std::unique_ptr<ChangeListener>> listen_changes(const std::string& connection,
                                                       std::function<void(uint64_t)> on_revision);

}  // namespace nt::controller
