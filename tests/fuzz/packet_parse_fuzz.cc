// libFuzzer target for the packet layer's parsers.
//
// Arbitrary bytes go through flow_extract(), tunnel_classify() and tunnel_decap(). Beyond
// "no crash, no out-of-bounds read" (ASan/UBSan), it checks properties:
//  - offsets flow_extract() reports lie inside the frame;
//  - a successful decap leaves exactly the inner frame the classifier described;
//  - when parsing succeeds, compose_packet(key) re-extracts to the same key with valid
//    checksums (compose is the inverse of extract);
//  - editing a frame whose checksums were valid keeps them valid (RFC 1624 updates).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "packet/build.h"
#include "packet/checksum.h"
#include "packet/modify.h"
#include "packet/packet.h"
#include "packet/parse.h"
#include "packet/tunnel.h"

namespace {

constexpr size_t kCap = 70000;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_offsets(const nt::HeaderOffsets& o, size_t size) {
  check(o.l2_5 == 0xffff || o.l2_5 < size);
  check(o.l3 == 0xffff || o.l3 <= size);
  check(o.l4 == 0xffff || o.l4 <= size);
}

void check_tunnel(const uint8_t* data, size_t size, nt::Packet& pkt) {
  nt::TunnelInfo t = nt::tunnel_classify(data, size);
  check(!nt::tunnel_error_name(t.error).empty());
  if (t.ok()) check(size_t{t.outer_len} + t.inner_len <= size && t.inner_len >= 14);
  pkt.assign(data, size);
  nt::TunnelError err = nt::tunnel_decap(pkt);
  check(err == t.error);
  if (err == nt::TunnelError::kOk) {
    check(pkt.size() == t.inner_len && pkt.tunnel.valid && pkt.tunnel.tun_id == t.key);
    nt::FlowKey inner;
    nt::flow_extract(pkt, inner);
    check(inner.tun_id == t.key);
  } else {
    check(pkt.size() == size && !pkt.tunnel.valid);
  }
}

void check_compose(const nt::FlowKey& key, nt::Packet& pkt, size_t payload) {
  check(nt::compose_packet(key, pkt, payload));
  nt::FlowKey back;
  check(nt::flow_extract(pkt, back) == nt::ParseError::kOk);
  check(back == key);
  check(nt::verify_checksums(pkt));
}

// Edits that must keep valid checksums valid; `sel` picks the edit.
void check_modify(const uint8_t* data, size_t size, nt::Packet& pkt, uint8_t sel) {
  pkt.assign(data, size);
  if (!nt::verify_checksums(pkt)) return;
  uint32_t v = size >= 4 ? uint32_t{data[size - 1]} << 24 | data[size - 2] << 16 |
                               data[size - 3] << 8 | data[size - 4]
                         : 0x01020304;
  switch (sel % 6) {
    case 0:
      nt::set_ipv4_src(pkt, v);
      break;
    case 1:
      nt::set_ipv4_dst(pkt, v);
      break;
    case 2:
      nt::set_ipv4_ttl(pkt, static_cast<uint8_t>(v));
      break;
    case 3:
      nt::set_ipv4_tos(pkt, static_cast<uint8_t>(v));
      break;
    case 4:
      nt::set_l4_src(pkt, static_cast<uint16_t>(v));
      break;
    default:
      nt::set_l4_dst(pkt, static_cast<uint16_t>(v));
      break;
  }
  check(nt::verify_checksums(pkt));
  if (nt::push_vlan(pkt, nt::kEthTypeVlan, static_cast<uint16_t>(v))) check(nt::pop_vlan(pkt));
  check(pkt.size() == size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static nt::Packet* pkt = new nt::Packet(kCap);
  if (size > kCap - 1024) return 0;
  nt::FlowKey key;
  nt::HeaderOffsets ofs;
  nt::ParseError err = nt::flow_extract(data, size, key, &ofs);
  check(!nt::parse_error_name(err).empty() && nt::parse_error_name(err) != "unknown");
  check_offsets(ofs, size);
  check_tunnel(data, size, *pkt);
  if (err == nt::ParseError::kOk) check_compose(key, *pkt, size % 97);
  check_modify(data, size, *pkt, size ? data[0] : 0);
  return 0;
}
