#include "packet/checksum.h"

#include "packet/bytes.h"
#include "packet/packet.h"
#include "packet/parse.h"

namespace nt {

uint32_t csum_add(uint32_t sum, const uint8_t* data, size_t len) {
  uint64_t acc = sum;  // 64-bit accumulator: no carry can be lost before the fold
  size_t i = 0;
  // 32-bit words folded later give the same one's-complement sum as 16-bit ones, in half
  // the additions.
  for (; i + 3 < len; i += 4) acc += load_be32(data + i);
  for (; i + 1 < len; i += 2) acc += load_be16(data + i);
  if (i < len) acc += uint32_t{data[i]} << 8;
  while (acc >> 32) acc = (acc & 0xffffffff) + (acc >> 32);
  return static_cast<uint32_t>(acc);
}

uint16_t csum_finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t initial) {
  return csum_finish(csum_add(initial, data, len));
}

uint16_t ipv4_header_checksum(const uint8_t* hdr, size_t hdr_len) {
  uint32_t sum = csum_add(0, hdr, 10);  // up to the checksum field
  sum = csum_add(sum, hdr + 12, hdr_len - 12);
  return csum_finish(sum);
}

bool ipv4_header_checksum_ok(const uint8_t* hdr, size_t hdr_len) {
  return inet_checksum(hdr, hdr_len) == 0;
}

uint32_t ipv4_pseudo_header_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len) {
  uint32_t sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
  return sum + proto + l4_len;
}

uint32_t ipv6_pseudo_header_sum(const std::array<uint8_t, 16>& src,
                                const std::array<uint8_t, 16>& dst, uint8_t next_header,
                                uint32_t l4_len) {
  uint32_t sum = csum_add(0, src.data(), 16);
  sum = csum_add(sum, dst.data(), 16);
  return sum + (l4_len >> 16) + (l4_len & 0xffff) + next_header;
}

static uint16_t finish_l4(uint32_t sum, uint8_t proto) {
  uint16_t c = csum_finish(sum);
  return (c == 0 && proto == 17) ? 0xffff : c;
}

uint16_t l4_checksum_ipv4(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t* l4,
                          size_t len) {
  uint32_t sum = ipv4_pseudo_header_sum(src, dst, proto, static_cast<uint16_t>(len));
  return finish_l4(csum_add(sum, l4, len), proto);
}

uint16_t l4_checksum_ipv6(const std::array<uint8_t, 16>& src, const std::array<uint8_t, 16>& dst,
                          uint8_t next_header, const uint8_t* l4, size_t len) {
  uint32_t sum = ipv6_pseudo_header_sum(src, dst, next_header, static_cast<uint32_t>(len));
  return finish_l4(csum_add(sum, l4, len), next_header);
}

uint16_t csum_update16(uint16_t csum, uint16_t old_v, uint16_t new_v) {
  uint32_t sum = uint32_t{static_cast<uint16_t>(~csum)} + static_cast<uint16_t>(~old_v) + new_v;
  return csum_finish(sum);
}

uint16_t csum_update32(uint16_t csum, uint32_t old_v, uint32_t new_v) {
  uint32_t sum = uint32_t{static_cast<uint16_t>(~csum)};
  sum += static_cast<uint16_t>(~(old_v >> 16)) + static_cast<uint16_t>(~old_v & 0xffff);
  sum += (new_v >> 16) + (new_v & 0xffff);
  return csum_finish(sum);
}

// --- Whole-packet helpers.

namespace {

// Checks (and if `fix`, rewrites) the 16-bit checksum at `field` against `want`. 0x0000 and
// 0xffff are the two one's-complement zeros: both verify, so both are accepted.
bool settle(uint8_t* field, uint16_t want, bool fix) {
  uint16_t have = load_be16(field);
  bool same = have == want || ((have == 0 || have == 0xffff) && (want == 0 || want == 0xffff));
  if (fix) store_be16(field, want);
  return same;
}

// Transport checksum of an unfragmented packet; `sum` is the pseudo-header sum (0 for ICMP).
// The checksum field itself is skipped, so nothing is written unless `fix`.
bool settle_l4(uint8_t* l4, size_t len, uint8_t proto, uint32_t sum, bool fix) {
  size_t at = proto == kIpProtoTcp ? 16 : proto == kIpProtoUdp ? 6 : 2;
  if (len < at + 2) return true;
  if (proto == kIpProtoUdp && load_be16(l4 + at) == 0) return true;  // no checksum
  sum = csum_add(sum, l4, at);  // `at` is even, so the chunks stay word-aligned
  uint16_t want = csum_finish(csum_add(sum, l4 + at + 2, len - at - 2));
  if (want == 0 && proto == kIpProtoUdp) want = 0xffff;
  return settle(l4 + at, want, fix);
}

bool fix_or_check(uint8_t* data, size_t len, bool fix) {
  FlowKey key;
  HeaderOffsets ofs;
  if (flow_extract(data, len, key, &ofs) != ParseError::kOk) return false;
  bool ok = true;
  uint8_t* l3 = data + ofs.l3;
  uint8_t p = key.nw_proto;
  bool has_l4 = !key.nw_frag && ofs.l4 != 0xffff;
  if (key.is_ip()) {
    size_t ihl = size_t{l3[0] & 0x0fu} * 4;
    ok = settle(l3 + 10, ipv4_header_checksum(l3, ihl), fix);
    size_t l4_len = load_be16(l3 + 2) - ihl;
    bool known = p == kIpProtoTcp || p == kIpProtoUdp || p == kIpProtoIcmp;
    uint32_t sum = p == kIpProtoIcmp ? 0
                                     : ipv4_pseudo_header_sum(key.nw_src, key.nw_dst, p,
                                                              static_cast<uint16_t>(l4_len));
    if (has_l4 && known) ok &= settle_l4(data + ofs.l4, l4_len, p, sum, fix);
  } else if (key.is_ipv6()) {
    size_t l4_len = ofs.l3 + 40 + load_be16(l3 + 4) - ofs.l4;
    bool known = p == kIpProtoTcp || p == kIpProtoUdp || p == kIpProtoIcmpv6;
    uint32_t sum =
        ipv6_pseudo_header_sum(key.ipv6_src, key.ipv6_dst, p, static_cast<uint32_t>(l4_len));
    if (has_l4 && known) ok &= settle_l4(data + ofs.l4, l4_len, p, sum, fix);
  }
  return ok;
}

}  // namespace

bool recompute_checksums(Packet& pkt) {
  fix_or_check(pkt.data(), pkt.size(), true);
  return verify_checksums(pkt);
}

bool verify_checksums(const Packet& pkt) {
  // fix_or_check() with fix=false writes nothing.
  return fix_or_check(const_cast<uint8_t*>(pkt.data()), pkt.size(), false);
}

}  // namespace nt
