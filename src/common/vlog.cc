#include "common/vlog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/names.h"
#include "common/strings.h"

namespace nt {
namespace {

constexpr std::array<std::string_view, 6> kLevelNames = {"OFF",  "EMER", "ERR",
                                                         "WARN", "INFO", "DBG"};
constexpr std::array<std::string_view, kVlogDests> kDestNames = {"console", "syslog", "file"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<VlogLevel> parse_level(std::string_view word) {
  for (size_t i = 0; i < kLevelNames.size(); ++i) {
    if (lower(kLevelNames[i]) == lower(word)) return static_cast<VlogLevel>(i);
  }
  return std::nullopt;
}

std::optional<size_t> parse_dest(std::string_view word) {
  for (size_t i = 0; i < kDestNames.size(); ++i) {
    if (kDestNames[i] == lower(word)) return i;
  }
  return std::nullopt;
}

int syslog_priority(VlogLevel level) {
  switch (level) {
    case VlogLevel::kEmer:
      return LOG_ALERT;
    case VlogLevel::kErr:
      return LOG_ERR;
    case VlogLevel::kWarn:
      return LOG_WARNING;
    case VlogLevel::kInfo:
      return LOG_NOTICE;
    default:
      return LOG_DEBUG;
  }
}

// "2026-11-22T03:10:00.123Z"
std::string utc_timestamp() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  gmtime_r(&tv.tv_sec, &t);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(tv.tv_usec / 1000));
  return buf;
}

std::atomic<Vlog*> g_sink{nullptr};

}  // namespace

Vlog* vlog_install(Vlog* sink) { return g_sink.exchange(sink); }

Vlog* vlog_installed() { return g_sink.load(std::memory_order_acquire); }

void vlog_write(std::string_view module, VlogLevel level, std::string_view message) {
  if (Vlog* sink = vlog_installed()) sink->log(module, level, message);
}

std::string_view vlog_level_name(VlogLevel level) {
  return kLevelNames[static_cast<size_t>(level)];
}

const std::vector<std::string>& Vlog::modules() {
  static const std::vector<std::string> kModules = {"agent",  "bridge",  "daemon",  "dpif",
                                                    "netdev", "ofctl",   "ofproto", "reconcile",
                                                    "server", "unixctl", "vswitchd"};
  return kModules;
}

Vlog::Vlog() : levels_(modules().size()) {
  for (auto& l : levels_) l = {VlogLevel::kInfo, VlogLevel::kErr, VlogLevel::kInfo};
}

Vlog::~Vlog() {
  if (file_) std::fclose(file_);
}

Status Vlog::set_log_file(const std::string& path) {
  std::lock_guard lock(mu_);
  if (file_) std::fclose(file_);
  file_ = nullptr;
  file_path_ = path;
  if (path.empty()) return ok_status();
  // Never through a planted symlink, and 0640 whatever the umask (a regular file that existed
  // with a wider mode is narrowed; a device such as /dev/null is left alone).
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) ::fchmod(fd, 0640);
  if (fd >= 0) file_ = ::fdopen(fd, "a");
  if (!file_) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    return make_error(path + ": could not open log file (" + std::strerror(err) + ")");
  }
  std::setvbuf(file_, nullptr, _IOLBF, 0);
  return ok_status();
}

size_t Vlog::module_index(std::string_view module) const {
  const auto& mods = modules();
  for (size_t i = 0; i < mods.size(); ++i) {
    if (mods[i] == module) return i;
  }
  return mods.size();
}

void Vlog::set_level(std::string_view module, VlogDest dest, VlogLevel level) {
  size_t i = module_index(module);
  if (i < levels_.size()) levels_[i][static_cast<size_t>(dest)] = level;
}

Status Vlog::apply_spec(std::string_view spec) {
  std::optional<size_t> module, dest;
  std::optional<VlogLevel> level;
  // Case-insensitive, as Open vSwitch's vlog_set_levels_from_string ("ANY:file:DBG").
  for (std::string_view w : split_top_level(spec, ':')) {
    std::string word = lower(w);
    if (word.empty() || word == "any") continue;
    if (auto d = parse_dest(word)) {
      dest = d;
    } else if (auto l = parse_level(word)) {
      level = l;
    } else if (size_t m = module_index(word); m < levels_.size()) {
      module = m;
    } else {
      return make_error("no destination, level, or module \"" + escape_for_log(w) + "\"");
    }
  }
  VlogLevel lv = level.value_or(VlogLevel::kDbg);
  for (size_t m = 0; m < levels_.size(); ++m) {
    if (module && *module != m) continue;
    for (size_t d = 0; d < kVlogDests; ++d) {
      if (!dest || *dest == d) levels_[m][d] = lv;
    }
  }
  return ok_status();
}

std::string Vlog::format_list() const {
  std::string s =
      "                 console    syslog    file\n"
      "                 -------    ------    ------\n";
  char buf[128];
  for (size_t m = 0; m < levels_.size(); ++m) {
    std::snprintf(buf, sizeof buf, "%-16s  %4s       %4s       %4s\n", modules()[m].c_str(),
                  std::string(vlog_level_name(levels_[m][0])).c_str(),
                  std::string(vlog_level_name(levels_[m][1])).c_str(),
                  std::string(vlog_level_name(levels_[m][2])).c_str());
    s += buf;
  }
  return s;
}

bool Vlog::enabled(std::string_view module, VlogLevel level) const {
  size_t i = module_index(module);
  if (i >= levels_.size() || level == VlogLevel::kOff) return false;
  for (VlogLevel l : levels_[i]) {
    if (l >= level) return true;
  }
  return false;
}

void Vlog::log(std::string_view module, VlogLevel level, std::string_view message) {
  size_t i = module_index(module);
  if (i >= levels_.size() || level == VlogLevel::kOff) return;
  std::lock_guard lock(mu_);
  const auto& lv = levels_[i];
  char seq[16];
  std::snprintf(seq, sizeof seq, "%05llu", static_cast<unsigned long long>(++seq_));
  std::string line = std::string(seq) + "|" + std::string(module) + "|" +
                     std::string(vlog_level_name(level)) + "|" + escape_for_log(message);
  std::string stamped = utc_timestamp() + "|" + line + "\n";
  if (lv[0] >= level) std::fputs(stamped.c_str(), stderr);
  if (lv[1] >= level) ::syslog(syslog_priority(level), "%s", line.c_str());
  if (file_ && lv[2] >= level) std::fputs(stamped.c_str(), file_);
}

}  // namespace nt
