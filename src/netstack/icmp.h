// ICMP as the host stack sees it: echo (ping) and the errors traceroute and ping read.
//
// A host answers echo requests to its own addresses, and, forwarding or not, reports what
// went wrong as ICMP errors (RFC 792, RFC 1812 §4.3.2): time exceeded when a forwarded TTL
// runs out, port unreachable for UDP to a closed port, host unreachable when ARP gives up,
// net unreachable without a route, fragmentation needed for a too-big DF packet. An error
// that comes back is matched, by the header it quotes, to the socket or echo listener that
// sent the original packet, as a kernel does; errors the host raises against its own packets
// (ARP failure) reach the sender the same way without touching the wire.
#pragma once

#include <cstdint>

#include "netstack/route_table.h"

namespace nt {

inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpDestUnreachable = 3;
inline constexpr uint8_t kIcmpEchoRequest = 8;
inline constexpr uint8_t kIcmpTimeExceeded = 11;
inline constexpr uint8_t kIcmpParamProblem = 12;
// Destination-unreachable codes.
inline constexpr uint8_t kIcmpNetUnreachable = 0;
inline constexpr uint8_t kIcmpHostUnreachable = 1;
inline constexpr uint8_t kIcmpProtoUnreachable = 2;
inline constexpr uint8_t kIcmpPortUnreachable = 3;
inline constexpr uint8_t kIcmpFragNeeded = 4;

// An ICMP error about a packet this host sent.
struct IcmpError {
  uint8_t type = 0;
  uint8_t code = 0;
  uint32_t from = 0;  // who reported it (a router, the destination, or this host)
  uint8_t ttl = 0;    // TTL of the error packet as it arrived
  NicId nic = kNoNic;
  bool local = false;  // raised by this host itself (e.g. ARP failed), never on the wire
  // The quoted original packet.
  uint32_t orig_src = 0;
  uint32_t orig_dst = 0;
  uint8_t orig_proto = 0;
  uint16_t orig_sport = 0;    // UDP source port, or ICMP echo id
  uint16_t orig_dport = 0;    // UDP destination port, or ICMP echo sequence
  uint16_t next_hop_mtu = 0;  // fragmentation needed
};

struct IcmpEchoReply {
  uint32_t from = 0;
  uint32_t to = 0;
  uint16_t id = 0;
  uint16_t seq = 0;
  uint8_t ttl = 0;
  NicId nic = kNoNic;
  const uint8_t* data = nullptr;  // echo data after the 8-byte ICMP header
  size_t data_len = 0;
};

// What a ping-like program implements to receive replies and errors for its echo id.
class IcmpEchoListener {
 public:
  virtual ~IcmpEchoListener() = default;
  virtual void on_echo_reply(const IcmpEchoReply& reply) = 0;
  virtual void on_icmp_error(const IcmpError& error) = 0;
};

}  // namespace nt
