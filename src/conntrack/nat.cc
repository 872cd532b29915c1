// NAT: choosing a new connection's translated (reply) tuple so that it never collides with
// any tracked key, and rewriting packets (data packets, and ICMP errors with their embedded
// header) with RFC 1624 checksum updates.
//
// Allocation follows OVS's nat_get_unique_tuple(): the address starts at a hash-chosen
// point of the range (hash of the whole tuple; `persistent`: of the source address only, so
// a client keeps its address; `random`: a fresh random number) and walks the range; for
// TCP/UDP the translated port starts at a hash-chosen point of the given port range, or,
// without a range, at the packet's own port and walks its class (1-1023 or 1024-65535): the
// port changes only on a collision (`nat(src)` = same address, port translated on
// collision). DNAT translates the source port on collision too. ICMP echo ids are
// allocated like ports (OVS keeps them and fails on a collision). A candidate is taken only
// if its reply key is in no connection.
#include <algorithm>

#include "conntrack/conn.h"
#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt::ct {
namespace {

constexpr uint32_t kMaxTries = 1u << 20;

u128 addr_value(const CtAddr& a, bool v6) {
  u128 v = 0;
  if (!v6) return load_be32(a.b.data());
  for (uint8_t x : a.b) v = v << 8 | x;
  return v;
}

CtAddr addr_from(u128 v, bool v6) {
  CtAddr a;
  if (!v6) {
    store_be32(a.b.data(), static_cast<uint32_t>(v));
    return a;
  }
  for (int i = 15; i >= 0; --i, v >>= 8) a.b[i] = static_cast<uint8_t>(v);
  return a;
}

bool is_zero(const CtAddr& a) { return a == CtAddr{}; }

struct Range {
  uint32_t min, max, curr;
  uint32_t size() const { return max - min + 1; }
  uint32_t at(uint32_t i) const { return min + (curr - min + i) % size(); }
};

// Keep the port unless it collides: its own class, starting at itself.
Range keep_range(uint16_t port) {
  if (port < 1024) return {port ? 1u : 0u, 1023, port};
  return {1024, 65535, port};
}

Range hashed_range(uint16_t lo, uint16_t hi, uint32_t hash) {
  if (hi < lo) std::swap(lo, hi);
  Range r{lo, hi, lo};
  r.curr = lo + hash % r.size();
  return r;
}

uint32_t nat_hash(Table& t, const ConnKey& k, const CtNat& n) {
  if (n.random) {
    t.rng ^= t.rng << 13;
    t.rng ^= t.rng >> 7;
    t.rng ^= t.rng << 17;
    return static_cast<uint32_t>(t.rng);
  }
  ConnKey h{};
  h.src = k.src;
  h.zone = k.zone;
  h.proto = k.proto;
  h.ipv6 = k.ipv6;
  if (!n.persistent) h = k;
  return hash_key(h);
}

}  // namespace

bool nat_select(Table& t, Conn& c, const CtNat& n) {
  const ConnKey& fwd = c.key[0];
  ConnKey& rev = c.key[1];
  bool snat = n.kind == CtNat::Kind::kSrc;
  c.nat = snat ? kCsSnat : kCsDnat;
  bool v6 = fwd.ipv6;
  uint32_t hash = nat_hash(t, fwd, n);
  CtAddr own = snat ? fwd.src : fwd.dst;
  u128 amin = addr_value(is_zero(n.addr_min) ? own : n.addr_min, v6);
  u128 amax = is_zero(n.addr_min) ? amin : addr_value(n.addr_max, v6);
  if (amax < amin) amax = amin;
  u128 span = amax - amin + 1;  // 0 only for the whole IPv6 space
  u128 start = span ? hash % span : hash;
  bool icmp = is_icmp(fwd.proto, v6);
  bool pat = fwd.proto == kIpProtoTcp || fwd.proto == kIpProtoUdp || icmp;
  bool ranged = n.port_min || n.port_max;
  uint16_t pmax = n.port_max ? n.port_max : n.port_min;
  Range sr{0, 0, 0}, dr{0, 0, 0};
  if (snat) {
    sr = ranged ? hashed_range(n.port_min, pmax, hash) : keep_range(fwd.sport);
    dr = {fwd.dport, fwd.dport, fwd.dport};
  } else {
    dr = ranged ? hashed_range(n.port_min, pmax, hash) : Range{fwd.dport, fwd.dport, fwd.dport};
    sr = keep_range(fwd.sport);
  }
  if (icmp) dr = {0, 0, 0};  // one id: sport and dport move together
  if (!pat) sr = dr = {0, 0, 0};
  uint32_t tries = 0;
  for (u128 ai = 0; ai == 0 || (span ? ai < span : ai < kMaxTries); ++ai) {
    CtAddr a = addr_from(amin + (start + ai) % (span ? span : ~u128{0}), v6);
    if (snat)
      rev.dst = a;
    else
      rev.src = a;
    // Ports: the untranslated ones first, so `nat(src=IP)` keeps them when it can.
    for (uint32_t di = 0; di < dr.size(); ++di) {
      for (uint32_t si = 0; si < sr.size(); ++si) {
        if (++tries > kMaxTries) return false;
        if (icmp) {
          rev.sport = rev.dport = static_cast<uint16_t>(sr.at(si));
        } else if (pat && snat) {
          rev.dport = static_cast<uint16_t>(sr.at(si));
        } else if (pat) {
          rev.sport = static_cast<uint16_t>(dr.at(di));
          rev.dport = static_cast<uint16_t>(sr.at(si));
        }
        if (!t.lookup(rev, hash_key(rev), nullptr)) return true;
      }
    }
  }
  return false;
}

}  // namespace nt::ct
