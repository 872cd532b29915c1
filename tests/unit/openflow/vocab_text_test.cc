// mod_nw_tos, mod_nw_ecn, ct_clear, conjunction(id,k/n) and conj_id: parse, format and check,
// pinned to what Open vSwitch 3.1.0 (Debian openvswitch-switch 3.1) prints: `ovs-ofctl
// parse-flow`, `ovs-ofctl add-flow` + `dump-flows` on a datapath_type=dummy bridge.
#include <gtest/gtest.h>

#include "of_test_util.h"
#include "openflow/actions.h"
#include "openflow/flow_text.h"
#include "openflow/text_util.h"

namespace nt {
namespace {

using testing::error_of;
using testing::must_actions;
using testing::must_flow;

std::string dumped(std::string_view text) {
  FlowSpec f = must_flow(text);
  return format_match(f.match, f.priority) + " actions=" + format_actions(f.actions);
}

// The error of adding a flow; parse_flow says which part was wrong ("actions: ..."), the rest
// is ovs-ofctl's wording.
std::string add_error(std::string_view text) {
  std::string e = error_of(parse_flow(text, FlowTextMode::kAdd));
  constexpr std::string_view kPrefix = "actions: ";
  EXPECT_EQ(e.substr(0, kPrefix.size()), kPrefix) << e;
  return e.substr(std::min(e.size(), kPrefix.size()));
}

TEST(VocabText, ModNwTos) {
  // OVS 3.1: "ip,actions=mod_nw_tos:32,output:2" dumps as "ip actions=mod_nw_tos:32,output:2".
  EXPECT_EQ(dumped("ip,actions=mod_nw_tos:32,output:2"), "ip actions=mod_nw_tos:32,output:2");
  ActionList a = must_actions("mod_nw_tos:0x20");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(std::get<SetIpDscpAction>(a[0]).dscp, 32);
  // OVS accepts it without an IP match (an OpenFlow 1.0 action): "actions=mod_nw_tos:32".
  EXPECT_EQ(dumped("actions=mod_nw_tos:32"), " actions=mod_nw_tos:32");
  EXPECT_EQ(error_of(parse_actions("mod_nw_tos:33")), "33: not a valid TOS");
  EXPECT_EQ(error_of(parse_actions("mod_nw_tos:256")), "invalid TOS \"256\"");
  EXPECT_EQ(error_of(parse_actions("mod_nw_tos:x")), "invalid TOS \"x\"");
}

TEST(VocabText, ModNwEcnIsStoredAsALoad) {
  // OVS 3.1 stores mod_nw_ecn for OpenFlow 1.0 as a load of NXM_NX_IP_ECN.
  EXPECT_EQ(dumped("ip,actions=mod_nw_ecn:2,output:2"),
            "ip actions=load:0x2->NXM_NX_IP_ECN[],output:2");
  EXPECT_EQ(dumped("ipv6,actions=mod_nw_tos:8,mod_nw_ecn:1"),
            "ipv6 actions=mod_nw_tos:8,load:0x1->NXM_NX_IP_ECN[]");
  EXPECT_EQ(error_of(parse_actions("mod_nw_ecn:4")), "4: not a valid ECN");
  // OVS refuses it on ARP (OFPBAC_MATCH_INCONSISTENT, "set_field nw_ecn lacks correct
  // prerequisites"); so do we, naming what to add.
  EXPECT_NE(add_error("arp,actions=mod_nw_ecn:1").find("nw_ecn"), std::string::npos);
}

TEST(VocabText, CtClear) {
  EXPECT_EQ(dumped("actions=ct_clear,output:2"), " actions=ct_clear,output:2");
  // ovs-ofctl ignores an argument to ct_clear: "ct_clear(1)" dumps as "ct_clear".
  EXPECT_EQ(dumped("actions=ct_clear(1)"), " actions=ct_clear");
}

TEST(VocabText, ConjunctionFormats) {
  EXPECT_EQ(dumped("priority=5,actions=conjunction(1,1/2)"),
            "priority=5 actions=conjunction(1,1/2)");
  EXPECT_EQ(dumped("actions=conjunction(1,1/64)"), " actions=conjunction(1,1/64)");
  EXPECT_EQ(dumped("actions=conjunction(1,1/2),conjunction(2,2/3)"),
            " actions=conjunction(1,1/2),conjunction(2,2/3)");
  EXPECT_EQ(dumped("actions=conjunction(4294967295,1/2)"), " actions=conjunction(4294967295,1/2)");
  EXPECT_EQ(dumped("table=1,actions=conjunction(1,1/2),conjunction(1,2/2)"),
            " actions=conjunction(1,1/2),conjunction(1,2/2)");
  // note may accompany conjunction (OVS pads the note; that is dump-flows' business).
  EXPECT_TRUE(parse_flow("tcp,actions=conjunction(1,1/2),note:01", FlowTextMode::kAdd).ok());
}

TEST(VocabText, ConjunctionErrorsAsOvs) {
  EXPECT_EQ(add_error("priority=5,ip,actions=conjunction(1,1/2),output:1"),
            "\"conjunction\" actions may be used along with \"note\" but not any other kind of "
            "action (such as the \"output\" action used here)");
  EXPECT_EQ(add_error("ip,actions=conjunction(1,1/2),mod_nw_tos:4"),
            "\"conjunction\" actions may be used along with \"note\" but not any other kind of "
            "action (such as the \"mod_nw_tos\" action used here)");
  EXPECT_EQ(add_error("actions=load:1->reg0,conjunction(1,1/2)"),
            "\"conjunction\" actions may be used along with \"note\" but not any other kind of "
            "action (such as the \"set_field\" action used here)");
  EXPECT_EQ(add_error("actions=conjunction(1,3/2)"),
            "clause index must be less than or equal to number of clauses");
  EXPECT_EQ(add_error("actions=conjunction(1,1/1)"), "conjunction must have at least 2 clauses");
  EXPECT_EQ(add_error("actions=conjunction(1,1/65)"), "conjunction must have at most 64 clauses");
  EXPECT_EQ(add_error("actions=conjunction(1,0/2)"), "clause index must be positive");
  EXPECT_EQ(add_error("actions=conjunction(1)"),
            "\"conjunction\" syntax is \"conjunction(id,i/n)\"");
  EXPECT_EQ(add_error("actions=conjunction(a,1/2)"),
            "\"conjunction\" syntax is \"conjunction(id,i/n)\"");
  // OVS 3.1 silently wraps an id above 2^32-1 (conjunction(4294967296,1/2) dumps as
  // conjunction(0,1/2)); we refuse it instead.
  EXPECT_NE(add_error("actions=conjunction(4294967296,1/2)").find("32 bits"), std::string::npos);
}

TEST(VocabText, ConjIdMatch) {
  // OVS prints conj_id before the protocol: "conj_id=7,ip".
  EXPECT_EQ(dumped("conj_id=5,actions=output:3"), "conj_id=5 actions=output:3");
  EXPECT_EQ(dumped("ip,conj_id=7,actions=output:3"), "conj_id=7,ip actions=output:3");
  EXPECT_EQ(dumped("priority=10,tcp,conj_id=7,actions=output:3"),
            "priority=10,conj_id=7,tcp actions=output:3");
  // Not maskable (OVS: "0x5/0xff: invalid mask for field conj_id").
  EXPECT_NE(
      error_of(parse_flow("conj_id=0x5/0xff,actions=output:3", FlowTextMode::kAdd)).find("conj_id"),
      std::string::npos);
}

// Numbers up to the field's width, decimal or hex, and not one past the largest: the overflow
// check holds at the very top of 128 bits.
TEST(VocabText, NumbersParseUpToTheirWidthAndRefuseOverflow) {
  using oftext::parse_u128;
  EXPECT_EQ(parse_u128("0"), u128{0});
  EXPECT_EQ(parse_u128(" 0x1F "), u128{31});
  EXPECT_EQ(parse_u128("340282366920938463463374607431768211455"), ~u128{0});
  EXPECT_EQ(parse_u128("340282366920938463463374607431768211456"), std::nullopt);
  EXPECT_EQ(parse_u128("999999999999999999999999999999999999999"), std::nullopt);
  EXPECT_EQ(parse_u128("0xffffffffffffffffffffffffffffffff"), ~u128{0});
  EXPECT_EQ(parse_u128("0x1ffffffffffffffffffffffffffffffff"), std::nullopt);
  EXPECT_EQ(parse_u128("65535", 16), u128{65535});
  EXPECT_EQ(parse_u128("65536", 16), std::nullopt);
  EXPECT_EQ(parse_u128("12a"), std::nullopt);
  EXPECT_EQ(parse_u128("0x"), std::nullopt);
}

}  // namespace
}  // namespace nt
