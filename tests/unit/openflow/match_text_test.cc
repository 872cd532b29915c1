#include <gtest/gtest.h>

#include <random>

#include "of_test_util.h"
#include "openflow/flow_text.h"

namespace nt {
namespace {

using testing::error_of;
using testing::must_match;

std::string fmt(std::string_view text, uint16_t priority = kDefaultPriority) {
  return format_match(must_match(text), priority);
}

TEST(MatchText, EmptyMatchIsCatchAll) {
  Match m = must_match("");
  EXPECT_TRUE(m.is_catchall());
  EXPECT_EQ(format_match(m, kDefaultPriority), "");
  EXPECT_EQ(format_match(m, 0), "priority=0");
}

TEST(MatchText, ProtocolShorthandsSetTypeAndProto) {
  struct Case {
    const char* text;
    uint16_t dl_type;
    uint8_t nw_proto;
    bool proto_set;
  } cases[] = {
      {"ip", 0x0800, 0, false},   {"ipv6", 0x86dd, 0, false}, {"arp", 0x0806, 0, false},
      {"rarp", 0x8035, 0, false}, {"icmp", 0x0800, 1, true},  {"icmp6", 0x86dd, 58, true},
      {"tcp", 0x0800, 6, true},   {"udp", 0x0800, 17, true},  {"tcp6", 0x86dd, 6, true},
      {"udp6", 0x86dd, 17, true},
  };
  for (const Case& c : cases) {
    Match m = must_match(c.text);
    EXPECT_EQ(m.value.dl_type, c.dl_type) << c.text;
    EXPECT_EQ(m.mask.dl_type, 0xffff) << c.text;
    EXPECT_EQ(m.value.nw_proto, c.nw_proto) << c.text;
    EXPECT_EQ(m.mask.nw_proto, c.proto_set ? 0xff : 0) << c.text;
    EXPECT_EQ(format_match(m, kDefaultPriority), c.text);
  }
}

TEST(MatchText, ExplicitTypeAndProtoPrintAsShorthand) {
  EXPECT_EQ(fmt("dl_type=0x0800,nw_proto=6"), "tcp");
  EXPECT_EQ(fmt("eth_type=0x86dd,ip_proto=58"), "icmp6");
  EXPECT_EQ(fmt("ip,nw_proto=47"), "ip,nw_proto=47");
  EXPECT_EQ(fmt("ipv6,nw_proto=47"), "ipv6,nw_proto=47");
  EXPECT_EQ(fmt("dl_type=0x1234"), "dl_type=0x1234");
  EXPECT_EQ(fmt("ip,ip"), "ip");
  EXPECT_EQ(fmt("tcp,ip"), "tcp");
}

TEST(MatchText, DlVlanSetsVidAndCfi) {
  Match m = must_match("dl_vlan=5");
  EXPECT_EQ(m.value.vlan_tci, 0x1005);
  EXPECT_EQ(m.mask.vlan_tci, 0x1fff);
  EXPECT_EQ(format_match(m, kDefaultPriority), "dl_vlan=5");
}

TEST(MatchText, DlVlanFfffMeansUntagged) {
  Match m = must_match("dl_vlan=0xffff");
  EXPECT_EQ(m.value.vlan_tci, 0);
  EXPECT_EQ(m.mask.vlan_tci, 0xffff);
  EXPECT_EQ(format_match(m, kDefaultPriority), "vlan_tci=0x0000");
}

TEST(MatchText, DlVlanPcpSetsPcpAndCfi) {
  Match m = must_match("dl_vlan_pcp=5");
  EXPECT_EQ(m.value.vlan_tci, 5 << 13 | 0x1000);
  EXPECT_EQ(m.mask.vlan_tci, 0xf000);
  EXPECT_EQ(format_match(m, kDefaultPriority), "dl_vlan_pcp=5");
  EXPECT_EQ(fmt("dl_vlan=7,dl_vlan_pcp=2"), "dl_vlan=7,dl_vlan_pcp=2");
  EXPECT_EQ(fmt("dl_vlan_pcp=2,dl_vlan=7"), "dl_vlan=7,dl_vlan_pcp=2");
}

TEST(MatchText, VlanTciForms) {
  // Exact TCI with the CFI bit prints as VID and PCP, as match_format() does.
  EXPECT_EQ(fmt("vlan_tci=0x1005"), "dl_vlan=5,dl_vlan_pcp=0");
  EXPECT_EQ(fmt("vlan_tci=0x0005"), "vlan_tci=0x0005");
  EXPECT_EQ(fmt("vlan_tci=0x0000/0x1fff"), "vlan_tci=0x0000/0x1fff");
  EXPECT_EQ(fmt("vlan_tci=0x1000/0x1000"), "vlan_tci=0x1000/0x1000");
  EXPECT_EQ(fmt("vlan_tci=0x1005/0x1fff"), "dl_vlan=5");
  // What a learned NXM_OF_VLAN_TCI[0..11] match looks like.
  EXPECT_EQ(fmt("NXM_OF_VLAN_TCI[0..11]=1"), "vlan_tci=0x0001/0x0fff");
  // OXM vlan_vid: 13 bits including the present bit.
  Match m = must_match("vlan_vid=0x1005");
  EXPECT_EQ(m.value.vlan_tci, 0x1005);
  EXPECT_EQ(m.mask.vlan_tci, 0x1fff);
  EXPECT_EQ(fmt("vlan_vid=0x1000/0x1000"), "vlan_tci=0x1000/0x1000");
}

TEST(MatchText, EthernetAddresses) {
  EXPECT_EQ(fmt("dl_dst=00:00:00:00:00:00/01:00:00:00:00:00"),
            "dl_dst=00:00:00:00:00:00/01:00:00:00:00:00");
  EXPECT_EQ(fmt("eth_src=FA:16:3E:FD:8A:ED"), "dl_src=fa:16:3e:fd:8a:ed");
  EXPECT_EQ(fmt("dl_src=1:2:3:4:5:6,dl_dst=ff:ff:ff:ff:ff:ff"),
            "dl_src=01:02:03:04:05:06,dl_dst=ff:ff:ff:ff:ff:ff");
}

TEST(MatchText, Ipv4CidrAndArbitraryMasks) {
  EXPECT_EQ(fmt("ip,nw_src=10.0.0.0/8"), "ip,nw_src=10.0.0.0/8");
  EXPECT_EQ(fmt("ip,nw_src=10.1.2.3/255.255.0.0"), "ip,nw_src=10.1.0.0/16");
  EXPECT_EQ(fmt("ip,nw_dst=10.1.2.3/255.0.255.0"), "ip,nw_dst=10.0.2.0/255.0.255.0");
  EXPECT_EQ(fmt("ip,nw_dst=10.1.2.3/32"), "ip,nw_dst=10.1.2.3");
  EXPECT_EQ(fmt("ip,ip_src=1.2.3.4"), "ip,nw_src=1.2.3.4");
}

TEST(MatchText, Ipv6) {
  EXPECT_EQ(fmt("ipv6,ipv6_src=fe80::1/64"), "ipv6,ipv6_src=fe80::/64");
  EXPECT_EQ(fmt("ipv6,ipv6_dst=2001:db8::1"), "ipv6,ipv6_dst=2001:db8::1");
  EXPECT_EQ(fmt("ipv6,ipv6_dst=2001:db8::1/ffff::ffff"), "ipv6,ipv6_dst=2001::1/ffff::ffff");
}

TEST(MatchText, ArpFieldsPrintAsArp) {
  EXPECT_EQ(fmt("arp,arp_tpa=10.0.0.3,arp_op=1,arp_sha=fa:16:3e:00:00:01"),
            "arp,arp_tpa=10.0.0.3,arp_op=1,arp_sha=fa:16:3e:00:00:01");
  // As in Open vSwitch, nw_src/nw_dst/nw_proto on ARP are the SPA/TPA/opcode.
  EXPECT_EQ(fmt("arp,nw_src=10.0.0.1,nw_proto=2"), "arp,arp_spa=10.0.0.1,arp_op=2");
  EXPECT_EQ(fmt("arp,arp_tha=ff:ff:ff:ff:ff:ff"), "arp,arp_tha=ff:ff:ff:ff:ff:ff");
}

TEST(MatchText, TosEcnTtlFrag) {
  EXPECT_EQ(fmt("ip,nw_tos=184"), "ip,nw_tos=184");
  Match m = must_match("ip,nw_tos=184");
  EXPECT_EQ(m.mask.nw_tos, 0xfc);
  EXPECT_EQ(fmt("ip,ip_dscp=46"), "ip,nw_tos=184");
  EXPECT_EQ(fmt("ip,nw_ecn=3,nw_tos=8"), "ip,nw_tos=8,nw_ecn=3");
  EXPECT_EQ(fmt("ip,nw_ttl=64"), "ip,nw_ttl=64");
  EXPECT_EQ(fmt("ip,nw_frag=no"), "ip,nw_frag=no");
  EXPECT_EQ(fmt("ip,nw_frag=yes"), "ip,nw_frag=yes");
  EXPECT_EQ(fmt("ip,nw_frag=first"), "ip,nw_frag=first");
  EXPECT_EQ(fmt("ip,nw_frag=later"), "ip,nw_frag=later");
  EXPECT_EQ(fmt("ip,nw_frag=not_later"), "ip,nw_frag=not_later");
}

TEST(MatchText, TransportPorts) {
  EXPECT_EQ(fmt("tcp,tp_dst=80"), "tcp,tp_dst=80");
  EXPECT_EQ(fmt("udp,udp_src=68,udp_dst=67"), "udp,tp_src=68,tp_dst=67");
  EXPECT_EQ(fmt("tcp,tcp_dst=0x50/0xfff0"), "tcp,tp_dst=0x50/0xfff0");
  EXPECT_EQ(fmt("tcp6,tp_src=22"), "tcp6,tp_src=22");
  EXPECT_EQ(fmt("tp_dst=80,tcp"), "tcp,tp_dst=80");  // order does not matter
}

TEST(MatchText, IcmpTypeAndCode) {
  Match m = must_match("icmp,icmp_type=8,icmp_code=0");
  EXPECT_EQ(m.value.tp_src, 8);
  EXPECT_EQ(m.mask.tp_src, 0xffff);
  EXPECT_EQ(m.mask.tp_dst, 0xffff);
  EXPECT_EQ(format_match(m, kDefaultPriority), "icmp,icmp_type=8,icmp_code=0");
  // ICMPv6 prints with the same names, and parses back from them (neutron's RA/NA flows).
  EXPECT_EQ(fmt("icmp6,icmpv6_type=134"), "icmp6,icmp_type=134");
  EXPECT_EQ(fmt("icmp6,icmp_type=136"), "icmp6,icmp_type=136");
}

TEST(MatchText, RegistersTunnelMetadata) {
  EXPECT_EQ(fmt("reg0=5"), "reg0=0x5");
  EXPECT_EQ(fmt("reg3=0"), "reg3=0");
  EXPECT_EQ(fmt("reg15=0x10/0xf0"), "reg15=0x10/0xf0");
  EXPECT_EQ(fmt("tun_id=100"), "tun_id=0x64");
  EXPECT_EQ(fmt("tunnel_id=0x64/0xff"), "tun_id=0x64/0xff");
  EXPECT_EQ(fmt("tun_src=1.1.1.1,tun_dst=2.2.2.0/24"), "tun_src=1.1.1.1,tun_dst=2.2.2.0/24");
  EXPECT_EQ(fmt("metadata=0x1/0x1"), "metadata=0x1/0x1");
  EXPECT_EQ(fmt("NXM_NX_REG1[0..15]=0x1234"), "reg1=0x1234/0xffff");
}

TEST(MatchText, InPortNumbersReservedNamesAndPortNames) {
  EXPECT_EQ(fmt("in_port=1"), "in_port=1");
  EXPECT_EQ(fmt("in_port=LOCAL"), "in_port=LOCAL");
  EXPECT_EQ(fmt("in_port=local"), "in_port=LOCAL");
  EXPECT_EQ(fmt("in_port=65534"), "in_port=LOCAL");
  testing::FakeNamer names;
  Match m = must_match("in_port=patch-int", &names);
  EXPECT_EQ(m.value.in_port, 1u);
  EXPECT_EQ(format_match(m, kDefaultPriority, &names), "in_port=patch-int");
  EXPECT_EQ(format_match(m, kDefaultPriority), "in_port=1");
  Match q = must_match("in_port=\"my port\"", &names);
  EXPECT_EQ(q.value.in_port, 5u);
  EXPECT_EQ(format_match(q, kDefaultPriority, &names), "in_port=\"my port\"");
  Match d = must_match("in_port=\"7up\"", &names);
  EXPECT_EQ(format_match(d, kDefaultPriority, &names), "in_port=\"7up\"");
  EXPECT_EQ(must_match(format_match(d, kDefaultPriority, &names), &names), d);
  EXPECT_NE(error_of(parse_match("in_port=patch-int")).find("in_port"), std::string::npos);
}

TEST(MatchText, OvsOrder) {
  // Written in a scrambled order, printed in match_format() order.
  EXPECT_EQ(fmt("tp_dst=80,nw_src=10.0.0.1,dl_dst=fa:16:3e:00:00:02,in_port=3,tcp,"
                "reg1=7,dl_vlan=4,tun_id=0x5,dl_src=fa:16:3e:00:00:01,nw_ttl=3,metadata=9",
                10),
            "priority=10,tcp,reg1=0x7,tun_id=0x5,metadata=0x9,in_port=3,dl_vlan=4,"
            "dl_src=fa:16:3e:00:00:01,dl_dst=fa:16:3e:00:00:02,nw_src=10.0.0.1,nw_ttl=3,"
            "tp_dst=80");
}

TEST(MatchText, NamesAliasesAndNxmNames) {
  EXPECT_EQ(must_match("NXM_OF_ETH_DST=fa:16:3e:00:00:01"), must_match("dl_dst=fa:16:3e:00:00:01"));
  EXPECT_EQ(must_match("ip,NXM_OF_IP_SRC=1.2.3.4"), must_match("ip,nw_src=1.2.3.4"));
  EXPECT_EQ(must_match("NXM_NX_TUN_ID=0x64"), must_match("tun_id=100"));
  EXPECT_EQ(must_match("in_port:3 ip"), must_match("in_port=3,ip"));
}

TEST(MatchText, PrerequisitesNameTheFieldAndTheFix) {
  std::string e = error_of(parse_match("tp_dst=80"));
  EXPECT_NE(e.find("tp_dst"), std::string::npos) << e;
  EXPECT_NE(e.find("tcp"), std::string::npos) << e;
  EXPECT_NE(e.find("udp"), std::string::npos) << e;
  EXPECT_EQ(parse_match("tp_dst=80").error().code, ErrorCode::kPrerequisite);
  e = error_of(parse_match("nw_src=10.0.0.1"));
  EXPECT_NE(e.find("nw_src"), std::string::npos) << e;
  EXPECT_NE(e.find("ip"), std::string::npos) << e;
  EXPECT_NE(error_of(parse_match("ipv6,nw_src=10.0.0.1")).find("nw_src"), std::string::npos);
  EXPECT_NE(error_of(parse_match("ip,ipv6_src=::1")).find("ipv6"), std::string::npos);
  EXPECT_NE(error_of(parse_match("ip,arp_spa=1.1.1.1")).find("arp"), std::string::npos);
  EXPECT_NE(error_of(parse_match("udp,tcp_dst=80")).find("tcp"), std::string::npos);
  EXPECT_NE(error_of(parse_match("tcp,icmp_type=8")).find("icmp"), std::string::npos);
  EXPECT_NE(error_of(parse_match("nw_ttl=3")).find("nw_ttl"), std::string::npos);
  EXPECT_NE(error_of(parse_match("nw_proto=6")).find("nw_proto"), std::string::npos);
}

TEST(MatchText, ConflictsAreErrors) {
  EXPECT_NE(error_of(parse_match("dl_vlan=5,dl_vlan=6")).find("dl_vlan=6"), std::string::npos);
  EXPECT_FALSE(parse_match("tcp,udp").ok());
  EXPECT_FALSE(parse_match("ip,arp").ok());
  EXPECT_FALSE(parse_match("in_port=1,in_port=2").ok());
  EXPECT_FALSE(parse_match("dl_vlan=0xffff,dl_vlan_pcp=1").ok());
  EXPECT_TRUE(parse_match("in_port=1,in_port=1").ok());
  EXPECT_TRUE(parse_match("dl_vlan=5,vlan_tci=0x1005/0x1fff").ok());
}

TEST(MatchText, BadValuesAndUnknownNames) {
  EXPECT_EQ(error_of(parse_match("foo=1")), "unknown field 'foo'");
  EXPECT_EQ(error_of(parse_match("inport=1")), "unknown field 'inport'");
  EXPECT_NE(error_of(parse_match("ip,nw_tos=5")).find("nw_tos"), std::string::npos);
  EXPECT_NE(error_of(parse_match("dl_vlan=4096")).find("dl_vlan"), std::string::npos);
  EXPECT_FALSE(parse_match("dl_vlan_pcp=8").ok());
  EXPECT_FALSE(parse_match("in_port=1/1").ok());
  EXPECT_FALSE(parse_match("dl_dst=fa:16:3e:00:00").ok());
  EXPECT_FALSE(parse_match("dl_dst=fa:16:3e:00:00:001").ok());
  EXPECT_FALSE(parse_match("ip,nw_src=10.0.0.256").ok());
  EXPECT_FALSE(parse_match("ip,nw_src=10.0.0.0/33").ok());
  EXPECT_FALSE(parse_match("reg0=0x100000000").ok());
  EXPECT_FALSE(parse_match("tcp=1").ok());
  EXPECT_FALSE(parse_match("dl_src").ok());
  EXPECT_FALSE(parse_match("dl_src=").ok());
  EXPECT_FALSE(parse_match("ip,nw_frag=maybe").ok());
  EXPECT_FALSE(parse_match("NXM_OF_IP_PROTO[0..3]=6").ok());
  EXPECT_FALSE(parse_match("NXM_OF_VLAN_TCI[0..16]=1").ok());
}

// ---- Randomized round trip: format then parse gives back the same Match bytes. ------------

struct RandomMatch {
  std::mt19937_64& rng;

