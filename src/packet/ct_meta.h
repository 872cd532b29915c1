// Connection-tracking metadata a packet carries between a ct() and what follows it.
//
// The conntrack layer (conntrack/conntrack.h) fills a CtMeta when the datapath runs a ct()
// action; the packet keeps it (Packet::ct) through recirculation, where the datapath copies
// it into the FlowKey's ct_* fields for the next lookup. Plain data, defined here in the
// packet layer so that a Packet can hold it without knowing the tracker.
#pragma once

#include <array>
#include <cstdint>

namespace nt {

// ct_state bits, as ovs-fields(7) (CS_*).
inline constexpr uint8_t kCsNew = 0x01, kCsEst = 0x02, kCsRel = 0x04, kCsRpl = 0x08, kCsInv = 0x10,
                         kCsTrk = 0x20, kCsSnat = 0x40, kCsDnat = 0x80;

struct CtAddr {  // IPv4 in b[0..3] network order, or IPv6
  std::array<uint8_t, 16> b{};
  bool operator==(const CtAddr&) const = default;
};

// What a ct() leaves in the packet's metadata (the datapath copies it into FlowKey's ct_*).
// It is also read: state/zone/conn of a previous ct() decide the fast path and NAT reuse.
struct CtMeta {
  uint8_t state = 0;  // kCs* bits; 0 = untracked
  uint16_t zone = 0;
  uint32_t mark = 0;
  unsigned __int128 label = 0;
  // Original-direction tuple before NAT (the parent's for +rel); valid when state has
  // +trk and not +inv.
  uint8_t orig_proto = 0;
  bool orig_ipv6 = false;
  CtAddr orig_src, orig_dst;
  uint16_t orig_tp_src = 0, orig_tp_dst = 0;  // ICMP: type/code as OVS puts them
  // The connection the packet was last matched to (OVS's pkt->md.conn), so a second ct() in
  // the same zone skips the lookup. Opaque to callers.
  const void* conn = nullptr;
};

}  // namespace nt
