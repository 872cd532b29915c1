// Conntrack::execute(): OVS's conntrack_execute()/process_one() for one packet, and the
// table-wide operations (sweep, limits, counters).
#include "conntrack/conntrack.h"

#include "common/strings.h"
#include "conntrack/conn.h"

namespace nt {

using ct::Conn;
using ct::ConnKey;
using ct::Ctx;
using ct::Table;
using ct::Update;

namespace {

constexpr uint8_t kNatBits = kCsSnat | kCsDnat;

bool is_tcp(const ConnKey& k) { return k.proto == kIpProtoTcp; }

void set_orig(CtMeta& m, const ConnKey& k) {
  m.orig_proto = k.proto;
  m.orig_ipv6 = k.ipv6;
  m.orig_src = k.src;
  m.orig_dst = k.dst;
  bool icmp = ct::is_icmp(k.proto, k.ipv6);
  m.orig_tp_src = icmp ? k.stype : k.sport;
  m.orig_tp_dst = icmp ? k.code : k.dport;
}

void clear_orig(CtMeta& m) {
  m.orig_proto = 0;
  m.orig_ipv6 = false;
  m.orig_src = m.orig_dst = CtAddr{};
  m.orig_tp_src = m.orig_tp_dst = 0;
}

// The metadata's connection is used again only for a packet of its protocol (OVS checks
// the IP protocol too): a stale pointer must not rewrite another kind of packet.
bool same_proto(const Conn& c, const FlowKey& key) {
  return c.key[0].proto == key.nw_proto && c.key[0].ipv6 == (key.dl_type == kEthTypeIpv6);
}

// OVS's conn_update_state(): the packet's flags from its connection; true if the
// connection must be replaced by a new one (a SYN on a closed TCP connection).
bool update_state(Table& t, Conn& c, const Ctx& ctx, bool reply, uint8_t& st) {
  if (ctx.related) {
    st |= kCsRel | (reply ? kCsRpl : 0);
    return false;
  }
  Update u =
      is_tcp(c.key[0]) ? ct::tcp_update(t, c, ctx, reply) : ct::other_update(t, c, ctx, reply);
  switch (u) {
    case Update::kValid:
      st = static_cast<uint8_t>((st | kCsEst | (reply ? kCsRpl : 0)) & ~kCsNew);
      return false;
    case Update::kInvalid:
      st = kCsInv;
      return false;
    case Update::kNew:
      t.remove(c.idx);
      return true;
    case Update::kValidNew:
      st |= kCsNew;
      return false;
  }
  return false;
}

// A packet NATed by an earlier ct() in this zone (whose connection the metadata lost) is
// found by its original tuple (OVS's check_orig_tuple()).
Conn* by_orig_tuple(Table& t, const Ctx& ctx, const CtMeta& m, const CtArgs& a) {
  if (!(m.state & kNatBits) || m.zone != a.zone || a.nat.kind == CtNat::Kind::kNone ||
      ctx.related || m.orig_proto != ctx.key.proto) {
    return nullptr;
  }
  ConnKey k{};
  k.src = m.orig_src;
  k.dst = m.orig_dst;
  k.zone = a.zone;
  k.proto = m.orig_proto;
  k.ipv6 = m.orig_ipv6;
  if (ct::is_icmp(k.proto, k.ipv6)) {
    k.sport = k.dport = ctx.key.sport;  // the id is not part of the metadata tuple
    k.stype = static_cast<uint8_t>(m.orig_tp_src);
    k.dtype = ct::reverse_icmp_type(k.stype, k.ipv6);
    k.code = static_cast<uint8_t>(m.orig_tp_dst);
  } else {
    k.sport = m.orig_tp_src;
    k.dport = m.orig_tp_dst;
  }
  bool reply = false;
  Conn* c = t.lookup(k, ct::hash_key(k), &reply);
  return c && !reply ? c : nullptr;
}

}  // namespace

namespace ct {

struct Exec {
  Table& t;
  Packet& pkt;
  FlowKey& key;
  const CtArgs& a;
  Ctx ctx;
  uint8_t st = 0;

  void handle_nat(const Conn& c, bool reply) {
    if (a.nat.kind == CtNat::Kind::kNone || !c.nat || (st & kNatBits)) return;
    nat_packet(pkt, key, ctx, c, reply);
    st |= c.nat;
  }

  // OVS's conn_not_found(): a packet that opens a connection (stored only on commit).
  CtDrop not_found(Conn*& out) {
    bool tcp = is_tcp(ctx.key);
    if (!(tcp ? tcp_valid_new(ctx) : other_valid_new(ctx))) {
      t.count(CtCounter::kNoNew);
      st = kCsInv;
      return CtDrop::kNone;
    }
    st = kCsNew;
    if (!a.commit) return CtDrop::kNone;
    if (t.n_conns >= t.opts.max_conns) {
      t.count(CtCounter::kFull);
      return CtDrop::kFull;
    }
    uint32_t idx = t.alloc();
    Conn& c = t.at(idx);
    c.key[0] = ctx.key;
    c.key[1] = reverse(ctx.key);
    if (tcp)
      tcp_new_conn(t, c, ctx);
    else
      other_new_conn(t, c, ctx);
    if (a.nat.kind == CtNat::Kind::kSrc || a.nat.kind == CtNat::Kind::kDst) {
      if (!nat_select(t, c, a.nat)) {
        t.release(idx);
        t.count(CtCounter::kNatExhausted);
        return CtDrop::kNatExhausted;
      }
      nat_packet(pkt, key, ctx, c, false);
      st |= c.nat;
    }
    t.insert(idx);
    out = &c;
    return CtDrop::kNone;
  }

