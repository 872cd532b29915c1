#include "agent/l3.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/addr.h"
#include "common/vlog.h"
#include "netstack/ipv4_addr.h"

namespace nt::agent {
namespace {

using Json = nlohmann::json;

constexpr const char* kWrap = "neutron-l3-agent-";
constexpr const char* kFilterTop = "neutron-filter-top";
constexpr const char* kPostroutingBottom = "neutron-postrouting-bottom";
constexpr const char* kMetadataAccessMark = "0x1/0xffff";  // Neutron's metadata_access_mark
constexpr const char* kMetadataMatch = "-d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80";

std::string wrapped(const std::string& chain) { return kWrap + chain; }

// One table as iptables_manager builds it and `iptables -S` prints it: built-in chains' -P
// lines, user chains' -N lines in byte order, the rules of the built-in chains in their order,
// then those of the user chains in the -N order (each chain's rules as added).
class Table {
 public:
  explicit Table(std::vector<std::string> builtins) : builtins_(std::move(builtins)) {}
  void chain(const std::string& name) { rules_[name]; }
  void rule(const std::string& chain, const std::string& spec) {
    rules_[chain].push_back("-A " + chain + " " + spec);
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& b : builtins_) out.push_back("-P " + b + " ACCEPT");
    for (const auto& [name, r] : rules_) {
      if (!is_builtin(name)) out.push_back("-N " + name);
    }
    for (const auto& b : builtins_) {
      auto it = rules_.find(b);
      if (it != rules_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
    }
    for (const auto& [name, r] : rules_) {
      if (!is_builtin(name)) out.insert(out.end(), r.begin(), r.end());
    }
    return out;
  }

