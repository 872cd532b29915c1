// Vlog: the daemon's logging, in Open vSwitch's vlog format and with its controls.
//
// Each log line names a module (bridge, ofproto, netdev, ...) and a level (EMER, ERR, WARN,
// INFO, DBG). Three destinations — console (stderr), syslog and a log file — each have a
// per-module level, set at run time with `nvs-appctl vlog/set module:destination:level` and
// shown by `vlog/list`. File lines look like Open vSwitch's:
//
//   2026-11-22T03:10:00.123Z|00001|bridge|INFO|added bridge br-int
//
// The daemon is single-threaded, but the sink is guarded so a future helper thread may log.
//
// The class lives in common/ so every layer can log: a program installs its Vlog as the
// process's sink (`vlog_install`, the daemon does), and any layer calls `vlog_write(module,
// level, text)`, which does nothing (one atomic load) while no sink is installed, as in unit
// tests and the in-process lab. Nothing here runs per packet unless a caller logs per packet.
#pragma once

#include <array>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nt {

enum class VlogLevel : uint8_t { kOff, kEmer, kErr, kWarn, kInfo, kDbg };
enum class VlogDest : uint8_t { kConsole, kSyslog, kFile, kCount };

inline constexpr size_t kVlogDests = static_cast<size_t>(VlogDest::kCount);

class Vlog {
 public:
  // The modules the daemon logs under, in vlog/list order.
  static const std::vector<std::string>& modules();

  Vlog();
  ~Vlog();

  // Opens (appending) or reopens the log file; "" closes it.
  Status set_log_file(const std::string& path);
  const std::string& log_file() const { return file_path_; }
  Status reopen() { return set_log_file(file_path_); }

  void set_level(std::string_view module, VlogDest dest, VlogLevel level);
  // `vlog/set` syntax: words separated by ':' naming a module (or "any"), a destination
  // (console, syslog, file, any) and a level (off, emer, err, warn, info, dbg).
  Status apply_spec(std::string_view spec);
  std::string format_list() const;  // vlog/list

  bool enabled(std::string_view module, VlogLevel level) const;
  void log(std::string_view module, VlogLevel level, std::string_view message);

 private:
  size_t module_index(std::string_view module) const;

  std::vector<std::array<VlogLevel, kVlogDests>> levels_;
  std::string file_path_;
  FILE* file_ = nullptr;
  uint64_t seq_ = 0;
  mutable std::mutex mu_;
};

std::string_view vlog_level_name(VlogLevel level);  // "INFO"

// The process-wide sink every layer logs to; nullptr uninstalls. Returns the previous one.
Vlog* vlog_install(Vlog* sink);
Vlog* vlog_installed();
// Logs through the installed sink, if any (the module must be one of Vlog::modules()).
void vlog_write(std::string_view module, VlogLevel level, std::string_view message);

}  // namespace nt