  void set_mark_label(Conn& c) {
    if (a.set_mark) c.mark = (a.mark & a.mark_mask) | (c.mark & ~a.mark_mask);
    if (a.set_label) c.label = (a.label & a.label_mask) | (c.label & ~a.label_mask);
  }
};

}  // namespace ct

Conntrack::Conntrack(const Clock& clock, ConntrackOptions o)
    : t_(std::make_unique<Table>(clock, o)) {}
Conntrack::~Conntrack() = default;

CtDrop Conntrack::execute(Packet& pkt, FlowKey& key, const HeaderOffsets& ofs, const CtArgs& a,
                          CtMeta& m) {
  Table& t = *t_;
  ct::Exec x{t, pkt, key, a, {}, 0};
  bool same_zone = (m.state & kCsTrk) && m.zone == a.zone;
  Conn* c = static_cast<Conn*>(const_cast<void*>(m.conn));
  if (same_zone && c && c->in_use && !(m.state & kCsInv) && !a.force && same_proto(*c, key)) {
    // Already tracked here (OVS's process_one_fast): NAT if not done yet, mark, label.
    t.count(CtCounter::kFastPath);
    x.st = m.state;
    if (a.nat.kind != CtNat::Kind::kNone && c->nat && !(m.state & kNatBits) &&
        ct::extract(t, pkt, key, ofs, a.zone, x.ctx)) {
      x.handle_nat(*c, m.state & kCsRpl);
    }
    if (a.commit) x.set_mark_label(*c);
    m.state = x.st;
    m.mark = c->mark;
    m.label = c->label;
    return CtDrop::kNone;
  }
  x.st = same_zone ? m.state & kNatBits : 0;
  CtDrop drop = CtDrop::kNone;
  c = nullptr;
  if (!ct::extract(t, pkt, key, ofs, a.zone, x.ctx)) {
    x.st = kCsInv;
  } else {
    bool reply = false;
    c = t.lookup(x.ctx.key, x.ctx.hash, &reply);
    if (c && a.force && reply) {
      t.remove(c->idx);
      c = nullptr;
    }
    bool create = false;
    if (!c) c = by_orig_tuple(t, x.ctx, m, a);
    if (c) {
      create = update_state(t, *c, x.ctx, reply, x.st);
      if (create)
        c = nullptr;
      else if (!(x.st & kCsInv))
        x.handle_nat(*c, reply);
    } else if (x.ctx.related) {
      t.count(CtCounter::kRelatedNoConn);
      x.st = kCsInv;
    } else {
      create = true;
    }
    if (create) drop = x.not_found(c);
  }
  if (x.st & kCsInv) {
    t.count(CtCounter::kInvalid);
    c = nullptr;
  }
  if (c && a.commit) x.set_mark_label(*c);
  m.state = x.st | kCsTrk;
  m.zone = a.zone;
  m.conn = c;
  m.mark = c ? c->mark : 0;
  m.label = c ? c->label : 0;
  if (c) {
    set_orig(m, c->key[0]);
  } else if (!(x.st & kCsInv)) {
    set_orig(m, x.ctx.key);
  } else {
    clear_orig(m);
  }
  return drop;
}

void Conntrack::sweep() { t_->sweep(); }

void Conntrack::set_max_conns(size_t n) { t_->opts.max_conns = n; }
size_t Conntrack::max_conns() const { return t_->opts.max_conns; }
void Conntrack::set_tcp_seq_check(bool on) { t_->opts.tcp_seq_check = on; }
bool Conntrack::tcp_seq_check() const { return t_->opts.tcp_seq_check; }
size_t Conntrack::count() const { return t_->n_conns; }
uint64_t Conntrack::counter(CtCounter c) const { return t_->counters[static_cast<size_t>(c)]; }

size_t Conntrack::memory_bytes() const {
  return t_->chunks.size() * Table::kChunk * sizeof(Conn) + t_->slots.capacity() * 8 +
         t_->chunks.capacity() * sizeof(void*);
}

std::string_view ct_drop_name(CtDrop d) {
  static constexpr std::string_view kNames[] = {
#define NT_CT_DROP_NAME(name, str) str,
      NT_CT_DROPS(NT_CT_DROP_NAME)
#undef NT_CT_DROP_NAME
  };
  return kNames[static_cast<size_t>(d)];
}

std::string Conntrack::format_coverage() const {
  static constexpr std::string_view kNames[] = {
#define NT_CT_COUNTER_NAME(name, str) str,
      NT_CT_COUNTERS(NT_CT_COUNTER_NAME)
#undef NT_CT_COUNTER_NAME
  };
  std::string s = "Event coverage (conntrack):\n";
  for (size_t i = 0; i < static_cast<size_t>(CtCounter::kCount); ++i) {
    if (t_->counters[i]) s += coverage_line(kNames[i], t_->counters[i]);
  }
  return s;
}

}  // namespace nt
