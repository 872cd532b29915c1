// Netfilter's hooks: rule traversal, connection tracking and NAT on a host's IPv4 path.
#include "netstack/netfilter.h"

#include <cstring>

#include "netstack/host.h"
#include "packet/bytes.h"
#include "packet/parse.h"

namespace nt {

namespace {

constexpr size_t kScratchCapacity = kEthHeaderLen + kMaxMtu;
constexpr int kMaxJumpDepth = 32;  // iptables' own limit is higher; loops are refused at load
constexpr TimeMs kSweepEveryMs = 10'000;

bool nat_in_chain(nf::Target t, std::string_view chain) {
  if (chain == "POSTROUTING") return t == nf::Target::kSnat;
  return t == nf::Target::kDnat || t == nf::Target::kRedirect;  // PREROUTING, OUTPUT
}

}  // namespace

// The header fields rules match on, read from the frame at each hook (NAT may change them).
struct Netfilter::Packet4 {
  uint32_t src = 0, dst = 0;
  uint8_t proto = 0;
  bool ports = false;  // TCP/UDP with its ports (not a later fragment)
  uint16_t sport = 0, dport = 0;

  Packet4(const uint8_t* frame, size_t len) {
    const uint8_t* ip = frame + kEthHeaderLen;
    size_t ihl = size_t{ip[0] & 0x0fu} * 4;
    src = load_be32(ip + 12);
    dst = load_be32(ip + 16);
    proto = ip[9];
    bool first = (load_be16(ip + 6) & 0x1fff) == 0;
    ports =
        first && (proto == kIpProtoTcp || proto == kIpProtoUdp) && len >= kEthHeaderLen + ihl + 4;
    if (ports) {
      sport = load_be16(ip + ihl);
      dport = load_be16(ip + ihl + 2);
    }
  }
};

// One traversal of a built-in chain and the chains it jumps to.
struct Netfilter::Walk {
  enum Result : uint8_t { kContinue, kAccept, kDrop };
  const nf::Table& t;
  const Host& host;
  const Packet4& pk;
  NfPass& p;
  const nf::Rule* nat = nullptr;

  bool iface(const std::string& name, bool prefix, NicId id) const {
    const std::string* have = id == kNoNic ? nullptr : &host.nic(id).name();
    if (have == nullptr) return false;
    return prefix ? have->starts_with(name) : *have == name;
  }

  bool matches(const nf::Rule& r) const {
    if (r.src_mask && ((pk.src & r.src_mask) == r.src) == r.src_neg) return false;
    if (r.dst_mask && ((pk.dst & r.dst_mask) == r.dst) == r.dst_neg) return false;
    if (r.has_in && iface(r.in_if, r.in_prefix, p.in) == r.in_neg) return false;
    if (r.has_out && iface(r.out_if, r.out_prefix, p.out) == r.out_neg) return false;
    if (r.proto && (pk.proto == r.proto) == r.proto_neg) return false;
    if (r.has_sport) {
      bool in = pk.ports && pk.sport >= r.sport_min && pk.sport <= r.sport_max;
      if (in == r.sport_neg) return false;
    }
    if (r.has_dport) {
      bool in = pk.ports && pk.dport >= r.dport_min && pk.dport <= r.dport_max;
      if (in == r.dport_neg) return false;
    }
    if (r.ctstate && ((p.ct.state & r.ctstate) != 0) == r.ctstate_neg) return false;
    if (r.has_mark && ((p.mark & r.mark_mask) == r.mark) == r.mark_neg) return false;
    if (r.has_connmark && ((p.ctmark & r.connmark_mask) == r.connmark) == r.connmark_neg) {
      return false;
    }
    return true;
  }