  uint64_t bits(int n) { return n >= 64 ? rng() : rng() & ((uint64_t{1} << n) - 1); }
  bool coin() { return rng() & 1; }
  template <class T>
  void any_mask(T& v, T& m, int n) {
    if (!coin()) return;
    m = static_cast<T>(coin() ? bits(n) : bits(n) | (n >= 64 ? ~0ull : (1ull << n) - 1));
    v = static_cast<T>(bits(n) & m);
  }
  void mac(MacAddr& v, MacAddr& m) {
    uint64_t mv = 0, mm = 0;
    any_mask(mv, mm, 48);
    v = MacAddr::from_u64(mv);
    m = MacAddr::from_u64(mm);
  }
  void exact(uint8_t& v, uint8_t& m, uint8_t value) {
    v = value;
    m = 0xff;
  }

  Match make() {
    Match x;
    FlowKey& v = x.value;
    FlowKey& m = x.mask;
    for (int i = 0; i < 16; ++i) {
      if (rng() % 8 == 0) any_mask(v.regs[i], m.regs[i], 32);
    }
    any_mask(v.tun_id, m.tun_id, 64);
    any_mask(v.tun_src, m.tun_src, 32);
    any_mask(v.tun_dst, m.tun_dst, 32);
    any_mask(v.metadata, m.metadata, 64);
    if (coin()) {
      v.in_port = static_cast<uint32_t>(bits(16));
      m.in_port = 0xffff;
    }
    any_mask(v.vlan_tci, m.vlan_tci, 16);
    mac(v.dl_src, m.dl_src);
    mac(v.dl_dst, m.dl_dst);
    static const uint16_t kTypes[] = {0, kEthTypeIp, kEthTypeIpv6, kEthTypeArp, 0x8035, 0x1234};
    uint16_t type = kTypes[rng() % 6];
    if (type) {
      v.dl_type = type;
      m.dl_type = 0xffff;
    }
    if (type == kEthTypeIp || type == kEthTypeIpv6) ip(x, type == kEthTypeIpv6);
    if (type == kEthTypeArp) arp(x);
    return x;
  }

