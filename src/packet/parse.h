// Parsing a frame into a FlowKey in one pass.
//
// flow_extract() walks Ethernet, up to two 802.1Q/802.1ad tags, then ARP, IPv4 (options,
// fragments) or IPv6 (base header), then TCP, UDP, ICMP or ICMPv6, filling a FlowKey and the
// header offsets later stages need. It never reads past the frame: a truncated or malformed
// header yields a ParseError (the datapath counts and drops such packets by that name) and a
// key filled as far as was valid. No allocation, no exceptions.
//
// Details worth knowing:
//  - an ethertype below 0x600 is an 802.3 length: dl_type becomes kEthTypeNone (0x05ff);
//  - a third VLAN tag is not parsed: dl_type is then the TPID that follows the second tag;
//  - IPv4 L4 parsing is bounded by the total length (Ethernet padding is ignored); a later
//    fragment (offset != 0) gets nw_frag = kFragAny|kFragLater and no transport fields;
//  - IPv6 walks hop-by-hop, routing, destination-options and fragment extension headers, so
//    nw_proto is the upper-layer protocol; any fragment header sets kFragAny (kFragLater if
//    its offset is non-zero). AH/ESP are not walked and appear as nw_proto 51/50. Neighbour
//    discovery options are not extracted (FlowKey has no nd_* fields);
//  - checksums are not verified (as in Open vSwitch; the fast path does not pay for it).
#pragma once

#include <cstdint>
#include <string_view>

#include "packet/flow_key.h"
#include "packet/packet.h"

namespace nt {

// X(name, "counter_name")
#define NT_PARSE_ERRORS(X)                  \
  X(kOk, "ok")                              \
  X(kTruncatedEth, "drop_truncated_eth")    \
  X(kTruncatedVlan, "drop_truncated_vlan")  \
  X(kTruncatedArp, "drop_truncated_arp")    \
  X(kBadArp, "drop_bad_arp")                \
  X(kTruncatedIpv4, "drop_truncated_ipv4")  \
  X(kBadIpv4Header, "drop_bad_ipv4_header") \
  X(kTruncatedIpv6, "drop_truncated_ipv6")  \
  X(kBadIpv6Header, "drop_bad_ipv6_header") \
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
  uint16_t l4 = 0xffff;    // transport header of any IP protocol (first fragment only)
};

// Fills `key` (starting from FlowKey{} with key.in_port and tunnel fields taken from the
// packet's metadata) and `ofs`. The raw-bytes form starts from FlowKey{} with no metadata.
ParseError flow_extract(const Packet& pkt, FlowKey& key, HeaderOffsets* ofs = nullptr);
ParseError flow_extract(const uint8_t* data, size_t len, FlowKey& key,
                        HeaderOffsets* ofs = nullptr);

}  // namespace nt
