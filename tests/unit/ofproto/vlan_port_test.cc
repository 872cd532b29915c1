#include "ofproto/vlan_port.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nt {
namespace {

using OT = OutputTagging;
constexpr std::optional<uint16_t> kDropped = std::nullopt;

PortVlanConfig cfg(std::optional<uint16_t> tag, std::vector<uint16_t> trunks,
                   VlanMode mode = VlanMode::kDefault) {
  return PortVlanConfig{tag, std::move(trunks), mode};
}

std::string error_of(const PortVlanConfig& c) {
  Status s = validate(c);
  return s.ok() ? "" : s.error().message;
}

// ---- names and defaults --------------------------------------------------------------------

TEST(VlanModeTest, NamesRoundTrip) {
  for (VlanMode m : {VlanMode::kAccess, VlanMode::kTrunk, VlanMode::kNativeTagged,
                     VlanMode::kNativeUntagged, VlanMode::kDot1qTunnel}) {
    Result<VlanMode> parsed = parse_vlan_mode(vlan_mode_name(m));
    ASSERT_TRUE(parsed.ok()) << vlan_mode_name(m);
    EXPECT_EQ(*parsed, m);
  }
  EXPECT_EQ(vlan_mode_name(VlanMode::kNativeUntagged), "native-untagged");
  EXPECT_EQ(vlan_mode_name(VlanMode::kDefault), "");
}

TEST(VlanModeTest, UnknownModeIsAnError) {
  Result<VlanMode> r = parse_vlan_mode("hybrid");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("\"hybrid\""), std::string::npos);
  EXPECT_FALSE(parse_vlan_mode("").ok());
  EXPECT_FALSE(parse_vlan_mode("Access").ok());
}

TEST(VlanModeTest, DefaultModeIsAccessWithTagTrunkWithout) {
  EXPECT_EQ(effective_vlan_mode(cfg(5, {})), VlanMode::kAccess);
  EXPECT_EQ(effective_vlan_mode(cfg(std::nullopt, {})), VlanMode::kTrunk);
  EXPECT_EQ(effective_vlan_mode(cfg(std::nullopt, {10, 20})), VlanMode::kTrunk);
  // ovs-vswitchd discards an out-of-range tag before picking the default.
  EXPECT_EQ(effective_vlan_mode(cfg(4096, {})), VlanMode::kTrunk);
  EXPECT_EQ(effective_vlan_mode(cfg(5, {}, VlanMode::kNativeTagged)), VlanMode::kNativeTagged);
  EXPECT_EQ(PortVlan::resolve(cfg(5, {})).mode(), VlanMode::kAccess);
  EXPECT_EQ(PortVlan::resolve(cfg(std::nullopt, {})).mode(), VlanMode::kTrunk);
}

// ---- validation ----------------------------------------------------------------------------

TEST(VlanValidateTest, AcceptsEveryDocumentedShape) {
  EXPECT_EQ(error_of(cfg(std::nullopt, {})), "");
  EXPECT_EQ(error_of(cfg(0, {})), "");
  EXPECT_EQ(error_of(cfg(4095, {})), "");  // Neutron's dead VLAN
  EXPECT_EQ(error_of(cfg(std::nullopt, {0, 4095})), "");
  EXPECT_EQ(error_of(cfg(std::nullopt, {}, VlanMode::kAccess)), "");  // access on VLAN 0
  EXPECT_EQ(error_of(cfg(7, {}, VlanMode::kAccess)), "");
  EXPECT_EQ(error_of(cfg(std::nullopt, {1, 2}, VlanMode::kTrunk)), "");
  EXPECT_EQ(error_of(cfg(7, {}, VlanMode::kNativeTagged)), "");
  EXPECT_EQ(error_of(cfg(7, {8, 9}, VlanMode::kNativeUntagged)), "");
  EXPECT_EQ(error_of(cfg(7, {7, 7, 8}, VlanMode::kNativeUntagged)), "");  // duplicates are fine
}

TEST(VlanValidateTest, RejectsOutOfRangeVids) {
  EXPECT_EQ(error_of(cfg(4096, {})), "tag: 4096 is not a valid VLAN ID (expected 0 to 4095)");
  EXPECT_EQ(error_of(cfg(std::nullopt, {10, 5000})),
            "trunks: 5000 is not a valid VLAN ID (expected 0 to 4095)");
  EXPECT_EQ(error_of(cfg(65535, {}, VlanMode::kNativeTagged)),
            "tag: 65535 is not a valid VLAN ID (expected 0 to 4095)");
  EXPECT_EQ(validate(cfg(4096, {})).error().code, ErrorCode::kInvalidArgument);
}