  // The kernel's xt_CONNMARK arithmetic.
  void connmark(const nf::Rule& r) {
    uint32_t ct = p.ctmark;
    switch (r.connmark_op) {
      case nf::ConnmarkOp::kSet:
        ct = (ct & ~r.ctmask) ^ r.set_value;
        break;
      case nf::ConnmarkOp::kSave:
        ct = (ct & ~r.ctmask) ^ (p.mark & r.nfmask);
        break;
      case nf::ConnmarkOp::kRestore:
        p.mark = (p.mark & ~r.nfmask) ^ (ct & r.ctmask);
        break;
    }
    if (ct != p.ctmark) {
      p.ctmark = ct;
      p.ctmark_dirty = true;
    }
  }

  Result chain(size_t c, int depth) {
    for (const nf::Rule& r : t.chains[c].rules) {
      if (!matches(r)) continue;
      switch (r.target) {
        case nf::Target::kNone:
          break;
        case nf::Target::kAccept:
          return kAccept;
        case nf::Target::kDrop:
          return kDrop;
        case nf::Target::kReturn:
          return kContinue;
        case nf::Target::kJump: {
          Result v = depth < kMaxJumpDepth ? chain(r.jump, depth + 1) : kDrop;
          if (v != kContinue) return v;
          break;
        }
        case nf::Target::kSnat:
        case nf::Target::kDnat:
        case nf::Target::kRedirect:
          nat = &r;
          return kAccept;
        case nf::Target::kMark:
          p.mark = (p.mark & ~r.set_mask) ^ r.set_value;
          break;
        case nf::Target::kConnmark:
          connmark(r);
          break;
      }
    }
    return kContinue;
  }
};

TimeMs Netfilter::HostClock::now_ms() const { return host.now_us() / kUsPerMs; }

Netfilter::Netfilter(Host& host)
    : host_(host), clock_(host), ct_(clock_), scratch_(std::make_unique<Packet>(kScratchCapacity)) {
  for (std::string_view name : {"filter", "nat", "mangle"}) {
    (void)nf::parse_table(name, {}, tables_[table_id(name)]);
  }
}

Netfilter::~Netfilter() = default;

int Netfilter::table_id(std::string_view name) {
  if (name == "filter") return kFilter;
  if (name == "nat") return kNat;
  if (name == "mangle") return kMangle;
  return -1;
}

Status Netfilter::load(std::string_view table, const std::vector<std::string>& rules) {
  int id = table_id(table);
  if (id < 0) return make_error("unknown table \"" + std::string(table) + "\"");
  nf::Table t;
  NT_TRY(nf::parse_table(table, rules, t));
  tables_[id] = std::move(t);
  update_active();
  return ok_status();
}

std::string Netfilter::show(std::string_view table) const {
  int id = table_id(table);
  return id < 0 ? std::string() : nf::format_table(tables_[id]);
}

void Netfilter::update_active() {
  active_ = false;
  for (const nf::Table& t : tables_) active_ |= t.loaded;
}

size_t Netfilter::flush_conntrack(uint32_t addr) {
  CtAddr a;
  store_be32(a.b.data(), addr);
  return ct_.flush_address(a, false);
}

std::string Netfilter::conntrack_text() const { return ct_.dump(std::nullopt); }

CtDrop Netfilter::track(uint8_t* frame, size_t len, const CtArgs& args, NfPass& p) {
  Packet& pkt = *scratch_;
  pkt.reset();
  if (len <= kEthHeaderLen || !pkt.assign(frame, len)) {
    p.ct.state = kCsTrk | kCsInv;
    return CtDrop::kNone;
  }
  // The host writes the Ethernet header only when the frame leaves: the tracker needs the type.
  store_be16(pkt.data() + 12, kEthTypeIp);
  FlowKey key;
  HeaderOffsets ofs;
  if (flow_extract(pkt, key, &ofs) != ParseError::kOk) {
    p.ct.state = kCsTrk | kCsInv;
    return CtDrop::kNone;
  }
  CtDrop d = ct_.execute(pkt, key, ofs, args, p.ct);
  if (!p.ctmark_dirty) p.ctmark = p.ct.mark;
  if (d == CtDrop::kNone) {
    std::memcpy(frame + kEthHeaderLen, pkt.data() + kEthHeaderLen, len - kEthHeaderLen);
  }
  return d;
}

bool Netfilter::run_chain(TableId t, std::string_view chain, uint8_t* frame, size_t len, NfPass& p,
                          const nf::Rule** nat) {
  const nf::Table& table = tables_[t];
  if (!table.loaded) return true;
  int c = table.find(chain);
  if (c < 0) return true;
  Packet4 pk(frame, len);
  Walk w{table, host_, pk, p};
  Walk::Result v = w.chain(static_cast<size_t>(c), 0);
  if (nat) *nat = w.nat;
  if (v == Walk::kContinue) return !table.chains[static_cast<size_t>(c)].policy_drop;
  return v == Walk::kAccept;
}

NfVerdict Netfilter::filter_hooks(std::string_view chain, bool filter, uint8_t* frame, size_t len,
                                  NfPass& p) {
  if (!run_chain(kMangle, chain, frame, len, p, nullptr)) return NfVerdict::kDrop;
  if (filter && !run_chain(kFilter, chain, frame, len, p, nullptr)) return NfVerdict::kDrop;
  return NfVerdict::kAccept;
}

CtNat Netfilter::nat_for(const nf::Rule& r, const NfPass& p) const {
  CtNat n;
  n.kind = r.target == nf::Target::kSnat ? CtNat::Kind::kSrc : CtNat::Kind::kDst;
  uint32_t lo = r.addr_min, hi = r.addr_max;
  if (r.target == nf::Target::kRedirect) {
    NicId nic = p.in != kNoNic ? p.in : p.out;
    lo = hi = nic != kNoNic ? host_.nic(nic).primary_address() : 0;
  }
  store_be32(n.addr_min.b.data(), lo);
  store_be32(n.addr_max.b.data(), hi);
  n.port_min = r.port_min;
  n.port_max = r.port_max;
  n.random = r.random;
  n.persistent = r.persistent;
  return n;
}

// The nat table's chain for a connection's first packet; the NAT it picks is committed.
NfVerdict Netfilter::nat_hook(std::string_view chain, uint8_t* frame, size_t len, NfPass& p) {
  bool first = (p.ct.state & kCsNew) && !(p.ct.state & kCsInv) && !p.committed;
  if (!first || !tables_[kNat].loaded) return NfVerdict::kAccept;
  const nf::Rule* nat = nullptr;
  if (!run_chain(kNat, chain, frame, len, p, &nat)) return NfVerdict::kDrop;
  // A NAT target in a chain where it does not apply (DNAT reached from POSTROUTING) is
  // ignored: iptables refuses to load such rules; here they just accept.
  if (nat == nullptr || !nat_in_chain(nat->target, chain)) return NfVerdict::kAccept;
  CtArgs a;
  a.commit = true;
  a.nat = nat_for(*nat, p);
  take_ctmark(a, p);
  if (track(frame, len, a, p) != CtDrop::kNone) return NfVerdict::kCtDrop;
  p.committed = true;
  return NfVerdict::kAccept;
}

// A connection that reached its last hook without NAT is committed plain, so that its later
// packets are ESTABLISHED and skip the nat table.
void Netfilter::commit(uint8_t* frame, size_t len, NfPass& p) {
  if (p.committed || !(p.ct.state & kCsNew) || (p.ct.state & kCsInv)) return;
  TimeMs now = clock_.now_ms();
  if (now - last_sweep_ >= kSweepEveryMs) {
    ct_.sweep();
    last_sweep_ = now;
  }
  CtArgs a;
  a.commit = true;
  take_ctmark(a, p);
  (void)track(frame, len, a, p);  // full: the packet goes on untracked, as Linux's would not
  p.committed = true;
}

// Linux's order on the way in (and out): conntrack, then mangle on the untranslated packet,
// then NAT — by the nat table for a new connection, by the tracker for a known one. With no
// mangle rules the tracker looks up and translates in one run.
NfVerdict Netfilter::track_mangle_nat(std::string_view chain, uint8_t* frame, size_t len,
                                      NfPass& p) {
  p.ct = CtMeta{};
  p.committed = false;
  CtArgs a;
  bool mangle = tables_[kMangle].loaded;
  if (!mangle) a.nat.kind = CtNat::Kind::kReverseOnly;
  if (track(frame, len, a, p) != CtDrop::kNone) return NfVerdict::kCtDrop;
  if (mangle) {
    if (!run_chain(kMangle, chain, frame, len, p, nullptr)) return NfVerdict::kDrop;
    if (p.ct.conn != nullptr) {  // a known connection: the tracker's NAT (fast path)
      a.nat.kind = CtNat::Kind::kReverseOnly;
      if (track(frame, len, a, p) != CtDrop::kNone) return NfVerdict::kCtDrop;
    }
  }
  return nat_hook(chain, frame, len, p);
}

void Netfilter::take_ctmark(CtArgs& a, NfPass& p) const {
  if (!p.ctmark_dirty) return;
  a.set_mark = true;
  a.mark = p.ctmark;
  a.mark_mask = 0xffffffff;
  p.ctmark_dirty = false;
}

// A known connection's mark changed by CONNMARK: a commit on the tracker's fast path (the
// packet's connection is in its metadata), which sets the mark and touches nothing else.
void Netfilter::sync_ctmark(uint8_t* frame, size_t len, NfPass& p) {
  if (!p.ctmark_dirty || p.ct.conn == nullptr || (p.ct.state & kCsInv)) return;
  CtArgs a;
  a.commit = true;
  take_ctmark(a, p);
  (void)track(frame, len, a, p);
}

NfVerdict Netfilter::prerouting(uint8_t* frame, size_t len, NfPass& p) {
  if (!active_) return NfVerdict::kAccept;
  NfVerdict v = track_mangle_nat("PREROUTING", frame, len, p);
  if (v == NfVerdict::kAccept) sync_ctmark(frame, len, p);
  return v;
}

NfVerdict Netfilter::input(uint8_t* frame, size_t len, NfPass& p) {
  if (!active_) return NfVerdict::kAccept;
  NfVerdict v = filter_hooks("INPUT", true, frame, len, p);
  if (v == NfVerdict::kAccept) commit(frame, len, p);
  if (v == NfVerdict::kAccept) sync_ctmark(frame, len, p);
  return v;
}

NfVerdict Netfilter::forward(uint8_t* frame, size_t len, NfPass& p) {
  if (!active_) return NfVerdict::kAccept;
  NfVerdict v = filter_hooks("FORWARD", true, frame, len, p);
  if (v == NfVerdict::kAccept) sync_ctmark(frame, len, p);
  return v;
}

NfVerdict Netfilter::output(uint8_t* frame, size_t len, NfPass& p) {
  if (!active_) return NfVerdict::kAccept;
  NfVerdict v = track_mangle_nat("OUTPUT", frame, len, p);
  if (v != NfVerdict::kAccept) return v;
  if (!run_chain(kFilter, "OUTPUT", frame, len, p, nullptr)) return NfVerdict::kDrop;
  sync_ctmark(frame, len, p);
  return NfVerdict::kAccept;
}

NfVerdict Netfilter::postrouting(uint8_t* frame, size_t len, NfPass& p) {
  if (!active_) return NfVerdict::kAccept;
  if (!run_chain(kMangle, "POSTROUTING", frame, len, p, nullptr)) return NfVerdict::kDrop;
  NfVerdict v = nat_hook("POSTROUTING", frame, len, p);
  if (v == NfVerdict::kAccept) commit(frame, len, p);
  if (v == NfVerdict::kAccept) sync_ctmark(frame, len, p);
  return v;
}

}  // namespace nt
