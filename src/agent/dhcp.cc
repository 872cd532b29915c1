#include "agent/dhcp.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/addr.h"
#include "common/strings.h"
#include "common/vlog.h"
#include "netstack/ipv4_addr.h"

namespace nt::agent {
namespace {

using Json = nlohmann::json;

constexpr const char* kMetadataCidr = "169.254.169.254/32";
constexpr const char* kOwnerDhcp = "network:dhcp";

// Ports dnsmasq does not list (Neutron's _iter_hosts skips them).
bool unlisted_owner(const std::string& owner) {
  return owner == "network:floatingip" || owner == "network:router_ha_interface";
}

bool router_interface_owner(const std::string& owner) {
  return owner == "network:router_interface" || owner == "network:router_interface_distributed" ||
         owner == "network:ha_router_replicated_interface";
}

// "host-10-0-1-3.openstacklocal" (Neutron's name without the DNS extension).
std::string host_name(const std::string& ip, const std::string& domain) {
  std::string h = "host-" + ip;
  std::replace(h.begin(), h.end(), '.', '-');
  return domain.empty() ? h : h + "." + domain;
}

// The address `port` holds on `subnet_id`, or "".
std::string address_on(const rpc::DhcpPort& port, const std::string& subnet_id) {
  for (const auto& f : port.fixed_ips) {
    if (f.subnet_id == subnet_id) return f.ip_address;
  }
  return "";
}

// A subnet is isolated when no router interface holds its gateway address.
bool isolated(const rpc::SubnetInfo& s, const rpc::DhcpNetwork& net) {
  if (s.gateway_ip.empty()) return true;
  for (const auto& p : net.ports) {
    if (router_interface_owner(p.device_owner) && address_on(p, s.id) == s.gateway_ip) {
      return false;
    }
  }
  return true;
}

// Options 121/249 as Neutron's _generate_opts_per_subnet builds them: the other IPv4 subnets
// of the network on-link first, the subnet's host routes, the metadata route, then the
// default route via the gateway when there is any route at all.
std::vector<DhcpRoute> subnet_routes(const rpc::SubnetInfo& s, const rpc::DhcpNetwork& net,
                                     const std::string& dhcp_ip, const DhcpOptions& o) {
  std::vector<DhcpRoute> routes;
  for (const auto& other : net.subnets) {
    if (other.ip_version == 4 && other.cidr != s.cidr) routes.push_back({other.cidr, "0.0.0.0"});
  }
  for (const auto& hr : s.host_routes) routes.push_back({hr.destination, hr.nexthop});
  bool iso = isolated(s, net);
  if (o.force_metadata || (iso && o.enable_isolated_metadata)) {
    if (!dhcp_ip.empty()) routes.push_back({kMetadataCidr, dhcp_ip});
  } else if (!iso && !s.gateway_ip.empty()) {
    routes.push_back({kMetadataCidr, s.gateway_ip});
  }
  if (!routes.empty() && !s.gateway_ip.empty()) routes.push_back({"0.0.0.0/0", s.gateway_ip});
  return routes;
}

std::string routes_text(const std::vector<DhcpRoute>& routes) {
  std::string out;
  for (const auto& r : routes) out += (out.empty() ? "" : ",") + r.destination + "," + r.nexthop;
  return out;
}

std::string opts_text(const std::vector<DhcpSubnetPlan>& subnets) {
  std::string out;
  for (const auto& s : subnets) {
    std::string tag = "tag:" + s.tag + ",";
    if (!s.dns_servers.empty()) {
      std::string dns;
      for (const auto& d : s.dns_servers) dns += (dns.empty() ? "" : ",") + d;
      out += tag + "option:dns-server," + dns + "\n";
    }
    if (!s.routes.empty()) {
      out += tag + "option:classless-static-route," + routes_text(s.routes) + "\n";
      out += tag + "249," + routes_text(s.routes) + "\n";
    }
    out += tag + (s.gateway_ip.empty() ? "option:router" : "option:router," + s.gateway_ip) + "\n";
  }
  return out;
}

// The seed's dnsmasq command line (Neutron's Dnsmasq._build_cmdline_callback of its era),
// with the MTU option Neutron adds since advertise_mtu.
std::vector<std::string> dnsmasq_argv(const DhcpNetworkPlan& p, const DhcpOptions& o,
                                      uint64_t lease_max) {
  const std::string& c = p.conf_dir;
  std::vector<std::string> argv = {"dnsmasq",
                                   "--no-hosts",
                                   o.dnsmasq_dns_servers.empty() ? "--no-resolv" : "",
                                   "--strict-order",
                                   "--bind-interfaces",
                                   "--interface=" + p.device,
                                   "--except-interface=lo",
                                   "--pid-file=" + c + "/pid",
                                   "--dhcp-hostsfile=" + c + "/host",
                                   "--addn-hosts=" + c + "/addn_hosts",
                                   "--dhcp-optsfile=" + c + "/opts",
                                   "--leasefile-ro"};
  std::erase(argv, std::string());
  std::string lease = o.lease_duration < 0 ? "infinite" : std::to_string(o.lease_duration) + "s";
  for (const auto& s : p.subnets) {
    argv.push_back("--dhcp-range=set:" + s.tag + "," + s.network_address + ",static," + lease);
  }
  argv.push_back("--dhcp-option-force=option:mtu," + std::to_string(p.mtu));
  argv.push_back("--dhcp-lease-max=" + std::to_string(lease_max));
  for (const auto& d : o.dnsmasq_dns_servers) argv.push_back("--server=" + d);
  argv.push_back("--conf-file=");
  if (!o.dns_domain.empty()) argv.push_back("--domain=" + o.dns_domain);
  return argv;
}

const rpc::DhcpPort* find_port(const rpc::DhcpNetwork& net, const std::string& id) {
  for (const auto& p : net.ports) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

}  // namespace

Result<DhcpNetworkPlan> plan_dhcp_network(const rpc::DhcpNetwork& net, const DhcpOptions& o) {
  const rpc::DhcpPort* own = find_port(net, net.dhcp_port_id);
  if (!own) return make_error("network " + net.id + ": its DHCP port is not among its ports");
  DhcpNetworkPlan p;
  p.network_id = net.id;
  p.port_id = own->id;
  p.device = "tap" + own->id.substr(0, 11);
  p.mac = own->mac_address;
  p.namespace_name = "qdhcp-" + net.id;
  p.mtu = net.mtu;
  p.conf_dir = o.state_path + "/dhcp/" + net.id;
  uint64_t lease_max = 0;
  for (const auto& s : net.subnets) {
    if (s.ip_version != 4 || !s.enable_dhcp) continue;
    auto cidr = parse_ipv4_prefix(s.cidr);
    if (!cidr) return make_error("subnet " + s.id + ": cidr '" + s.cidr + "' is not IPv4");
    std::string ip = address_on(*own, s.id);
    if (ip.empty())
      return make_error("network " + net.id + ": DHCP port has no address on " + s.id);
    DhcpSubnetPlan sp;
    sp.id = s.id;
    sp.tag = "tag" + std::to_string(p.subnets.size());
    sp.cidr = s.cidr;
    sp.network_address = ipv4_to_string(cidr->network());
    sp.prefix_len = cidr->len;
    sp.gateway_ip = s.gateway_ip;
    sp.dns_servers = s.dns_nameservers;
    sp.routes = subnet_routes(s, net, ip, o);
    p.addresses.push_back(ip + "/" + std::to_string(cidr->len));
    // Neutron's should_enable_metadata: an isolated IPv4 DHCP subnet is enough.
    p.metadata_proxy =
        p.metadata_proxy || o.force_metadata || (o.enable_isolated_metadata && isolated(s, net));
    lease_max += uint64_t{1} << (32 - cidr->len);
    p.subnets.push_back(std::move(sp));
  }
  if (o.force_metadata || o.enable_isolated_metadata) p.addresses.push_back(kMetadataCidr);
  for (const auto& port : net.ports) {
    if (unlisted_owner(port.device_owner)) continue;
    for (const auto& s : p.subnets) {
      std::string ip = address_on(port, s.id);
      if (!ip.empty()) p.hosts.push_back({port.mac_address, host_name(ip, o.dns_domain), ip});
    }
  }
  for (const auto& h : p.hosts) {
    p.host_file += h.mac + "," + h.name + "," + h.ip + "\n";
    std::string shortname = h.name.substr(0, h.name.find('.'));
    p.addn_hosts_file += h.ip + "\t" + h.name + (shortname != h.name ? " " + shortname : "") + "\n";
  }
  p.opts_file = opts_text(p.subnets);
  p.dnsmasq_argv = dnsmasq_argv(p, o, std::min<uint64_t>(lease_max, uint64_t{1} << 24));
  return p;
}

DhcpRole::DhcpRole(DhcpOptions options, DhcpDriver& driver, std::string integration_bridge)
    : options_(std::move(options)),
      driver_(driver),
      integration_bridge_(std::move(integration_bridge)) {}

bool DhcpRole::serves_network(const std::string& network_id) const {
  return std::find(served_.begin(), served_.end(), network_id) != served_.end() ||
         applied_.count(network_id);
}

Result<bool> DhcpRole::apply(const rpc::HostState& state, NodeChannel& node) {
  bool changed = false;
  std::map<std::string, DhcpNetworkPlan> wanted;
  served_.clear();
  errors_.clear();
  for (const auto& net : state.dhcp_networks) {
    served_.push_back(net.id);
    auto plan = plan_dhcp_network(net, options_);
    if (!plan) {
      errors_[net.id] = plan.error().message;
      continue;
    }
    if (plan->subnets.empty()) continue;  // no DHCP-enabled IPv4 subnet left
    wanted.emplace(net.id, std::move(*plan));
  }
  for (auto it = applied_.begin(); it != applied_.end();) {
    auto w = wanted.find(it->first);
    if (w != wanted.end() && w->second.port_id == it->second.port_id) {
      ++it;
      continue;
    }
    vlog_write("dhcp", VlogLevel::kInfo, "disabling DHCP for network " + it->first);
    NT_TRY(driver_.disable(it->second));
    NT_TRY(unplug(it->second, node));
    it = applied_.erase(it);
    changed = true;
  }
  for (auto& [id, plan] : wanted) {
    auto cur = applied_.find(id);
    if (cur != applied_.end() && cur->second == plan) continue;
    if (cur == applied_.end()) NT_TRY(plug(plan, node));
    if (Status s = driver_.enable(plan); !s) {
      errors_[id] = s.error().message;
      continue;
    }
    vlog_write(
        "dhcp", VlogLevel::kInfo,
        std::string(cur == applied_.end() ? "enabled" : "reloaded") + " DHCP for network " + id);
    applied_[id] = plan;
    changed = true;
  }
  return changed;
}

// Neutron's OVSInterfaceDriver.plug: an internal port on br-int, dead VLAN until the OVS
// agent tags it, with the external_ids that make the agent bind it.
Status DhcpRole::plug(const DhcpNetworkPlan& plan, NodeChannel& node) {
  const std::string& dev = plan.device;
  ControlReply r = node.execute(
      "vsctl", {"--", "--may-exist", "add-port", integration_bridge_, dev, "tag=4095", "--", "set",
                "Interface", dev, "type=internal", "external_ids:iface-id=" + plan.port_id,
                "external_ids:iface-status=active", "external_ids:attached-mac=" + plan.mac});
  if (r.status != 0) return make_error("plugging " + dev + ": " + r.err);
  return ok_status();
}

Status DhcpRole::unplug(const DhcpNetworkPlan& plan, NodeChannel& node) {
  ControlReply r =
      node.execute("vsctl", {"--", "--if-exists", "del-port", integration_bridge_, plan.device});
  if (r.status != 0) return make_error("unplugging " + plan.device + ": " + r.err);
  return ok_status();
}

std::string DhcpRole::configurations_json() const {
  size_t subnets = 0, ports = 0;
  for (const auto& [id, p] : applied_) {
    subnets += p.subnets.size();
    ports += p.hosts.size();
  }
  Json c = {{"dhcp_driver", driver_.name()},
            {"dhcp_lease_duration", options_.lease_duration},
            {"networks", applied_.size()},
            {"subnets", subnets},
            {"ports", ports},
            {"log_agent_heartbeats", false}};
  return c.dump();
}

}  // namespace nt::agent
