// ofproto/port_spec.h: the one list of port types and its name table, and the tunnel options a
// PortSpec carries.
#include "ofproto/port_spec.h"

#include <gtest/gtest.h>

namespace nt {
namespace {

TEST(PortType, EveryTypeRoundTripsThroughItsName) {
  for (const char* name : {"dummy", "internal", "system", "tap", "patch", "vxlan", "gre", "sink"}) {
    auto t = port_type_from_name(name);
    ASSERT_TRUE(t) << name;
    EXPECT_EQ(port_type_name(*t), name);
  }
  EXPECT_EQ(port_type_from_name("vxlan"), PortType::kVxlan);
  EXPECT_TRUE(is_tunnel(PortType::kGre));
  EXPECT_FALSE(is_tunnel(PortType::kPatch));
}

TEST(PortType, UnknownNamesAreRefusedWithTheDaemonsMessage) {
  EXPECT_FALSE(port_type_from_name(""));
  EXPECT_FALSE(port_type_from_name("VXLAN"));
  auto r = parse_port_type("p2", "geneve");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "p2: unsupported port type 'geneve'");
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
}

TEST(PortSpec, TunnelOptionsParseAndBadAddressesAreNamed) {
  PortSpec s;
  s.name = "vxlan-0a000002";
  s.type = PortType::kVxlan;
  s.options = {{"remote_ip", "\"10.0.0.2\""}, {"local_ip", "10.0.0.1"}, {"key", "100"}};
  auto cfg = parse_tunnel_config(s);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->kind, TunnelKind::kVxlan);
  EXPECT_EQ(cfg->remote_ip, 0x0a000002u);
  EXPECT_EQ(cfg->local_ip, 0x0a000001u);
  EXPECT_FALSE(cfg->key_flow);
  EXPECT_EQ(cfg->key, 100u);
  s.options["remote_ip"] = "10.0.0.256";
  auto bad = parse_tunnel_config(s);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "vxlan-0a000002: options:remote_ip must be an IPv4 address");
}

}  // namespace
}  // namespace nt
