// In-place header rewrites: what the datapath does when it executes set/push/pop actions.
//
// Each function finds the header it needs with a short walk (Ethernet, up to two VLAN tags,
// then the L3/L4 header) instead of relying on a previous parse, so it is always correct for
// the bytes in front of it, and returns false when the header is not there (the caller counts
// that as a failed action; the packet is left unchanged). Checksums are patched with RFC 1624
// incremental updates, never recomputed, so the cost does not depend on the packet length.
// Pushing or popping a VLAN tag moves only the 12 MAC bytes, into or out of the headroom
// (Packet moves an offloaded packet's csum_start and hdr_len with them). A partial transport
// checksum (Packet::offload NEEDS_CSUM) is updated as one: address changes enter its
// pseudo-header sum, port changes leave it alone (the completion sums the new bytes).
//
// TCIs passed here are wire TCIs (vid | pcp << 13): no kVlanCfi "present" flag.
#pragma once

#include <cstdint>

#include "packet/flow_key.h"
#include "packet/packet.h"

namespace nt {

// VLAN: push inserts a tag after the MAC addresses (becoming the outer tag); pop removes the
// outer tag; set rewrites the outer tag's TCI (a tag must exist).
bool push_vlan(Packet& pkt, uint16_t tpid, uint16_t tci);
bool pop_vlan(Packet& pkt);
bool set_vlan_tci(Packet& pkt, uint16_t tci);

bool set_eth_src(Packet& pkt, const MacAddr& mac);
bool set_eth_dst(Packet& pkt, const MacAddr& mac);

// IPv4 (addresses in host order). Address changes also patch the TCP/UDP checksum through
// the pseudo-header when the transport header is present (first fragment); a UDP checksum of
// 0 ("none") stays 0.
bool set_ipv4_src(Packet& pkt, uint32_t addr);
bool set_ipv4_dst(Packet& pkt, uint32_t addr);
// Rewrites the TOS bits under `mask` (DSCP 0xfc, ECN 0x03), updating the header checksum.
bool set_ipv4_tos(Packet& pkt, uint8_t tos, uint8_t mask = 0xff);
bool set_ipv4_ttl(Packet& pkt, uint8_t ttl);
// IPv6 hop limit (no header checksum in IPv6).
bool set_ipv6_hlimit(Packet& pkt, uint8_t hlimit);
// Rewrites the traffic-class bits under `mask` (IPv6 has no header checksum).
bool set_ipv6_tclass(Packet& pkt, uint8_t tclass, uint8_t mask);

// TCP/UDP ports over IPv4 or IPv6 (IPv6 only without extension headers); not in a later
// fragment.
bool set_l4_src(Packet& pkt, uint16_t port);
bool set_l4_dst(Packet& pkt, uint16_t port);

// ARP (Ethernet/IPv4 only; addresses in host order).
bool set_arp_op(Packet& pkt, uint16_t op);
bool set_arp_sha(Packet& pkt, const MacAddr& mac);
bool set_arp_spa(Packet& pkt, uint32_t addr);
bool set_arp_tha(Packet& pkt, const MacAddr& mac);
bool set_arp_tpa(Packet& pkt, uint32_t addr);

}  // namespace nt