TEST(VlanValidateTest, RejectsTrunksOnAccessPorts) {
  const std::string implicit = error_of(cfg(10, {20}));
  const std::string explicit_access = error_of(cfg(10, {20}, VlanMode::kAccess));
  EXPECT_EQ(implicit, explicit_access);
  EXPECT_EQ(implicit.rfind("trunks: must be empty on an access port", 0), 0u) << implicit;
  EXPECT_NE(implicit.find("native-untagged"), std::string::npos);
}

TEST(VlanValidateTest, RejectsTagOnTrunkPorts) {
  const std::string e = error_of(cfg(10, {}, VlanMode::kTrunk));
  EXPECT_EQ(e.rfind("tag: must be empty on a trunk port (tag 10 would be ignored)", 0), 0u) << e;
}

TEST(VlanValidateTest, RejectsNativeModesWithoutTag) {
  EXPECT_EQ(error_of(cfg(std::nullopt, {}, VlanMode::kNativeTagged)),
            "tag: vlan_mode=native-tagged needs a tag, the native VLAN for untagged frames");
  EXPECT_EQ(error_of(cfg(std::nullopt, {5}, VlanMode::kNativeUntagged)),
            "tag: vlan_mode=native-untagged needs a tag, the native VLAN for untagged frames");
}

TEST(VlanValidateTest, Dot1qTunnelIsUnsupported) {
  Status s = validate(cfg(100, {}, VlanMode::kDot1qTunnel));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(s.error().message, "vlan_mode: dot1q-tunnel is not supported");
  EXPECT_FALSE(PortVlan::create(cfg(100, {}, VlanMode::kDot1qTunnel)).ok());
}

TEST(VlanValidateTest, CreateValidatesThenCompiles) {
  Result<PortVlan> bad = PortVlan::create(cfg(10, {20}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, error_of(cfg(10, {20})));
  Result<PortVlan> good = PortVlan::create(cfg(10, {20}, VlanMode::kNativeUntagged));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->mode(), VlanMode::kNativeUntagged);
  EXPECT_EQ(good->vlan(), 10);
  EXPECT_TRUE(good->trunks(20));
  EXPECT_TRUE(good->trunks(10));
  EXPECT_FALSE(good->trunks(30));
}

// ---- access ----------------------------------------------------------------------------------

TEST(VlanAccessTest, InputUntaggedAndPriorityTaggedJoinTheTag) {
  const PortVlan p = PortVlan::resolve(cfg(10, {}));
  EXPECT_EQ(p.input_vlan(false, 0), 10);
  EXPECT_EQ(p.input_vlan(true, 0), 10);    // 802.1p priority tag, VID 0
  EXPECT_EQ(p.input_vlan(false, 77), 10);  // vid ignored when untagged
}

TEST(VlanAccessTest, InputTaggedFramesAreDroppedEvenInTheAccessVlan) {
  const PortVlan p = PortVlan::resolve(cfg(10, {}));
  EXPECT_EQ(p.input_vlan(true, 10), kDropped);
  EXPECT_EQ(p.input_vlan(true, 20), kDropped);
  EXPECT_EQ(p.input_vlan(true, 4095), kDropped);
}

TEST(VlanAccessTest, OutputOnlyItsVlanUntagged) {
  const PortVlan p = PortVlan::resolve(cfg(10, {}));
  EXPECT_EQ(p.output_vlan(10), OT::kUntagged);
  EXPECT_EQ(p.output_vlan(0), OT::kDrop);
  EXPECT_EQ(p.output_vlan(11), OT::kDrop);
  EXPECT_EQ(p.output_vlan(4095), OT::kDrop);
  EXPECT_TRUE(p.includes(10));
  EXPECT_FALSE(p.includes(0));
  for (uint16_t v = 0; v <= kMaxVlanId; ++v) EXPECT_FALSE(p.trunks(v)) << v;
}

