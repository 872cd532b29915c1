// Datapath actions: the flat, already-decided list a megaflow carries.
//
// Translation (xlate/) turns a walk over OpenFlow tables into a short list of these; the
// datapath then applies them to every packet of the megaflow without thinking. They only know
// how to edit headers, push/pop tags, attach tunnel metadata and output — resubmit, goto_table,
// learn and NORMAL never reach this level. An OdpAction is plain data (no heap), so executing
// one is a switch on `type`. The text form follows Open vSwitch's odp-util ("push_vlan(vid=1,
// pcp=0)", "set(tunnel(tun_id=0x64,...))", "2"), which is what ofproto/trace and dpctl/dump-flows
// print.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "packet/flow_key.h"
#include "packet/packet.h"

namespace nt {

enum class OdpType : uint8_t {
  kOutput,    // u32 = datapath port
  kPushVlan,  // u16 = wire TCI, tpid = ethertype
  kPopVlan,
  kSetEthSrc,      // mac
  kSetEthDst,      // mac
  kSetIpv4Src,     // u32
  kSetIpv4Dst,     // u32
  kSetIpv4Tos,     // u32 = value (low 8 bits), u16 = mask (0xff: the whole byte)
  kSetIpv4Ttl,     // u32 (low 8 bits)
  kSetIpv6Hlimit,  // u32 (low 8 bits)
  kSetIpv6Tclass,  // u32 = value (low 8 bits), u16 = mask
  kSetL4Src,       // u16
  kSetL4Dst,       // u16
  kSetArpOp,       // u16
  kSetArpSha,      // mac
  kSetArpSpa,      // u32
  kSetArpTha,      // mac
  kSetArpTpa,      // u32
  kSetTunnel,      // tunnel
  kUserspace,      // packet-in to the controller handler; u32 = reason, u16 = max_len
};

struct OdpAction {
  OdpType type = OdpType::kOutput;
  uint16_t u16 = 0;
  uint16_t tpid = 0;
  uint32_t u32 = 0;
  MacAddr mac;
  TunnelMeta tunnel;

  bool operator==(const OdpAction& o) const;
};

using OdpActions = std::vector<OdpAction>;

OdpAction odp_output(uint32_t port);
OdpAction odp_push_vlan(uint16_t tpid, uint16_t wire_tci);
OdpAction odp_pop_vlan();
OdpAction odp_set_tunnel(const TunnelMeta& t);

// Open vSwitch's datapath action syntax; "drop" for an empty list. `port_name` (optional)
// is not used for numbers: OVS prints datapath port numbers.
std::string format_odp_actions(const OdpActions& acts);

}  // namespace nt
