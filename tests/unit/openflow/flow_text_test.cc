#include "openflow/flow_text.h"

#include <gtest/gtest.h>

#include "of_test_util.h"

namespace nt {
namespace {

using testing::error_of;
using testing::match_and_actions;
using testing::must_flow;

struct DumpLine {
  const char* line;      // as ovs-ofctl dump-flows printed it in the seed
  const char* expected;  // the "match actions=..." tail we must print for the parsed flow
};

// Seed 000: br-tun of a VXLAN node (cookies, statistics and all), br-eth1 and br-int.
const DumpLine kSeed000[] = {
    {"cookie=0xaaa0e760a7848ec3, duration=52798.625s, table=0, n_packets=143, n_bytes=14594, "
     "idle_age=9415, priority=0 actions=NORMAL",
     "priority=0 actions=NORMAL"},
    {"cookie=0xaaa0e760a7848ec3, duration=76707.867s, table=0, n_packets=70, n_bytes=6600, "
     "idle_age=33324, hard_age=65534, priority=1,in_port=1 actions=resubmit(,2)",
     "priority=1,in_port=1 actions=resubmit(,2)"},
    {"cookie=0xaaa0e760a7848ec3, duration=76543.287s, table=0, n_packets=56, n_bytes=4948, "
     "idle_age=33324, hard_age=65534, priority=1,in_port=2 actions=resubmit(,4)",
     "priority=1,in_port=2 actions=resubmit(,4)"},
    {"cookie=0xaaa0e760a7848ec3, duration=76707.867s, table=0, n_packets=0, n_bytes=0, "
     "idle_age=65534, hard_age=65534, priority=0 actions=drop",
     "priority=0 actions=drop"},
    {"cookie=0xaaa0e760a7848ec3, duration=76647.039s, table=4, n_packets=56, n_bytes=4948, "
     "idle_age=33324, hard_age=65534, priority=1,tun_id=0x64 "
     "actions=mod_vlan_vid:1,resubmit(,10)",
     "priority=1,tun_id=0x64 actions=mod_vlan_vid:1,resubmit(,10)"},
    {"cookie=0xaaa0e760a7848ec3, duration=76707.865s, table=10, n_packets=56, n_bytes=4948, "
     "idle_age=33324, hard_age=65534, priority=1 "
     "actions=learn(table=20,hard_timeout=300,priority=1,cookie=0xaaa0e760a7848ec3,"
     "NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
     "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[]),output:1",
     "priority=1 actions=learn(table=20,hard_timeout=300,priority=1,cookie=0xaaa0e760a7848ec3,"
     "NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
     "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[]),output:1"},
    {"cookie=0xaaa0e760a7848ec3, duration=76707.866s, table=2, n_packets=28, n_bytes=3180, "
     "idle_age=33324, hard_age=65534, priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 "
     "actions=resubmit(,20)",
     "priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,20)"},
    {"cookie=0xaaa0e760a7848ec3, duration=76707.866s, table=2, n_packets=42, n_bytes=3420, "
     "idle_age=33379, hard_age=65534, priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 "
     "actions=resubmit(,22)",
     "priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,22)"},
    {"cookie=0xaaa0e760a7848ec3, duration=76543.287s, table=20, n_packets=28, n_bytes=3180, "
     "idle_age=33324, hard_age=65534, priority=2,dl_vlan=1,dl_dst=fa:16:3e:fd:8a:ed "
     "actions=strip_vlan,set_tunnel:0x64,output:2",
     "priority=2,dl_vlan=1,dl_dst=fa:16:3e:fd:8a:ed actions=strip_vlan,set_tunnel:0x64,output:2"},
    {"cookie=0xaaa0e760a7848ec3, duration=76707.865s, table=20, n_packets=0, n_bytes=0, "
     "idle_age=65534, hard_age=65534, priority=0 actions=resubmit(,22)",
     "priority=0 actions=resubmit(,22)"},
    {"cookie=0xaaa0e760a7848ec3, duration=76543.282s, table=22, n_packets=2, n_bytes=84, "
     "idle_age=33379, hard_age=65534, dl_vlan=1 actions=strip_vlan,set_tunnel:0x64,output:2",
     "dl_vlan=1 actions=strip_vlan,set_tunnel:0x64,output:2"},
    {"cookie=0xaaa0e760a7848ec3, duration=76707.82s, table=22, n_packets=40, n_bytes=3336, "
     "idle_age=65534, hard_age=65534, priority=0 actions=drop",
     "priority=0 actions=drop"},
    {"priority=4,in_port=2,dl_vlan=1 actions=mod_vlan_vid:100,NORMAL",
     "priority=4,in_port=2,dl_vlan=1 actions=mod_vlan_vid:100,NORMAL"},
    {"priority=4,in_port=2,dl_vlan=5 actions=mod_vlan_vid:101,NORMAL",
     "priority=4,in_port=2,dl_vlan=5 actions=mod_vlan_vid:101,NORMAL"},
    {"priority=3,in_port=1,dl_vlan=100 actions=mod_vlan_vid:1,NORMAL",
     "priority=3,in_port=1,dl_vlan=100 actions=mod_vlan_vid:1,NORMAL"},
    {"priority=3,in_port=1,dl_vlan=101 actions=mod_vlan_vid:5,NORMAL",
     "priority=3,in_port=1,dl_vlan=101 actions=mod_vlan_vid:5,NORMAL"},
};

// Seed 003: br-tun of a GRE node (tables 0/1/2/3/10/20/21) and br-int.
const DumpLine kSeed003[] = {
    {"cookie=0x0, duration=2673.242s, table=0, n_packets=203, n_bytes=20767, idle_age=2240, "
     "priority=1 actions=NORMAL",
     "priority=1 actions=NORMAL"},
    {"cookie=0x0, duration=2689.385s, table=0, n_packets=89, n_bytes=9564, idle_age=2256, "
     "priority=1,in_port=1 actions=resubmit(,1)",
     "priority=1,in_port=1 actions=resubmit(,1)"},
    {"cookie=0x0, duration=2688.545s, table=0, n_packets=113, n_bytes=11113, idle_age=2259, "
     "priority=1,in_port=2 actions=resubmit(,3)",
     "priority=1,in_port=2 actions=resubmit(,3)"},
    {"cookie=0x0, duration=2689.328s, table=0, n_packets=6, n_bytes=468, idle_age=2679, "
     "priority=0 actions=drop",
     "priority=0 actions=drop"},
    {"cookie=0x0, duration=2689.271s, table=1, n_packets=71, n_bytes=8088, idle_age=2256, "
     "priority=1,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,20)",
     "priority=1,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,20)"},
    {"cookie=0x0, duration=2689.217s, table=1, n_packets=18, n_bytes=1476, idle_age=2340, "
     "priority=1,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,21)",
     "priority=1,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,21)"},
    {"cookie=0x0, duration=2689.162s, table=2, n_packets=0, n_bytes=0, idle_age=2689, "
     "priority=0 actions=drop",
     "priority=0 actions=drop"},
    {"cookie=0x0, duration=2429.691s, table=3, n_packets=113, n_bytes=11113, idle_age=2259, "
     "priority=1,tun_id=0x2 actions=mod_vlan_vid:1,resubmit(,10)",
     "priority=1,tun_id=0x2 actions=mod_vlan_vid:1,resubmit(,10)"},
    {"cookie=0x0, duration=2689.107s, table=3, n_packets=0, n_bytes=0, idle_age=2689, "
     "priority=0 actions=drop",
     "priority=0 actions=drop"},
    {"cookie=0x0, duration=2689.051s, table=10, n_packets=113, n_bytes=11113, idle_age=2259, "
     "priority=1 actions=learn(table=20,hard_timeout=300,priority=1,NXM_OF_VLAN_TCI[0..11],"
     "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
     "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[]),output:1",
     "priority=1 actions=learn(table=20,hard_timeout=300,priority=1,NXM_OF_VLAN_TCI[0..11],"
     "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
     "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[]),output:1"},
    {"cookie=0x0, duration=2688.997s, table=20, n_packets=0, n_bytes=0, idle_age=2688, "
     "priority=0 actions=resubmit(,21)",
     "priority=0 actions=resubmit(,21)"},
    {"cookie=0x0, duration=2429.746s, table=21, n_packets=9, n_bytes=710, idle_age=2340, "
     "dl_vlan=1 actions=strip_vlan,set_tunnel:0x2,output:2",
     "dl_vlan=1 actions=strip_vlan,set_tunnel:0x2,output:2"},
    {"cookie=0x0, duration=2688.94s, table=21, n_packets=9, n_bytes=766, idle_age=2349, "
     "priority=0 actions=drop",
     "priority=0 actions=drop"},
    {"cookie=0x0, duration=2716.849s, table=0, n_packets=18, n_bytes=1116, idle_age=2283, "
     "priority=0 actions=NORMAL",
     "priority=0 actions=NORMAL"},
};

// neutron.md §1.2-1.4 (with <placeholders> filled in), as the agent writes them.
const DumpLine kNeutron[] = {
    {"table=0,  priority=0 actions=goto_table:58", "priority=0 actions=goto_table:58"},
    {"table=60, priority=1 actions=NORMAL", "priority=1 actions=NORMAL"},
    {"table=23, priority=0 actions=drop", "priority=0 actions=drop"},
    {"table=0,  priority=65535,dl_vlan=4095 actions=drop",
     "priority=65535,dl_vlan=4095 actions=drop"},
    {"table=60,priority=101,udp,nw_dst=255.255.255.255,tp_src=68,tp_dst=67 "
     "actions=goto_table:77",
     "priority=101,udp,nw_dst=255.255.255.255,tp_src=68,tp_dst=67 actions=goto_table:77"},
    {"table=77,priority=100,udp,in_port=5,dl_src=fa:16:3e:11:22:33,tp_src=68,tp_dst=67 "
     "actions=CONTROLLER",
     "priority=100,udp,in_port=5,dl_src=fa:16:3e:11:22:33,tp_src=68,tp_dst=67 "
     "actions=CONTROLLER:65535"},
    {"table=0, priority=2, in_port=3, actions=drop", "priority=2,in_port=3 actions=drop"},
    {"table=0,  priority=1,in_port=1 actions=goto_table:2",
     "priority=1,in_port=1 actions=goto_table:2"},
    {"table=2,  priority=1,arp,dl_dst=ff:ff:ff:ff:ff:ff actions=goto_table:21",
     "priority=1,arp,dl_dst=ff:ff:ff:ff:ff:ff actions=goto_table:21"},
    {"table=10, priority=2,arp,arp_tha=ff:ff:ff:ff:ff:ff actions=learn(table=20,priority=1,"
     "hard_timeout=300,cookie=0x1234,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
     "load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],"
     "output:NXM_OF_IN_PORT[]),output:1",
     "priority=2,arp,arp_tha=ff:ff:ff:ff:ff:ff actions=learn(table=20,hard_timeout=300,"
     "priority=1,cookie=0x1234,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
     "load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],"
     "output:NXM_OF_IN_PORT[]),output:1"},
    {"table=10, priority=2,icmp6,icmp_type=134 actions=output:1",
     "priority=2,icmp6,icmp_type=134 actions=output:1"},
    {"table=10, priority=2,icmp6,icmp_type=136 actions=output:1",
     "priority=2,icmp6,icmp_type=136 actions=output:1"},
    {"table=0,priority=3,in_port=3,dl_vlan=100 actions=set_field:1->vlan_vid,goto_table:58",
     "priority=3,in_port=3,dl_vlan=100 actions=set_field:1->vlan_vid,goto_table:58"},
    {"table=0,priority=4,in_port=4,dl_vlan=1 actions=set_field:100->vlan_vid,NORMAL",
     "priority=4,in_port=4,dl_vlan=1 actions=set_field:100->vlan_vid,NORMAL"},
    {"table=0,priority=3,in_port=3,vlan_tci=0x0000/0x1fff "
     "actions=push_vlan:0x8100,set_field:1->vlan_vid,goto_table:58",
     "priority=3,in_port=3,vlan_tci=0x0000/0x1fff "
     "actions=push_vlan:0x8100,set_field:1->vlan_vid,goto_table:58"},
    {"table=0,priority=4,in_port=4,dl_vlan=1 actions=pop_vlan,NORMAL",
     "priority=4,in_port=4,dl_vlan=1 actions=pop_vlan,NORMAL"},
    {"table=4,priority=1,tun_id=100 actions=push_vlan:0x8100,set_field:1->vlan_vid,goto_table:10",
     "priority=1,tun_id=0x64 actions=push_vlan:0x8100,set_field:1->vlan_vid,goto_table:10"},
    {"table=22,priority=1,dl_vlan=1 actions=pop_vlan,set_field:100->tun_id,output:2,output:5",
     "priority=1,dl_vlan=1 actions=pop_vlan,set_field:0x64->tun_id,output:2,output:5"},
    {"table=22,priority=1,dl_vlan=1 actions=strip_vlan,set_tunnel:100,output:2,5",
     "priority=1,dl_vlan=1 actions=strip_vlan,set_tunnel:0x64,output:2,output:5"},
    {"table=20,priority=2,dl_vlan=1,dl_dst=fa:16:3e:aa:bb:cc "
     "actions=pop_vlan,set_field:100->tun_id,output:2",
     "priority=2,dl_vlan=1,dl_dst=fa:16:3e:aa:bb:cc "
     "actions=pop_vlan,set_field:0x64->tun_id,output:2"},
    {"table=21,priority=1,arp,dl_vlan=1,arp_tpa=10.0.0.3 actions=set_field:2->arp_op, "
     "move:arp_sha->arp_tha, move:arp_spa->arp_tpa, set_field:fa:16:3e:aa:bb:cc->arp_sha, "
     "set_field:10.0.0.3->arp_spa, move:eth_src->eth_dst, set_field:fa:16:3e:aa:bb:cc->eth_src, "
     "IN_PORT",
     "priority=1,arp,dl_vlan=1,arp_tpa=10.0.0.3 actions=set_field:2->arp_op,"
     "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
     "set_field:fa:16:3e:aa:bb:cc->arp_sha,set_field:10.0.0.3->arp_spa,"
     "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:fa:16:3e:aa:bb:cc->eth_src,IN_PORT"},
    {"table=0,priority=3,in_port=3,dl_vlan=0xffff actions=mod_vlan_vid:1,NORMAL",
     "priority=3,in_port=3,vlan_tci=0x0000 actions=mod_vlan_vid:1,NORMAL"},
};

void expect_canonical(const DumpLine& d) {
  SCOPED_TRACE(d.line);
  FlowSpec f = must_flow(d.line);
  EXPECT_EQ(match_and_actions(f), d.expected);
  // The printed form parses back to the same flow, in every mode that carries actions.
  for (FlowTextMode mode : {FlowTextMode::kAdd, FlowTextMode::kModify}) {
    std::string text = format_flow(f, mode);
    auto back = parse_flow(text, mode);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().message;
    EXPECT_EQ(*back, f) << text;
    EXPECT_EQ(format_flow(*back, mode), text);
  }
}

TEST(FlowText, Seed000FlowsPrintAsTheSeedAndRoundTrip) {
  for (const DumpLine& d : kSeed000) expect_canonical(d);
}

TEST(FlowText, Seed003FlowsPrintAsTheSeedAndRoundTrip) {
  for (const DumpLine& d : kSeed003) expect_canonical(d);
}

TEST(FlowText, NeutronReferenceFlowsRoundTrip) {
  for (const DumpLine& d : kNeutron) expect_canonical(d);
}

TEST(FlowText, DumpLineKeysLandInTheSpec) {
  FlowSpec f = must_flow(kSeed000[1].line);
  EXPECT_EQ(f.cookie, 0xaaa0e760a7848ec3ull);
  EXPECT_EQ(f.cookie_mask, 0u);
  EXPECT_EQ(f.table, 0);
  EXPECT_TRUE(f.table_given);
  EXPECT_EQ(f.priority, 1);
  EXPECT_TRUE(f.priority_given);
  EXPECT_EQ(f.match.value.in_port, 1u);
  EXPECT_TRUE(f.actions_given);
  ASSERT_EQ(f.actions.size(), 1u);
  EXPECT_EQ(std::get<ResubmitAction>(f.actions[0]), (ResubmitAction{ofp_port::kInPort, 2}));
}

TEST(FlowText, FlowKeywords) {
  FlowSpec f = must_flow(
      "table=3 priority=7 cookie=0x10 idle_timeout=30 hard_timeout=60 importance=2 "
      "send_flow_rem check_overlap ip actions=drop");
  EXPECT_EQ(f.table, 3);
  EXPECT_EQ(f.idle_timeout, 30);
  EXPECT_EQ(f.hard_timeout, 60);
  EXPECT_EQ(f.importance, 2);
  EXPECT_TRUE(f.send_flow_rem);
  EXPECT_TRUE(f.check_overlap);
  EXPECT_TRUE(f.actions.empty());
  EXPECT_EQ(format_flow(f, FlowTextMode::kAdd),
            "cookie=0x10,table=3,idle_timeout=30,hard_timeout=60,importance=2,send_flow_rem,"
            "check_overlap,priority=7,ip actions=drop");
  FlowSpec d = must_flow("priority=32768", FlowTextMode::kDelete);
  EXPECT_TRUE(d.priority_given);
  EXPECT_EQ(format_flow(d, FlowTextMode::kDelete), "priority=32768");
}

TEST(FlowText, DeleteAndModifySelection) {
  testing::FakeNamer names;
  FlowSpec d = must_flow("table=22,cookie=0x1234/-1,out_port=patch-int,dl_vlan=1",
                         FlowTextMode::kDelete, &names);
  EXPECT_EQ(d.cookie, 0x1234u);
  EXPECT_EQ(d.cookie_mask, ~uint64_t{0});
  EXPECT_EQ(d.out_port, 1u);
  EXPECT_FALSE(d.actions_given);
  EXPECT_EQ(format_flow(d, FlowTextMode::kDelete, &names),
            "cookie=0x1234/0xffffffffffffffff,table=22,out_port=patch-int,dl_vlan=1");
  FlowSpec all = must_flow("table=255", FlowTextMode::kDelete);
  EXPECT_FALSE(all.table_given);
  FlowSpec m = must_flow("cookie=0x5/0xff,in_port=1 actions=output:2", FlowTextMode::kModify);
  EXPECT_EQ(m.cookie_mask, 0xffu);
  EXPECT_EQ(must_flow("", FlowTextMode::kDelete), FlowSpec{});
}

TEST(FlowText, ActionsAreEverythingAfterActionsKeyword) {
  FlowSpec f = must_flow("priority=1 actions=output:1, output:2 ,output:3");
  EXPECT_EQ(f.actions.size(), 3u);
  FlowSpec g = must_flow("in_port=1,action=NORMAL");
  EXPECT_EQ(format_actions(g.actions), "NORMAL");
}

TEST(FlowText, PortNamesInMatchAndActions) {
  testing::FakeNamer names;
  FlowSpec f = must_flow("priority=1,in_port=patch-int actions=resubmit(,2),output:\"my port\"",
                         FlowTextMode::kAdd, &names);
  EXPECT_EQ(f.match.value.in_port, 1u);
  EXPECT_EQ(match_and_actions(f, &names),
            "priority=1,in_port=patch-int actions=resubmit(,2),output:\"my port\"");
  EXPECT_EQ(match_and_actions(f), "priority=1,in_port=1 actions=resubmit(,2),output:5");
  std::string text = format_flow(f, FlowTextMode::kAdd, &names);
  EXPECT_EQ(must_flow(text, FlowTextMode::kAdd, &names), f);
}

TEST(FlowText, Errors) {
  EXPECT_EQ(error_of(parse_flow("foo=1 actions=drop", FlowTextMode::kAdd)), "unknown field 'foo'");
  EXPECT_EQ(error_of(parse_flow("priority=70000 actions=drop", FlowTextMode::kAdd)),
            "priority: '70000' is not a valid value (expected an integer 0..65535)");
  EXPECT_EQ(error_of(parse_flow("priority=1 actions=fooo", FlowTextMode::kAdd)),
            "actions: unknown action 'fooo'");
  EXPECT_EQ(error_of(parse_flow("actions=resubmit(,300)", FlowTextMode::kAdd)),
            "actions: resubmit: table 300 out of range (0..254)");
  EXPECT_NE(error_of(parse_flow("priority=1", FlowTextMode::kAdd)).find("actions"),
            std::string::npos);
  EXPECT_NE(error_of(parse_flow("priority=1", FlowTextMode::kModify)).find("actions"),
            std::string::npos);
  EXPECT_NE(error_of(parse_flow("in_port=1 actions=drop", FlowTextMode::kDelete)).find("actions"),
            std::string::npos);
  EXPECT_NE(error_of(parse_flow("tp_dst=80 actions=drop", FlowTextMode::kAdd)).find("tp_dst"),
            std::string::npos);
  auto pre = parse_flow("ip actions=set_field:80->tcp_dst", FlowTextMode::kAdd);
  EXPECT_EQ(pre.error().code, ErrorCode::kPrerequisite);
  EXPECT_NE(error_of(pre).find("tcp"), std::string::npos);
  EXPECT_FALSE(parse_flow("table=1 actions=goto_table:1", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("table=255 actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("table=x actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("cookie=1/1 actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("cookie=1", FlowTextMode::kDelete).ok());
  EXPECT_FALSE(parse_flow("out_port=1 actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("idle_timeout=5", FlowTextMode::kDelete).ok());
  EXPECT_FALSE(parse_flow("importance=5 actions=drop", FlowTextMode::kModify).ok());
  EXPECT_FALSE(parse_flow("send_flow_rem=1 actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("priority actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("in_port=\"unterminated actions=drop", FlowTextMode::kAdd).ok());
  EXPECT_FALSE(parse_flow("priority=3,inport=1,dl_vlan=100 actions=mod_vlan_vid:1,NORMAL",
                          FlowTextMode::kAdd)
                   .ok());
}

}  // namespace
}  // namespace nt
