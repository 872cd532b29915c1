// Executing datapath actions on packets, and the caches' housekeeping.
#include <cstdio>
#include <cstring>

#include "common/strings.h"
#include "datapath/datapath.h"
#include "packet/modify.h"

namespace nt {
namespace {

bool has_later_output(const OdpActions& acts, size_t i) {
  for (size_t j = i + 1; j < acts.size(); ++j) {
    if (odp_sends(acts[j])) return true;
  }
  return false;
}

// A header rewrite applied to a packet, one overload per datapath action (Output and Userspace
// are sends, handled by execute_actions and never passed here). False: the packet does not
// have the header (or no room for a tag).
struct Apply {
  Packet& pkt;
  bool operator()(const odp::Output&) const { return true; }
  bool operator()(const odp::PushVlan& a) const { return push_vlan(pkt, a.tpid, a.tci); }
  bool operator()(const odp::PopVlan&) const { return pop_vlan(pkt); }
  bool operator()(const odp::SetEthSrc& a) const { return set_eth_src(pkt, a.mac); }
  bool operator()(const odp::SetEthDst& a) const { return set_eth_dst(pkt, a.mac); }
  bool operator()(const odp::SetIpv4Src& a) const { return set_ipv4_src(pkt, a.ip); }
  bool operator()(const odp::SetIpv4Dst& a) const { return set_ipv4_dst(pkt, a.ip); }
  bool operator()(const odp::SetIpv4Tos& a) const { return set_ipv4_tos(pkt, a.tos, a.mask); }
  bool operator()(const odp::SetIpv6Tclass& a) const {
    return set_ipv6_tclass(pkt, a.tclass, a.mask);
  }
  bool operator()(const odp::SetIpv4Ttl& a) const { return set_ipv4_ttl(pkt, a.ttl); }
  bool operator()(const odp::SetIpv6Hlimit& a) const { return set_ipv6_hlimit(pkt, a.hlimit); }
  bool operator()(const odp::SetL4Src& a) const { return set_l4_src(pkt, a.port); }
  bool operator()(const odp::SetL4Dst& a) const { return set_l4_dst(pkt, a.port); }
  bool operator()(const odp::SetArpOp& a) const { return set_arp_op(pkt, a.op); }
  bool operator()(const odp::SetArpSha& a) const { return set_arp_sha(pkt, a.mac); }
  bool operator()(const odp::SetArpSpa& a) const { return set_arp_spa(pkt, a.ip); }
  bool operator()(const odp::SetArpTha& a) const { return set_arp_tha(pkt, a.mac); }
  bool operator()(const odp::SetArpTpa& a) const { return set_arp_tpa(pkt, a.ip); }
  bool operator()(const odp::SetTunnel& a) const {
    pkt.tunnel = a.meta();
    return true;
  }
  bool operator()(const odp::Ct&) const { return true; }  // execute_actions runs ct()
  bool operator()(const odp::CtClear&) const {
    pkt.ct = CtMeta{};
    return true;
  }
  bool operator()(const odp::Userspace&) const { return true; }
};

// OVS's MAX_RECIRC_DEPTH: passes a packet may make through the datapath.
constexpr uint8_t kMaxRecircDepth = 6;

Packet* clone(PacketPool& pool, const Packet& src) {
  Packet* c = pool.get_for(src.size());
  if (!c) return nullptr;
  c->assign(src.data(), src.size());
  c->in_port = src.in_port;
  c->tunnel = src.tunnel;
  c->offload = src.offload;
  c->ct = src.ct;
  c->recirc_id = src.recirc_id;
  c->recirc_depth = src.recirc_depth;
  return c;
}

}  // namespace

void Datapath::execute_actions(Packet* pkt, const OdpActions& acts, size_t begin) {
  for (size_t i = begin; i < acts.size(); ++i) {
    const OdpAction& a = acts[i];
    if (const auto* ct = std::get_if<odp::Ct>(&a)) {
      if (!execute_ct(pkt, *ct, has_later_output(acts, i))) return;
      continue;
    }
    if (!odp_sends(a)) {
      if (!odp_visit(a, Apply{*pkt})) return drop(pkt, DpDrop::kModifyFailed);
      continue;
    }
    bool last = !has_later_output(acts, i);
    if (const auto* u = std::get_if<odp::Userspace>(&a)) {
      if (packet_in_) packet_in_(*pkt, u->reason);
      if (last) return pool_.put(pkt);
      continue;
    }
    uint32_t port = std::get_if<odp::Output>(&a)->port;
    if (last) return output(pkt, port);
    Packet* c = clone(pool_, *pkt);
    if (!c) {
      ++stats_.drops[static_cast<size_t>(DpDrop::kPoolExhausted)];
      continue;
    }
    output(c, port);
  }
  drop(pkt, DpDrop::kPipeline);
}

bool Datapath::execute_ct(Packet* pkt, const odp::Ct& ct, bool more) {
  Packet* p = pkt;
  if (ct.recirc_id && more) {  // the clone recirculates; pkt goes on untracked
    p = clone(pool_, *pkt);
    if (!p) {
      ++stats_.drops[static_cast<size_t>(DpDrop::kPoolExhausted)];
      return true;
    }
  }
  FlowKey key;
  HeaderOffsets ofs;
  ParseError err = flow_extract(*p, key, &ofs);
  if (err != ParseError::kOk) {
    ++stats_.parse_errors[static_cast<size_t>(err)];
    drop(p, DpDrop::kParse);
    return p != pkt;
  }
  switch (ct_.execute(*p, key, ofs, *ct.args, p->ct)) {
    case CtDrop::kNone:
      break;
    case CtDrop::kFull:
      drop(p, DpDrop::kConntrackFull);
      return p != pkt;
    default:
      drop(p, DpDrop::kConntrackNat);
      return p != pkt;
  }
  if (!ct.recirc_id) return true;
  recirculate(p, ct.recirc_id);
  return p != pkt;
}

void Datapath::recirculate(Packet* pkt, uint32_t recirc_id) {
  if (pkt->recirc_depth >= kMaxRecircDepth) return drop(pkt, DpDrop::kRecircDepth);
  ++pkt->recirc_depth;
  pkt->recirc_id = recirc_id;
  process(pkt, clock_.now_ms());
}

void Datapath::output(Packet* pkt, uint32_t odp_port) {
  if (odp_port >= ports_.size() || !ports_[odp_port]) return drop(pkt, DpDrop::kNoSuchPort);
  if (vnet_active(pkt->offload) && !ports_[odp_port]->accepts_offload()) {
    return output_resolved(pkt, odp_port);
  }
  enqueue_tx(pkt, odp_port);
}

void Datapath::output_resolved(Packet* pkt, uint32_t odp_port) {
  bool gso = pkt->offload.gso_type != kVnetGsoNone;
  VnetStatus st = vnet_resolve(pkt, pool_, resolved_);
  if (st != VnetStatus::kOk) ++stats_.drops[static_cast<size_t>(DpDrop::kOffloadFailed)];
  if (gso) {
    ++stats_.offload_segmented;
    stats_.offload_segments += resolved_.size();
  } else if (st == VnetStatus::kOk) {
    ++stats_.offload_csum;
  }
  while (Packet* p = resolved_.pop()) enqueue_tx(p, odp_port);
}

void Datapath::enqueue_tx(Packet* pkt, uint32_t odp_port) {
  PacketBatch& b = tx_[odp_port];
  if (b.count == 0) tx_pending_.push_back(odp_port);
  b.add(pkt);
  if (b.count == PacketBatch::kMax) ports_[odp_port]->send(b, pool_);
}

void Datapath::flush_tx() {
  // A port's send may re-enter the datapath (an emulated wire to a local port), so take the
  // pending list first.
  while (!tx_pending_.empty()) {
    uint32_t no = tx_pending_.back();
    tx_pending_.pop_back();
    if (no < ports_.size() && ports_[no] && tx_[no].count) ports_[no]->send(tx_[no], pool_);
  }
}

void Datapath::push_stats() {
  if (!upcall_) return;
  megaflows_.for_each([&](Megaflow* mf) {
    uint64_t dp = mf->n_packets - mf->pushed_packets;
    uint64_t db = mf->n_bytes - mf->pushed_bytes;
    if (dp == 0) return;
    upcall_->push_stats(*mf, dp, db);
    mf->pushed_packets = mf->n_packets;
    mf->pushed_bytes = mf->n_bytes;
  });
}

void Datapath::revalidate(const std::function<bool(const Megaflow&)>& affected) {
  push_stats();
  if (!upcall_) {
    emc_.clear();
    return megaflows_.clear();
  }
  std::vector<Megaflow*> dead;
  megaflows_.for_each([&](Megaflow* mf) {
    if (affected && !affected(*mf)) return;
    ++stats_.revalidated;
    Megaflow fresh;
    if (!upcall_->revalidate(*mf, fresh)) return dead.push_back(mf);
    key_and(fresh.match.value, fresh.match.mask);
    if (!(fresh.match == mf->match) || !(fresh.actions == mf->actions) ||
        fresh.translation_error != mf->translation_error) {
      return dead.push_back(mf);
    }
    mf->context = std::move(fresh.context);
  });
  if (!dead.empty()) emc_.clear();  // it may point at them; kept megaflows stay valid
  for (Megaflow* mf : dead) megaflows_.remove(mf);
}

void Datapath::flush() {
  push_stats();
  emc_.clear();
  megaflows_.clear();
}

std::string Datapath::format_coverage() const {
  std::string s = "Event coverage (datapath):\n";
  auto line = [&](std::string_view name, uint64_t v) { s += coverage_line(name, v); };
  line("emc_hit", stats_.emc_hits);
  line("megaflow_hit", stats_.megaflow_hits);
  line("miss_upcall", stats_.misses);
  if (stats_.offload_segmented) line("offload_segmented", stats_.offload_segmented);
  if (stats_.offload_segments) line("offload_segments", stats_.offload_segments);
  if (stats_.offload_csum) line("offload_csum_completed", stats_.offload_csum);
  if (stats_.revalidated) line("megaflow_revalidated", stats_.revalidated);
  for (size_t i = 0; i < stats_.drops.size(); ++i) {
    if (stats_.drops[i]) line(dp_drop_name(static_cast<DpDrop>(i)), stats_.drops[i]);
  }
  for (size_t i = 1; i < stats_.parse_errors.size(); ++i) {
    if (stats_.parse_errors[i]) {
      line(parse_error_name(static_cast<ParseError>(i)), stats_.parse_errors[i]);
    }
  }
  std::string ct = ct_.format_coverage();  // its heading, then its non-zero counters
  if (ct.find('\n') + 1 < ct.size()) s += ct;
  return s;
}

std::string Datapath::format_show() const {
  std::string s;
  char buf[160];
  std::snprintf(buf, sizeof buf, "  lookups: hit:%llu missed:%llu lost:%llu\n  flows: %zu\n",
                static_cast<unsigned long long>(stats_.emc_hits + stats_.megaflow_hits),
                static_cast<unsigned long long>(stats_.misses),
                static_cast<unsigned long long>(stats_.lost), megaflows_.size());
  s += buf;
  for (size_t i = 1; i < ports_.size(); ++i) {
    if (!ports_[i]) continue;
    s += "  port " + std::to_string(i) + ": " + ports_[i]->name;
    if (ports_[i]->type() != "dummy") s += " (" + std::string(ports_[i]->type()) + ")";
    s += "\n";
  }
  return s;
}

}  // namespace nt
