#include "rpc/host_state.h"

#include <nlohmann/json.hpp>

namespace nt::rpc {
namespace {

using Json = nlohmann::json;

// A member of the wrong type: thrown inside the parsers only, answered as an Error.
struct Bad {
  std::string what;
};

std::string str(const Json& j, const char* key, const std::string& where, bool required = false) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) throw Bad{where + ": missing \"" + key + "\""};
    return "";
  }
  if (!it->is_string()) throw Bad{where + ": \"" + key + "\" is not a string"};
  return it->get<std::string>();
}

bool boolean(const Json& j, const char* key, const std::string& where, bool dflt) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (!it->is_boolean()) throw Bad{where + ": \"" + key + "\" is not a boolean"};
  return it->get<bool>();
}

std::optional<uint64_t> number(const Json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
    throw Bad{where + ": \"" + key + "\" is not a non-negative integer"};
  }
  return it->get<uint64_t>();
}

const Json& array(const Json& j, const char* key, const std::string& where) {
  static const Json kEmpty = Json::array();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_array()) throw Bad{where + ": \"" + key + "\" is not an array"};
  return *it;
}

const Json& object(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Bad{where + ": not an object"};
  return j;
}

std::vector<FixedIp> fixed_ips(const Json& j, const std::string& where) {
  std::vector<FixedIp> out;
  for (const auto& f : array(j, "fixed_ips", where)) {
    object(f, where + ".fixed_ips[]");
    out.push_back({str(f, "subnet_id", where), str(f, "ip_address", where)});
  }
  return out;
}

