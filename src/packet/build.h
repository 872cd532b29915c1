// Building frames from a description: for tests, packet trace and scenario injection.
//
// compose_packet() is the inverse of flow_extract(): given a FlowKey it writes a well-formed
// frame (valid IPv4 and transport checksums) whose extraction yields the same key for every
// field a frame can carry — Ethernet, one or two VLAN tags (two tags are written as 802.1ad
// outer + 802.1Q inner), ARP, IPv4 and IPv6 (fragments honoured through nw_frag; an IPv6
// fragment gets a fragment extension header) with TCP, UDP, ICMP or ICMPv6. Packet metadata
// is restored too: pkt.in_port = key.in_port, and pkt.tunnel from tun_id/tun_src/tun_dst when
// any of them is non-zero. Pipeline-only fields (metadata, regs) have no wire form.
//
// The helpers below build the everyday frames (ping, ARP, a UDP datagram) with realistic
// contents. None of this is on the fast path.
#pragma once

#include <cstddef>
#include <cstdint>

#include "packet/flow_key.h"
#include "packet/packet.h"

namespace nt {

// Largest header stack compose_packet() writes (Ethernet + 2 tags + IPv6 + fragment + TCP).
inline constexpr size_t kComposeMaxHeaders = 14 + 8 + 40 + 8 + 20;

// Replaces `out` with a frame for `key` carrying `l4_payload_len` bytes of payload after the
// innermost header it writes (a byte pattern 0, 1, 2, ...). False if it does not fit.
bool compose_packet(const FlowKey& key, Packet& out, size_t l4_payload_len = 0);

// ICMP echo request (reply = false) or reply, as ping sends it: `payload_len` bytes of data
// (56 by default, so the ICMP message is 64 bytes).
bool build_icmp_echo(Packet& out, const MacAddr& eth_src, const MacAddr& eth_dst, uint32_t ip_src,
                     uint32_t ip_dst, bool reply, uint16_t id, uint16_t seq,
                     size_t payload_len = 56, uint8_t ttl = 64);

// ARP request (broadcast, THA zero) and reply (unicast to THA). Addresses in host order.
bool build_arp_request(Packet& out, const MacAddr& sha, uint32_t spa, uint32_t tpa);
bool build_arp_reply(Packet& out, const MacAddr& sha, uint32_t spa, const MacAddr& tha,
                     uint32_t tpa);

// IPv4/UDP datagram with the given payload and a valid UDP checksum.
bool build_udp(Packet& out, const MacAddr& eth_src, const MacAddr& eth_dst, uint32_t ip_src,
               uint32_t ip_dst, uint16_t src_port, uint16_t dst_port, const uint8_t* payload,
               size_t payload_len, uint8_t ttl = 64);

}  // namespace nt
