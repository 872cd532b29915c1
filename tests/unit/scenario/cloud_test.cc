// The cloud lines' helpers: shell-like word splitting for `openstack`, seeded instance UUIDs,
// running a program without a shell.
#include "scenario/cloud.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace nt::scenario_internal {
namespace {

std::vector<std::string> split(const std::string& s) {
  auto r = shell_words(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? *r : std::vector<std::string>{};
}

TEST(ShellWords, SplitsAsAShellDoes) {
  EXPECT_EQ(split("network list"), (std::vector<std::string>{"network", "list"}));
  EXPECT_EQ(split("  a \t b  "), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split("-c \"Agent Type\" -f value"),
            (std::vector<std::string>{"-c", "Agent Type", "-f", "value"}));
  EXPECT_EQ(split("'it''s' x"), (std::vector<std::string>{"its", "x"}));
  EXPECT_EQ(split("a\\ b \"q\\\"x\" '$HOME' \"\\n\""),
            (std::vector<std::string>{"a b", "q\"x", "$HOME", "\\n"}));
  EXPECT_EQ(split("--name=\"a b\"c"), (std::vector<std::string>{"--name=a bc"}));
  EXPECT_EQ(split("''"), (std::vector<std::string>{""}));
  EXPECT_TRUE(split("").empty());
}

TEST(ShellWords, UnterminatedQuotesAreRefused) {
  EXPECT_FALSE(shell_words("network create 'x").ok());
  EXPECT_FALSE(shell_words("\"abc").ok());
}

TEST(SeededUuid, StableAndDistinct) {
  std::string a = seeded_uuid("instance/vm1");
  EXPECT_EQ(a, seeded_uuid("instance/vm1"));
  EXPECT_NE(a, seeded_uuid("instance/vm2"));
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[8], '-');
  EXPECT_EQ(a[14], '4');  // version 4 shape
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
}

TEST(RunProgram, KeepsStdoutAndStderrApartAndSetsTheEnvironment) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("cloud_test." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto r = run_program({"sh", "-c", "echo out $OS_ENDPOINT; echo err >&2; exit 3"},
                       {{"OS_ENDPOINT", "http://x"}}, dir, 10);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out http://x\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(run_program({"no-such-program-here"}, {}, dir, 10).ok());
  auto slow = run_program({"sleep", "5"}, {}, dir, 1);
  ASSERT_FALSE(slow.ok());
  EXPECT_NE(slow.error().message.find("timed out"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nt::scenario_internal