  void arp(Match& x) {
    any_mask(x.value.nw_src, x.mask.nw_src, 32);
    any_mask(x.value.nw_dst, x.mask.nw_dst, 32);
    if (coin()) exact(x.value.nw_proto, x.mask.nw_proto, static_cast<uint8_t>(bits(8)));
    mac(x.value.arp_sha, x.mask.arp_sha);
    mac(x.value.arp_tha, x.mask.arp_tha);
  }

  void ip(Match& x, bool v6) {
    FlowKey& v = x.value;
    FlowKey& m = x.mask;
    if (v6) {
      for (int i = 0; i < 16; ++i) {
        if (rng() % 3 == 0) m.ipv6_src[i] = static_cast<uint8_t>(bits(8));
        if (rng() % 3 == 0) m.ipv6_dst[i] = static_cast<uint8_t>(bits(8));
        v.ipv6_src[i] = static_cast<uint8_t>(bits(8)) & m.ipv6_src[i];
        v.ipv6_dst[i] = static_cast<uint8_t>(bits(8)) & m.ipv6_dst[i];
      }
    } else {
      any_mask(v.nw_src, m.nw_src, 32);
      any_mask(v.nw_dst, m.nw_dst, 32);
    }
    if (coin()) m.nw_tos |= 0xfc;
    if (coin()) m.nw_tos |= 0x03;
    v.nw_tos = static_cast<uint8_t>(bits(8)) & m.nw_tos;
    if (coin()) exact(v.nw_ttl, m.nw_ttl, static_cast<uint8_t>(bits(8)));
    static const uint8_t kFrag[][2] = {{0, 0}, {0, 3}, {1, 3}, {3, 3}, {1, 1}, {0, 2}};
    int f = static_cast<int>(rng() % 6);
    v.nw_frag = kFrag[f][0];
    m.nw_frag = kFrag[f][1];
    static const uint8_t kProtos[] = {0, kIpProtoTcp, kIpProtoUdp, kIpProtoIcmp, kIpProtoIcmpv6,
                                      47};
    uint8_t proto = kProtos[rng() % 6];
    if (!proto) return;
    exact(v.nw_proto, m.nw_proto, proto);
    if (proto == kIpProtoTcp || proto == kIpProtoUdp) {
      any_mask(v.tp_src, m.tp_src, 16);
      any_mask(v.tp_dst, m.tp_dst, 16);
    } else if ((proto == kIpProtoIcmp && !v6) || (proto == kIpProtoIcmpv6 && v6)) {
      if (coin()) v.tp_src = static_cast<uint16_t>(bits(8)), m.tp_src = 0xffff;
      if (coin()) v.tp_dst = static_cast<uint16_t>(bits(8)), m.tp_dst = 0xffff;
    }
  }
};

TEST(MatchText, RandomMatchesRoundTrip) {
  std::mt19937_64 rng(7);
  RandomMatch gen{rng};
  testing::FakeNamer names;
  for (int i = 0; i < 10000; ++i) {
    Match x = gen.make();
    ASSERT_EQ(x.value.words()[0] & ~x.mask.words()[0], 0u);
    uint16_t priority = static_cast<uint16_t>(rng() % 3 == 0 ? kDefaultPriority : rng());
    const PortNamer* n = i % 2 ? &names : nullptr;
    std::string text = format_match(x, priority, n);
    // The priority is not part of a match: strip it before parsing.
    std::string body = text;
    if (body.rfind("priority=", 0) == 0) {
      size_t comma = body.find(',');
      body = comma == std::string::npos ? "" : body.substr(comma + 1);
    }
    auto back = parse_match(body, n);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().message;
    ASSERT_EQ(*back, x) << text << " reprinted as " << format_match(*back, priority, n);
  }
}

}  // namespace
}  // namespace nt
