// common/addr.h: the one MAC and IPv4 grammar. Accepted and refused forms as ovs-ofctl 3.1
// (parse-flow dl_src=... / nw_src=...) accepts and refuses them, except where addr.h says we
// refuse its sscanf accidents on purpose.
#include "common/addr.h"

#include <gtest/gtest.h>

namespace nt {
namespace {

TEST(MacAddr, ParsesSixGroupsOfOneOrTwoHexDigitsInEitherCase) {
  auto m = MacAddr::parse("fa:16:3e:00:00:01");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_u64(), 0xfa163e000001ULL);
  EXPECT_EQ(MacAddr::parse("FA:16:3E:00:00:01"), m);
  EXPECT_EQ(MacAddr::parse("fa:16:3e:0:0:1"), m);
  EXPECT_EQ(MacAddr::parse("f:1:3:0:0:1")->to_string(), "0f:01:03:00:00:01");
  EXPECT_EQ(MacAddr::parse("ff:ff:ff:ff:ff:ff")->to_u64(), 0xffffffffffffULL);
}

TEST(MacAddr, RefusesWhatOvsRefuses) {
  for (const char* bad : {"", "zz:16:3e:00:00:01", "fa:16:3e:00:00", "fa:16:3e:00:00:01:02",
                          "fa-16-3e-00-00-01", "fa:16:3e:00:00:1g", "fa::3e:00:00:01",
                          "fa16.3e00.0001", "fa:16:3e:00:00:", ":fa:16:3e:00:00:01"}) {
    EXPECT_FALSE(MacAddr::parse(bad)) << bad;
  }
}

TEST(MacAddr, RefusesOvsScanfAccidentsAndBlanks) {
  // ovs-ofctl takes these through sscanf("%hhx"); we do not (common/addr.h).
  for (const char* bad : {"fa:16:3e:00:00:001", "0x1:2:3:4:5:6", "-1:2:3:4:5:6",
                          " fa:16:3e:00:00:01", "fa:16:3e:00:00:01 "}) {
    EXPECT_FALSE(MacAddr::parse(bad)) << bad;
  }
}

TEST(MacAddr, FormatsLowercaseTwoDigitGroups) {
  EXPECT_EQ(MacAddr::from_u64(0xfa163efd8aedULL).to_string(), "fa:16:3e:fd:8a:ed");
  EXPECT_EQ(MacAddr{}.to_string(), "00:00:00:00:00:00");
  for (uint64_t v : {0ULL, 1ULL, 0x0a0b0c0d0e0fULL, 0xffffffffffffULL}) {
    EXPECT_EQ(MacAddr::parse(MacAddr::from_u64(v).to_string())->to_u64(), v);
  }
}

TEST(Ipv4, ParsesDottedQuadsIntoHostOrder) {
  EXPECT_EQ(ipv4_parse("10.0.0.1"), 0x0a000001u);
  EXPECT_EQ(ipv4_parse("0.0.0.0"), 0u);
  EXPECT_EQ(ipv4_parse("255.255.255.255"), 0xffffffffu);
  EXPECT_EQ(ipv4_parse("010.0.0.1"), 0x0a000001u);  // OVS: leading zeros are decimal
  EXPECT_EQ(ipv4_parse("1.2.3.04"), 0x01020304u);
}

TEST(Ipv4, RefusesWhatIsNotADottedQuad) {
  for (const char* bad :
       {"", "10", "10.0.0", "10.0.0.1.2", "0x0a.0.0.1", "a.b.c.d", " 10.0.0.1", "10.0.0.1 ",
        "10.0.0.1/24", "10..0.1", "10.0.0.", "1000.0.0.1", "-1.0.0.1"}) {
    EXPECT_FALSE(ipv4_parse(bad)) << bad;
  }
}

TEST(Ipv4, RefusesOctetsOver255WhichOvsWraps) { EXPECT_FALSE(ipv4_parse("10.0.0.256")); }

TEST(Ipv4, FormatsAndRoundTrips) {
  EXPECT_EQ(ipv4_to_string(0x0a000001u), "10.0.0.1");
  EXPECT_EQ(ipv4_to_string(0xffffffffu), "255.255.255.255");
  EXPECT_EQ(ipv4_to_string(0x640a0009u), "100.10.0.9");
  EXPECT_EQ(ipv4_to_string(0x00c8630au), "0.200.99.10");
  for (uint32_t a : {0u, 1u, 0xc0a80101u, 0xfffffffeu}) EXPECT_EQ(ipv4_parse(ipv4_to_string(a)), a);
}

}  // namespace
}  // namespace nt