TEST(VlanAccessTest, Vlan0AndDeadVlan4095) {
  const PortVlan zero = PortVlan::resolve(cfg(0, {}));
  EXPECT_EQ(zero.mode(), VlanMode::kAccess);
  EXPECT_EQ(zero.input_vlan(false, 0), 0);
  EXPECT_EQ(zero.input_vlan(true, 5), kDropped);
  EXPECT_EQ(zero.output_vlan(0), OT::kUntagged);
  EXPECT_EQ(zero.output_vlan(5), OT::kDrop);
  // vlan_mode=access without a tag behaves as access on VLAN 0, as in ovs-vswitchd.
  const PortVlan no_tag = PortVlan::resolve(cfg(std::nullopt, {}, VlanMode::kAccess));
  EXPECT_EQ(no_tag.vlan(), 0);
  EXPECT_EQ(no_tag.input_vlan(false, 0), 0);
  EXPECT_EQ(no_tag.output_vlan(0), OT::kUntagged);
  const PortVlan dead = PortVlan::resolve(cfg(4095, {}));
  EXPECT_EQ(dead.input_vlan(false, 0), 4095);
  EXPECT_EQ(dead.output_vlan(4095), OT::kUntagged);
}

TEST(VlanAccessTest, ResolveIgnoresTrunksOnAccessPorts) {
  // Invalid by validate(), but ovs-vswitchd ignores the trunks ("in favor of implicit vlan").
  const PortVlan p = PortVlan::resolve(cfg(10, {20, 30}));
  EXPECT_EQ(p.input_vlan(true, 20), kDropped);
  EXPECT_EQ(p.output_vlan(20), OT::kDrop);
  EXPECT_EQ(p.output_vlan(10), OT::kUntagged);
}

// ---- trunk -----------------------------------------------------------------------------------

TEST(VlanTrunkTest, EmptyTrunksCarryEveryVlan) {
  const PortVlan p = PortVlan::resolve(cfg(std::nullopt, {}));
  EXPECT_EQ(p.input_vlan(false, 0), 0);
  EXPECT_EQ(p.input_vlan(true, 0), 0);  // priority-tagged: VLAN 0
  EXPECT_EQ(p.input_vlan(true, 1), 1);
  EXPECT_EQ(p.input_vlan(true, 100), 100);
  EXPECT_EQ(p.input_vlan(true, 4095), 4095);
  EXPECT_EQ(p.output_vlan(0), OT::kUntagged);  // VLAN 0 leaves without a header
  EXPECT_EQ(p.output_vlan(1), OT::kTagged);
  EXPECT_EQ(p.output_vlan(4095), OT::kTagged);
}

TEST(VlanTrunkTest, TrunksListFiltersBothWays) {
  const PortVlan p = PortVlan::resolve(cfg(std::nullopt, {10, 20}));
  EXPECT_EQ(p.input_vlan(true, 10), 10);
  EXPECT_EQ(p.input_vlan(true, 20), 20);
  EXPECT_EQ(p.input_vlan(true, 30), kDropped);
  // Untagged frames are in VLAN 0, which this port does not trunk.
  EXPECT_EQ(p.input_vlan(false, 0), kDropped);
  EXPECT_EQ(p.input_vlan(true, 0), kDropped);
  EXPECT_EQ(p.output_vlan(10), OT::kTagged);
  EXPECT_EQ(p.output_vlan(30), OT::kDrop);
  EXPECT_EQ(p.output_vlan(0), OT::kDrop);
}

TEST(VlanTrunkTest, TrunkingVlan0CarriesUntaggedFrames) {
  const PortVlan p = PortVlan::resolve(cfg(std::nullopt, {0, 10}, VlanMode::kTrunk));
  EXPECT_EQ(p.input_vlan(false, 0), 0);
  EXPECT_EQ(p.input_vlan(true, 0), 0);
  EXPECT_EQ(p.output_vlan(0), OT::kUntagged);
  EXPECT_EQ(p.output_vlan(10), OT::kTagged);
  EXPECT_EQ(p.output_vlan(11), OT::kDrop);
}

TEST(VlanTrunkTest, ResolveIgnoresTagOnTrunkPorts) {
  const PortVlan p = PortVlan::resolve(cfg(10, {}, VlanMode::kTrunk));
  EXPECT_EQ(p.vlan(), 0);
  EXPECT_EQ(p.input_vlan(false, 0), 0);
  EXPECT_EQ(p.output_vlan(10), OT::kTagged);
}

