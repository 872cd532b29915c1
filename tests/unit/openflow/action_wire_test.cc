// wire_form(): each expectation is what Open vSwitch 3.1's ovs-ofctl printed for the same flow
// (added, then dumped, with the protocols named in the test; tests/ovs-corpus holds the runs).
#include "openflow/action_wire.h"

#include <gtest/gtest.h>

#include "openflow/flow_text.h"

namespace nt {
namespace {

FlowSpec flow(std::string_view text) {
  auto spec = parse_flow(text, FlowTextMode::kAdd);
  EXPECT_TRUE(spec.ok()) << text << ": " << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? *spec : FlowSpec{};
}

// The actions of `text` added under `add_version`, dumped under `dump_version`.
std::string round_trip(std::string_view text, int add_version, int dump_version) {
  FlowSpec s = flow(text);
  auto stored = wire_form(s.actions, s.match, WireOptions{add_version, true});
  if (!stored.ok()) return "error: " + stored.error().message;
  auto shown = wire_form(*stored, s.match, WireOptions{dump_version});
  return shown.ok() ? format_actions(*shown) : "error: " + shown.error().message;
}

std::string of10(std::string_view text) { return round_trip(text, 1, 1); }
std::string of13(std::string_view text) { return round_trip(text, 4, 4); }
std::string add13_dump10(std::string_view text) { return round_trip(text, 4, 1); }
std::string add10_dump13(std::string_view text) { return round_trip(text, 1, 4); }

TEST(ActionWire, OpenFlow10PrintsItsOwnActions) {
  EXPECT_EQ(of10("in_port=1,actions=pop_vlan,goto_table:3"), "strip_vlan,resubmit(,3)");
  EXPECT_EQ(of10("actions=set_field:0x64->tun_id,set_tunnel64:0x5,set_tunnel:0x7"),
            "load:0x64->NXM_NX_TUN_ID[],set_tunnel64:0x5,set_tunnel:0x7");
  EXPECT_EQ(of10("actions=set_tunnel:0x123456789"), "set_tunnel64:0x123456789");
  EXPECT_EQ(of10("tcp,actions=set_field:1.2.3.4->ip_src,set_field:00:11:22:33:44:55->eth_dst,"
                 "set_field:5->tcp_src,set_field:3->reg0,set_field:0x5/0xf->reg1"),
            "mod_nw_src:1.2.3.4,mod_dl_dst:00:11:22:33:44:55,mod_tp_src:5,"
            "load:0x3->NXM_NX_REG0[],load:0x5->NXM_NX_REG1[0..3]");
  EXPECT_EQ(of10("actions=set_field:0x5/0xf0->reg2,set_field:0x12345678/0xffff0000->tun_id,"
                 "set_field:0x5->metadata"),
            "load:0->NXM_NX_REG2[4..7],load:0x1234->NXM_NX_TUN_ID[16..31],"
            "load:0x5->OXM_OF_METADATA[]");
  EXPECT_EQ(of10("vlan_tci=0x1000/0x1000,actions=set_field:5->vlan_pcp,set_field:4097->vlan_vid"),
            "mod_vlan_pcp:5,mod_vlan_vid:1");
}

TEST(ActionWire, NotesArePaddedToTheActionBoundary) {
  EXPECT_EQ(of10("actions=note:de.ad.be.ef"), "note:de.ad.be.ef.00.00");
  EXPECT_EQ(of10("actions=note:01.02.03.04.05.06.07"),
            "note:01.02.03.04.05.06.07.00.00.00.00.00.00.00");
  EXPECT_EQ(of10("actions=note:"), "note:00.00.00.00.00.00");
  EXPECT_EQ(of10("actions=note:01.02.03.04.05.06"), "note:01.02.03.04.05.06");
  EXPECT_EQ(of13("actions=note:de.ad.be.ef"), "note:de.ad.be.ef.00.00");
}

TEST(ActionWire, AddedWithOpenFlow13DumpedWithOpenFlow10) {
  EXPECT_EQ(add13_dump10("actions=push_vlan:0x8100,set_field:4097->vlan_vid,output:1"),
            "mod_vlan_vid:1,output:1");
  EXPECT_EQ(add13_dump10("actions=push_vlan:0x8100,set_field:5->vlan_pcp,output:1"),
            "mod_vlan_pcp:5,output:1");
  EXPECT_EQ(add13_dump10("actions=set_tunnel:0x64"), "load:0x64->NXM_NX_TUN_ID[]");
  EXPECT_EQ(add13_dump10("actions=set_tunnel64:0x1234,resubmit(,3)"),
            "load:0x1234->NXM_NX_TUN_ID[],resubmit(,3)");
  EXPECT_EQ(add13_dump10("in_port=1,actions=goto_table:3"), "resubmit(,3)");
  EXPECT_EQ(add13_dump10("actions=mod_vlan_vid:5,mod_vlan_pcp:3,strip_vlan"),
            "mod_vlan_vid:5,mod_vlan_pcp:3,strip_vlan");
  EXPECT_EQ(add13_dump10("actions=set_field:0x5/0xff->reg1,set_field:0xf0/0xf0->reg3,"
                         "set_field:0x12345678/0xffffffff->tun_id"),
            "load:0x5->NXM_NX_REG1[0..7],load:0xf->NXM_NX_REG3[4..7],"
            "load:0x12345678->NXM_NX_TUN_ID[0..31]");
}

TEST(ActionWire, OpenFlow13Forms) {
  EXPECT_EQ(of13("in_port=1,actions=goto_table:3"), "goto_table:3");
  EXPECT_EQ(of13("actions=mod_vlan_vid:5,mod_vlan_pcp:3,strip_vlan"),
            "push_vlan:0x8100,set_field:4101->vlan_vid,set_field:3->vlan_pcp,pop_vlan");
  EXPECT_EQ(of13("dl_vlan=5,actions=mod_vlan_vid:7,mod_vlan_pcp:2"),
            "set_field:4103->vlan_vid,set_field:2->vlan_pcp");
  EXPECT_EQ(of13("actions=mod_vlan_pcp:1"), "push_vlan:0x8100,set_field:1->vlan_pcp");
  EXPECT_EQ(of13("tcp,actions=mod_tp_src:5"), "set_field:5->tcp_src");
  EXPECT_EQ(of13("udp,actions=mod_tp_dst:5"), "set_field:5->udp_dst");
  EXPECT_EQ(of13("ip,actions=mod_nw_src:1.2.3.4,dec_ttl"), "set_field:1.2.3.4->ip_src,dec_ttl");
  EXPECT_EQ(of13("actions=mod_dl_src:00:11:22:33:44:55"), "set_field:00:11:22:33:44:55->eth_src");
  EXPECT_EQ(add10_dump13("actions=pop_vlan,mod_vlan_vid:3"),
            "pop_vlan,push_vlan:0x8100,set_field:4099->vlan_vid");
  EXPECT_EQ(add10_dump13("actions=set_field:0x64->tun_id,set_tunnel64:0x5"),
            "load:0x64->NXM_NX_TUN_ID[],set_field:0x5->tun_id");
}

TEST(ActionWire, RefusedWhereNoAllowedProtocolCarriesTheFlow) {
  EXPECT_EQ(of10("actions=push_vlan:0x8100"),
            "error: none of the usable flow formats (OXM,OpenFlow11) is among the allowed flow "
            "formats (OpenFlow10,NXM)");
  FlowSpec s = flow("tun_id=5,actions=push_vlan:0x8100");
  auto r = wire_form(s.actions, s.match, WireOptions{1, true, !of10_can_match(s.match)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "none of the usable flow formats (OXM) is among the allowed flow formats "
            "(OpenFlow10,NXM)");
  const std::string refused13 =
      "error: none of the usable flow formats (OpenFlow10,NXM) is among the allowed flow "
      "formats (OXM-OpenFlow13)";
  EXPECT_EQ(of13("in_port=1,actions=pop_vlan"), refused13);
  EXPECT_EQ(of13("actions=strip_vlan"), refused13);
  // Actions whose prerequisites the match lacks (parse_flow() itself refuses these flows, so
  // the actions are parsed alone here).
  for (auto [match, acts] : {std::pair{"actions=drop", "mod_nw_src:1.2.3.4"},
                             std::pair{"ip,actions=drop", "mod_tp_src:1"}}) {
    auto a = parse_actions(acts);
    ASSERT_TRUE(a.ok());
    auto r13 = wire_form(*a, flow(match).match, WireOptions{4, true});
    ASSERT_FALSE(r13.ok()) << acts;
    EXPECT_EQ("error: " + r13.error().message, refused13);
  }
  // A dump never refuses: a pushed tag needs no OpenFlow 1.0 action of its own.
  FlowSpec p = flow("actions=push_vlan:0x8100,mod_vlan_vid:1");
  auto dumped = wire_form(p.actions, p.match, WireOptions{1});
  ASSERT_TRUE(dumped.ok());
  EXPECT_EQ(format_actions(*dumped), "mod_vlan_vid:1");
}

TEST(ActionWire, OxmCarriesNoTagAsVlanVidZero) {
  FlowSpec s = flow("vlan_tci=0x0000,dl_type=0x88cc,actions=drop");
  EXPECT_EQ(format_match(match_wire_form(s.match, 1), s.priority),
            "vlan_tci=0x0000,dl_type=0x88cc");
  EXPECT_EQ(format_match(match_wire_form(s.match, 4), s.priority),
            "vlan_tci=0x0000/0x1fff,dl_type=0x88cc");
  FlowSpec tagged = flow("dl_vlan=5,actions=drop");
  EXPECT_EQ(match_wire_form(tagged.match, 4), tagged.match);
}

TEST(ActionWire, VersionZeroKeepsTheActions) {
  FlowSpec s = flow("actions=note:01,goto_table:3");
  auto r = wire_form(s.actions, s.match, WireOptions{0});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, s.actions);
}

}  // namespace
}  // namespace nt
