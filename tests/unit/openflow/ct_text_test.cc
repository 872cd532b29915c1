// Connection-tracking vocabulary (issue 12): the ct_* match fields, ct_state's syntax and the
// ct() action — parse, format, check and wire form — pinned to what Open vSwitch 3.1 (Debian
// openvswitch-switch 3.1) prints for the same input (`ovs-ofctl parse-flow`, `add-flow` and
// `dump-flows` on a datapath_type=dummy bridge; tests/ovs-corpus has the recorded transcripts).
#include <gtest/gtest.h>

#include "of_test_util.h"
#include "openflow/action_wire.h"
#include "openflow/actions.h"
#include "openflow/flow_text.h"

namespace nt {
namespace {

using testing::error_of;
using testing::must_actions;
using testing::must_flow;

std::string dumped(std::string_view text) {
  FlowSpec f = must_flow(text);
  return format_match(f.match, f.priority) + " actions=" + format_actions(f.actions);
}

// As dump-flows prints a flow added under OpenFlow 1.0 (`version` = 1) or 1.3 (4): the rule is
// stored in the add's wire form and printed in the dump's.
std::string wire_dumped(std::string_view text, int add_version, int dump_version) {
  FlowSpec f = must_flow(text);
  auto stored = wire_form(f.actions, f.match, WireOptions{add_version});
  EXPECT_TRUE(stored.ok());
  auto shown = wire_form(*stored, f.match, WireOptions{dump_version});
  EXPECT_TRUE(shown.ok());
  return format_actions(*shown);
}

std::string add_error(std::string_view text) {
  return error_of(parse_flow(text, FlowTextMode::kAdd));
}

// ---- ct_state ---------------------------------------------------------------------------------

TEST(CtState, ParsesTheThreeForms) {
  auto vm = parse_ct_state("+trk-inv");
  ASSERT_TRUE(vm.ok());
  EXPECT_EQ(vm->first, u128{cs::kTrk});
  EXPECT_EQ(vm->second, u128{cs::kTrk | cs::kInv});
  vm = parse_ct_state("0x22/0x26");
  ASSERT_TRUE(vm.ok());
  EXPECT_EQ(vm->first, u128{0x22});
  EXPECT_EQ(vm->second, u128{0x26});
  vm = parse_ct_state("est|rpl|trk");
  ASSERT_TRUE(vm.ok());
  EXPECT_EQ(vm->first, u128{cs::kEst | cs::kRpl | cs::kTrk});
  EXPECT_EQ(vm->second, u128{0xff});
  vm = parse_ct_state("0");
  ASSERT_TRUE(vm.ok());
  EXPECT_EQ(vm->first, u128{0});
  EXPECT_EQ(vm->second, u128{0xff});
}

TEST(CtState, ErrorsAsOvs) {
  EXPECT_EQ(error_of(parse_ct_state("0x100/0x100")), "0x100/0x100: unknown ct_state flag(s)");
  EXPECT_EQ(error_of(parse_ct_state("+foo")), "foo: unknown ct_state flag(s)");
  EXPECT_EQ(error_of(parse_ct_state("+trk+trk")),
            "trk: Each ct_state flag can be specified only once");
  EXPECT_EQ(error_of(parse_ct_state("new|bogus")), "bogus: unknown ct_state flag(s)");
}

TEST(CtState, PrintsInBitOrderWithSigns) {
  EXPECT_EQ(format_ct_state(cs::kEst | cs::kTrk, cs::kEst | cs::kRel | cs::kTrk), "+est-rel+trk");
  EXPECT_EQ(format_ct_state(cs::kTrk, cs::kTrk | cs::kInv), "-inv+trk");
  EXPECT_EQ(format_ct_state(cs::kEst | cs::kRpl | cs::kTrk, 0xff), "est|rpl|trk");
  EXPECT_EQ(format_ct_state(0, 0xff), "0");
  EXPECT_EQ(format_ct_state(0xff, 0xff), "new|est|rel|rpl|inv|trk|snat|dnat");
}

// ---- match fields -----------------------------------------------------------------------------

TEST(CtMatch, DumpsAsOvs) {
  EXPECT_EQ(dumped("ct_state=+trk+est-rel,ip,actions=drop"),
            "ct_state=+est-rel+trk,ip actions=drop");
  EXPECT_EQ(dumped("ct_state=0x22/0x26,ip,actions=drop"), "ct_state=+est-rel+trk,ip actions=drop");
  EXPECT_EQ(dumped("ct_state=+trk-inv,ct_nw_proto=6,ct_tp_dst=80,actions=drop"),
            "ct_state=-inv+trk,ct_nw_proto=6,ct_tp_dst=80 actions=drop");
  EXPECT_EQ(dumped("ct_state=0,ct_zone=644,ct_mark=0,ct_label=0x1/0x1,actions=drop"),
            "ct_state=0,ct_zone=644,ct_mark=0,ct_label=0x1/0x1 actions=drop");
  EXPECT_EQ(dumped("ct_state=+new,ct_mark=0x1/0x1,ct_label=0x12345678901234567890,ip,"
                   "ct_nw_src=10.0.0.1,ct_nw_dst=10.0.0.0/8,actions=drop"),
            "ct_state=+new,ct_mark=0x1/0x1,ct_label=0x12345678901234567890,ct_nw_src=10.0.0.1,"
            "ct_nw_dst=10.0.0.0/8,ip actions=drop");
  EXPECT_EQ(dumped("ct_state=+est,ipv6,ct_ipv6_src=fd00::1,ct_ipv6_dst=fd00::/64,actions=drop"),
            "ct_state=+est,ct_ipv6_src=fd00::1,ct_ipv6_dst=fd00::/64,ipv6 actions=drop");
  EXPECT_EQ(dumped("ct_state=+rpl,ct_nw_proto=17,ct_tp_src=53,ct_tp_dst=0x100/0xff00,actions=drop"),
            "ct_state=+rpl,ct_nw_proto=17,ct_tp_src=53,ct_tp_dst=0x100/0xff00 actions=drop");
}

TEST(CtMatch, LabelIsBigEndianInTheKey) {
  FlowSpec f = must_flow("ct_label=0x0102,actions=drop");
  EXPECT_EQ(f.match.value.ct_label[15], 0x02);
  EXPECT_EQ(f.match.value.ct_label[14], 0x01);
  EXPECT_EQ(ct_label_get(f.match.value), u128{0x0102});
  FlowKey k;
  ct_label_set(k, u128{1} << 120);
  EXPECT_EQ(k.ct_label[0], 1);
}

TEST(CtMatch, TupleNeedsAValidConnection) {
  // "CT" prerequisite: +new/+est/+rel/+rpl/+snat/+dnat or +trk-inv; +trk alone is refused
  // (OFPBMC_BAD_PREREQ in Open vSwitch), and ct_nw_src also needs ip.
  EXPECT_TRUE(
      parse_flow("ct_state=+new,ip,ct_nw_src=10.0.0.1,actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_TRUE(parse_flow("ct_state=+trk-inv,ct_nw_proto=6,actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_TRUE(parse_flow("ct_state=+rpl,ct_tp_dst=80,actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("ct_state=+trk,ct_nw_proto=17,actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("ct_nw_proto=17,actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(
      parse_flow("ct_state=+new,ct_nw_src=10.0.0.1,actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(
      parse_flow("ct_state=+est,ip,ct_ipv6_src=fd00::1,actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("ct_state=+inv+trk,ct_tp_src=1,actions=drop", FlowTextMode::kAdd).ok());
}

TEST(CtMatch, FieldErrorsAsOvs) {
  EXPECT_EQ(add_error("ct_zone=5/0xff,actions=drop"), "5/0xff: invalid mask for field ct_zone");
  EXPECT_EQ(add_error("ct_label=0xff00000000000000000000000000000001,actions=drop"),
            "0xff00000000000000000000000000000001: value too large for 16-byte field ct_label");
  EXPECT_EQ(add_error("actions=set_field:1->ct_mark"), "cannot set CT fields outside of ct action");
  EXPECT_EQ(add_error("actions=load:1->NXM_NX_CT_LABEL[]"),
            "cannot set CT fields outside of ct action");
  EXPECT_EQ(add_error("actions=move:NXM_NX_REG0[]->NXM_NX_CT_MARK[]"),
            "cannot set CT fields outside of ct action");
  EXPECT_EQ(add_error("actions=set_field:1->ct_zone"), "ct_zone is read-only");
  EXPECT_EQ(add_error("actions=set_field:1->ct_state"), "ct_state is read-only");
  // Reading is fine.
  EXPECT_EQ(dumped("actions=move:NXM_NX_CT_MARK[]->NXM_NX_REG0[]"),
            " actions=move:NXM_NX_CT_MARK[]->NXM_NX_REG0[]");
}

TEST(CtMatch, RecircIdPrintsOnlyWhenInTheMask) {
  Match m;
  m.value.recirc_id = 1;
  m.mask.recirc_id = 0xffffffff;
  m.value.ct_state = cs::kNew | cs::kTrk;
  m.mask.ct_state = 0xff;
  m.value.ct_zone = 1;
  m.mask.ct_zone = 0xffff;
  m.mask.ct_mark = 0xffffffff;
  EXPECT_EQ(format_match(m, kDefaultPriority),
            "recirc_id=0x1,ct_state=new|trk,ct_zone=1,ct_mark=0");
  EXPECT_EQ(field_by_name("recirc_id"), nullptr);  // not an OpenFlow field
}

// ---- the ct action ---------------------------------------------------------------------------

TEST(CtAction, CanonicalOrder) {
  EXPECT_EQ(wire_dumped("tcp,actions=ct(alg=ftp,nat(src=10.0.0.1:2000-3000,random),"
                        "exec(set_field:0x5->ct_mark),zone=7,table=3,force,commit)",
                        1, 1),
            "ct(commit,force,table=3,zone=7,nat(src=10.0.0.1:2000-3000,random),"
            "exec(load:0x5->NXM_NX_CT_MARK[]),alg=ftp)");
  EXPECT_EQ(dumped("ip,actions=ct"), "ip actions=ct()");
  EXPECT_EQ(dumped("ip,actions=ct(zone=0,table=254)"), "ip actions=ct(table=254)");
  EXPECT_EQ(dumped("ip,actions=ct(zone=65535),ct_clear,ct(zone=reg6[0..15])"),
            "ip actions=ct(zone=65535),ct_clear,ct(zone=NXM_NX_REG6[0..15])");
  EXPECT_EQ(dumped("ip,actions=ct(commit,zone=NXM_NX_REG6[0..15],table=2,nat)"),
            "ip actions=ct(commit,table=2,zone=NXM_NX_REG6[0..15],nat)");
}

TEST(CtAction, ParsedModel) {
  ActionList a = must_actions(
      "ct(commit,table=72,zone=NXM_NX_REG6[0..15],nat(dst=10.0.0.5:80),"
      "exec(set_field:0x1/0x3->ct_mark),alg=tftp)");
  ASSERT_EQ(a.size(), 1u);
  const CtAction& ct = std::get<CtAction>(a[0]);
  EXPECT_TRUE(ct.commit);
  EXPECT_FALSE(ct.force);
  EXPECT_EQ(ct.table, 72);
  EXPECT_EQ(ct.zone_src.field, &field_info(FieldId::kReg6));
  EXPECT_EQ(ct.zone_src.n_bits, 16);
  ASSERT_TRUE(ct.nat);
  EXPECT_EQ(ct.nat->kind, CtNatSpec::Kind::kDst);
  EXPECT_EQ(ct.nat->af, CtNatSpec::Af::kIpv4);
  EXPECT_EQ(ct.nat->addr_min[0], 10);
  EXPECT_EQ(ct.nat->addr_min[3], 5);
  EXPECT_EQ(ct.nat->port_min, 80);
  ASSERT_EQ(ct.exec.size(), 1u);
  const auto& sf = std::get<SetFieldAction>(ct.exec[0]);
  EXPECT_EQ(sf.field->id, FieldId::kCtMark);
  EXPECT_EQ(sf.value, u128{1});
  EXPECT_EQ(sf.mask, u128{3});
  EXPECT_EQ(ct.alg, CtAction::kAlgTftp);
  // Round trip through the text.
  EXPECT_EQ(must_actions(format_actions(a)), a);
}

TEST(CtAction, Nat) {
  EXPECT_EQ(dumped("ip,actions=ct(commit,nat(src=10.0.0.1-10.0.0.9:80-90,hash,persistent))"),
            "ip actions=ct(commit,nat(src=10.0.0.1-10.0.0.9:80-90,persistent,hash))");
  EXPECT_EQ(dumped("ipv6,actions=ct(commit,nat(dst=[fd00::1]:80))"),
            "ipv6 actions=ct(commit,nat(dst=[fd00::1]:80))");
  EXPECT_EQ(dumped("ipv6,actions=ct(commit,nat(dst=fd00::1-fd00::5))"),
            "ipv6 actions=ct(commit,nat(dst=fd00::1-fd00::5))");
  EXPECT_EQ(dumped("ipv6,actions=ct(commit,nat(dst=[fd00::1]-[fd00::5]:80-81))"),
            "ipv6 actions=ct(commit,nat(dst=[fd00::1]-[fd00::5]:80-81))");
  EXPECT_EQ(dumped("ip,actions=ct(commit,nat(src=0.0.0.0))"), "ip actions=ct(commit,nat(src))");
  EXPECT_EQ(dumped("ip,actions=ct(commit,nat(dst=10.0.0.1:80-80))"),
            "ip actions=ct(commit,nat(dst=10.0.0.1:80))");
  EXPECT_EQ(dumped("ip,actions=ct(commit,nat(src=10.0.0.1-10.0.0.1,persistent,random))"),
            "ip actions=ct(commit,nat(src=10.0.0.1,persistent,random))");
}

TEST(CtAction, ExecForms) {
  // OpenFlow 1.0 (the default): NXM loads, split into runs of at most 64 mask bits.
  EXPECT_EQ(wire_dumped("ip,actions=ct(commit,exec(set_field:0xab->ct_label))", 1, 1),
            "ct(commit,exec(load:0xab->NXM_NX_CT_LABEL[0..63],load:0->NXM_NX_CT_LABEL[64..127]))");
  EXPECT_EQ(wire_dumped("ip,actions=ct(commit,exec(set_field:0x2/0x2->ct_mark))", 1, 1),
            "ct(commit,exec(load:0x1->NXM_NX_CT_MARK[1]))");
  EXPECT_EQ(wire_dumped("ip,actions=ct(commit,exec(set_field:0x5/0x5->ct_mark))", 1, 1),
            "ct(commit,exec(load:0x1->NXM_NX_CT_MARK[0],load:0x1->NXM_NX_CT_MARK[2]))");
  // Added and dumped with OpenFlow 1.3: set_field for whole fields, loads for masked ones.
  EXPECT_EQ(wire_dumped("ip,actions=ct(commit,exec(set_field:0x1->ct_mark,set_field:0xab->ct_label,"
                        "set_field:0x2/0x2->ct_mark))",
                        4, 4),
            "ct(commit,exec(set_field:0x1->ct_mark,set_field:0xab->ct_label,"
            "load:0x1->NXM_NX_CT_MARK[1]))");
  // The same flow dumped under OpenFlow 1.0.
  EXPECT_EQ(wire_dumped("ip,actions=ct(commit,exec(set_field:0x1->ct_mark))", 4, 1),
            "ct(commit,exec(load:0x1->NXM_NX_CT_MARK[]))");
  // Plain registers get the same segmenting (Open vSwitch's next_load_segment()).
  EXPECT_EQ(wire_dumped("actions=set_field:0x1/0xffffffff0000ffff->metadata", 1, 1),
            "load:0x1->OXM_OF_METADATA[0..15],load:0->OXM_OF_METADATA[32..63]");
}

TEST(CtAction, ParseErrorsAsOvs) {
  EXPECT_EQ(add_error("ip,actions=ct(commit,exec(output:1))"),
            "ct action doesn't support nested action output");
  EXPECT_EQ(add_error("ip,actions=ct(commit,exec(set_field:1->reg0))"),
            "ct action doesn't support nested modification of reg0");
  EXPECT_EQ(add_error("ip,actions=ct(commit,exec(load:1->NXM_NX_REG0[]))"),
            "ct action doesn't support nested modification of reg0");
  EXPECT_EQ(add_error("ip,actions=ct(commit,exec(set_field:1->ct_zone))"), "ct_zone is read-only");
  EXPECT_EQ(add_error("ip,actions=ct(force)"), "\"force\" flag requires \"commit\" flag.");
  EXPECT_EQ(add_error("ip,actions=ct(commit,nat(src=10.0.0.1,dst=10.0.0.2))"),
            "May only specify one of \"src\" or \"dst\".");
  EXPECT_EQ(add_error("ip,actions=ct(commit,nat(src=10.0.0.1,random,hash))"),
            "Both \"hash\" and \"random\" are not allowed.");
  EXPECT_EQ(add_error("ip,actions=ct(commit,nat(persistent))"),
            "Flags allowed only with \"src\" or \"dst\".");
  EXPECT_EQ(add_error("ip,actions=ct(commit,nat(src=10.0.0.9-10.0.0.1))"),
            "invalid nat range \"10.0.0.9-10.0.0.1\"");
  EXPECT_EQ(add_error("ip,actions=ct(commit,nat(src=10.0.0.1:90-80))"),
            "invalid nat range \"10.0.0.1:90-80\"");
  EXPECT_EQ(add_error("ip,actions=ct(commit,nat(src=10.0.0.1/24))"),
            "garbage (/24) after nat range \"10.0.0.1/24\" (pos: 8)");
  EXPECT_EQ(add_error("ip,actions=ct(commit,nat(foo=1))"),
            "invalid key \"foo\" in \"nat\" argument");
  EXPECT_EQ(add_error("ip,actions=ct(commit,table=255)"), "invalid table 0xff");
  EXPECT_EQ(add_error("ip,actions=ct(commit,table=abc)"), "unknown table abc");
  EXPECT_EQ(add_error("ip,actions=ct(commit,zone=65536)"), "65536: unknown field `65536'");
  EXPECT_EQ(add_error("ip,actions=ct(commit,zone=nosuch[0..15])"),
            "nosuch[0..15]: unknown field `nosuch'");
  EXPECT_EQ(add_error("ip,actions=ct(commit,alg=http)"), "invalid conntrack helper \"http\"");
  EXPECT_EQ(add_error("ip,actions=ct(commit,bogus)"), "invalid argument to \"ct\" action: `bogus'");
}

TEST(CtAction, ChecksAsOvs) {
  const std::string inconsistent =
      "actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)";
  EXPECT_EQ(add_error("actions=ct(commit)"), inconsistent);  // needs ip or ipv6
  EXPECT_EQ(add_error("ip,actions=ct(commit,alg=ftp)"), inconsistent);
  EXPECT_EQ(add_error("udp,actions=ct(commit,alg=ftp)"), inconsistent);
  EXPECT_EQ(add_error("tcp,actions=ct(commit,alg=tftp)"), inconsistent);
  EXPECT_EQ(add_error("ct_state=+inv+trk,ip,actions=ct(commit)"), inconsistent);
  EXPECT_EQ(add_error("ipv6,actions=ct(commit,nat(src=10.0.0.1))"), inconsistent);
  EXPECT_EQ(add_error("ip,actions=ct(commit,nat(dst=fd00::1))"), inconsistent);
  EXPECT_TRUE(parse_flow("ct_state=+inv+trk,ip,actions=ct()", FlowTextMode::kAdd).ok());
  EXPECT_TRUE(parse_flow("tcp6,actions=ct(commit,alg=ftp)", FlowTextMode::kAdd).ok());
  EXPECT_TRUE(parse_flow("udp,actions=ct(commit,alg=tftp)", FlowTextMode::kAdd).ok());
  EXPECT_TRUE(parse_flow("ipv6,actions=ct(commit,nat(src))", FlowTextMode::kAdd).ok());
}

TEST(CtAction, Size) {
  ActionList a = must_actions("ct(commit)");
  ActionList b = must_actions("ct(commit,nat(src=10.0.0.1),exec(set_field:1->ct_mark))");
  EXPECT_GT(ofpacts_size(b), ofpacts_size(a));
  EXPECT_EQ(ofpacts_size(a) % 8, 0u);
}

}  // namespace
}  // namespace nt
