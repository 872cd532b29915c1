// Port VLAN rules: which VLAN a frame belongs to when it enters a port, and whether (and with
// or without an 802.1Q header) a frame of a given VLAN may leave through a port.
//
// These are Open vSwitch's Port-table semantics (ovs-vswitchd.conf.db(5), "VLAN Configuration":
// columns tag, trunks and vlan_mode), which the NORMAL action applies to every port of a bridge:
//
//   access           carries exactly one VLAN, `tag` (VLAN 0 if tag is empty). Frames enter
//                    untagged or priority-tagged (VID 0) and join `tag`; frames with any other
//                    VID are dropped. Frames leave untagged, and only if they are in `tag`.
//   trunk            carries the VLANs in `trunks` (all 4096 if empty). A frame enters in the
//                    VLAN of its 802.1Q header, VLAN 0 if it has none, and is dropped if that
//                    VLAN is not trunked (so trunks=[10,20] drops untagged frames). Frames leave
//                    with a header, except VLAN 0, which leaves untagged.
//   native-tagged    a trunk whose untagged (or VID 0) frames join the native VLAN `tag`. The
//   native-untagged  native VLAN is always trunked and VLAN 0 never is (OVS forces both). On the
//                    way out, native-untagged strips the header of native-VLAN frames;
//                    native-tagged keeps it.
//   dot1q-tunnel     not supported: validate() says so, and such a port drops everything.
//   (empty)          access if `tag` is set, otherwise trunk.
//
// The VLAN numbers here are VIDs 0..4095. "VLAN 0" is the untagged domain of trunk ports, the
// same convention as OVS's fdb/show; a frame's PCP bits are the translator's business.
//
// What makes it fast: a PortVlan is the configuration compiled once, when the port is
// (re)configured: the mode with the default resolved, the access/native VLAN, and the trunked
// set as a 4096-bit bitmap with OVS's native-VLAN adjustments already applied. input_vlan()
// and output_vlan() are then a switch and one bit test, with no allocation. The translator
// should hold one PortVlan per port; the free functions taking a PortVlanConfig compile on
// every call and exist for the control plane and for tests. A default PortVlan (and a default
// PortVlanConfig) is a trunk of all VLANs, which is what a patch port is.
//
// Validation is separate from compilation on purpose: resolve() accepts any configuration and
// behaves like ovs-vswitchd does with it (out-of-range tag ignored, trunks ignored on access
// ports, tag ignored on trunk ports), while validate() rejects the configurations the OVS
// schema documents as invalid ("Must be empty if ..."), with a message that names the column.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nt {

inline constexpr uint16_t kMaxVlanId = 4095;

enum class VlanMode : uint8_t {
  kDefault,  // vlan_mode column empty: access if tag is set, otherwise trunk
  kAccess,
  kTrunk,
  kNativeTagged,
  kNativeUntagged,
  kDot1qTunnel,  // parsed so it can be reported; unsupported
};

// "access", "trunk", "native-tagged", "native-untagged", "dot1q-tunnel"; "" for kDefault.
std::string_view vlan_mode_name(VlanMode mode);
// Inverse of vlan_mode_name for the five named modes (as `ovs-vsctl set port p vlan_mode=...`).
Result<VlanMode> parse_vlan_mode(std::string_view name);

// The Port columns as the user wrote them.
struct PortVlanConfig {
  std::optional<uint16_t> tag;
  std::vector<uint16_t> trunks;  // empty = all VLANs
  VlanMode mode = VlanMode::kDefault;
};

// Whether a frame may leave through a port, and how.
enum class OutputTagging : uint8_t { kDrop, kUntagged, kTagged };

// kDefault resolved: kAccess if cfg.tag holds a valid VID, otherwise kTrunk. Other modes
// unchanged.
VlanMode effective_vlan_mode(const PortVlanConfig& cfg);

// Rejects VIDs above 4095, trunks on an access port, a tag on a trunk port, a native mode
// without a tag (all kInvalidArgument), and dot1q-tunnel (kUnsupported).
Status validate(const PortVlanConfig& cfg);

// A port's VLAN rules, compiled. Cheap to query, 520 bytes, copyable.
class PortVlan {
 public:
  PortVlan();  // trunk of all VLANs (patch ports, ports without VLAN configuration)

  // Compiles any configuration, never fails; odd configurations behave as in ovs-vswitchd.
  static PortVlan resolve(const PortVlanConfig& cfg);
  // validate() then resolve().
  static Result<PortVlan> create(const PortVlanConfig& cfg);

  VlanMode mode() const { return mode_; }  // never kDefault
  // The access VLAN or the native VLAN (0 for trunk ports and for a missing tag).
  uint16_t vlan() const { return vlan_; }
  // Whether the port trunks `vlan` after OVS's adjustments (false for access/dot1q ports).
  bool trunks(uint16_t vlan) const { return vlan <= kMaxVlanId && trunks_[vlan]; }

  // The VLAN a frame arriving on this port belongs to, or nullopt if the port must drop it.
  // `vid` is the VID of the frame's outer 802.1Q header and is ignored when !tagged; a tagged
  // frame with VID 0 is priority-tagged and treated like an untagged one.
  std::optional<uint16_t> input_vlan(bool tagged, uint16_t vid) const;
  // Whether a frame in `vlan` may leave through this port, and whether with an 802.1Q header.
  OutputTagging output_vlan(uint16_t vlan) const;
  // Shorthand for output_vlan(vlan) != kDrop: the port is a member of `vlan` (flood set).
  bool includes(uint16_t vlan) const { return output_vlan(vlan) != OutputTagging::kDrop; }

 private:
  VlanMode mode_ = VlanMode::kTrunk;
  uint16_t vlan_ = 0;
  std::bitset<kMaxVlanId + 1> trunks_;
};

// Conveniences over PortVlan::resolve(cfg); see PortVlan for the semantics.
std::optional<uint16_t> input_vlan(const PortVlanConfig& cfg, bool tagged, uint16_t vid);
OutputTagging output_vlan(const PortVlanConfig& cfg, uint16_t vlan);

}  // namespace nt
