#include "common/names.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "common/files.h"
#include "common/vlog.h"

namespace nt {
namespace {

namespace fs = std::filesystem;

TEST(NamesTest, ValidNamesPass) {
  for (const char* n : {"br-int", "br-tun", "qvoa2ac3b9a-24", "vxlan-a642100b", "a.b", "x_y",
                        "tapé", "with space"}) {
    EXPECT_TRUE(validate_name("bridge", n).ok()) << n;
  }
  EXPECT_TRUE(validate_name("port", std::string(kMaxNameLen, 'p')).ok());
}

TEST(NamesTest, EachBadNameSaysWhatIsWrong) {
  auto msg = [](std::string_view kind, std::string_view name) {
    Status st = validate_name(kind, name);
    EXPECT_FALSE(st.ok()) << name;
    return st.ok() ? std::string() : st.error().message;
  };
  EXPECT_EQ(msg("bridge", ""), "invalid bridge name \"\": name must not be empty");
  EXPECT_EQ(msg("bridge", "../../x"), "invalid bridge name \"../../x\": contains '/'");
  EXPECT_EQ(msg("port", std::string("a\0b", 3)),
            "invalid port name \"a\\x00b\": contains a NUL byte");
  EXPECT_EQ(msg("interface", "a\nb"),
            "invalid interface name \"a\\nb\": contains control character 0x0a");
  EXPECT_EQ(msg("bridge", ".."), "invalid bridge name \"..\": not a valid name");
  EXPECT_EQ(
      msg("bridge", std::string(kMaxNameLen + 1, 'b')),
      "invalid bridge name \"" + std::string(kMaxNameLen + 1, 'b') + "\": longer than 64 bytes");
}

// Whatever the name, the escaped form is one path component: no '/', no NUL, not "", "." or
// "..", and distinct names give distinct components.
TEST(NamesTest, EscapedFileNamesCannotTraverse) {
  std::set<std::string> seen;
  std::vector<std::string> names = {
      "",        ".",      "..",  "../../etc/passwd",     "/",    "a/b",
      ".hidden", "br-int", "%2F", std::string("x\0y", 3), "a..b", "é"};
  for (int c = 0; c < 256; ++c) names.push_back(std::string(1, static_cast<char>(c)));
  std::set<std::string> distinct(names.begin(), names.end());  // "." and "/" are listed twice
  for (const std::string& n : distinct) {
    std::string e = escape_file_name(n);
    EXPECT_FALSE(e.empty()) << n;
    EXPECT_EQ(e.find('/'), std::string::npos) << n;
    EXPECT_EQ(e.find('\0'), std::string::npos) << n;
    EXPECT_NE(e[0], '.') << n;
    EXPECT_TRUE(seen.insert(e).second) << "two names escape to " << e;
  }
  EXPECT_EQ(escape_file_name("br-int"), "br-int");
  EXPECT_EQ(escape_file_name("../x"), "%2E.%2Fx");
  EXPECT_EQ(escape_file_name("a.b"), "a.b");
}

TEST(NamesTest, LogEscapingKeepsOneLine) {
  EXPECT_EQ(escape_for_log("br0\n2026-01-01T00:00:00Z|00001|bridge|EMER|forged"),
            "br0\\n2026-01-01T00:00:00Z|00001|bridge|EMER|forged");
  EXPECT_EQ(escape_for_log(std::string("a\0\r\t\x7f\\", 6)), "a\\x00\\r\\t\\x7f\\\\");
  EXPECT_EQ(escape_for_log("plain text"), "plain text");
}

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nt-common-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  fs::path dir_;
};

// A planted symlink under the old fixed temporary name (PATH.tmp) is not written through; the
// target is replaced by rename, which replaces a symlink instead of following it.
TEST_F(TempDirTest, AtomicWriteFollowsNoPlantedSymlink) {
  fs::path victim = dir_ / "victim", target = dir_ / "conf.db";
  std::ofstream(victim) << "precious\n";
  fs::create_symlink(victim, dir_ / "conf.db.tmp");
  fs::create_symlink(victim, target);
  ASSERT_TRUE(write_file_atomic(target.string(), "new\n").ok());
  EXPECT_EQ(slurp(victim), "precious\n");
  EXPECT_FALSE(fs::is_symlink(target));
  EXPECT_EQ(slurp(target), "new\n");
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 3u) << "a temporary file was left behind";  // victim, conf.db, the plant
}

TEST_F(TempDirTest, AtomicWriteReportsAMissingDirectory) {
  Status st = write_file_atomic((dir_ / "no" / "file").string(), "x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("No such file or directory"), std::string::npos);
}

// The log file is 0640 whatever the umask and never opened through a symlink; a newline in a
// message cannot start a forged line.
TEST_F(TempDirTest, LogFileModeSymlinkAndForgedLines) {
  mode_t old = ::umask(0);
  Vlog v;
  fs::path log = dir_ / "d.log";
  ASSERT_TRUE(v.set_log_file(log.string()).ok());
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat(log.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  v.log("bridge", VlogLevel::kInfo, "added bridge x\n2026|00002|bridge|EMER|forged");
  std::string text = slurp(log);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_NE(text.find("x\\n2026|00002"), std::string::npos) << text;

  fs::path victim = dir_ / "victim", link = dir_ / "link.log";
  std::ofstream(victim) << "precious\n";
  fs::create_symlink(victim, link);
  Status s = v.set_log_file(link.string());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(slurp(victim), "precious\n");
}

TEST(VlogSpecTest, AnyAndLevelsAreCaseInsensitive) {
  Vlog v;
  EXPECT_TRUE(v.apply_spec("ANY:file:DBG").ok());
  EXPECT_TRUE(v.enabled("bridge", VlogLevel::kDbg));
  EXPECT_TRUE(v.apply_spec("Any:Console:Off").ok());
  EXPECT_TRUE(v.apply_spec("BRIDGE:FILE:warn").ok());
  EXPECT_FALSE(v.enabled("bridge", VlogLevel::kInfo));
  Status bad = v.apply_spec("nosuch:file:dbg");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "no destination, level, or module \"nosuch\"");
}

}  // namespace
}  // namespace nt
