#include <gtest/gtest.h>

#include "of_test_util.h"
#include "openflow/actions.h"
#include "openflow/flow_text.h"

namespace nt {
namespace {

using testing::error_of;
using testing::must_actions;

constexpr const char* kSeedLearn =
    "learn(table=20,hard_timeout=300,priority=1,cookie=0xaaa0e760a7848ec3,"
    "NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
    "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[])";

const LearnAction& learn_of(const ActionList& a) { return std::get<LearnAction>(a.at(0)); }

TEST(LearnText, SeedLearnParsesIntoSpecs) {
  ActionList a = must_actions(kSeedLearn);
  ASSERT_EQ(a.size(), 1u);
  const LearnAction& l = learn_of(a);
  EXPECT_EQ(l.table, 20);
  EXPECT_EQ(l.hard_timeout, 300);
  EXPECT_EQ(l.idle_timeout, 0);
  EXPECT_EQ(l.priority, 1);
  EXPECT_EQ(l.cookie, 0xaaa0e760a7848ec3ull);
  ASSERT_EQ(l.specs.size(), 5u);
  const FieldInfo* tci = field_by_name("vlan_tci");
  EXPECT_EQ(l.specs[0].kind, LearnSpec::Kind::kMatchField);
  EXPECT_EQ(l.specs[0].dst, (Subfield{tci, 0, 12}));
  EXPECT_EQ(l.specs[0].src, l.specs[0].dst);
  EXPECT_TRUE(l.specs[0].src_is_dst);
  EXPECT_EQ(l.specs[1].kind, LearnSpec::Kind::kMatchField);
  EXPECT_EQ(l.specs[1].dst.field, field_by_name("dl_dst"));
  EXPECT_EQ(l.specs[1].src.field, field_by_name("dl_src"));
  EXPECT_FALSE(l.specs[1].src_is_dst);
  EXPECT_EQ(l.specs[2].kind, LearnSpec::Kind::kLoadImmediate);
  EXPECT_EQ(l.specs[2].value, 0u);
  EXPECT_EQ(l.specs[2].dst, (Subfield{tci, 0, 16}));
  EXPECT_EQ(l.specs[3].kind, LearnSpec::Kind::kLoadField);
  EXPECT_EQ(l.specs[3].src.field, field_by_name("tun_id"));
  EXPECT_EQ(l.specs[4].kind, LearnSpec::Kind::kOutput);
  EXPECT_EQ(l.specs[4].src.field, field_by_name("in_port"));
}

TEST(LearnText, SeedLearnFormatsExactly) {
  EXPECT_EQ(format_actions(must_actions(std::string(kSeedLearn) + ",output:1")),
            std::string(kSeedLearn) + ",output:1");
}

TEST(LearnText, NeutronOrderOfKeywordsPrintsInOvsOrder) {
  // neutron.md writes priority before hard_timeout; Open vSwitch prints its own order.
  ActionList a = must_actions(
      "learn(table=20,priority=1,hard_timeout=300,cookie=0x1,NXM_OF_VLAN_TCI[0..11],"
      "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
      "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[])");
  EXPECT_EQ(format_actions(a),
            "learn(table=20,hard_timeout=300,priority=1,cookie=0x1,NXM_OF_VLAN_TCI[0..11],"
            "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
            "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[])");
}

TEST(LearnText, DefaultsAndFlags) {
  EXPECT_EQ(format_actions(must_actions("learn()")), "learn(table=1)");
  EXPECT_EQ(format_actions(must_actions("learn(delete_learned,send_flow_rem,cookie=5,table=3,"
                                        "idle_timeout=10,fin_idle_timeout=2,fin_hard_timeout=3,"
                                        "priority=32768)")),
            "learn(table=3,idle_timeout=10,fin_idle_timeout=2,fin_hard_timeout=3,send_flow_rem,"
            "delete_learned,cookie=0x5)");
}

TEST(LearnText, ImmediateMatchesAndLoads) {
  ActionList a = must_actions(
      "learn(eth_type=0x800,NXM_OF_IP_SRC[]=NXM_OF_IP_DST[],NXM_OF_VLAN_TCI[0..11]=5,"
      "dl_dst=fa:16:3e:00:00:01,in_port=LOCAL,load:0x1234->NXM_NX_REG0[0..15],"
      "NXM_OF_ETH_SRC[]=NXM_OF_ETH_SRC[])");
  const LearnAction& l = learn_of(a);
  ASSERT_EQ(l.specs.size(), 7u);
  EXPECT_EQ(l.specs[0].kind, LearnSpec::Kind::kMatchImmediate);
  EXPECT_EQ(l.specs[0].value, 0x800u);
  EXPECT_EQ(l.specs[2].kind, LearnSpec::Kind::kMatchImmediate);
  EXPECT_EQ(l.specs[2].value, 5u);
  EXPECT_TRUE(l.specs[6].src_is_dst);
  EXPECT_EQ(format_actions(a),
            "learn(table=1,eth_type=0x800,NXM_OF_IP_SRC[]=NXM_OF_IP_DST[],"
            "NXM_OF_VLAN_TCI[0..11]=0x5,eth_dst=fa:16:3e:00:00:01,in_port=LOCAL,"
            "load:0x1234->NXM_NX_REG0[0..15],NXM_OF_ETH_SRC[])");
}

TEST(LearnText, FragImmediatesRoundTrip) {
  EXPECT_EQ(format_actions(must_actions("learn(ip_frag=first,nw_frag=no)")),
            "learn(table=1,ip_frag=first,ip_frag=no)");
  // 2 has no keyword: it prints as raw bits rather than "ip_frag=<error>".
  ActionList a = must_actions("learn(NXM_NX_IP_FRAG[]=2)");
  std::string text = format_actions(a);
  EXPECT_EQ(text, "learn(table=1,NXM_NX_IP_FRAG[]=0x2)");
  EXPECT_EQ(must_actions(text), a);
}

TEST(LearnText, Errors) {
  EXPECT_NE(
      error_of(parse_actions("learn(NXM_OF_VLAN_TCI[0..11]=NXM_OF_ETH_SRC[])")).find("widths"),
      std::string::npos);
  EXPECT_FALSE(parse_actions("learn(load:NXM_NX_REG0[]->NXM_OF_VLAN_TCI[])").ok());
  EXPECT_FALSE(parse_actions("learn(load:0x10000->NXM_OF_VLAN_TCI[])").ok());
  EXPECT_FALSE(parse_actions("learn(NXM_OF_VLAN_TCI[0..11]=0x1000)").ok());
  EXPECT_FALSE(parse_actions("learn(table=255)").ok());
  EXPECT_FALSE(parse_actions("learn(priority=65536)").ok());
  EXPECT_NE(error_of(parse_actions("learn(bogus=1)")).find("bogus"), std::string::npos);
  EXPECT_FALSE(parse_actions("learn(dl_dst)").ok());
  EXPECT_FALSE(parse_actions("learn(dl_dst=fa:16:3e:00:00:00/ff:ff:ff:00:00:00)").ok());
  EXPECT_FALSE(parse_actions("learn(load:5)").ok());
  EXPECT_FALSE(parse_actions("learn(output:NOPE[])").ok());
  EXPECT_FALSE(parse_actions("learn:3").ok());
}

TEST(LearnText, CheckFollowsOvs) {
  Match any;
  auto check = [&](std::string_view text) { return check_actions(must_actions(text), any, 10); };
  EXPECT_TRUE(check(kSeedLearn).ok());
  // Matching IP fields in the learned flow needs eth_type pinned first, as in learn_check().
  EXPECT_FALSE(check("learn(NXM_OF_IP_SRC[])").ok());
  Match ip = testing::must_match("ip");
  EXPECT_TRUE(check_actions(must_actions("learn(eth_type=0x800,NXM_OF_IP_SRC[])"), ip, 10).ok());
  // Reading a source field needs its prerequisites in the rule's own match.
  EXPECT_FALSE(check("learn(eth_type=0x800,NXM_OF_IP_SRC[])").ok());
  EXPECT_FALSE(check("learn(load:0x1->NXM_OF_IP_PROTO[])").ok());
}

}  // namespace
}  // namespace nt
