#include "xlate/switch.h"

#include "common/strings.h"

namespace nt {

Switch::Switch(const Clock& clock, size_t pool_packets, size_t packet_capacity,
               size_t large_packets)
    : clock_(clock),
      dp_(std::make_unique<Datapath>(clock, pool_packets, packet_capacity, large_packets)) {
  dp_->set_upcall_handler(this);
}

Switch::~Switch() { dp_->set_upcall_handler(nullptr); }

Result<Ofproto*> Switch::add_bridge(const std::string& name, bool secure, PortType local_type) {
  if (bridges_.count(name)) {
    return make_error("bridge '" + name + "' already exists", ErrorCode::kConflict);
  }
  Change guard(*this);
  auto br = std::make_unique<Ofproto>(name, clock_);
  Ofproto* raw = br.get();
  bridges_.emplace(name, std::move(br));
  PortSpec local;
  local.name = name;
  local.type = local_type;
  local.ofport_request = ofp_port::kLocal;
  if (auto r = add_port(name, local); !r.ok()) {
    bridges_.erase(name);
    return r.error();
  }
  if (!secure) {
    auto spec = parse_flow("priority=0 actions=NORMAL", FlowTextMode::kAdd);
    NT_TRY(raw->flow_mod(*spec, FlowModCommand::kAdd));
  }
  return raw;
}

Status Switch::del_bridge(const std::string& name) {
  auto it = bridges_.find(name);
  if (it == bridges_.end()) return make_error("no bridge named " + name, ErrorCode::kNotFound);
  Change guard(*this);
  dp_->flush();
  std::vector<std::string> names;
  for (const auto& [no, p] : it->second->ports()) names.push_back(p.name);
  for (const std::string& p : names) (void)del_port(name, p);
  bridges_.erase(it);
  return ok_status();
}

Ofproto* Switch::bridge(std::string_view name) const {
  auto it = bridges_.find(name);
  return it == bridges_.end() ? nullptr : it->second.get();
}

std::vector<Ofproto*> Switch::bridges() const {
  std::vector<Ofproto*> v;
  for (const auto& [n, b] : bridges_) v.push_back(b.get());
  return v;
}

Result<std::unique_ptr<DpPort>> Switch::make_dp_port(const PortSpec& spec,
                                                     const std::optional<TunnelConfig>& tunnel) {
  if (port_factory_) return port_factory_(spec, tunnel);
  auto sink = spec.options.find("sink");
  if (spec.type == PortType::kSink || (sink != spec.options.end() && sink->second == "true")) {
    return std::unique_ptr<DpPort>(new SinkPort);
  }
  if (tunnel) return std::unique_ptr<DpPort>(new TunnelPort(*tunnel, underlay_));
  return std::unique_ptr<DpPort>(new RecordingPort(port_type_name(spec.type)));
}

Result<uint32_t> Switch::add_port(const std::string& bridge_name, const PortSpec& spec) {
  Ofproto* br = bridge(bridge_name);
  if (!br) return make_error("no bridge named " + bridge_name, ErrorCode::kNotFound);
  NT_TRY(validate(spec.vlan));
  Change guard(*this);
  OfPort p;
  p.name = spec.name;
  p.type = spec.type;
  p.vlan_config = spec.vlan;
  p.mac = spec.mac ? *spec.mac
                   : MacAddr::from_u64(
                         0xaa5500000000ULL |
                         (std::hash<std::string>{}(bridge_name + "/" + spec.name) & 0xffffffffULL));
  if (spec.type == PortType::kPatch) {
    auto it = spec.options.find("peer");
    if (it == spec.options.end()) return make_error(spec.name + ": patch port needs options:peer");
    p.peer = it->second;
  } else {
    if (is_tunnel(spec.type)) {
      auto cfg = parse_tunnel_config(spec);
      if (!cfg.ok()) return cfg.error();
      p.tunnel = *cfg;
    }
    auto dp = make_dp_port(spec, p.tunnel);
    if (!dp.ok()) return dp.error();
    (*dp)->name = spec.name;
    p.odp_port = dp_->add_port(std::move(*dp));
  }
  uint32_t odp = p.odp_port;
  auto no = br->add_port(std::move(p), spec.ofport_request);
  if (!no.ok()) {
    if (odp) dp_->remove_port(odp);
    return no.error();
  }
  if (odp) {
    if (odp_to_of_.size() <= odp) odp_to_of_.resize(odp + 1);
    odp_to_of_[odp] = PortRef{br, *no};
  }
  return no;
}

Status Switch::del_port(const std::string& bridge_name, const std::string& port) {
  Ofproto* br = bridge(bridge_name);
  if (!br) return make_error("no bridge named " + bridge_name, ErrorCode::kNotFound);
  const OfPort* p = br->find_port(port);
  if (!p) return make_error("no port named " + port, ErrorCode::kNotFound);
  uint32_t odp = p->odp_port;
  Change guard(*this);
  dp_->flush();
  NT_TRY(br->del_port(port));
  if (odp) {
    dp_->remove_port(odp);
    odp_to_of_[odp] = PortRef{};
  }
  return ok_status();
}

std::pair<Ofproto*, const OfPort*> Switch::patch_peer(const OfPort& port) const {
  for (const auto& [name, br] : bridges_) {
    const OfPort* peer = br->find_port(port.peer);
    if (peer && peer->type == PortType::kPatch && peer->peer == port.name) return {br.get(), peer};
  }
  return {nullptr, nullptr};
}

DpPort* Switch::dp_port(const Ofproto& br, uint32_t ofport) const {
  const OfPort* p = br.port(ofport);
  return p && p->odp_port ? dp_->port(p->odp_port) : nullptr;
}

void Switch::set_underlay(Underlay* u) {
  underlay_ = u;
  for (const auto& [name, br] : bridges_) {
    for (const auto& [no, p] : br->ports()) {
      if (auto* tp = dynamic_cast<TunnelPort*>(dp_->port(p.odp_port))) tp->set_underlay(u);
    }
  }
}

}  // namespace nt
