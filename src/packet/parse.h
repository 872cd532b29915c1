// Parsing a frame into a FlowKey in one pass.
//
// flow_extract() walks Ethernet, up to two 802.1Q/802.1ad tags, then ARP, IPv4 (options,
// fragments) or IPv6 (base header), then TCP, UDP, ICMP or ICMPv6, filling a FlowKey and the
// header offsets later stages need. It never reads past the frame: a truncated or malformed
// header yields a ParseError (the datapath counts and drops such packets by that name) and a
// key filled as far as was valid. No allocation, no exceptions.
#pragma once

#include <cstdint>
#include <string_view>

#include "packet/flow_key.h"
#include "packet/packet.h"

namespace nt {

// X(name, "counter_name")
#define NT_PARSE_ERRORS(X)                        \
  X(kOk, "ok")                                    \
  X(kTruncatedEth, "drop_truncated_eth")          \
  X(kTruncatedVlan, "drop_truncated_vlan")        \
  X(kTruncatedArp, "drop_truncated_arp")          \
  X(kBadArp, "drop_bad_arp")                      \
  X(kTruncatedIpv4, "drop_truncated_ipv4")        \
  X(kBadIpv4Header, "drop_bad_ipv4_header")       \
  X(kTruncatedIpv6, "drop_truncated_ipv6")        \
  X(kTruncatedL4, "drop_truncated_l4")

enum class ParseError : uint8_t {
#define NT_PARSE_ENUM(name, str) name,
  NT_PARSE_ERRORS(NT_PARSE_ENUM)
#undef NT_PARSE_ENUM
      kCount
};
std::string_view parse_error_name(ParseError e);

// Offsets of the headers found (0xffff = absent), relative to the frame start.
struct HeaderOffsets {
  uint16_t l2_5 = 0xffff;  // first VLAN tag
  uint16_t l3 = 0xffff;    // ARP / IPv4 / IPv6 header
  uint16_t l4 = 0xffff;    // TCP / UDP / ICMP header (first fragment only)
};

// Fills `key` (starting from FlowKey{} with key.in_port and tunnel fields taken from the
// packet's metadata) and `ofs`.
ParseError flow_extract(const Packet& pkt, FlowKey& key, HeaderOffsets* ofs = nullptr);
ParseError flow_extract(const uint8_t* data, size_t len, FlowKey& key,
                        HeaderOffsets* ofs = nullptr);

}  // namespace nt
