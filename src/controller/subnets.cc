// Subnets: CIDR, gateway, allocation pools (ipam.h), DNS servers, host routes, IPv6 modes; the
// network's `subnets` list is kept in step; a subnet in use by ports cannot be deleted.
#include <algorithm>

#include "controller/dhcp.h"
#include "controller/ipam.h"
#include "controller/resource.h"

namespace nt::controller {
namespace {

constexpr size_t kMaxDnsNameservers = 5;  // Neutron's max_dns_nameservers
constexpr size_t kMaxHostRoutes = 20;     // Neutron's max_subnet_host_routes
constexpr const char* kIpv6Modes = "['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac']";

IpAddr ip_attr(const Json& v, const std::string& attr) {
  auto a = v.is_string() ? IpAddr::parse(v.get<std::string>()) : std::nullopt;
  if (!a) attr_error(attr, "'" + shown(v) + "' is not a valid IP address");
  return *a;
}

void check_version(int version, const IpAddr& a, const std::string& name, const std::string& text) {
  if (a.version != version) {
    throw invalid_input(name + " '" + text + "' does not match the ip_version '" +
                        std::to_string(version) + "'");
  }
}

// The CIDR as Neutron accepts it: a prefix with no host bits set, printed canonically.
IpPrefix parse_cidr(const Json& v, int version) {
  std::string text = shown(v);
  auto pfx = v.is_string() ? IpPrefix::parse(text) : std::nullopt;
  if (!pfx) attr_error("cidr", "'" + text + "' is not a valid IP subnet");
  auto addr = IpAddr::parse(text.substr(0, text.find('/')));
  if (*addr != pfx->network) {
    attr_error("cidr", "'" + text + "' isn't a recognized IP subnet cidr, '" + pfx->to_string() +
                           "' is recommended");
  }
  check_version(version, pfx->network, "cidr", text);
  if (pfx->len == 0) throw invalid_input("0 is not allowed as CIDR prefix length");
  return *pfx;
}

void check_dhcp_prefix(const IpPrefix& cidr, bool enable_dhcp) {
  int max = cidr.network.version == 4 ? 30 : 126;
  if (enable_dhcp && cidr.len > max) {
    throw invalid_input(
        "Subnet has a prefix length that is incompatible with DHCP service enabled.");
  }
}

// gateway_ip: null = none; an address of the subnet's family, on IPv4 neither the network nor
// the broadcast address (IPv6 allows the subnet-router anycast address). It may lie outside
// the CIDR, as Neutron allows.
std::optional<IpAddr> parse_gateway(const Json& v, const IpPrefix& cidr) {
  if (v.is_null()) return std::nullopt;
  IpAddr gw = ip_attr(v, "gateway_ip");
  check_version(cidr.network.version, gw, "gateway_ip", shown(v));
  if (gw.version == 4 && cidr.contains(gw) && cidr.len < 31 &&
      (gw == cidr.network || gw == cidr.last())) {
    throw invalid_input("Gateway is not valid on subnet");
  }
  return gw;
}

std::optional<IpAddr> default_gateway(const IpPrefix& cidr) {
  IpAddr gw = cidr.network;
  gw.value += 1;
  return cidr.contains(gw) ? std::optional<IpAddr>(gw) : std::nullopt;
}

Json check_nameservers(const Json& list, const std::string& subnet_id) {
  if (list.size() > kMaxDnsNameservers) {
    throw Fault(400, "DNSNameServersExhausted",
                "Unable to complete operation for " + subnet_id +
                    ". The number of DNS nameservers exceeds the limit " +
                    std::to_string(kMaxDnsNameservers) + ".");
  }
  Json out = Json::array();
  for (const auto& ns : list) {
    if (!ns.is_string() || !IpAddr::parse(ns.get<std::string>())) {
      attr_error("dns_nameservers", "'" + shown(ns) + "' is not a valid nameserver");
    }
    if (std::find(out.begin(), out.end(), ns) != out.end()) {
      attr_error("dns_nameservers", "Duplicate nameserver '" + shown(ns) + "'");
    }
    out.push_back(ns);
  }
  return out;
}

Json check_host_routes(const Json& list, int version, const std::string& subnet_id) {
  if (list.size() > kMaxHostRoutes) {
    throw Fault(400, "HostRoutesExhausted",
                "Unable to complete operation for " + subnet_id +
                    ". The number of host routes exceeds the limit " +
                    std::to_string(kMaxHostRoutes) + ".");
  }
  Json out = Json::array();
  for (const auto& r : list) {
    bool ok = r.is_object() && r.size() == 2 && r.contains("destination") &&
              r.contains("nexthop") && r["destination"].is_string() && r["nexthop"].is_string();
    if (!ok) {
      attr_error("host_routes",
                 "Validation of dictionary's keys failed. Expected keys: "
                 "{'destination', 'nexthop'} Provided keys: " +
                     r.dump());
    }
    auto dest = IpPrefix::parse(r["destination"].get<std::string>());
    auto hop = IpAddr::parse(r["nexthop"].get<std::string>());
    if (!dest || !hop) throw invalid_input("Invalid route: " + r.dump());
    check_version(version, *hop, "nexthop", shown(r["nexthop"]));
    check_version(version, dest->network, "destination", shown(r["destination"]));
    Json route = {{"destination", dest->to_string()}, {"nexthop", hop->to_string()}};
    if (std::find(out.begin(), out.end(), route) != out.end()) {
      attr_error("host_routes", "Duplicate hostroute '" + route.dump() + "'");
    }
    out.push_back(route);
  }
  return out;
}

void check_ipv6_modes(const Json& body, const IpPrefix& cidr) {
  const Json& ra = body["ipv6_ra_mode"];
  const Json& addr = body["ipv6_address_mode"];
  for (const auto& [name, v] : {std::pair{"ipv6_ra_mode", ra}, {"ipv6_address_mode", addr}}) {
    if (v.is_null()) continue;
    std::string m = shown(v);
    if (m != "slaac" && m != "dhcpv6-stateful" && m != "dhcpv6-stateless") {
      attr_error(name, "'" + m + "' is not in " + kIpv6Modes);
    }
  }
  if (ra.is_null() && addr.is_null()) return;
  if (cidr.network.version == 4) {
    throw invalid_input("ipv6_ra_mode and ipv6_address_mode cannot be set on an IPv4 subnet");
  }
  if (!bool_of(body, "enable_dhcp")) {
    throw invalid_input(
        "ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False.");
  }
  if (!ra.is_null() && !addr.is_null() && ra != addr) {
    throw invalid_input("ipv6_ra_mode set to '" + shown(ra) + "' with ipv6_address_mode set to '" +
                        shown(addr) +
                        "' is not valid. If both attributes are set, they must be the same value");
  }
  if (is_auto_address_subnet(body) && cidr.len != 64) {
    throw invalid_input("Invalid CIDR " + cidr.to_string() +
                        " for IPv6 address mode. OpenStack uses the EUI-64 address format, which "
                        "requires the prefix to be /64");
  }
}

Json network_of(Env& env, const Json& subnet) {
  auto net = env.txn.get("network", str_of(subnet, "network_id"));
  if (!net) internal(net.error());
  if (!net->has_value()) throw Fault(500, "InternalError", "subnet without network");
  return **net;
}

void put_or_fail(Env& env, const char* kind, const Json& body) {
  Status s = env.txn.put(kind, body);
  if (!s) internal(s.error());
}

void check_no_overlap(Env& env, const std::string& network_id, const IpPrefix& cidr) {
  auto subnets = env.txn.list("subnet", "network_id", network_id);
  if (!subnets) internal(subnets.error());
  for (const auto& s : *subnets) {
    auto other = IpPrefix::parse(s["cidr"].get<std::string>());
    if (other && other->overlaps(cidr)) {
      throw invalid_input("Requested subnet with cidr: " + cidr.to_string() +
                          " for network: " + network_id + " overlaps with another subnet");
    }
  }
}

// A new SLAAC / DHCPv6-stateless subnet gives every port of the network but router ports its
// EUI-64 address, as Neutron does.
void add_auto_addresses(Env& env, const Json& subnet, const IpPrefix& cidr) {
  auto ports = env.txn.list("port", "network_id", str_of(subnet, "network_id"));
  if (!ports) internal(ports.error());
  for (auto& port : *ports) {
    const std::string owner = str_of(port, "device_owner");
    if (owner.starts_with("network:router_") || owner == "network:ha_router_replicated_interface") {
      continue;
    }
    IpAddr a = eui64_address(cidr, *MacAddr::parse(port["mac_address"].get<std::string>()));
    allocate_ip(env.txn, subnet, a, "port:" + port["id"].get<std::string>());
    port["fixed_ips"].push_back({{"subnet_id", subnet["id"]}, {"ip_address", a.to_string()}});
    sort_fixed_ips(port["fixed_ips"]);
    stamp_update(port);
    put_or_fail(env, "port", port);
  }
}

}  // namespace

const ResourceInfo& subnet_info() {
  static const ResourceInfo kInfo = [] {
    ResourceInfo i{"subnet", "subnets", "subnets", {}};
    auto& a = i.attrs;
    a.push_back({"name", AttrType::kString, true, true, false, false, ""});
    a.push_back({"network_id", AttrType::kString, true, false, false, true});
    a.push_back({"ip_version", AttrType::kInt, true, false, false, true});
    a.push_back({"cidr", AttrType::kString, true, false});
    a.push_back({"gateway_ip", AttrType::kString, true, true, false, false, nullptr, true});
    a.push_back({"allocation_pools", AttrType::kList, true, true});
    a.push_back({"dns_nameservers", AttrType::kList, true, true, false, false, Json::array()});
    a.push_back({"host_routes", AttrType::kList, true, true, false, false, Json::array()});
    a.push_back({"enable_dhcp", AttrType::kBool, true, true, false, false, true});
    a.push_back({"ipv6_ra_mode", AttrType::kString, true, false, false, false, nullptr, true});
    a.push_back({"ipv6_address_mode", AttrType::kString, true, false, false, false, nullptr, true});
    a.push_back({"subnetpool_id", AttrType::kString, false, false});
    add_standard_attrs(a);
    return i;
  }();
  return kInfo;
}

Json create_subnet(Env& env, const Json& in) {
  Json body = check_body(subnet_info(), in, true, env.ctx);
  Json net = get_visible(env, network_info(), str_of(body, "network_id"));
  if (!env.ctx.is_admin && str_of(net, "project_id") != env.ctx.project_id) {
    throw Fault(403, "PolicyNotAuthorized", "(rule:create_subnet) is disallowed by policy");
  }
  int version = body["ip_version"].get<int>();
  if (version != 4 && version != 6) {
    attr_error("ip_version", "'" + std::to_string(version) + "' is not in [4, 6]");
  }
  if (!body.contains("cidr")) {  // no subnet pools here
    throw Fault(400, "BadRequest",
                "Bad subnets request: a cidr must be specified in the absence of a subnet pool.");
  }
  IpPrefix cidr = parse_cidr(body["cidr"], version);
  check_dhcp_prefix(cidr, bool_of(body, "enable_dhcp"));
  check_ipv6_modes(body, cidr);
  std::optional<IpAddr> gw = in.is_object() && in.contains("gateway_ip")
                                 ? parse_gateway(body["gateway_ip"], cidr)
                                 : default_gateway(cidr);
  std::vector<IpRange> pools = body.contains("allocation_pools")
                                   ? validate_pools(cidr, body["allocation_pools"], gw)
                                   : default_pools(cidr, gw);
  stamp_new(body, env.ctx);
  const std::string id = body["id"];
  body["dns_nameservers"] = check_nameservers(body["dns_nameservers"], id);
  body["host_routes"] = check_host_routes(body["host_routes"], version, id);
  check_no_overlap(env, net["id"], cidr);
  body["cidr"] = cidr.to_string();
  body["gateway_ip"] = gw ? Json(gw->to_string()) : Json();
  body["allocation_pools"] = pools_json(pools);
  body["subnetpool_id"] = nullptr;
  if (version == 6 && is_auto_address_subnet(body)) add_auto_addresses(env, body, cidr);
  net["subnets"].push_back(id);
  put_or_fail(env, "network", net);
  return body;
}

Json update_subnet(Env& env, Json cur, const Json& in) {
  Json changes = check_body(subnet_info(), in, false, env.ctx);
  IpPrefix cidr = cidr_of(cur);
  const std::string id = cur["id"];
  int version = cur["ip_version"].get<int>();
  std::optional<IpAddr> gw =
      changes.contains("gateway_ip") ? parse_gateway(changes["gateway_ip"], cidr)
      : cur["gateway_ip"].is_null()  ? std::nullopt
                                     : IpAddr::parse(cur["gateway_ip"].get<std::string>());
  // New pools, or the old ones against a new gateway.
  Json pools =
      changes.contains("allocation_pools") ? changes["allocation_pools"] : cur["allocation_pools"];
  changes["allocation_pools"] = pools_json(validate_pools(cidr, pools, gw));
  changes["gateway_ip"] = gw ? Json(gw->to_string()) : Json();
  if (changes.contains("dns_nameservers")) {
    changes["dns_nameservers"] = check_nameservers(changes["dns_nameservers"], id);
  }
  if (changes.contains("host_routes")) {
    changes["host_routes"] = check_host_routes(changes["host_routes"], version, id);
  }
  for (const auto& [k, v] : changes.items()) cur[k] = v;
  if (!bool_of(cur, "enable_dhcp") &&
      (!cur["ipv6_ra_mode"].is_null() || !cur["ipv6_address_mode"].is_null())) {
    throw invalid_input("Cannot disable enable_dhcp with ipv6 attributes set");
  }
  check_dhcp_prefix(cidr, bool_of(cur, "enable_dhcp"));
  check_ipv6_modes(cur, cidr);
  stamp_update(cur);
  return cur;
}

void delete_subnet(Env& env, const Json& cur) {
  const std::string id = cur["id"];
  auto ports = env.txn.list("port", "network_id", str_of(cur, "network_id"));
  if (!ports) internal(ports.error());
  for (auto& port : *ports) {
    Json& ips = port["fixed_ips"];
    auto on_subnet = [&](const Json& f) { return f.value("subnet_id", "") == id; };
    if (std::none_of(ips.begin(), ips.end(), on_subnet)) continue;
    if (str_of(port, "device_owner") != "network:dhcp") {
      throw conflict("SubnetInUse", "Unable to complete operation on subnet " + id +
                                        ": One or more ports have an IP allocation from this "
                                        "subnet.");
    }
    // A DHCP port only loses its address on the subnet, as Neutron's auto-delete owners do.
    ips.erase(std::remove_if(ips.begin(), ips.end(), on_subnet), ips.end());
    stamp_update(port);
    put_or_fail(env, "port", port);
  }
  Status s = env.txn.drop_pool(ip_pool(id));
  if (!s) internal(s.error());
  Json net = network_of(env, cur);
  Json& list = net["subnets"];
  list.erase(std::remove(list.begin(), list.end(), Json(id)), list.end());
  put_or_fail(env, "network", net);
  dhcp_after_subnet_delete(env, cur);  // the last DHCP subnet takes the DHCP ports along
}

}  // namespace nt::controller