TEST(VlanTrunkTest, OutOfRangeVidsAreDropped) {
  const PortVlan p;
  EXPECT_EQ(p.input_vlan(true, 4096), kDropped);
  EXPECT_EQ(p.input_vlan(true, 0xffff), kDropped);
  EXPECT_EQ(p.output_vlan(4096), OT::kDrop);
  EXPECT_FALSE(p.trunks(4096));
  // Out-of-range trunk entries are skipped by resolve() (validate() rejects them).
  const PortVlan q = PortVlan::resolve(cfg(std::nullopt, {5000, 7}));
  EXPECT_TRUE(q.trunks(7));
  EXPECT_FALSE(q.trunks(5000 & 0xfff));
}

TEST(VlanTrunkTest, DefaultsArePatchPortsTrunkingEverything) {
  const PortVlan p;
  const PortVlan q = PortVlan::resolve(PortVlanConfig{});
  EXPECT_EQ(p.mode(), VlanMode::kTrunk);
  EXPECT_EQ(q.mode(), VlanMode::kTrunk);
  for (uint16_t v = 0; v <= kMaxVlanId; ++v) {
    ASSERT_TRUE(p.trunks(v)) << v;
    ASSERT_TRUE(q.trunks(v)) << v;
    ASSERT_EQ(p.input_vlan(v != 0, v), v);
    ASSERT_EQ(p.output_vlan(v), v == 0 ? OT::kUntagged : OT::kTagged);
  }
}

// ---- native-untagged / native-tagged ---------------------------------------------------------

TEST(VlanNativeTest, UntaggedAndPriorityTaggedJoinTheNativeVlan) {
  for (VlanMode m : {VlanMode::kNativeTagged, VlanMode::kNativeUntagged}) {
    const PortVlan p = PortVlan::resolve(cfg(10, {20, 30}, m));
    EXPECT_EQ(p.input_vlan(false, 0), 10) << vlan_mode_name(m);
    EXPECT_EQ(p.input_vlan(true, 0), 10) << vlan_mode_name(m);
  }
}

TEST(VlanNativeTest, TaggedFramesMustBeTrunkedAndTheNativeVlanCounts) {
  for (VlanMode m : {VlanMode::kNativeTagged, VlanMode::kNativeUntagged}) {
    const PortVlan p = PortVlan::resolve(cfg(10, {20, 30}, m));
    EXPECT_EQ(p.input_vlan(true, 10), 10) << vlan_mode_name(m);  // native, not in trunks
    EXPECT_EQ(p.input_vlan(true, 20), 20) << vlan_mode_name(m);
    EXPECT_EQ(p.input_vlan(true, 40), kDropped) << vlan_mode_name(m);
    EXPECT_TRUE(p.trunks(10));
    EXPECT_FALSE(p.trunks(0));
  }
}

TEST(VlanNativeTest, NativeUntaggedStripsOnlyTheNativeVlan) {
  const PortVlan p = PortVlan::resolve(cfg(10, {20, 30}, VlanMode::kNativeUntagged));
  EXPECT_EQ(p.output_vlan(10), OT::kUntagged);
  EXPECT_EQ(p.output_vlan(20), OT::kTagged);
  EXPECT_EQ(p.output_vlan(30), OT::kTagged);
  EXPECT_EQ(p.output_vlan(40), OT::kDrop);
  EXPECT_EQ(p.output_vlan(0), OT::kDrop);  // VLAN 0 is never trunked by a native port
}

TEST(VlanNativeTest, NativeTaggedKeepsTheHeaderOnTheNativeVlan) {
  const PortVlan p = PortVlan::resolve(cfg(10, {20, 30}, VlanMode::kNativeTagged));
  EXPECT_EQ(p.output_vlan(10), OT::kTagged);
  EXPECT_EQ(p.output_vlan(20), OT::kTagged);
  EXPECT_EQ(p.output_vlan(40), OT::kDrop);
  EXPECT_EQ(p.output_vlan(0), OT::kDrop);
}

TEST(VlanNativeTest, EmptyTrunksMeanAllVlansExceptZero) {
  for (VlanMode m : {VlanMode::kNativeTagged, VlanMode::kNativeUntagged}) {
    const PortVlan p = PortVlan::resolve(cfg(10, {}, m));
    EXPECT_EQ(p.input_vlan(true, 4095), 4095);
    EXPECT_EQ(p.input_vlan(true, 1), 1);
    EXPECT_EQ(p.output_vlan(4095), OT::kTagged);
    EXPECT_EQ(p.output_vlan(0), OT::kDrop);
    EXPECT_FALSE(p.trunks(0));
  }
}

