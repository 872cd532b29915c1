// The scenario language's expectations, checked against a backend whose output is fixed.
#include <gtest/gtest.h>

#include "scenario/scenario.h"

namespace nt {
namespace {

// Every command prints the same three lines.
class FixedBackend final : public LabBackend {
 public:
  Result<std::string> execute(const std::string& command,
                              const std::vector<std::string>&) override {
    if (command == "fail") return make_error("it went wrong");
    return std::string("  1  aa\n  2  bb\n  3  cc\n");
  }
  std::string prompt() const override { return "$ "; }
  std::string display(const std::string& command) const override { return command; }
  LabTopology topology() const override { return {}; }
};

ScenarioResult run(const std::string& text) {
  FixedBackend b;
  return run_scenario(text, "t.scn", b);
}

TEST(Expectations, InOrderAndAnywhere) {
  EXPECT_TRUE(run("show\n~ 1  aa\n~ 3  cc\n").ok);
  EXPECT_FALSE(run("show\n~ 3  cc\n~ 1  aa\n").ok);  // "~" keeps order
  EXPECT_TRUE(run("show\n* 3  cc\n* 1  aa\n").ok);   // "*" does not
  ScenarioResult r = run("show\n* 4  dd\n");
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].find("t.scn:1: show\nexpected line not found: 4  dd"), std::string::npos);
}

TEST(Expectations, ExactAndFailure) {
  EXPECT_TRUE(run("show\n= 1  aa\n= 2  bb\n= 3  cc\n").ok);
  EXPECT_FALSE(run("show\n= 1  aa\n").ok);
  EXPECT_TRUE(run("fail\n! went wrong\n").ok);
  EXPECT_FALSE(run("fail\n").ok);
  EXPECT_FALSE(run("show\n!\n").ok);
}

TEST(Expectations, StopFlagEndsTheRun) {
  FixedBackend b;
  bool stop = true;
  ScenarioResult r = run_scenario("show\nshow\n", "t.scn", b, &stop);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.failures[0].find("interrupted"), std::string::npos);
}

}  // namespace
}  // namespace nt
