#include "datapath/datapath.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "flow/match.h"
#include "packet/modify.h"
#include "packet/tunnel.h"

namespace nt {
namespace {

constexpr std::string_view kDropNames[] = {
#define NT_DP_DROP_NAME(name, str) str,
    NT_DP_DROPS(NT_DP_DROP_NAME)
#undef NT_DP_DROP_NAME
};

}  // namespace

// The exact-match cache's hash: a rotate-xor fold of the key's words (independent one-cycle
// operations) and one avalanche. Pipeline state — metadata and registers — is always zero when
// a packet arrives, so those words are left out; the cache compares whole keys, so a collision
// costs a miss, never a wrong answer. The word ranges come from the key's layout.
constexpr size_t kPipelineBegin = offsetof(FlowKey, metadata) / 8;  // first word left out
constexpr size_t kPipelineEnd = offsetof(FlowKey, in_port) / 8;     // first word hashed again
static_assert(offsetof(FlowKey, metadata) % 8 == 0 && offsetof(FlowKey, in_port) % 8 == 0,
              "the pipeline state must be whole words");
static_assert(offsetof(FlowKey, regs) == offsetof(FlowKey, metadata) + sizeof(FlowKey::metadata) &&
                  offsetof(FlowKey, in_port) == offsetof(FlowKey, regs) + sizeof(FlowKey::regs),
              "metadata and registers must be contiguous, right before in_port");

static inline uint64_t rotl(uint64_t w, size_t r) {
  r &= 63;
  return r ? (w << r | w >> (64 - r)) : w;
}

static uint64_t emc_hash(const FlowKey& key) {
  const KeyWord* w = key.words();
  uint64_t a = 0, b = 0;
  for (size_t i = 0; i < kPipelineBegin; ++i) a ^= rotl(w[i], i * 21);
  for (size_t i = kPipelineEnd; i < FlowKey::kWords; ++i) b ^= rotl(w[i], i * 13);
  uint64_t h = (a ^ b) * 0x9e3779b97f4a7c15ULL;
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 29);
}

// A recirculated packet's key: its recirculation id and what its last ct() found.
static void key_add_ct(const Packet& pkt, FlowKey& key) {
  key.recirc_id = pkt.recirc_id;
  const CtMeta& m = pkt.ct;
  if (!m.state) return;
  key.ct_state = m.state;
  key.ct_zone = m.zone;
  key.ct_mark = m.mark;
  ct_label_set(key, m.label);
  if (!(m.state & kCsTrk) || (m.state & kCsInv)) return;
  key.ct_nw_proto = m.orig_proto;
  if (m.orig_ipv6) {
    key.ct_ipv6_src = m.orig_src.b;
    key.ct_ipv6_dst = m.orig_dst.b;
  } else {
    auto v4 = [](const CtAddr& a) {
      return static_cast<uint32_t>(a.b[0]) << 24 | a.b[1] << 16 | a.b[2] << 8 | a.b[3];
    };
    key.ct_nw_src = v4(m.orig_src);
    key.ct_nw_dst = v4(m.orig_dst);
  }
  key.ct_tp_src = m.orig_tp_src;
  key.ct_tp_dst = m.orig_tp_dst;
}

std::string_view dp_drop_name(DpDrop d) { return kDropNames[static_cast<size_t>(d)]; }

Datapath::Datapath(const Clock& clock, size_t pool_packets, size_t packet_capacity,
                   size_t large_packets)
    : clock_(clock), pool_(pool_packets, packet_capacity, large_packets), ct_(clock) {
  ports_.resize(1);  // odp port 0 is never used
  tx_.resize(1);
}

Datapath::~Datapath() = default;

uint32_t Datapath::add_port(std::unique_ptr<DpPort> port) {
  uint32_t no = 1;
  while (no < ports_.size() && ports_[no]) ++no;
  if (no == ports_.size()) {
    ports_.emplace_back();
    tx_.emplace_back();
  }
  port->odp_port = no;
  ports_[no] = std::move(port);
  return no;
}

void Datapath::remove_port(uint32_t odp_port) {
  if (odp_port == 0 || odp_port >= ports_.size() || !ports_[odp_port]) return;
  flush_tx();
  ports_[odp_port].reset();
  revalidate();
}

DpPort* Datapath::port(uint32_t odp_port) const {
  return odp_port < ports_.size() ? ports_[odp_port].get() : nullptr;
}

DpPort* Datapath::port_by_name(std::string_view name) const {
  for (const auto& p : ports_) {
    if (p && p->name == name) return p.get();
  }
  return nullptr;
}

