#include "ofproto/vlan_port.h"

#include <array>
#include <string>

namespace nt {

namespace {

struct ModeName {
  VlanMode mode;
  std::string_view name;
};

constexpr std::array<ModeName, 5> kModeNames{{
    {VlanMode::kAccess, "access"},
    {VlanMode::kTrunk, "trunk"},
    {VlanMode::kNativeTagged, "native-tagged"},
    {VlanMode::kNativeUntagged, "native-untagged"},
    {VlanMode::kDot1qTunnel, "dot1q-tunnel"},
}};

bool is_native(VlanMode mode) {
  return mode == VlanMode::kNativeTagged || mode == VlanMode::kNativeUntagged;
}

Error bad_vid(std::string_view column, unsigned vid) {
  return make_error(std::string(column) + ": " + std::to_string(vid) +
                    " is not a valid VLAN ID (expected 0 to 4095)");
}

// The column-combination rules of the Port table ("Must be empty if ...").
Status validate_combination(const PortVlanConfig& cfg, VlanMode mode) {
  switch (mode) {
    case VlanMode::kAccess:
      if (!cfg.trunks.empty()) {
        return make_error(
            "trunks: must be empty on an access port (an access port carries only the VLAN in "
            "tag); clear trunks or use vlan_mode=native-tagged or native-untagged");
      }
      return ok_status();
    case VlanMode::kTrunk:
      if (cfg.tag) {
        return make_error("tag: must be empty on a trunk port (tag " + std::to_string(*cfg.tag) +
                          " would be ignored); use vlan_mode=native-tagged or native-untagged "
                          "for a native VLAN");
      }
      return ok_status();
    case VlanMode::kNativeTagged:
    case VlanMode::kNativeUntagged:
      if (!cfg.tag) {
        return make_error("tag: vlan_mode=" + std::string(vlan_mode_name(mode)) +
                          " needs a tag, the native VLAN for untagged frames");
      }
      return ok_status();
    case VlanMode::kDot1qTunnel:
      return make_error("vlan_mode: dot1q-tunnel is not supported", ErrorCode::kUnsupported);
    case VlanMode::kDefault:
      break;
  }
  return make_error("vlan_mode: unresolved default mode", ErrorCode::kInternal);
}

}  // namespace

std::string_view vlan_mode_name(VlanMode mode) {
  for (const ModeName& m : kModeNames) {
    if (m.mode == mode) return m.name;
  }
  return "";
}

Result<VlanMode> parse_vlan_mode(std::string_view name) {
  for (const ModeName& m : kModeNames) {
    if (m.name == name) return m.mode;
  }
  return make_error("vlan_mode: unknown mode \"" + std::string(name) +
                    "\" (expected access, trunk, native-tagged, native-untagged or "
                    "dot1q-tunnel)");
}

VlanMode effective_vlan_mode(const PortVlanConfig& cfg) {
  if (cfg.mode != VlanMode::kDefault) return cfg.mode;
  // As ovs-vswitchd, which discards a tag outside 0..4095 before choosing the default.
  return cfg.tag && *cfg.tag <= kMaxVlanId ? VlanMode::kAccess : VlanMode::kTrunk;
}

Status validate(const PortVlanConfig& cfg) {
  if (cfg.tag && *cfg.tag > kMaxVlanId) return bad_vid("tag", *cfg.tag);
  for (uint16_t vid : cfg.trunks) {
    if (vid > kMaxVlanId) return bad_vid("trunks", vid);
  }
  return validate_combination(cfg, effective_vlan_mode(cfg));
}

PortVlan::PortVlan() { trunks_.set(); }

PortVlan PortVlan::resolve(const PortVlanConfig& cfg) {
  PortVlan pv;
  pv.mode_ = effective_vlan_mode(cfg);
  // As ovs-vswitchd: a tag outside 0..4095 counts as absent, a trunk port ignores its tag, and
  // an access or native port without a tag uses VLAN 0.
  if (pv.mode_ != VlanMode::kTrunk && cfg.tag && *cfg.tag <= kMaxVlanId) pv.vlan_ = *cfg.tag;
  if (pv.mode_ == VlanMode::kAccess || pv.mode_ == VlanMode::kDot1qTunnel) {
    pv.trunks_.reset();  // access ports ignore trunks
    return pv;
  }
  if (!cfg.trunks.empty()) {
    pv.trunks_.reset();
    for (uint16_t vid : cfg.trunks) {
      if (vid <= kMaxVlanId) pv.trunks_.set(vid);
    }
  }
  if (is_native(pv.mode_) && pv.vlan_ != 0) {
    // A native port always trunks its native VLAN, and never VLAN 0: untagged frames are in
    // the native VLAN, so "VLAN 0" cannot exist on it.
    pv.trunks_.set(pv.vlan_);
    pv.trunks_.reset(0);
  }
  return pv;
}

Result<PortVlan> PortVlan::create(const PortVlanConfig& cfg) {
  NT_TRY(validate(cfg));
  return resolve(cfg);
}

std::optional<uint16_t> PortVlan::input_vlan(bool tagged, uint16_t vid) const {
  if (!tagged) vid = 0;
  if (vid > kMaxVlanId) return std::nullopt;
  switch (mode_) {
    case VlanMode::kAccess:
      if (vid != 0) return std::nullopt;  // only untagged and priority-tagged frames
      return vlan_;
    case VlanMode::kNativeTagged:
    case VlanMode::kNativeUntagged:
      if (vid == 0) return vlan_;  // the port always carries its native VLAN
      [[fallthrough]];
    case VlanMode::kTrunk:
      if (!trunks_[vid]) return std::nullopt;
      return vid;
    case VlanMode::kDot1qTunnel:
    case VlanMode::kDefault:
      break;
  }
  return std::nullopt;
}

OutputTagging PortVlan::output_vlan(uint16_t vlan) const {
  if (vlan > kMaxVlanId) return OutputTagging::kDrop;
  switch (mode_) {
    case VlanMode::kAccess:
      return vlan == vlan_ ? OutputTagging::kUntagged : OutputTagging::kDrop;
    case VlanMode::kTrunk:
    case VlanMode::kNativeTagged:
    case VlanMode::kNativeUntagged:
      if (!trunks_[vlan]) return OutputTagging::kDrop;
      // VLAN 0 is "no 802.1Q header"; native-untagged also strips the native VLAN's header.
      if (vlan == 0) return OutputTagging::kUntagged;
      if (mode_ == VlanMode::kNativeUntagged && vlan == vlan_) return OutputTagging::kUntagged;
      return OutputTagging::kTagged;
    case VlanMode::kDot1qTunnel:
    case VlanMode::kDefault:
      break;
  }
  return OutputTagging::kDrop;
}

std::optional<uint16_t> input_vlan(const PortVlanConfig& cfg, bool tagged, uint16_t vid) {
  return PortVlan::resolve(cfg).input_vlan(tagged, vid);
}

OutputTagging output_vlan(const PortVlanConfig& cfg, uint16_t vlan) {
  return PortVlan::resolve(cfg).output_vlan(vlan);
}

}  // namespace nt
