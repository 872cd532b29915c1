// libFuzzer target for the connection tracker.
//
// The input is a script: each step takes a control byte and either a raw frame or a
// structured packet (a few hosts, ports and protocols, so that connections, replies, NAT
// collisions and ICMP errors really happen) and runs it through ct() in one of three zones,
// with or without commit, SNAT/DNAT/bare nat, force, mark; the clock advances, sweep and
// flush run. Beyond ASan/UBSan, it checks:
//  - the table never holds more than max_conns connections;
//  - a packet whose checksums were valid keeps them valid after NAT;
//  - +inv never comes with other flags than +trk; +new never with +est or +rpl;
//  - dump, stats and flush never fail on what the tracker holds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "common/clock.h"
#include "conntrack/conntrack.h"
#include "packet/build.h"
#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/packet.h"
#include "packet/parse.h"

namespace {

using namespace nt;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Reader {
  const uint8_t* p;
  size_t n;
  uint8_t byte() { return n ? (--n, *p++) : 0; }
  uint16_t u16() { return static_cast<uint16_t>(byte() << 8 | byte()); }
  uint32_t u32() { return uint32_t{u16()} << 16 | u16(); }
};

// A structured packet: small address and port sets so tuples repeat.
void build(Reader& r, Packet& pkt) {
  static constexpr uint8_t kProtos[] = {kIpProtoTcp, kIpProtoUdp, kIpProtoIcmp, 47};
  static constexpr uint16_t kPorts[] = {22, 53, 80, 1000, 5000, 40000, 0, 65535};
  uint8_t sel = r.byte();
  bool v6 = sel & 0x80;
  FlowKey k{};
  k.dl_type = v6 ? kEthTypeIpv6 : kEthTypeIp;
  k.nw_proto = kProtos[sel & 3];
  if (v6 && k.nw_proto == kIpProtoIcmp) k.nw_proto = kIpProtoIcmpv6;
  k.nw_ttl = 64;
  uint8_t hs = (sel >> 2) & 3, hd = (sel >> 4) & 3;
  k.nw_src = 0x0a000001 + hs;
  k.nw_dst = 0x0a000001 + hd;
  k.ipv6_src[0] = k.ipv6_dst[0] = 0xfd;
  k.ipv6_src[15] = static_cast<uint8_t>(1 + hs);
  k.ipv6_dst[15] = static_cast<uint8_t>(1 + hd);
  uint8_t ports = r.byte();
  k.tp_src = kPorts[ports & 7];
  k.tp_dst = kPorts[(ports >> 3) & 7];
  if (k.nw_proto == kIpProtoIcmp || k.nw_proto == kIpProtoIcmpv6) {
    static constexpr uint8_t kTypes4[] = {8, 0, 3, 11}, kTypes6[] = {128, 129, 1, 3};
    k.tp_src = (v6 ? kTypes6 : kTypes4)[ports & 3];
    k.tp_dst = 0;
  }
  k.tcp_flags = k.nw_proto == kIpProtoTcp ? r.byte() & 0x3f : 0;
  size_t payload = r.byte() & 0x3f;
  if (!compose_packet(k, pkt, payload)) return;
  size_t l4 = 14 + (v6 ? 40 : 20);
  if (k.nw_proto == kIpProtoTcp && pkt.size() >= l4 + 20) {
    store_be32(pkt.data() + l4 + 4, r.u32() & 0x3000ff);  // seq: few values, some far
    store_be32(pkt.data() + l4 + 8, r.u32() & 0x3000ff);
  } else if ((k.nw_proto == kIpProtoIcmp || k.nw_proto == kIpProtoIcmpv6) && pkt.size() >= l4 + 8) {
    store_be16(pkt.data() + l4 + 4, r.byte() & 3);  // echo id
  }
  recompute_checksums(pkt);
}

CtArgs args_for(Reader& r) {
  uint8_t c = r.byte();
  CtArgs a;
  a.zone = c & 3;
  a.commit = c & 4;
  a.force = (c & 0x18) == 0x18;
  uint8_t nat = (c >> 5) & 3;
  if (nat) {
    a.nat.kind = nat == 1   ? CtNat::Kind::kReverseOnly
                 : nat == 2 ? CtNat::Kind::kSrc
                            : CtNat::Kind::kDst;
    uint8_t n = r.byte();
    a.nat.addr_min.b = {10, 9, 0, static_cast<uint8_t>(n & 1)};
    a.nat.addr_max.b = {10, 9, 0, static_cast<uint8_t>(n & 3)};
    if (n & 4) a.nat.addr_min = a.nat.addr_max = CtAddr{};
    if (n & 8) {
      a.nat.port_min = 1000;
      a.nat.port_max = static_cast<uint16_t>(1000 + (n >> 4));
    }
    a.nat.persistent = n & 0x10;
    a.nat.random = n & 0x20;
  }
  if (c & 0x80) {
    a.set_mark = true;
    a.mark = r.byte();
    a.mark_mask = 0xff;
  }
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One tracker for all inputs (a fresh one per input would spend the run zeroing its
  // first slab chunk); each input starts from an empty table and the same clock.
  static Packet pkt(4096);
  static ManualClock clock;
  static ConntrackOptions opts{64, true};
  static Conntrack ct(clock, opts);
  clock.set_ms(1'000'000);
  (void)ct.flush(std::nullopt);
  ct.set_tcp_seq_check(true);
  Reader r{data, size};
  CtMeta meta;
  while (r.n) {
    uint8_t op = r.byte();
    if ((op & 0x0f) == 0) {  // housekeeping
      clock.advance_ms(int64_t{r.byte()} * 1000);
      ct.sweep();
      if (op & 0x10) (void)ct.flush(op & 0x20 ? std::optional<uint16_t>(op >> 6) : std::nullopt);
      if (op & 0x40) ct.set_tcp_seq_check(!ct.tcp_seq_check());
      continue;
    }
    if (op & 0x10) {
      size_t n = std::min<size_t>(r.byte(), r.n);
      pkt.assign(r.p, n);
      r.p += n;
      r.n -= n;
    } else {
      build(r, pkt);
    }
    FlowKey key{};
    HeaderOffsets ofs;
    if (flow_extract(pkt, key, &ofs) != ParseError::kOk) continue;
    bool valid = verify_checksums(pkt);
    if (!(op & 0x20)) meta = CtMeta{};  // else a second ct() on the same packet
    CtArgs a = args_for(r);
    ct.execute(pkt, key, ofs, a, meta);
    check(ct.count() <= opts.max_conns);
    check(meta.state & kCsTrk);
    if (meta.state & kCsInv) check(meta.state == (kCsInv | kCsTrk));
    if (meta.state & kCsNew) check(!(meta.state & (kCsEst | kCsRpl)));
    if (valid && !(key.nw_frag & kFragAny)) check(verify_checksums(pkt));
    FlowKey again{};
    check(flow_extract(pkt, again, nullptr) == ParseError::kOk);
    check(again.nw_src == key.nw_src && again.nw_dst == key.nw_dst);
    check(again.ipv6_src == key.ipv6_src && again.ipv6_dst == key.ipv6_dst);
  }
  (void)ct.dump(std::nullopt, true, true);
  (void)ct.stats_show();
  return 0;
}