 private:
  bool is_builtin(const std::string& c) const {
    return std::find(builtins_.begin(), builtins_.end(), c) != builtins_.end();
  }
  std::vector<std::string> builtins_;
  std::map<std::string, std::vector<std::string>> rules_;  // std::map: byte order, as -S
};

// iptables_manager's wrapped chain per built-in chain, jumped to from it.
void wrap_builtins(Table& t, const std::vector<std::string>& chains) {
  for (const auto& c : chains) {
    t.chain(wrapped(c));
    t.rule(c, "-j " + wrapped(c));
  }
}

std::vector<std::string> filter_lines(const L3Options& o) {
  Table t({"INPUT", "FORWARD", "OUTPUT"});
  t.chain(kFilterTop);
  t.chain(wrapped("local"));
  t.rule("INPUT", "-j " + wrapped("INPUT"));
  t.chain(wrapped("INPUT"));
  for (const char* c : {"FORWARD", "OUTPUT"}) {
    t.rule(c, std::string("-j ") + kFilterTop);
    t.chain(wrapped(c));
    t.rule(c, "-j " + wrapped(c));
  }
  t.rule(kFilterTop, "-j " + wrapped("local"));
  if (o.enable_metadata_proxy) {
    t.rule(wrapped("INPUT"), std::string("-m mark --mark ") + kMetadataAccessMark + " -j ACCEPT");
    t.rule(wrapped("INPUT"),
           "-p tcp -m tcp --dport " + std::to_string(o.metadata_port) + " -j DROP");
  }
  return t.lines();
}

std::vector<std::string> mangle_lines(const RouterPlan& p, const L3Options& o) {
  Table t({"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"});
  wrap_builtins(t, {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"});
  t.chain(wrapped("mark"));
  t.rule(wrapped("PREROUTING"), "-j " + wrapped("mark"));
  if (o.enable_metadata_proxy) {
    t.rule(wrapped("PREROUTING"),
           std::string(kMetadataMatch) + " -j MARK --set-xmark " + kMetadataAccessMark);
  }
  const RouterDevicePlan* gw = p.gateway_device();
  if (gw && !p.gateway_ip.empty()) {  // as the NAT rules: with an IPv4 gateway address only
    t.rule(wrapped("mark"), "-i " + gw->device + " -j MARK --set-xmark " + o.external_ingress_mark);
  }
  return t.lines();
}

std::vector<std::string> nat_lines(const RouterPlan& p, const L3Options& o, bool enable_snat) {
  std::string random = o.use_random_fully ? " --random-fully" : "";
  Table t({"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"});
  wrap_builtins(t, {"PREROUTING", "OUTPUT", "POSTROUTING"});
  t.chain(kPostroutingBottom);
  t.rule("POSTROUTING", std::string("-j ") + kPostroutingBottom);
  t.chain(wrapped("snat"));
  t.rule(kPostroutingBottom,
         "-m comment --comment \"Perform source NAT on outgoing traffic.\" -j " + wrapped("snat"));
  t.chain(wrapped("float-snat"));
  t.rule(wrapped("snat"), "-j " + wrapped("float-snat"));
  if (o.enable_metadata_proxy) {
    t.rule(wrapped("PREROUTING"), std::string(kMetadataMatch) + " -j REDIRECT --to-ports " +
                                      std::to_string(o.metadata_port));
  }
  const RouterDevicePlan* gw = p.gateway_device();
  if (gw && !p.gateway_ip.empty()) {
    // router_info._add_snat_rules: the SNAT rule (enable_snat only), then the FIP rules.
    if (enable_snat) {
      t.rule(wrapped("snat"), "-o " + gw->device + " -j SNAT --to-source " + p.gateway_ip + random);
    }
    t.rule(wrapped("POSTROUTING"),
           "! -o " + gw->device + " -m conntrack ! --ctstate DNAT -j ACCEPT");
    t.rule(wrapped("snat"), "-m mark ! --mark " + o.external_ingress_mark +
                                " -m conntrack --ctstate DNAT -j SNAT --to-source " + p.gateway_ip +
                                random);
  }
  for (const auto& f : p.floating_ips) {
    std::string dnat = "-d " + f.floating_ip + "/32 -j DNAT --to-destination " + f.fixed_ip;
    t.rule(wrapped("PREROUTING"), dnat);
    t.rule(wrapped("OUTPUT"), dnat);
    t.rule(wrapped("float-snat"),
           "-s " + f.fixed_ip + "/32 -j SNAT --to-source " + f.floating_ip + random);
  }
  return t.lines();
}

// The subnet of `ports`'s subnets holding `ip`.
const rpc::SubnetInfo* subnet_of(const rpc::RouterPortInfo& port, const rpc::FixedIp& ip) {
  for (const auto& s : port.subnets) {
    if (s.id == ip.subnet_id) return &s;
  }
  return nullptr;
}

// The port's IPv4 addresses as "ip/prefix" (IPv6 ones are not handled yet).
Result<std::vector<std::string>> port_addresses(const rpc::RouterPortInfo& port) {
  std::vector<std::string> out;
  for (const auto& f : port.fixed_ips) {
    if (f.ip_address.find(':') != std::string::npos) continue;
    if (!ipv4_parse(f.ip_address)) {
      return make_error("port " + port.id + ": '" + f.ip_address + "' is not an IPv4 address");
    }
    const rpc::SubnetInfo* s = subnet_of(port, f);
    if (!s) return make_error("port " + port.id + ": subnet " + f.subnet_id + " not given");
    auto cidr = parse_ipv4_prefix(s->cidr);
    if (!cidr) return make_error("subnet " + s->id + ": cidr '" + s->cidr + "' is not IPv4");
    out.push_back(f.ip_address + "/" + std::to_string(cidr->len));
  }
  return out;
}

RouterDevicePlan device_plan(const rpc::RouterPortInfo& port, bool external) {
  RouterDevicePlan d;
  d.port_id = port.id;
  d.device = router_device_name(external ? "qg-" : "qr-", port.id);
  d.mac = port.mac_address;
  d.network_id = port.network_id;
  d.external = external;
  d.mtu = port.mtu;
  return d;
}

// The device whose connected prefixes hold `ip` ("" if none).
std::string device_for(const std::vector<RouterDevicePlan>& devices, const std::string& ip) {
  auto a = ipv4_parse(ip);
  if (!a) return "";
  for (const auto& d : devices) {
    for (const auto& addr : d.addresses) {
      auto pfx = parse_ipv4_prefix(addr);
      if (pfx && pfx->len < 32 && in_prefix(*a, pfx->network(), pfx->len)) return d.device;
    }
  }
  return "";
}

}  // namespace

const RouterDevicePlan* RouterPlan::gateway_device() const {
  for (const auto& d : devices) {
    if (d.external) return &d;
  }
  return nullptr;
}

std::string router_device_name(const std::string& prefix, const std::string& port_id) {
  return prefix + port_id.substr(0, 11);
}

Result<RouterPlan> plan_router(const rpc::RouterInfo& r, const L3Options& o) {
  RouterPlan p;
  p.router_id = r.id;
  p.namespace_name = "qrouter-" + r.id;
  if (o.enable_metadata_proxy) p.metadata_port = o.metadata_port;
  for (const auto& port : r.interfaces) {
    RouterDevicePlan d = device_plan(port, false);
    auto addrs = port_addresses(port);
    if (!addrs) return addrs.error();
    d.addresses = std::move(*addrs);
    p.devices.push_back(std::move(d));
  }
  if (r.gw_port) {
    RouterDevicePlan d = device_plan(*r.gw_port, true);
    auto addrs = port_addresses(*r.gw_port);
    if (!addrs) return addrs.error();
    d.addresses = std::move(*addrs);
    if (!d.addresses.empty()) p.gateway_ip = d.addresses[0].substr(0, d.addresses[0].find('/'));
    for (const auto& s : r.gw_port->subnets) {
      if (s.ip_version != 4 || s.gateway_ip.empty()) continue;
      p.routes.push_back({"default", s.gateway_ip, d.device});
      break;
    }
    if (!p.gateway_ip.empty()) {
      for (const auto& f : r.floating_ips) {
        if (f.fixed_ip_address.empty() || !ipv4_parse(f.floating_ip_address)) continue;
        p.floating_ips.push_back({f.id, f.floating_ip_address, f.fixed_ip_address});
        d.addresses.push_back(f.floating_ip_address + "/32");
      }
    }
    p.devices.push_back(std::move(d));
  }
  for (const auto& route : r.routes) {
    if (route.destination.find(':') != std::string::npos) continue;
    p.routes.push_back({route.destination, route.nexthop, device_for(p.devices, route.nexthop)});
  }
  p.iptables["filter"] = filter_lines(o);
  p.iptables["mangle"] = mangle_lines(p, o);
  p.iptables["nat"] = nat_lines(p, o, r.enable_snat);
  return p;
}

std::string iptables_restore_input(const RouterPlan& plan) {
  std::string out;
  for (const auto& [table, lines] : plan.iptables) {
    out += "*" + table + "\n";
    for (const auto& l : lines) {
      if (l.rfind("-P ", 0) == 0) {  // "-P INPUT ACCEPT" -> ":INPUT ACCEPT [0:0]"
        out += ":" + l.substr(3) + " [0:0]\n";
      } else if (l.rfind("-N ", 0) == 0) {
        out += ":" + l.substr(3) + " - [0:0]\n";
      } else {
        out += l + "\n";
      }
    }
    out += "COMMIT\n";
  }
  return out;
}

L3Role::L3Role(L3Options options, L3Driver& driver, std::string integration_bridge)
    : options_(std::move(options)),
      driver_(driver),
      integration_bridge_(std::move(integration_bridge)) {}

bool L3Role::serves_router(const std::string& router_id) const {
  return applied_.count(router_id) ||
         std::any_of(served_.begin(), served_.end(),
                     [&](const rpc::RouterInfo& r) { return r.id == router_id; });
}

bool L3Role::serves_port(const std::string& port_id) const {
  for (const auto& r : served_) {
    if (r.gw_port && r.gw_port->id == port_id) return true;
    for (const auto& i : r.interfaces) {
      if (i.id == port_id) return true;
    }
    for (const auto& f : r.floating_ips) {
      if (f.port_id == port_id) return true;
    }
  }
  for (const auto& [id, p] : applied_) {
    for (const auto& d : p.devices) {
      if (d.port_id == port_id) return true;
    }
  }
  return false;
}

bool L3Role::serves_network(const std::string& network_id) const {
  for (const auto& r : served_) {
    if (r.gw_port && r.gw_port->network_id == network_id) return true;
    for (const auto& i : r.interfaces) {
      if (i.network_id == network_id) return true;
    }
  }
  return false;
}

bool L3Role::serves_subnet(const std::string& subnet_id) const {
  auto has = [&](const rpc::RouterPortInfo& p) {
    return std::any_of(p.subnets.begin(), p.subnets.end(),
                       [&](const rpc::SubnetInfo& s) { return s.id == subnet_id; });
  };
  for (const auto& r : served_) {
    if (r.gw_port && has(*r.gw_port)) return true;
    if (std::any_of(r.interfaces.begin(), r.interfaces.end(), has)) return true;
  }
  return false;
}

bool L3Role::serves_floating_ip(const std::string& fip_id) const {
  for (const auto& r : served_) {
    for (const auto& f : r.floating_ips) {
      if (f.id == fip_id) return true;
    }
  }
  for (const auto& [id, p] : applied_) {
    for (const auto& f : p.floating_ips) {
      if (f.id == fip_id) return true;
    }
  }
  return false;
}

Result<bool> L3Role::apply(const rpc::HostState& state, NodeChannel& node) {
  bool changed = false;
  std::map<std::string, RouterPlan> wanted;
  served_ = state.routers;
  errors_.clear();
  for (const auto& r : state.routers) {
    if (!r.admin_state_up) continue;
    if (!r.gw_port && !options_.handle_internal_only_routers) continue;
    auto plan = plan_router(r, options_);
    if (!plan) {  // kept as it runs (if it does) rather than torn down over bad input
      errors_[r.id] = plan.error().message;
      if (auto cur = applied_.find(r.id); cur != applied_.end()) wanted.emplace(r.id, cur->second);
      continue;
    }
    wanted.emplace(r.id, std::move(*plan));
  }
  for (auto it = applied_.begin(); it != applied_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    vlog_write("agent", VlogLevel::kInfo, "l3: removing router " + it->first);
    NT_TRY(driver_.disable(it->second));
    for (const auto& d : it->second.devices) NT_TRY(unplug(d.device, node));
    it = applied_.erase(it);
    changed = true;
  }
  for (auto& [id, plan] : wanted) {
    auto cur = applied_.find(id);
    if (cur != applied_.end() && cur->second == plan) continue;
    auto had = [&](const RouterDevicePlan& d) {
      if (cur == applied_.end()) return false;
      return std::any_of(cur->second.devices.begin(), cur->second.devices.end(),
                         [&](const RouterDevicePlan& c) {
                           return c.device == d.device && c.port_id == d.port_id && c.mac == d.mac;
                         });
    };
    for (const auto& d : plan.devices) {
      if (!had(d)) NT_TRY(plug(d, node));
    }
    if (Status s = driver_.enable(plan); !s) {
      errors_[id] = s.error().message;
      continue;
    }
    if (cur != applied_.end()) {
      for (const auto& old : cur->second.devices) {
        bool kept = std::any_of(plan.devices.begin(), plan.devices.end(),
                                [&](const RouterDevicePlan& d) { return d.device == old.device; });
        if (!kept) NT_TRY(unplug(old.device, node));
      }
    }
    vlog_write(
        "agent", VlogLevel::kInfo,
        std::string("l3: ") + (cur == applied_.end() ? "added" : "updated") + " router " + id);
    applied_[id] = plan;
    changed = true;
  }
  return changed;
}

// Neutron's OVSInterfaceDriver.plug, as DhcpRole::plug: an internal port on br-int, dead VLAN
// until the OVS agent tags it, with the external_ids that make the agent bind it.
Status L3Role::plug(const RouterDevicePlan& d, NodeChannel& node) {
  ControlReply r = node.execute(
      "vsctl", {"--", "--may-exist", "add-port", integration_bridge_, d.device, "tag=4095", "--",
                "set", "Interface", d.device, "type=internal", "external_ids:iface-id=" + d.port_id,
                "external_ids:iface-status=active", "external_ids:attached-mac=" + d.mac});
  if (r.status != 0) return make_error("plugging " + d.device + ": " + r.err);
  return ok_status();
}

Status L3Role::unplug(const std::string& device, NodeChannel& node) {
  ControlReply r =
      node.execute("vsctl", {"--", "--if-exists", "del-port", integration_bridge_, device});
  if (r.status != 0) return make_error("unplugging " + device + ": " + r.err);
  return ok_status();
}

std::string L3Role::configurations_json() const {
  size_t gw = 0, interfaces = 0, fips = 0;
  for (const auto& [id, p] : applied_) {
    for (const auto& d : p.devices) (d.external ? gw : interfaces) += 1;
    fips += p.floating_ips.size();
  }
  Json c = {{"agent_mode", "legacy"},
            {"routers", applied_.size()},
            {"ex_gw_ports", gw},
            {"interfaces", interfaces},
            {"floating_ips", fips},
            {"interface_driver", "openvswitch"},
            {"handle_internal_only_routers", options_.handle_internal_only_routers},
            {"external_network_bridge", ""},
            {"gateway_external_network_id", ""},
            {"router_id", ""},
            {"use_namespaces", true},
            {"log_agent_heartbeats", false}};
  return c.dump();
}

}  // namespace nt::agent