std::vector<std::string> strings(const Json& j, const char* key, const std::string& where) {
  std::vector<std::string> out;
  for (const auto& v : array(j, key, where)) {
    if (!v.is_string()) throw Bad{where + ": \"" + key + "\" holds a non-string"};
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::vector<AddressPair> address_pairs(const Json& j, const std::string& where,
                                       const std::string& own_mac) {
  std::vector<AddressPair> out;
  for (const auto& a : array(j, "allowed_address_pairs", where)) {
    object(a, where + ".allowed_address_pairs[]");
    AddressPair pair{str(a, "ip_address", where, true), str(a, "mac_address", where)};
    if (pair.mac_address.empty()) pair.mac_address = own_mac;
    out.push_back(std::move(pair));
  }
  return out;
}

PortInfo port_of(const Json& j, const std::string& where) {
  object(j, where);
  PortInfo p;
  p.id = str(j, "id", where, true);
  std::string w = where + " " + p.id;
  p.network_id = str(j, "network_id", w);
  p.mac_address = str(j, "mac_address", w);
  p.device_owner = str(j, "device_owner", w);
  p.device_id = str(j, "device_id", w);
  p.project_id = str(j, "project_id", w);
  if (p.project_id.empty()) p.project_id = str(j, "tenant_id", w);
  p.host = str(j, "binding:host_id", w);
  p.vif_type = str(j, "binding:vif_type", w);
  p.status = str(j, "status", w);
  p.admin_state_up = boolean(j, "admin_state_up", w, true);
  p.fixed_ips = fixed_ips(j, w);
  p.security_groups = strings(j, "security_groups", w);
  p.port_security_enabled = boolean(j, "port_security_enabled", w, true);
  p.allowed_address_pairs = address_pairs(j, w, p.mac_address);
  return p;
}

RemotePort remote_of(const Json& j, const std::string& where) {
  object(j, where);
  RemotePort r;
  r.id = str(j, "id", where, true);
  r.host = str(j, "host", where);
  r.mac_address = str(j, "mac_address", where);
  r.device_owner = str(j, "device_owner", where);
  r.fixed_ips = fixed_ips(j, where);
  return r;
}

NetworkInfo network_of(const Json& j, const std::string& where) {
  object(j, where);
  NetworkInfo n;
  n.id = str(j, "id", where, true);
  std::string w = where + " " + n.id;
  n.name = str(j, "name", w);
  n.network_type = str(j, "provider:network_type", w);
  n.physical_network = str(j, "provider:physical_network", w);
  if (auto seg = number(j, "provider:segmentation_id", w)) {
    if (*seg > 0xffffffffu) throw Bad{w + ": \"provider:segmentation_id\" is out of range"};
    n.segmentation_id = static_cast<uint32_t>(*seg);
  }
  if (auto mtu = number(j, "mtu", w)) n.mtu = static_cast<int>(*mtu);
  n.admin_state_up = boolean(j, "admin_state_up", w, true);
  for (const auto& r : array(j, "remote_ports", w)) {
    n.remote_ports.push_back(remote_of(r, w + ".remote_ports[]"));
  }
  return n;
}

SubnetInfo subnet_of(const Json& j, const std::string& where) {
  object(j, where);
  SubnetInfo s;
  s.id = str(j, "id", where, true);
  std::string w = where + " " + s.id;
  s.network_id = str(j, "network_id", w);
  s.cidr = str(j, "cidr", w);
  s.gateway_ip = str(j, "gateway_ip", w);
  if (auto v = number(j, "ip_version", w)) s.ip_version = static_cast<int>(*v);
  s.enable_dhcp = boolean(j, "enable_dhcp", w, true);
  s.dns_nameservers = strings(j, "dns_nameservers", w);
  for (const auto& r : array(j, "host_routes", w)) {
    object(r, w + ".host_routes[]");
    s.host_routes.push_back({str(r, "destination", w, true), str(r, "nexthop", w, true)});
  }
  return s;
}

DhcpPort dhcp_port_of(const Json& j, const std::string& where) {
  object(j, where);
  DhcpPort p;
  p.id = str(j, "id", where, true);
  std::string w = where + " " + p.id;
  p.mac_address = str(j, "mac_address", w);
  p.device_owner = str(j, "device_owner", w);
  p.device_id = str(j, "device_id", w);
  p.admin_state_up = boolean(j, "admin_state_up", w, true);
  p.fixed_ips = fixed_ips(j, w);
  return p;
}

DhcpNetwork dhcp_network_of(const Json& j, const std::string& where) {
  object(j, where);
  DhcpNetwork n;
  n.id = str(j, "id", where, true);
  std::string w = where + " " + n.id;
  n.name = str(j, "name", w);
  if (auto mtu = number(j, "mtu", w)) n.mtu = static_cast<int>(*mtu);
  n.dhcp_port_id = str(j, "dhcp_port_id", w, true);
  for (const auto& s : array(j, "subnets", w)) n.subnets.push_back(subnet_of(s, w + " subnet"));
  for (const auto& p : array(j, "ports", w)) n.ports.push_back(dhcp_port_of(p, w + " port"));
  return n;
}

HostRoute route_of(const Json& r, const std::string& where) {
  object(r, where + ".routes[]");
  return {str(r, "destination", where, true), str(r, "nexthop", where, true)};
}

RouterPortInfo router_port_of(const Json& j, const std::string& where) {
  object(j, where);
  RouterPortInfo p;
  p.id = str(j, "id", where, true);
  std::string w = where + " " + p.id;
  p.mac_address = str(j, "mac_address", w);
  p.network_id = str(j, "network_id", w);
  p.device_owner = str(j, "device_owner", w);
  p.fixed_ips = fixed_ips(j, w);
  if (auto mtu = number(j, "mtu", w)) p.mtu = static_cast<int>(*mtu);
  for (const auto& s : array(j, "subnets", w)) p.subnets.push_back(subnet_of(s, w + " subnet"));
  return p;
}

FloatingIpInfo floating_ip_of(const Json& j, const std::string& where) {
  object(j, where);
  FloatingIpInfo f;
  f.id = str(j, "id", where, true);
  std::string w = where + " " + f.id;
  f.floating_ip_address = str(j, "floating_ip_address", w, true);
  f.fixed_ip_address = str(j, "fixed_ip_address", w);
  f.port_id = str(j, "port_id", w);
  f.status = str(j, "status", w);
  return f;
}

RouterInfo router_of(const Json& j, const std::string& where) {
  object(j, where);
  RouterInfo r;
  r.id = str(j, "id", where, true);
  std::string w = where + " " + r.id;
  r.name = str(j, "name", w);
  r.admin_state_up = boolean(j, "admin_state_up", w, true);
  r.enable_snat = boolean(j, "enable_snat", w, true);
  auto gw = j.find("gw_port");
  if (gw != j.end() && !gw->is_null()) r.gw_port = router_port_of(*gw, w + " gw_port");
  for (const auto& p : array(j, "interfaces", w)) {
    r.interfaces.push_back(router_port_of(p, w + " interface"));
  }
  for (const auto& rt : array(j, "routes", w)) r.routes.push_back(route_of(rt, w));
  for (const auto& f : array(j, "floating_ips", w)) {
    r.floating_ips.push_back(floating_ip_of(f, w + " floating ip"));
  }
  return r;
}

std::optional<int> port_bound(const Json& j, const char* key, const std::string& where) {
  auto n = number(j, key, where);
  if (n && *n > 65535) throw Bad{where + ": \"" + key + "\" is out of range"};
  return n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
}

SecurityGroupRule rule_of(const Json& j, const std::string& where) {
  object(j, where);
  SecurityGroupRule r;
  r.id = str(j, "id", where, true);
  std::string w = where + " " + r.id;
  r.security_group_id = str(j, "security_group_id", w, true);
  r.direction = str(j, "direction", w, true);
  r.ethertype = str(j, "ethertype", w);
  if (r.ethertype.empty()) r.ethertype = "IPv4";
  auto proto = j.find("protocol");
  if (proto != j.end() && proto->is_number_unsigned()) {
    r.protocol = std::to_string(proto->get<uint64_t>());
  } else {
    r.protocol = str(j, "protocol", w);
  }
  r.port_range_min = port_bound(j, "port_range_min", w);
  r.port_range_max = port_bound(j, "port_range_max", w);
  r.remote_ip_prefix = str(j, "remote_ip_prefix", w);
  r.remote_group_id = str(j, "remote_group_id", w);
  return r;
}

SecurityGroupMember member_of(const Json& j, const std::string& where) {
  object(j, where);
  SecurityGroupMember m;
  m.port_id = str(j, "port_id", where, true);
  std::string w = where + " " + m.port_id;
  m.mac_address = str(j, "mac_address", w);
  m.security_groups = strings(j, "security_groups", w);
  m.ips = strings(j, "ips", w);
  return m;
}

TunnelPeer peer_of(const Json& j, const std::string& where) {
  object(j, where);
  TunnelPeer t;
  t.host = str(j, "host", where, true);
  t.tunneling_ip = str(j, "tunneling_ip", where, true);
  for (const auto& ty : array(j, "tunnel_types", where)) {
    if (!ty.is_string()) throw Bad{where + ": \"tunnel_types\" holds a non-string"};
    t.tunnel_types.push_back(ty.get<std::string>());
  }
  t.admin_state_up = boolean(j, "admin_state_up", where, true);
  return t;
}

template <typename F>
auto parse_with(std::string_view text, const char* what, F f) -> Result<decltype(f(Json()))> {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return make_error(std::string(what) + ": malformed JSON");
  try {
    return f(j);
  } catch (const Bad& b) {
    return make_error(std::string(what) + ": " + b.what);
  } catch (const Json::exception& e) {
    return make_error(std::string(what) + ": " + e.what());
  }
}

}  // namespace

const PortInfo* HostState::find_port(std::string_view id) const {
  for (const auto& p : ports) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const NetworkInfo* HostState::find_network(std::string_view id) const {
  for (const auto& n : networks) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

Result<HostState> parse_host_state(std::string_view json) {
  return parse_with(json, "host state", [](const Json& j) {
    object(j, "document");
    HostState s;
    s.host = str(j, "host", "document", true);
    auto rev = number(j, "revision", "document");
    if (!rev) throw Bad{"document: missing \"revision\""};
    s.revision = *rev;
    for (const auto& p : array(j, "ports", "document")) s.ports.push_back(port_of(p, "port"));
    for (const auto& n : array(j, "networks", "document")) {
      s.networks.push_back(network_of(n, "network"));
    }
    for (const auto& n : array(j, "subnets", "document")) {
      s.subnets.push_back(subnet_of(n, "subnet"));
    }
    for (const auto& t : array(j, "tunnel_peers", "document")) {
      s.tunnel_peers.push_back(peer_of(t, "tunnel peer"));
    }
    for (const auto& r : array(j, "security_group_rules", "document")) {
      s.security_group_rules.push_back(rule_of(r, "security group rule"));
    }
    for (const auto& m : array(j, "security_group_members", "document")) {
      s.security_group_members.push_back(member_of(m, "security group member"));
    }
    for (const auto& n : array(j, "dhcp_networks", "document")) {
      s.dhcp_networks.push_back(dhcp_network_of(n, "dhcp network"));
    }
    for (const auto& r : array(j, "routers", "document")) {
      s.routers.push_back(router_of(r, "router"));
    }
    return s;
  });
}

Result<FeedPage> parse_feed_page(std::string_view json) {
  return parse_with(json, "change feed", [](const Json& j) {
    object(j, "page");
    FeedPage page;
    auto rev = number(j, "revision", "page");
    if (!rev) throw Bad{"page: missing \"revision\""};
    page.revision = *rev;
    page.more = boolean(j, "more", "page", false);
    page.resync = boolean(j, "resync", "page", false);
    for (const auto& c : array(j, "changes", "page")) {
      object(c, "change");
      Change ch;
      auto r = number(c, "revision", "change");
      if (!r) throw Bad{"change: missing \"revision\""};
      ch.revision = *r;
      ch.kind = str(c, "kind", "change", true);
      ch.id = str(c, "id", "change", true);
      ch.op = str(c, "op", "change", true);
      auto body = c.find("body");
      if (body != c.end() && !body->is_null()) ch.body = body->dump();
      auto host = c.find("host"), net = c.find("network_id");
      if (host != c.end() && host->is_string() && net != c.end() && net->is_string()) {
        ch.has_header = true;
        ch.host = host->get<std::string>();
        ch.network_id = net->get<std::string>();
      }
      page.changes.push_back(std::move(ch));
    }
    return page;
  });
}

Result<PortInfo> parse_port(std::string_view json) {
  return parse_with(json, "port", [](const Json& j) {
    object(j, "port");
    auto it = j.find("port");
    return port_of(it != j.end() ? *it : j, "port");
  });
}

Result<std::vector<PortInfo>> parse_ports(std::string_view json) {
  return parse_with(json, "ports", [](const Json& j) {
    std::vector<PortInfo> out;
    for (const auto& p : array(j, "ports", "ports")) out.push_back(port_of(p, "ports[]"));
    return out;
  });
}

}  // namespace nt::rpc
