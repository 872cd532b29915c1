#include "scenario/lab_dhcp.h"

#include "common/addr.h"
#include "netstack/ipv4_addr.h"

namespace nt::scenario_internal {
namespace {

Result<uint32_t> address(const std::string& text, const std::string& what) {
  auto a = ipv4_parse(text);
  if (!a) return make_error(what + " '" + text + "' is not an IPv4 address");
  return *a;
}

// "10.0.0.0/24" via "10.0.0.1" -> route.
Result<ClasslessRoute> route(const agent::DhcpRoute& r) {
  auto dst = parse_ipv4_prefix(r.destination);
  if (!dst.ok()) return make_error("route '" + r.destination + "' is not a CIDR");
  auto via = address(r.nexthop, "next hop");
  if (!via.ok()) return via.error();
  return ClasslessRoute{dst->addr, dst->len, *via};
}

}  // namespace

Result<DhcpServerConfig> dhcp_server_config(const agent::DhcpNetworkPlan& plan,
                                            int64_t lease_duration) {
  if (plan.subnets.empty() || plan.addresses.empty()) {
    return make_error("network " + plan.network_id + ": no DHCP subnet");
  }
  const agent::DhcpSubnetPlan& s = plan.subnets[0];
  DhcpServerConfig c;
  const std::string& own = plan.addresses[0];
  auto server = address(own.substr(0, own.find('/')), "DHCP port address");
  if (!server.ok()) return server.error();
  c.server_address = *server;
  c.prefix_len = static_cast<uint8_t>(s.prefix_len);
  c.static_only = true;
  for (const auto& h : plan.hosts) {
    auto ip = address(h.ip, "host address");
    auto mac = MacAddr::parse(h.mac);
    if (!ip.ok() || !mac) return make_error("host '" + h.mac + "," + h.ip + "' is malformed");
    // Another subnet's address, or the server's own.
    if (!in_prefix(*ip, *server, c.prefix_len) || *ip == *server) continue;
    c.static_hosts.push_back({*mac, *ip});
  }
  if (!s.gateway_ip.empty()) {
    auto gw = address(s.gateway_ip, "gateway");
    if (!gw.ok()) return gw.error();
    c.routers = {*gw};
  }
  for (const auto& d : s.dns_servers) {
    auto a = address(d, "DNS server");
    if (!a.ok()) return a.error();
    c.dns_servers.push_back(*a);
  }
  if (c.dns_servers.empty()) c.dns_servers = {*server};  // dnsmasq offers itself
  c.mtu = static_cast<uint16_t>(plan.mtu);
  for (const auto& r : s.routes) {
    auto cr = route(r);
    if (!cr.ok()) return cr.error();
    c.classless_routes.push_back(*cr);
  }
  c.lease_secs = lease_duration < 0 ? 0xffffffffu : static_cast<uint32_t>(lease_duration);
  return c;
}

LabDhcpDriver::LabDhcpDriver(Switch& sw, Scheduler& sched, std::string bridge,
                             int64_t lease_duration, HostCable cable)
    : sw_(sw),
      sched_(sched),
      bridge_(std::move(bridge)),
      lease_duration_(lease_duration),
      cable_(std::move(cable)) {}

LabDhcpDriver::~LabDhcpDriver() {
  for (auto& [id, s] : services_) detach_host_port(sw_, bridge_, s.device);
}

Result<LabDhcpDriver::Service> LabDhcpDriver::start(const agent::DhcpNetworkPlan& plan,
                                                    DhcpServerConfig cfg) {
  auto mac = MacAddr::parse(plan.mac);
  if (!mac) return make_error("DHCP port MAC '" + plan.mac + "' is malformed");
  Service s;
  s.host = std::make_unique<Host>(sched_, plan.namespace_name);
  s.nic = s.host->add_nic(plan.device, *mac, static_cast<uint16_t>(plan.mtu));
  s.device = plan.device;
  for (const auto& a : plan.addresses) NT_TRY(s.host->add_address(s.nic, a));
  const agent::DhcpSubnetPlan& sub = plan.subnets[0];
  if (!sub.gateway_ip.empty()) {
    auto gw = ipv4_parse(sub.gateway_ip);
    if (gw) NT_TRY(s.host->set_default_gateway(*gw));
  }
  NT_TRY(attach_host_port(sw_, sched_, bridge_, plan.device, *s.host, s.nic, cable_));
  s.server = std::make_unique<DhcpServer>(*s.host, s.nic, std::move(cfg));
  if (Status st = s.server->start(); !st) {
    detach_host_port(sw_, bridge_, plan.device);
    return st.error();
  }
  return s;
}

Status LabDhcpDriver::converge_metadata(Service& s, const agent::DhcpNetworkPlan& plan) {
  std::optional<agent::MetadataProxyTarget> want;
  if (plan.metadata_proxy) want = agent::network_metadata_proxy(plan.network_id);
  Status st = converge_metadata_proxy(s.metadata, *s.host, want, metadata_handler_);
  if (!st) return make_error(plan.namespace_name + ": " + st.error().message);
  return ok_status();
}

Status LabDhcpDriver::enable(const agent::DhcpNetworkPlan& plan) {
  auto cfg = dhcp_server_config(plan, lease_duration_);
  if (!cfg.ok()) return cfg.error();
  auto it = services_.find(plan.network_id);
  if (it != services_.end() && it->second.device == plan.device &&
      it->second.server->config().server_address == cfg->server_address) {
    NT_TRY(it->second.server->reconfigure(std::move(*cfg)));
    return converge_metadata(it->second, plan);
  }
  if (it != services_.end()) NT_TRY(disable(plan));
  auto s = start(plan, std::move(*cfg));
  if (!s.ok()) return s.error();
  Service& svc = services_[plan.network_id] = std::move(*s);
  return converge_metadata(svc, plan);
}

Status LabDhcpDriver::disable(const agent::DhcpNetworkPlan& plan) {
  auto it = services_.find(plan.network_id);
  if (it == services_.end()) return ok_status();
  detach_host_port(sw_, bridge_, it->second.device);
  services_.erase(it);
  return ok_status();
}

const Host* LabDhcpDriver::host(const std::string& network_id) const {
  auto it = services_.find(network_id);
  return it == services_.end() ? nullptr : it->second.host.get();
}

const DhcpServer* LabDhcpDriver::server(const std::string& network_id) const {
  auto it = services_.find(network_id);
  return it == services_.end() ? nullptr : it->second.server.get();
}

}  // namespace nt::scenario_internal
