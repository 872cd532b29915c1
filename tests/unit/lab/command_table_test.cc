// The scenario command table (scenario/commands.h): one list of commands, each back end binds
// names from it; unknown commands and commands a back end lacks get one clear error each.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "lab/real_lab.h"
#include "scenario/commands.h"
#include "scenario/runner.h"

namespace nt {
namespace {

void expect_bindings_valid(const std::vector<std::string_view>& bound, const char* backend) {
  std::set<std::string_view> seen;
  for (std::string_view name : bound) {
    EXPECT_NE(find_scenario_command(name), nullptr) << backend << " binds unlisted " << name;
    EXPECT_TRUE(seen.insert(name).second) << backend << " binds " << name << " twice";
  }
  for (const ScenarioCommand& c : scenario_commands()) {
    EXPECT_TRUE(seen.count(c.name)) << backend << " has no handler for " << c.name;
  }
}

TEST(CommandTable, EveryBackEndBindsListedCommandsOnly) {
  expect_bindings_valid(ScenarioRunner::bound_commands(), "emulated lab");
  expect_bindings_valid(lab::RealLab::bound_commands(), "real lab");
  EXPECT_NE(scenario_commands_help().find("usage: add-port BRIDGE PORT"), std::string::npos);
}

TEST(CommandTable, UnknownCommandsAndTailsInTheEmulatedLab) {
  ScenarioRunner r;
  auto bad = r.execute("frobnicate br0", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "unknown scenario command 'frobnicate'");
  EXPECT_TRUE(r.execute("", {}).ok());
  ASSERT_TRUE(r.execute("add-br br0", {}).ok());
  // add-flow takes the rest of its line as one flow, spaces included.
  ASSERT_TRUE(r.execute("add-flow br0 priority=5 actions=drop", {}).ok());
  auto dump = r.execute("dump-flows br0 --no-stats", {});
  ASSERT_TRUE(dump.ok());
  EXPECT_NE(dump->find("priority=5 actions=drop"), std::string::npos) << *dump;
  auto usage = r.execute("add-port br0", {});
  ASSERT_FALSE(usage.ok());
  EXPECT_EQ(usage.error().message.rfind("usage: add-port", 0), 0u);
}

}  // namespace
}  // namespace nt
