// Switch: flow programming, upcalls, revalidation, statistics and trace.
#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "packet/build.h"
#include "xlate/switch.h"

namespace nt {

uint64_t Switch::total_version() const {
  uint64_t v = 0;
  for (const auto& [n, b] : bridges_) v += b->version();
  return v;
}

uint64_t Switch::total_flow_version() const {
  uint64_t v = 0;
  for (const auto& [n, b] : bridges_) v += b->flow_version();
  return v;
}

namespace {
uint64_t mac_change_id(const Ofproto* bridge, uint64_t key) {
  return key ^ (reinterpret_cast<uintptr_t>(bridge) * 0x9e3779b97f4a7c15ULL);
}
}  // namespace

// A change to flows, ports or VLANs re-translates every megaflow. When only MAC tables moved,
// just the megaflows whose NORMAL looked up a changed (VLAN, MAC) are: learning one address
// leaves the translations that never asked about it as they were. (Two different changes with
// the same id only cause an extra re-translation.)
void Switch::maybe_revalidate() {
  uint64_t v = total_version();
  if (v == seen_version_) return;
  seen_version_ = v;
  uint64_t fv = total_flow_version();
  bool all = fv != seen_flow_version_;
  seen_flow_version_ = fv;
  std::unordered_set<uint64_t> changed;
  for (const auto& [n, b] : bridges_) {
    mac_keys_.clear();
    if (!b->mac_table().take_changes(mac_keys_)) all = true;
    for (uint64_t k : mac_keys_) changed.insert(mac_change_id(b.get(), k));
  }
  if (all) {
    dp_->revalidate();
  } else if (!changed.empty()) {
    dp_->revalidate([&](const Megaflow& mf) {
      const auto* xc = dynamic_cast<const XlateCache*>(mf.context.get());
      if (!xc) return true;
      for (const XlateCache::MacLookup& l : xc->mac_lookups) {
        if (changed.count(mac_change_id(l.bridge, l.key))) return true;
      }
      return false;
    });
  }
  seen_version_ = total_version();  // revalidation itself has no side effects
}

Switch::Change::Change(Switch& sw) : sw_(sw) {
  if (sw_.change_depth_++ == 0) sw_.dp_->push_stats();
}

Switch::Change::~Change() {
  if (--sw_.change_depth_ == 0) sw_.maybe_revalidate();
}

Status Switch::flow_mod(const std::string& bridge_name, const FlowSpec& spec, FlowModCommand cmd) {
  Ofproto* br = bridge(bridge_name);
  if (!br) return make_error("no bridge named " + bridge_name, ErrorCode::kNotFound);
  Change guard(*this);
  return br->flow_mod(spec, cmd);
}

Status Switch::apply_bundle(const std::string& bridge_name, const std::vector<FlowOp>& ops,
                            size_t* failed, const BundleCommitHook& commit) {
  Ofproto* br = bridge(bridge_name);
  if (!br) return make_error("no bridge named " + bridge_name, ErrorCode::kNotFound);
  Change guard(*this);
  return br->apply_bundle(ops, failed, commit);
}

Status Switch::set_port_vlan(const std::string& bridge_name, const std::string& port,
                             const PortVlanConfig& cfg) {
  Ofproto* br = bridge(bridge_name);
  if (!br) return make_error("no bridge named " + bridge_name, ErrorCode::kNotFound);
  Change guard(*this);
  return br->set_port_vlan(port, cfg);
}

Status Switch::flush_macs(const std::string& bridge_name) {
  std::vector<Ofproto*> targets = bridges();
  if (!bridge_name.empty()) {
    Ofproto* br = bridge(bridge_name);
    if (!br) return make_error("no bridge named " + bridge_name, ErrorCode::kNotFound);
    targets = {br};
  }
  Change guard(*this);
  for (Ofproto* br : targets) br->mac_table().flush();
  return ok_status();
}

Status Switch::flow_mod_text(const std::string& bridge_name, std::string_view text,
                             FlowModCommand cmd) {
  Ofproto* br = bridge(bridge_name);
  if (!br) return make_error("no bridge named " + bridge_name, ErrorCode::kNotFound);
  FlowTextMode mode = cmd == FlowModCommand::kAdd ? FlowTextMode::kAdd
                      : (cmd == FlowModCommand::kModify || cmd == FlowModCommand::kModifyStrict)
                          ? FlowTextMode::kModify
                          : FlowTextMode::kDelete;
  auto spec = parse_flow(text, mode, br);
  if (!spec.ok()) return spec.error();
  return flow_mod(bridge_name, *spec, cmd);
}

std::string Switch::dump_flows(const std::string& bridge_name, const FlowSpec* filter,
                               const DumpOptions& opts) {
  Ofproto* br = bridge(bridge_name);
  if (!br) return "";
  dp_->push_stats();
  return br->dump_flows(filter, opts);
}

bool Switch::translate_megaflow(const FlowKey& key, const Packet* pkt, bool may_learn,
                                Megaflow& mf) {
  XlateIn in;
  in.flow = key;
  if (key.recirc_id) {  // a recirculated packet resumes the pipeline state it froze
    const FrozenState* f = recirc_.find(key.recirc_id);
    if (!f || !(in.bridge = bridge(f->bridge))) return false;
    in.table = f->table;
    in.flow.in_port = f->in_port;
    in.flow.metadata = f->metadata;
    std::copy(f->regs.begin(), f->regs.end(), in.flow.regs);
  } else {
    if (key.in_port >= odp_to_of_.size() || !odp_to_of_[key.in_port].bridge) return false;
    const PortRef& ref = odp_to_of_[key.in_port];
    in.bridge = ref.bridge;
    in.flow.in_port = ref.ofport;
  }
  in.may_learn = may_learn;
  in.packet = pkt;
  XlateOut out = xlate(*this, in);
  mf.match.mask = out.wc;
  mf.match.mask.in_port = 0xffffffff;
  mf.match.value = key;
  key_and(mf.match.value, mf.match.mask);
  mf.actions = std::move(out.actions);
  mf.context = std::move(out.cache);
  if (out.error) {
    // A translation cut short (recursion or resubmit limit) is not half-executed: it drops.
    mf.actions.clear();
    mf.translation_error = true;
  }
  return true;
}

bool Switch::upcall(const FlowKey& key, const Packet& pkt, Megaflow& mf) {
  return translate_megaflow(key, &pkt, true, mf);
}

bool Switch::revalidate(const Megaflow& flow, Megaflow& out) {
  return translate_megaflow(flow.origin, nullptr, false, out);
}

void Switch::push_stats(Megaflow& mf, uint64_t packets, uint64_t bytes) {
  auto* xc = dynamic_cast<XlateCache*>(mf.context.get());
  if (!xc) return;
  for (const RulePtr& r : xc->rules) {
    r->n_packets += packets;
    r->n_bytes += bytes;
    if (mf.used > r->used) r->used = mf.used;
  }
  for (const XlateCache::TableEntry& t : xc->tables) {
    t.bridge->count_lookups(t.table, t.matched, packets);
  }
  for (XlateCache::LearnEntry& l : xc->learns) l.bridge->learn(l.flow, mf.used);
  for (const XlateCache::NormalEntry& n : xc->normals) {
    n.bridge->mac_table().learn(n.vlan, n.mac, n.port, mf.used);
  }
}

void Switch::run() {
  dp_->push_stats();
  // Expire connections (an idle tracker is not even asked the time).
  if (dp_->conntrack().count()) dp_->conntrack().sweep();
  for (const auto& [n, b] : bridges_) b->expire();
  maybe_revalidate();
}

Status Switch::receive(const std::string& bridge_name, const std::string& port, const uint8_t* data,
                       size_t len, const TunnelMeta* tunnel) {
  Ofproto* br = bridge(bridge_name);
  if (!br) return make_error("no bridge named " + bridge_name, ErrorCode::kNotFound);
  const OfPort* p = br->find_port(port);
  if (!p || !p->odp_port) {
    return make_error("no datapath port named " + port + " on " + bridge_name,
                      ErrorCode::kNotFound);
  }
  dp_->inject(p->odp_port, data, len, tunnel);
  maybe_revalidate();
  return ok_status();
}

std::string Switch::format_dpctl_dump_flows() {
  DpctlDump dump = snapshot_megaflows();
  std::string s;
  while (dump.next(s, size_t{1} << 20)) {
  }
  return s;
}

DpctlDump Switch::snapshot_megaflows() { return DpctlDump(dp_->megaflows(), clock_.now_ms()); }

}  // namespace nt