void Datapath::drop(Packet* pkt, DpDrop reason) {
  ++stats_.drops[static_cast<size_t>(reason)];
  pool_.put(pkt);
}

Megaflow* Datapath::classify(const FlowKey& key, Packet& pkt) {
  if (Megaflow* mf = megaflows_.lookup(key)) {
    ++stats_.megaflow_hits;
    return mf;
  }
  ++stats_.misses;
  if (!upcall_) return nullptr;
  auto mf = std::make_unique<Megaflow>();
  if (!upcall_->upcall(key, pkt, *mf)) return nullptr;
  mf->origin = key;
  key_and(mf->match.value, mf->match.mask);
  mf->created = clock_.now_ms();
  return megaflows_.insert(std::move(mf));
}

void Datapath::receive(uint32_t odp_port, PacketBatch& batch) {
  DpPort* in = port(odp_port);
  if (in && in->counts_own_rx) in = nullptr;
  TimeMs now = clock_.now_ms();
  for (Packet* pkt : batch) {
    pkt->in_port = odp_port;
    if (in) {
      ++in->rx_packets;
      in->rx_bytes += pkt->size();
    }
    process(pkt, now);
  }
  batch.clear();
  flush_tx();
}

void Datapath::process(Packet* pkt, TimeMs now) {
  FlowKey key;
  ParseError err = flow_extract(*pkt, key);
  if (err != ParseError::kOk) {
    ++stats_.parse_errors[static_cast<size_t>(err)];
    return drop(pkt, DpDrop::kParse);
  }
  if (pkt->recirc_id || pkt->ct.state) key_add_ct(*pkt, key);
  uint64_t h = emc_hash(key);
  pkt->hash = static_cast<uint32_t>(h);
  Megaflow* mf = emc_enabled_ ? emc_.lookup(key, h) : nullptr;
  if (mf) {
    ++stats_.emc_hits;
  } else if ((mf = classify(key, *pkt)) != nullptr) {
    if (emc_enabled_) emc_.insert(key, h, mf);
  } else {
    return drop(pkt, DpDrop::kUpcallFailed);
  }
  ++mf->n_packets;
  mf->n_bytes += pkt->size();
  mf->used = now;
  if (mf->translation_error) return drop(pkt, DpDrop::kLoop);
  execute_actions(pkt, mf->actions);
}

bool Datapath::inject(uint32_t odp_port, const uint8_t* data, size_t len,
                      const TunnelMeta* tunnel) {
  Packet* p = pool_.get();
  if (!p) {
    ++stats_.drops[static_cast<size_t>(DpDrop::kPoolExhausted)];
    return false;
  }
  if (!p->assign(data, len)) {
    drop(p, DpDrop::kParse);
    return false;
  }
  if (tunnel) p->tunnel = *tunnel;
  PacketBatch b;
  b.add(p);
  receive(odp_port, b);
  return true;
}

bool Datapath::receive_underlay(const uint8_t* frame, size_t len) {
  Packet* p = pool_.get();
  if (!p) {
    ++stats_.drops[static_cast<size_t>(DpDrop::kPoolExhausted)];
    return false;
  }
  TunnelInfo info;
  if (!p->assign(frame, len) || tunnel_decap(*p, &info) != TunnelError::kOk) {
    drop(p, DpDrop::kTunnelMalformed);
    return false;
  }
  for (const auto& dp : ports_) {
    auto* tp = dynamic_cast<TunnelPort*>(dp.get());
    if (!tp) continue;
    const TunnelConfig& c = tp->config();
    if (c.kind == info.kind && c.remote_ip == p->tunnel.ip_src &&
        (c.local_ip == 0 || c.local_ip == p->tunnel.ip_dst)) {
      if (!c.key_flow && c.key != p->tunnel.tun_id) continue;
      PacketBatch b;
      b.add(p);
      receive(tp->odp_port, b);
      return true;
    }
  }
  drop(p, DpDrop::kTunnelNoPort);
  return false;
}

void Datapath::execute(uint32_t in_odp_port, const uint8_t* data, size_t len,
                       const OdpActions& acts) {
  if (len > std::max(pool_.capacity(), pool_.large_capacity())) {  // fits no packet
    ++stats_.drops[static_cast<size_t>(DpDrop::kParse)];
    return;
  }
  Packet* p = pool_.get_for(len);
  if (!p) {
    ++stats_.drops[static_cast<size_t>(DpDrop::kPoolExhausted)];
    return;
  }
  p->assign(data, len);
  p->in_port = in_odp_port;
  execute_actions(p, acts);
  flush_tx();
}

}  // namespace nt
