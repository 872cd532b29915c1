// PortType and PortSpec: what a port of a bridge is, as the control plane describes it.
//
// PortType is the one list of port kinds (Interface `type` in OVSDB). NT_PORT_TYPES is the
// only place a kind and its name are written down: the enum, the name <-> enum table, and the
// netdev provider table are all driven from it, so code compares enums, never strings. A
// PortSpec is one port's whole description (name, type, options, VLAN, ofport and MAC
// requests); the Switch turns it into an OfPort plus a datapath port, a netdev provider into a
// device. It sits in ofproto (below netdev and xlate) so that both can use it without netdev
// depending on the translator. Nothing here is on the packet path.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/addr.h"
#include "common/result.h"
#include "datapath/dp_port.h"
#include "ofproto/vlan_port.h"

namespace nt {

// X(enumerator, name): every port type, as ovs-vsctl spells it in Interface `type`.
#define NT_PORT_TYPES(X)                                                    \
  X(kDummy, "dummy")       /* in-memory port (tests, emulated lab, pcap) */ \
  X(kInternal, "internal") /* the host's side is a tap device */            \
  X(kSystem, "system")     /* an existing device (Interface type "") */     \
  X(kTap, "tap")           /* a tap device we create */                     \
  X(kPatch, "patch")       /* joins two bridges inside xlate; no device */  \
  X(kVxlan, "vxlan")       /* tunnel vport */                               \
  X(kGre, "gre")           /* tunnel vport */                               \
  X(kSink, "sink")         /* swallows everything it is sent (benchmarks) */

enum class PortType : uint8_t {
#define NT_PORT_TYPE_ENUM(e, name) e,
  NT_PORT_TYPES(NT_PORT_TYPE_ENUM)
#undef NT_PORT_TYPE_ENUM
};

std::string_view port_type_name(PortType type);  // "vxlan"
std::optional<PortType> port_type_from_name(std::string_view name);
// `name` as a PortType, or the error the daemon reports for an unknown one:
// "PORT: unsupported port type 'T'" (ErrorCode::kUnsupported).
Result<PortType> parse_port_type(std::string_view port, std::string_view name);
inline bool is_tunnel(PortType t) { return t == PortType::kVxlan || t == PortType::kGre; }

struct PortSpec {
  std::string name;
  PortType type = PortType::kDummy;
  std::map<std::string, std::string> options;  // peer, remote_ip, local_ip, key, ...
  PortVlanConfig vlan;
  std::optional<uint32_t> ofport_request;
  std::optional<MacAddr> mac;
};

// Reads a vxlan/gre port's options (remote_ip, local_ip, key/in_key/out_key, dst_port).
Result<TunnelConfig> parse_tunnel_config(const PortSpec& spec);

}  // namespace nt
