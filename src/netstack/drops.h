// Why a host dropped a packet: one named counter per reason.
//
// A host never crashes and never silently loses a packet: every frame it does not accept is
// counted under exactly one of these names (frames flow_extract() rejects are counted under
// its ParseError names as well as kMalformed). `Host::counters_text()` prints the non-zero ones.
#pragma once

#include <cstdint>
#include <string_view>

namespace nt {

// X(name, "counter_name")
#define NT_HOST_DROPS(X)                       \
  X(kMalformed, "malformed_frame")             \
  X(kNicDown, "nic_down")                      \
  X(kOtherMac, "other_host_mac")               \
  X(kVlanTagged, "vlan_tagged")                \
  X(kUnknownEthertype, "unknown_ethertype")    \
  X(kIpv6, "ipv6_unsupported")                 \
  X(kArpBadOp, "arp_bad_opcode")               \
  X(kArpBadSender, "arp_bad_sender")           \
  X(kArpOtherTarget, "arp_other_target")       \
  X(kArpUnresolved, "arp_unresolved")          \
  X(kArpQueueFull, "arp_queue_full")           \
  X(kIpBadChecksum, "ip_bad_checksum")         \
  X(kIpMartian, "ip_martian_address")          \
  X(kIpFragment, "ip_fragment")                \
  X(kIpNotForUs, "ip_not_for_us")              \
  X(kIpTtlExceeded, "ip_ttl_exceeded")         \
  X(kIpNoRoute, "ip_no_route")                 \
  X(kIpTooBig, "ip_too_big")                   \
  X(kIpBadSource, "ip_bad_source")             \
  X(kIpUnknownProtocol, "ip_unknown_protocol") \
  X(kIcmpBadChecksum, "icmp_bad_checksum")     \
  X(kIcmpTruncated, "icmp_truncated")          \
  X(kIcmpBroadcastEcho, "icmp_broadcast_echo") \
  X(kIcmpUnhandledType, "icmp_unhandled_type") \
  X(kIcmpNoListener, "icmp_no_listener")       \
  X(kUdpBadLength, "udp_bad_length")           \
  X(kUdpBadChecksum, "udp_bad_checksum")       \
  X(kUdpNoSocket, "udp_no_socket")             \
  X(kTcpMalformed, "tcp_malformed")            \
  X(kTcpBadChecksum, "tcp_bad_checksum")       \
  X(kTcpBroadcast, "tcp_broadcast")            \
  X(kTcpNoSocket, "tcp_no_socket")             \
  X(kTcpUnacceptable, "tcp_unacceptable")      \
  X(kTxNoLink, "tx_no_link")                   \
  X(kNetfilterDrop, "netfilter_drop")          \
  X(kNetfilterCtDrop, "netfilter_conntrack_drop")

enum class HostDrop : uint8_t {
#define NT_HOST_DROP_ENUM(name, str) name,
  NT_HOST_DROPS(NT_HOST_DROP_ENUM)
#undef NT_HOST_DROP_ENUM
      kCount
};

std::string_view host_drop_name(HostDrop d);

}  // namespace nt
