#include "node/reconcile.h"

#include <algorithm>
#include <cstdio>

#include "common/addr.h"
#include "common/strings.h"

namespace nt {
namespace {

std::optional<MacAddr> parse_mac(const std::optional<std::string>& s) {
  return s ? MacAddr::parse(*s) : std::nullopt;
}

Result<PortVlanConfig> vlan_config(const Port& port) {
  PortVlanConfig cfg;
  if (port.tag) cfg.tag = static_cast<uint16_t>(*port.tag);
  for (int64_t t : port.trunks) cfg.trunks.push_back(static_cast<uint16_t>(t));
  if (port.vlan_mode) {
    auto mode = parse_vlan_mode(*port.vlan_mode);
    if (!mode.ok()) return mode.error();
    cfg.mode = *mode;
  }
  NT_TRY(validate(cfg));
  return cfg;
}

bool same_vlan(const PortVlanConfig& a, const PortVlanConfig& b) {
  return a.tag == b.tag && a.trunks == b.trunks && a.mode == b.mode;
}

bool is_dummy_dp(const Bridge& b) { return b.datapath_type == "dummy"; }

bool is_secure(const Bridge& br) { return br.fail_mode && *br.fail_mode == "secure"; }

// other_config:mac-aging-time and mac-table-size, as Open vSwitch reads them.
void apply_mac_table_config(const Bridge& b, Ofproto& br) {
  auto number = [&](const char* key, uint64_t dflt) {
    auto it = b.other_config.find(key);
    if (it == b.other_config.end()) return dflt;
    auto v = parse_uint(it->second, 32);
    return v ? *v : dflt;
  };
  MacLearningTable& t = br.mac_table();
  uint64_t aging = number("mac-aging-time", MacLearningTable::kDefaultAgingSec);
  uint64_t size = number("mac-table-size", MacLearningTable::kDefaultMaxEntries);
  if (aging != t.aging_sec()) t.set_aging_sec(static_cast<uint32_t>(aging));
  if (size != t.max_entries()) t.set_max_entries(size);
}

}  // namespace

// On a bridge with datapath_type=dummy an internal port is a dummy netdev, as in Open vSwitch
// (dpif-netdev's "dummy" class): no kernel device, nothing sent that was not injected.
Result<PortSpec> port_spec(const Port& port, const Interface& iface, bool dummy_dp) {
  PortSpec spec;
  spec.name = iface.name;
  auto type = parse_port_type(iface.name, iface.type.empty() ? "system" : iface.type);
  if (!type.ok()) return type.error();
  spec.type = *type;
  if (dummy_dp && spec.type == PortType::kInternal) spec.type = PortType::kDummy;
  spec.options = iface.options;
  auto vlan = vlan_config(port);
  if (!vlan.ok()) return vlan.error();
  spec.vlan = *vlan;
  if (iface.ofport_request) spec.ofport_request = static_cast<uint32_t>(*iface.ofport_request);
  spec.mac = parse_mac(iface.mac);
  return spec;
}

std::map<std::string, RememberedPort> remember_ports(const Db& db) {
  std::map<std::string, RememberedPort> out;
  for (const auto& [id, iface] : db.interfaces) {
    RememberedPort r;
    if (iface.ofport && *iface.ofport > 0) r.ofport = static_cast<uint32_t>(*iface.ofport);
    r.mac = parse_mac(iface.mac_in_use);
    out[iface.name] = r;
  }
  return out;
}

std::map<std::string, Reconciler::Wanted> Reconciler::wanted_ports(Db& db) const {
  std::map<std::string, Wanted> want;
  for (const auto& [bid, br] : db.bridges) {
    for (const Uuid& pid : br.ports) {
      auto p = db.ports.find(pid);
      if (p == db.ports.end() || p->second.interfaces.empty()) continue;
      auto i = db.interfaces.find(*p->second.interfaces.begin());  // bonds: first member
      if (i == db.interfaces.end()) continue;
      want[i->second.name] = Wanted{br.name, &p->second, &i->second, is_dummy_dp(br)};
    }
  }
  return want;
}

// Deletes bridges the database no longer has, and ports that are gone, moved or changed type
// or options (they are added again below).
void Reconciler::remove_stale(const Db& db, const std::map<std::string, Wanted>& want,
                              ReconcileResult& r) {
  for (Ofproto* br : sw_.bridges()) {
    if (db.find_bridge(br->name())) continue;
    std::string name = br->name();
    (void)sw_.del_bridge(name);
    secure_.erase(name);
    r.bridges_removed.insert(name);
    r.log.push_back("bridge " + name + ": deleted");
  }
  for (auto it = applied_.begin(); it != applied_.end();) {
    auto w = want.find(it->first);
    bool keep =
        w != want.end() && w->second.bridge == it->second.bridge && sw_.bridge(it->second.bridge);
    if (keep) {
      auto spec = port_spec(*w->second.port, *w->second.iface, w->second.dummy_dp);
      keep = spec.ok() && spec->type == it->second.spec.type &&
             spec->options == it->second.spec.options;
      // A changed ofport_request renumbers the port (deleted here, added with it below), as
      // Open vSwitch does.
      Ofproto* br = keep ? sw_.bridge(it->second.bridge) : nullptr;
      auto no = br ? br->port_by_name(it->first) : std::nullopt;
      if (keep && spec->ofport_request && no && *no != *spec->ofport_request) keep = false;
    }
    if (keep) {
      ++it;
      continue;
    }
    if (Ofproto* br = sw_.bridge(it->second.bridge)) {
      if (auto no = br->port_by_name(it->first)) previous_ofport_[it->first] = *no;
      (void)sw_.del_port(it->second.bridge, it->first);
      r.log.push_back("bridge " + it->second.bridge + ": deleted interface " + it->first);
    }
    it = applied_.erase(it);
  }
}

// Adds new bridges; a fail_mode change flushes the flows (standalone: back to NORMAL).
void Reconciler::sync_bridges(const Db& db, ReconcileResult& r) {
  for (const auto& [id, b] : db.bridges) {
    bool secure = is_secure(b);
    Ofproto* br = sw_.bridge(b.name);
    if (br) apply_mac_table_config(b, *br);
    if (!br) {
      auto added =
          sw_.add_bridge(b.name, secure, is_dummy_dp(b) ? PortType::kDummy : PortType::kInternal);
      if (!added.ok()) {
        r.log.push_back("bridge " + b.name + ": could not add: " + added.error().message);
        continue;
      }
      secure_[b.name] = secure;
      apply_mac_table_config(b, **added);
      r.bridges_added.insert(b.name);
      r.log.push_back("bridge " + b.name + ": added");
      continue;
    }
    auto it = secure_.find(b.name);
    if (it != secure_.end() && it->second == secure) continue;
    secure_[b.name] = secure;
    if (it == secure_.end()) continue;  // adopted (restored by the daemon)
    std::vector<FlowOp> ops{{FlowModCommand::kDelete, FlowSpec{}}};
    if (!secure) {
      ops.push_back(
          {FlowModCommand::kAdd, *parse_flow("priority=0 actions=NORMAL", FlowTextMode::kAdd)});
    }
    (void)sw_.apply_bundle(b.name, ops);
    r.flows_changed.insert(b.name);
  }
}

void Reconciler::add_port(const std::string& name, const Wanted& w, std::optional<uint32_t> ofport,
                          std::optional<MacAddr> mac, ReconcileResult& r) {
  auto spec = port_spec(*w.port, *w.iface, w.dummy_dp);
  if (!spec.ok()) {
    errors_[name] = spec.error().message;
    return;
  }
  if (!spec->ofport_request) spec->ofport_request = ofport;
  if (!spec->mac) spec->mac = mac;
  auto no = sw_.add_port(w.bridge, *spec);
  if (!no.ok() && spec->ofport_request && !w.iface->ofport_request) {
    spec->ofport_request.reset();  // the remembered number is taken: take any
    no = sw_.add_port(w.bridge, *spec);
  }
  if (!no.ok()) {
    errors_[name] = no.error().message;
    r.log.push_back("bridge " + w.bridge + ": could not add interface " + name + ": " +
                    no.error().message);
    return;
  }
  errors_.erase(name);
  previous_ofport_.erase(name);
  applied_[name] = Applied{w.bridge, *spec};
  r.log.push_back("bridge " + w.bridge + ": added interface " + name + " on port " +
                  std::to_string(*no));
}

// Adds missing ports (those asking for a number first, so none takes another's) and applies
// VLAN changes in place.
void Reconciler::add_ports(const std::map<std::string, Wanted>& want,
                           const std::map<std::string, RememberedPort>& remembered,
                           ReconcileResult& r) {
  std::vector<std::pair<std::string, std::optional<uint32_t>>> to_add;
  for (const auto& [name, w] : want) {
    Ofproto* br = sw_.bridge(w.bridge);
    if (!br) continue;
    auto vlan = vlan_config(*w.port);
    const OfPort* existing = br->find_port(name);
    if (existing && vlan.ok() && !same_vlan(existing->vlan_config, *vlan)) {
      (void)sw_.set_port_vlan(w.bridge, name, *vlan);
      if (applied_.count(name)) applied_[name].spec.vlan = *vlan;
    }
    if (existing || name == w.bridge) continue;
    std::optional<uint32_t> no;
    if (auto p = previous_ofport_.find(name); p != previous_ofport_.end()) no = p->second;
    if (auto m = remembered.find(name); !no && m != remembered.end()) no = m->second.ofport;
    if (w.iface->ofport_request) no = static_cast<uint32_t>(*w.iface->ofport_request);
    to_add.emplace_back(name, no);
  }
  std::stable_partition(to_add.begin(), to_add.end(),
                        [](const auto& e) { return e.second.has_value(); });
  for (const auto& [name, no] : to_add) {
    auto m = remembered.find(name);
    add_port(name, want.at(name), no, m == remembered.end() ? std::nullopt : m->second.mac, r);
  }
}

void Reconciler::write_back(Db& db, const std::map<std::string, Wanted>& want,
                            const PortStatusFn& status) {
  for (auto& [id, iface] : db.interfaces) {
    auto w = want.find(iface.name);
    Ofproto* br = w == want.end() ? nullptr : sw_.bridge(w->second.bridge);
    const OfPort* p = br ? br->find_port(iface.name) : nullptr;
    if (!p) {
      iface.ofport = -1;
      iface.link_state = "down";
      auto e = errors_.find(iface.name);
      iface.error = e != errors_.end() ? e->second : "could not add interface";
      continue;
    }
    PortStatus st = status ? status(*br, *p) : PortStatus{};
    iface.ofport = p->ofport;
    iface.mac_in_use = p->mac.to_string();
    iface.admin_state = "up";
    iface.link_state = st.up ? "up" : "down";
    iface.error = st.error.empty() ? std::nullopt : std::optional<std::string>(st.error);
  }
  for (auto& [id, b] : db.bridges) {
    if (Ofproto* br = sw_.bridge(b.name)) {
      char dpid[20];
      const OfPort* local = br->port(ofp_port::kLocal);
      std::snprintf(dpid, sizeof dpid, "%016llx",
                    static_cast<unsigned long long>(local ? local->mac.to_u64() : 0));
      b.datapath_id = dpid;
    }
  }
  db.ovs().cur_cfg = db.ovs().next_cfg;
}

ReconcileResult Reconciler::apply(Db& db, const std::map<std::string, RememberedPort>& remembered,
                                  const PortStatusFn& status) {
  ReconcileResult r;
  auto change = sw_.change();  // one push of statistics, one revalidation for the whole pass
  std::map<std::string, Wanted> want = wanted_ports(db);
  remove_stale(db, want, r);
  sync_bridges(db, r);
  add_ports(want, remembered, r);
  write_back(db, want, status);
  return r;
}

}  // namespace nt
