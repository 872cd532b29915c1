#include <gtest/gtest.h>

#include "of_test_util.h"
#include "openflow/actions.h"

namespace nt {
namespace {

using testing::must_actions;
using testing::must_match;

Status check(std::string_view match, std::string_view actions, uint8_t table = 0) {
  return check_actions(must_actions(actions), must_match(match), table);
}

std::string message(const Status& s) { return s.ok() ? "<ok>" : s.error().message; }

TEST(ActionCheck, SeedAndNeutronFlowsPass) {
  EXPECT_TRUE(check("in_port=2,dl_vlan=1", "mod_vlan_vid:100,NORMAL").ok());
  EXPECT_TRUE(check("dl_vlan=1", "strip_vlan,set_tunnel:0x64,output:2", 22).ok());
  EXPECT_TRUE(check("in_port=3,dl_vlan=100", "set_field:1->vlan_vid,goto_table:58").ok());
  EXPECT_TRUE(check("in_port=3,vlan_tci=0x0000/0x1fff",
                    "push_vlan:0x8100,set_field:1->vlan_vid,goto_table:58")
                  .ok());
  EXPECT_TRUE(check("tun_id=0x64", "push_vlan:0x8100,set_field:1->vlan_vid,goto_table:10", 4).ok());
  EXPECT_TRUE(check("arp,dl_vlan=1,arp_tpa=10.0.0.3",
                    "set_field:2->arp_op,move:arp_sha->arp_tha,move:arp_spa->arp_tpa,"
                    "set_field:fa:16:3e:00:00:03->arp_sha,set_field:10.0.0.3->arp_spa,"
                    "move:eth_src->eth_dst,set_field:fa:16:3e:00:00:03->eth_src,IN_PORT",
                    21)
                  .ok());
}

TEST(ActionCheck, SetFieldPrerequisites) {
  Status s = check("", "set_field:80->tcp_dst");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kPrerequisite);
  EXPECT_NE(message(s).find("tcp"), std::string::npos) << message(s);
  EXPECT_TRUE(check("tcp", "set_field:80->tcp_dst").ok());
  EXPECT_FALSE(check("udp", "set_field:80->tcp_dst").ok());
  EXPECT_FALSE(check("ip", "set_field:2->arp_op").ok());
  EXPECT_TRUE(check("arp", "set_field:2->arp_op").ok());
}

TEST(ActionCheck, VlanVidNeedsATag) {
  Status s = check("", "set_field:5->vlan_vid");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(message(s).find("VLAN"), std::string::npos) << message(s);
  EXPECT_TRUE(check("", "push_vlan:0x8100,set_field:5->vlan_vid").ok());
  EXPECT_TRUE(check("", "mod_vlan_vid:3,set_field:5->vlan_vid").ok());
  EXPECT_FALSE(check("dl_vlan=3", "strip_vlan,set_field:5->vlan_vid").ok());
}

TEST(ActionCheck, LegacyRewritesNeedTheirProtocols) {
  EXPECT_NE(message(check("", "mod_nw_src:10.0.0.1")).find("ip"), std::string::npos);
  EXPECT_TRUE(check("ip", "mod_nw_src:10.0.0.1").ok());
  EXPECT_FALSE(check("ipv6", "mod_nw_dst:10.0.0.1").ok());
  EXPECT_NE(message(check("ip", "mod_tp_dst:80")).find("tcp"), std::string::npos);
  EXPECT_TRUE(check("udp", "mod_tp_dst:80").ok());
  EXPECT_FALSE(check("", "dec_ttl").ok());
  EXPECT_TRUE(check("ipv6", "dec_ttl").ok());
}

TEST(ActionCheck, LoadAndMove) {
  EXPECT_TRUE(check("", "load:0x64->NXM_NX_TUN_ID[]").ok());
  EXPECT_FALSE(check("", "load:1->NXM_OF_IP_SRC[0..7]").ok());
  EXPECT_TRUE(check("ip", "load:1->NXM_OF_IP_SRC[0..7]").ok());
  EXPECT_FALSE(check("", "move:NXM_OF_IP_SRC[]->reg0").ok());
  EXPECT_TRUE(check("ip", "move:NXM_OF_IP_SRC[]->reg0").ok());
  EXPECT_FALSE(check("tcp", "move:NXM_OF_TCP_SRC[]->NXM_OF_UDP_SRC[]").ok());
  // Lists built in code are checked too.
  ActionList bad{
      RegMoveAction{Subfield{field_by_name("reg0"), 0, 8}, Subfield{field_by_name("reg1"), 0, 9}}};
  EXPECT_FALSE(check_actions(bad, Match{}, 0).ok());
  ActionList ro{RegLoadAction{Subfield{field_by_name("nw_proto"), 0, 8}, 1}};
  EXPECT_NE(message(check_actions(ro, must_match("ip"), 0)).find("read-only"), std::string::npos);
  ActionList wide{RegLoadAction{Subfield{field_by_name("reg0"), 0, 4}, 16}};
  EXPECT_FALSE(check_actions(wide, Match{}, 0).ok());
  ActionList outside{RegLoadAction{Subfield{field_by_name("reg0"), 30, 4}, 1}};
  EXPECT_FALSE(check_actions(outside, Match{}, 0).ok());
}

TEST(ActionCheck, OutputPorts) {
  EXPECT_TRUE(check("", "output:1,NORMAL,LOCAL,IN_PORT,FLOOD,ALL,CONTROLLER").ok());
  EXPECT_FALSE(check("", "output:65280").ok());
  EXPECT_FALSE(check("", "output:ANY").ok());
  EXPECT_TRUE(check("", "output:NXM_NX_REG0[0..15]").ok());
  EXPECT_FALSE(check("", "output:NXM_OF_TCP_DST[]").ok());
}

TEST(ActionCheck, GotoTableMustGoForward) {
  EXPECT_TRUE(check("", "goto_table:2", 1).ok());
  Status s = check("", "goto_table:1", 1);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(message(s).find("goto_table"), std::string::npos);
  EXPECT_FALSE(check("", "goto_table:0", 3).ok());
  ActionList order{GotoTableAction{3}, OutputAction{1, 0}};
  EXPECT_FALSE(check_actions(order, Match{}, 0).ok());
}

}  // namespace
}  // namespace nt
