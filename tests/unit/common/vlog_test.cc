// common/vlog.h: the log every layer can write to. vlog_write() reaches the installed sink
// (here a log file) in Open vSwitch's line format, and nothing while none is installed.
#include "common/vlog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

namespace nt {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct TempLog {
  std::string path = "/tmp/nt_vlog_test_" + std::to_string(::getpid()) + ".log";
  ~TempLog() { ::unlink(path.c_str()); }
};

TEST(Vlog, WritesReachTheInstalledSinkOnly) {
  TempLog tmp;
  Vlog log;
  ASSERT_TRUE(log.set_log_file(tmp.path).ok());
  ASSERT_TRUE(log.apply_spec("console:off").ok());  // keep the test's stderr clean
  ASSERT_EQ(vlog_installed(), nullptr);
  vlog_write("netdev", VlogLevel::kWarn, "before install");
  EXPECT_EQ(vlog_install(&log), nullptr);
  vlog_write("netdev", VlogLevel::kWarn, "p1: device is gone");
  vlog_write("netdev", VlogLevel::kDbg, "below the file's level (info)");
  EXPECT_EQ(vlog_install(nullptr), &log);
  vlog_write("netdev", VlogLevel::kWarn, "after uninstall");
  std::string text = read_file(tmp.path);
  EXPECT_EQ(text.find("before install"), std::string::npos);
  EXPECT_EQ(text.find("after uninstall"), std::string::npos);
  EXPECT_EQ(text.find("below the file's level"), std::string::npos);
  size_t at = text.find("|00001|netdev|WARN|p1: device is gone\n");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_EQ(text.substr(at - 24, 1), "2");  // "2026-...Z|": a UTC timestamp leads the line
  EXPECT_EQ(text.substr(at - 1, 1), "Z");
}

TEST(Vlog, SpecsSetLevelsPerModuleAndDestination) {
  Vlog log;
  ASSERT_TRUE(log.apply_spec("netdev:file:dbg").ok());
  EXPECT_TRUE(log.enabled("netdev", VlogLevel::kDbg));
  EXPECT_FALSE(log.enabled("bridge", VlogLevel::kDbg));
  auto bad = log.apply_spec("netdev:nowhere:dbg");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "no destination, level, or module \"nowhere\"");
}

}  // namespace
}  // namespace nt
