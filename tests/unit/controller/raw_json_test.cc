// Raw JSON: splitting and member surgery on compact text agree with parsing and dump().
#include "controller/raw_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nt::controller {
namespace {

using Json = nlohmann::json;

TEST(RawJson, CuttingMembersMatchesEraseAndDump) {
  Json a = {{"a\\\\", "x\\\\"},
            {"binding:host_id", "h\"}"},
            {"n", {{"k", {1, "]", {{"q", "\\\""}}}}}},
            {"project_id", "p"},
            {"z", nullptr},
            {"num", -1.5e3},
            {"t", true}};
  Json b = {{"project_id", "we\"ird"}, {"binding:host_id", ""}};
  std::string text = a.dump() + "," + b.dump() + ",[1,{\"]\":2}]";
  auto values = split_values(text);
  ASSERT_TRUE(values);
  ASSERT_EQ(values->size(), 3u);
  EXPECT_EQ((*values)[0], a.dump());
  EXPECT_EQ((*values)[1], b.dump());
  EXPECT_EQ((*values)[2], "[1,{\"]\":2}]");

  auto members = raw_members((*values)[0]);
  ASSERT_TRUE(members);
  EXPECT_EQ(members->size(), a.size());
  EXPECT_EQ(plain_string(*members, "project_id"), "p");
  EXPECT_FALSE(plain_string(*members, "a\\\\"));  // escaped: the caller parses instead
  EXPECT_FALSE(plain_string(*members, "z"));
  std::string out;
  append_without(*members, {"binding:host_id", "t", "absent"}, out);
  Json erased = a;
  erased.erase("binding:host_id");
  erased.erase("t");
  EXPECT_EQ(out, erased.dump());

  auto bm = raw_members((*values)[1]);
  ASSERT_TRUE(bm);
  EXPECT_FALSE(plain_string(*bm, "project_id"));  // an escaped quote
  out.clear();
  append_without(*bm, {"binding:host_id", "project_id"}, out);
  EXPECT_EQ(out, "{}");
}

TEST(RawJson, MalformedTextIsRefused) {
  EXPECT_FALSE(split_values("{\"a\":\"unterminated}"));
  EXPECT_FALSE(split_values("{\"a\":1}x"));
  EXPECT_FALSE(raw_members("[1,2]"));
  EXPECT_FALSE(raw_members("{\"a\"1}"));
  EXPECT_FALSE(raw_members("{\"a\":}"));
  EXPECT_TRUE(raw_members("{}"));
  EXPECT_TRUE(split_values("") && split_values("")->empty());
}

}  // namespace
}  // namespace nt::controller