TEST(VlanNativeTest, ExplicitlyTrunkedVlan0IsStillProhibited) {
  const PortVlan p = PortVlan::resolve(cfg(10, {0, 20}, VlanMode::kNativeUntagged));
  EXPECT_FALSE(p.trunks(0));
  EXPECT_EQ(p.output_vlan(0), OT::kDrop);
  EXPECT_EQ(p.input_vlan(true, 0), 10);  // still the native VLAN on input
}

TEST(VlanNativeTest, NativeVlan0KeepsTheTrunksAsGiven) {
  // ovs-vswitchd only adjusts the trunks for a nonzero native VLAN.
  const PortVlan p = PortVlan::resolve(cfg(0, {0, 20}, VlanMode::kNativeUntagged));
  EXPECT_TRUE(p.trunks(0));
  EXPECT_EQ(p.input_vlan(false, 0), 0);
  EXPECT_EQ(p.output_vlan(0), OT::kUntagged);
  EXPECT_EQ(p.output_vlan(20), OT::kTagged);
}

// ---- dot1q-tunnel, free functions, invariants -------------------------------------------------

TEST(VlanDot1qTunnelTest, UnsupportedPortDropsEverything) {
  const PortVlan p = PortVlan::resolve(cfg(100, {}, VlanMode::kDot1qTunnel));
  EXPECT_EQ(p.input_vlan(false, 0), kDropped);
  EXPECT_EQ(p.input_vlan(true, 100), kDropped);
  EXPECT_EQ(p.output_vlan(100), OT::kDrop);
  EXPECT_EQ(p.output_vlan(0), OT::kDrop);
}

TEST(VlanFreeFunctionsTest, MatchTheCompiledForm) {
  const PortVlanConfig c = cfg(10, {20}, VlanMode::kNativeUntagged);
  EXPECT_EQ(input_vlan(c, false, 0), 10);
  EXPECT_EQ(input_vlan(c, true, 20), 20);
  EXPECT_EQ(input_vlan(c, true, 21), kDropped);
  EXPECT_EQ(output_vlan(c, 10), OT::kUntagged);
  EXPECT_EQ(output_vlan(c, 20), OT::kTagged);
  EXPECT_EQ(output_vlan(c, 0), OT::kDrop);
  EXPECT_EQ(input_vlan(PortVlanConfig{}, false, 0), 0);
  EXPECT_EQ(output_vlan(PortVlanConfig{}, 0), OT::kUntagged);
}

// A frame that a port sends out in VLAN v, with the tagging output_vlan() chose, comes back in
// through the same port as VLAN v; and every VLAN a port accepts can also leave through it.
TEST(VlanInvariantTest, OutputThenInputRoundTripsForValidConfigs) {
  const std::vector<PortVlanConfig> configs = {
      cfg(std::nullopt, {}),
      cfg(std::nullopt, {10, 20}),
      cfg(std::nullopt, {0, 4095}),
      cfg(10, {}),
      cfg(4095, {}, VlanMode::kAccess),
      cfg(10, {}, VlanMode::kNativeTagged),
      cfg(10, {20, 30}, VlanMode::kNativeTagged),
      cfg(10, {}, VlanMode::kNativeUntagged),
      cfg(10, {0, 10, 20}, VlanMode::kNativeUntagged),
  };
  for (const PortVlanConfig& c : configs) {
    ASSERT_TRUE(validate(c).ok());
    const PortVlan p = PortVlan::resolve(c);
    for (uint16_t v = 0; v <= kMaxVlanId; ++v) {
      const OT out = p.output_vlan(v);
      if (out != OT::kDrop) {
        ASSERT_EQ(p.input_vlan(out == OT::kTagged, v), v) << vlan_mode_name(p.mode()) << " " << v;
      }
      const std::optional<uint16_t> in = p.input_vlan(true, v);
      if (in) {
        ASSERT_NE(p.output_vlan(*in), OT::kDrop) << vlan_mode_name(p.mode()) << " " << v;
      }
    }
  }
}

}  // namespace
}  // namespace nt
