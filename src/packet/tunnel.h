// VXLAN and GRE: wrapping an Ethernet frame in an outer Ethernet/IPv4 packet and back.
//
// Encapsulation writes the whole outer header stack into the packet's headroom in one pass
// (50 bytes for VXLAN: Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8; 42 for GRE: Ethernet 14 +
// IPv4 20 + GRE 4 + key 4), so the inner frame is never copied. The outer UDP source port is
// a hash of the inner frame's addresses and ports (RFC 7348 §5), which lets the underlay's
// ECMP spread flows while keeping each flow on one path. Decapsulation validates every outer
// header, records the outer facts in Packet::tunnel, and strips the headers with a pointer
// move. A malformed outer frame leaves the packet untouched and yields a named TunnelError
// for the caller's drop counter.
//
// Supported: VXLAN (RFC 7348; "I" flag required, 24-bit VNI) on a configurable UDP port, and
// GRE (RFC 2784/2890) carrying transparent Ethernet bridging (0x6558) with optional checksum,
// key and sequence fields. Not verified on receive (as the trusted underlay's job): the outer
// IPv4 header checksum, a non-zero VXLAN UDP checksum, the GRE checksum. Outer IPv6 and
// fragmented outer packets are not supported (kOuterFragment).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "packet/flow_key.h"
#include "packet/packet.h"

namespace nt {

inline constexpr uint16_t kVxlanPort = 4789;
inline constexpr uint16_t kEthTypeTeb = 0x6558;  // transparent Ethernet bridging (GRE)
inline constexpr size_t kVxlanEncapLen = 50;
inline constexpr size_t kGreEncapLen = 42;
inline constexpr uint16_t kTunnelSrcPortMin = 32768;  // as Linux's ip_local_port_range
inline constexpr uint16_t kTunnelSrcPortMax = 60999;

struct TunnelEncap {
  MacAddr eth_src, eth_dst;
  uint32_t ip_src = 0, ip_dst = 0;  // host order
  uint8_t ttl = 64, tos = 0;
  bool df = true;
  uint16_t udp_dst = kVxlanPort;  // VXLAN only
  uint64_t key = 0;               // VNI (low 24 bits) or GRE key (low 32 bits)
  uint32_t flow_hash = 0;         // VXLAN: if non-zero, picks the UDP source port (no rehash)
};

// Prepends the outer headers. False (packet unchanged) if there is no room.
bool vxlan_encap(Packet& pkt, const TunnelEncap& encap);
bool gre_encap(Packet& pkt, const TunnelEncap& encap);

// UDP source port for an encapsulated frame, in [kTunnelSrcPortMin, kTunnelSrcPortMax].
uint16_t tunnel_src_port(const uint8_t* inner, size_t len);

enum class TunnelKind : uint8_t { kNone, kVxlan, kGre };
std::string_view tunnel_kind_name(TunnelKind kind);

// X(name, "counter_name")
#define NT_TUNNEL_ERRORS(X)                         \
  X(kOk, "ok")                                      \
  X(kNotTunnel, "tunnel_not_tunnel")                \
  X(kTruncatedOuter, "drop_tunnel_truncated_outer") \
  X(kBadOuterIpv4, "drop_tunnel_bad_outer_ipv4")    \
  X(kOuterFragment, "drop_tunnel_outer_fragment")   \
  X(kBadUdp, "drop_tunnel_bad_udp")                 \
  X(kBadVxlan, "drop_tunnel_bad_vxlan")             \
  X(kBadGre, "drop_tunnel_bad_gre")                 \
  X(kTruncatedInner, "drop_tunnel_truncated_inner")

enum class TunnelError : uint8_t {
#define NT_TUNNEL_ENUM(name, str) name,
  NT_TUNNEL_ERRORS(NT_TUNNEL_ENUM)
#undef NT_TUNNEL_ENUM
      kCount
};
std::string_view tunnel_error_name(TunnelError e);

// What an outer frame is. `kind` is set once the frame is recognised as VXLAN (UDP to the
// VXLAN port) or GRE (IP protocol 47); `error` then says whether it is well formed. A frame
// that is not a tunnel has kind kNone and error kNotTunnel (or kTruncatedOuter).
struct TunnelInfo {
  TunnelKind kind = TunnelKind::kNone;
  TunnelError error = TunnelError::kNotTunnel;
  uint64_t key = 0;                 // VNI or GRE key (0 if the GRE header has no key)
  uint32_t ip_src = 0, ip_dst = 0;  // outer IPv4, host order
  uint8_t tos = 0, ttl = 0;
  uint16_t udp_src = 0, udp_dst = 0;  // VXLAN only
  uint16_t outer_len = 0;             // bytes before the inner frame
  uint16_t inner_len = 0;             // inner frame length (without outer padding)

  bool ok() const { return error == TunnelError::kOk; }
};

// Looks at an outer frame without changing it (for an emulated underlay to route on).
TunnelInfo tunnel_classify(const uint8_t* data, size_t len, uint16_t vxlan_port = kVxlanPort);
inline TunnelInfo tunnel_classify(const Packet& pkt, uint16_t vxlan_port = kVxlanPort) {
  return tunnel_classify(pkt.data(), pkt.size(), vxlan_port);
}

// Validates and strips the outer headers, leaving the inner Ethernet frame, and fills
// pkt.tunnel (tun_id, outer addresses, tos, ttl, tp_dst, valid). On error the packet is
// untouched. `info`, if given, receives the classification.
TunnelError tunnel_decap(Packet& pkt, TunnelInfo* info = nullptr, uint16_t vxlan_port = kVxlanPort);

}  // namespace nt
