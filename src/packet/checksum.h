// Internet checksums (RFC 1071) and their incremental update (RFC 1624).
//
// A checksum is built in two steps: csum_add() accumulates 16-bit big-endian words into a
// 32-bit partial sum (carries are deferred, so a whole buffer costs one add per word), and
// csum_finish() folds the carries back in and complements. Partial sums compose: a
// pseudo-header sum is just the initial value for the segment sum. When the datapath rewrites
// one field it never recomputes over the packet: csum_update16/32() apply RFC 1624's
// HC' = ~(~HC + ~m + m'), which costs a few adds whatever the packet length.
//
// All checksum values here are host-order integers (the value you would load_be16() from the
// header and store_be16() back).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace nt {

// Adds `len` bytes (as big-endian 16-bit words; an odd last byte is padded with zero) to
// `sum`. Only the last chunk of a multi-chunk sum may have an odd length.
uint32_t csum_add(uint32_t sum, const uint8_t* data, size_t len);
// Folds a partial sum to 16 bits and complements it: the value to store in the header.
uint16_t csum_finish(uint32_t sum);
// csum_finish(csum_add(initial, data, len)).
uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t initial = 0);

// Checksum of an IPv4 header of `hdr_len` bytes, ignoring what its checksum field holds.
uint16_t ipv4_header_checksum(const uint8_t* hdr, size_t hdr_len);
// True if the header (checksum field included) sums to all-ones.
bool ipv4_header_checksum_ok(const uint8_t* hdr, size_t hdr_len);

// Pseudo-header partial sums (addresses in host order for IPv4, wire order for IPv6).
uint32_t ipv4_pseudo_header_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len);
uint32_t ipv6_pseudo_header_sum(const std::array<uint8_t, 16>& src,
                                const std::array<uint8_t, 16>& dst, uint8_t next_header,
                                uint32_t l4_len);

// Full TCP/UDP/ICMPv6 checksum of a segment `l4` of `len` bytes whose checksum field is zero.
// For UDP a computed 0 is returned as 0xffff (0 means "no checksum" on the wire).
uint16_t l4_checksum_ipv4(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t* l4, size_t len);
uint16_t l4_checksum_ipv6(const std::array<uint8_t, 16>& src, const std::array<uint8_t, 16>& dst,
                          uint8_t next_header, const uint8_t* l4, size_t len);

// RFC 1624 eqn. 3: the checksum after a 16-bit (or 32-bit) field changed from old_v to new_v.
uint16_t csum_update16(uint16_t csum, uint16_t old_v, uint16_t new_v);
uint16_t csum_update32(uint16_t csum, uint32_t old_v, uint32_t new_v);

// Whole-packet helpers (they parse the frame first; for tests, trace and building frames,
// not for the fast path).
class Packet;
// Recomputes the IPv4 header checksum and the TCP/UDP/ICMP/ICMPv6 checksum from scratch
// (transport only for unfragmented packets; a UDP checksum of 0 stays 0). False if the frame
// does not parse.
bool recompute_checksums(Packet& pkt);
// True if every checksum recompute_checksums() would write is already correct (0x0000 and
// 0xffff both count as zero).
bool verify_checksums(const Packet& pkt);

}  // namespace nt
