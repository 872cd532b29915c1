// Routers: the resource, its external gateway (ext-gw-mode), its interfaces and extra routes
// (extraroute). See l3.h for how a router's ports are kept.
#include <algorithm>

#include "controller/ipam.h"
#include "controller/l3.h"
#include "controller/l3_agents.h"
#include "controller/resource.h"

namespace nt::controller {
namespace {

Json get_subnet(Env& env, const std::string& id) { return get_visible(env, subnet_info(), id); }

Fault policy(const std::string& rule) {
  return Fault(403, "PolicyNotAuthorized", "(rule:" + rule + ") is disallowed by policy");
}

// ---- the external gateway ----

struct GatewayRequest {
  std::string network_id;
  bool enable_snat = true;
  Json external_fixed_ips;  // null: one address per subnet family, as for any port
};

void check_gateway_keys(const Json& v) {
  for (const auto& [k, x] : v.items()) {
    if (k != "network_id" && k != "enable_snat" && k != "external_fixed_ips") {
      attr_error("external_gateway_info", "Unexpected keys supplied: " + k);
    }
  }
  if (!v.contains("network_id") || !v["network_id"].is_string()) {
    attr_error("external_gateway_info",
               "Validation of dictionary's keys failed. Expected keys: {'network_id'} Provided "
               "keys: " +
                   v.dump());
  }
}

// external_gateway_info as a request gives it; nullopt for null or {} (no gateway).
std::optional<GatewayRequest> parse_gateway_info(Env& env, const Json& v, const char* action) {
  if (v.is_null() || v.empty()) return std::nullopt;
  check_gateway_keys(v);
  GatewayRequest g;
  g.network_id = v["network_id"];
  g.enable_snat = env.config.enable_snat_by_default;
  for (const char* admin_only : {"enable_snat", "external_fixed_ips"}) {
    if (v.contains(admin_only) && !env.ctx.is_admin) {
      throw policy(std::string(action) + "_router:external_gateway_info:" + admin_only);
    }
  }
  if (v.contains("enable_snat")) {
    const Json& s = v["enable_snat"];
    if (!s.is_boolean()) attr_error("enable_snat", "'" + shown(s) + "' is not a valid boolean");
    g.enable_snat = s.get<bool>();
  }
  if (v.contains("external_fixed_ips")) {
    if (!v["external_fixed_ips"].is_array()) {
      attr_error("external_fixed_ips", "'" + shown(v["external_fixed_ips"]) + "' is not a list");
    }
    g.external_fixed_ips = v["external_fixed_ips"];
  }
  return g;
}

Json gateway_port(Env& env, const std::string& router_id) {
  auto ports = owned_ports(env, router_id, kOwnerRouterGateway);
  return ports.empty() ? Json() : ports[0];
}

Json external_fixed_ips_of(const Json& port) {
  Json out = Json::array();
  for (const auto& f : port["fixed_ips"]) {
    out.push_back({{"subnet_id", f["subnet_id"]}, {"ip_address", f["ip_address"]}});
  }
  return out;
}

// Creates the gateway port (the first free address of the external subnet: the seed's
// 10.10.10.2) and returns external_gateway_info.
Json add_gateway(Env& env, const Json& router, const GatewayRequest& g) {
  Json net = get_visible(env, network_info(), g.network_id);
  if (!bool_of(net, "router:external")) {
    throw bad_resource_request("router", "Network " + g.network_id + " is not an external network");
  }
  Json spec = {{"network_id", g.network_id}, {"device_owner", kOwnerRouterGateway},
               {"device_id", router["id"]},  {"project_id", ""},
               {"admin_state_up", true},     {"name", ""}};
  // A scheduled router's new port is bound to its L3 agent's host at once (l3_agents.h).
  if (auto host = router_host(env, str_of(router, "id")); !host.empty())
    spec["binding:host_id"] = host;
  if (!g.external_fixed_ips.is_null()) spec["fixed_ips"] = g.external_fixed_ips;
  Json port = create_service_port(env, spec);
  if (port["fixed_ips"].empty()) {
    throw bad_resource_request("router", "No IPs available for external network " + g.network_id);
  }
  return {{"network_id", g.network_id},
          {"enable_snat", g.enable_snat},
          {"external_fixed_ips", external_fixed_ips_of(port)}};
}

// RouterExternalGatewayInUseByFloatingIp: a floating IP routed through this gateway.
void check_gateway_unused(Env& env, const Json& router) {
  const Json& info = router["external_gateway_info"];
  if (info.is_null()) return;
  for (const auto& fip : list_or_fail(env, "floatingip")) {
    if (fip["router_id"] == router["id"] && fip["floating_network_id"] == info["network_id"]) {
      throw conflict("RouterExternalGatewayInUseByFloatingIp",
                     "Gateway cannot be updated for router " + shown(router["id"]) +
                         ", since a gateway to external network " + shown(info["network_id"]) +
                         " is required by one or more floating IPs.");
    }
  }
}

void remove_gateway(Env& env, const Json& router) {
  Json port = gateway_port(env, router["id"]);
  if (!port.is_null()) drop_port(env, port);
}

// A new external_gateway_info on a router (`action`: create or update, for policy messages):
// same network and addresses only changes enable_snat; anything else replaces the gateway port.
Json set_gateway(Env& env, const Json& router, const Json& wanted, const char* action) {
  std::optional<GatewayRequest> g = parse_gateway_info(env, wanted, action);
  const Json& cur = router["external_gateway_info"];
  if (g && !cur.is_null() && cur["network_id"] == g->network_id &&
      (g->external_fixed_ips.is_null() || g->external_fixed_ips == cur["external_fixed_ips"])) {
    Json out = cur;
    out["enable_snat"] = g->enable_snat;
    return out;
  }
  if (!cur.is_null()) {
    check_gateway_unused(env, router);
    remove_gateway(env, router);
  }
  return g ? add_gateway(env, router, *g) : Json();
}

// ---- interfaces ----

std::vector<Json> interface_ports(Env& env, const std::string& router_id) {
  return owned_ports(env, router_id, kOwnerRouterInterface);
}

std::vector<std::string> subnet_ids_of(const Json& port) {
  std::vector<std::string> out;
  for (const auto& f : port["fixed_ips"]) {
    std::string id = f["subnet_id"];
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

// Neutron's _check_for_dup_router_subnets: a subnet once per router (gateway included), no
// CIDR overlapping another interface's.
void check_new_subnet(Env& env, const std::string& router_id, const Json& subnet) {
  const std::string id = subnet["id"];
  IpPrefix cidr = cidr_of(subnet);
  std::vector<Json> ports = interface_ports(env, router_id);
  std::vector<Json> attached = ports;
  if (Json gw = gateway_port(env, router_id); !gw.is_null()) attached.push_back(gw);
  for (const auto& port : attached) {
    for (const auto& sid : subnet_ids_of(port)) {
      if (sid == id) {
        throw bad_resource_request("router", "Router already has a port on subnet " + id);
      }
    }
  }
  for (const auto& port : ports) {
    for (const auto& sid : subnet_ids_of(port)) {
      auto other = env.txn.get("subnet", sid);
      if (!other || !other->has_value() || !cidr_of(**other).overlaps(cidr)) continue;
      throw bad_resource_request("router", "Cidr " + cidr.to_string() + " of subnet " + id +
                                               " overlaps with cidr " + shown((**other)["cidr"]) +
                                               " of subnet " + sid);
    }
  }
}

// Neutron's _make_router_interface_info (plus project_id); the project is the port's.
Json interface_info(const Json& router, const Json& port, const std::vector<std::string>& ids,
                    const std::string& subnet_id) {
  return {{"id", router["id"]},
          {"tenant_id", port["project_id"]},
          {"project_id", port["project_id"]},
          {"port_id", port["id"]},
          {"network_id", port["network_id"]},
          {"subnet_id", subnet_id},
          {"subnet_ids", ids}};
}

struct InterfaceRequest {
  std::string subnet_id;
  std::string port_id;
};

InterfaceRequest parse_interface_request(const Json& body, bool adding) {
  if (!body.is_object()) throw bad_request("Body of router interface must be a JSON object");
  InterfaceRequest r;
  for (const auto& [k, v] : body.items()) {
    if (k != "subnet_id" && k != "port_id") {
      throw bad_request("Unrecognized attribute(s) '" + k + "'");
    }
    if (!v.is_string() || !is_uuid(v)) {
      throw bad_resource_request("router", "'" + shown(v) + "' is not a valid UUID");
    }
    (k == "subnet_id" ? r.subnet_id : r.port_id) = v;
  }
  if (r.subnet_id.empty() && r.port_id.empty()) {
    throw bad_resource_request("router", "Either subnet_id or port_id must be specified");
  }
  if (adding && !r.subnet_id.empty() && !r.port_id.empty()) {
    throw bad_resource_request("router", "Cannot specify both subnet-id and port-id");
  }
  return r;
}

Json add_interface_by_subnet(Env& env, const Json& router, const std::string& subnet_id) {
  Json subnet = get_subnet(env, subnet_id);
  if (subnet["gateway_ip"].is_null()) {
    throw bad_resource_request("router", "Subnet for router interface must have a gateway IP");
  }
  if (!env.ctx.is_admin && str_of(subnet, "project_id") != env.ctx.project_id) {
    throw bad_resource_request("router", "Cannot add interface to router because subnet " +
                                             subnet_id +
                                             " is not owned by project making the request");
  }
  check_new_subnet(env, router["id"], subnet);
  Json spec = {{"network_id", subnet["network_id"]},
               {"fixed_ips", {{{"subnet_id", subnet_id}, {"ip_address", subnet["gateway_ip"]}}}},
               {"device_owner", kOwnerRouterInterface},
               {"device_id", router["id"]},
               {"project_id", router["project_id"]},
               {"admin_state_up", true},
               {"name", ""}};
  if (auto host = router_host(env, str_of(router, "id")); !host.empty())
    spec["binding:host_id"] = host;
  Json port = create_service_port(env, spec);
  return interface_info(router, port, {subnet_id}, subnet_id);
}

Json add_interface_by_port(Env& env, const Json& router, const std::string& port_id) {
  Json port = get_visible(env, port_info(), port_id);
  if (!str_of(port, "device_id").empty()) {
    throw conflict("PortInUse", "Unable to complete operation on port " + port_id +
                                    " for network " + str_of(port, "network_id") +
                                    ". Port already has an attached device " +
                                    str_of(port, "device_id") + ".");
  }
  if (port["fixed_ips"].empty()) {
    throw bad_resource_request("router", "Router port must have at least one fixed IP");
  }
  std::vector<std::string> ids = subnet_ids_of(port);
  int v4 = 0;
  for (const auto& sid : ids) {
    Json subnet = get_subnet(env, sid);
    check_new_subnet(env, router["id"], subnet);
    v4 += subnet["ip_version"] == 4;
  }
  if (v4 > 1)
    throw bad_resource_request("router", "Cannot have multiple IPv4 subnets on router port");
  port["device_owner"] = kOwnerRouterInterface;
  port["device_id"] = router["id"];
  stamp_update(port);
  put_or_fail(env, "port", port);
  return interface_info(router, port, ids, ids.back());
}

// The interface a remove request names, or Neutron's 404 (400 SubnetMismatchForPort when the
// port is not on the named subnet).
Json find_interface(Env& env, const Json& router, const InterfaceRequest& r) {
  const std::string rid = router["id"];
  for (const auto& port : interface_ports(env, rid)) {
    auto ids = subnet_ids_of(port);
    bool on_subnet = std::find(ids.begin(), ids.end(), r.subnet_id) != ids.end();
    if (!r.port_id.empty() && port["id"] == r.port_id) {
      if (!r.subnet_id.empty() && !on_subnet) {
        throw Fault(
            400, "SubnetMismatchForPort",
            "Subnet on port " + r.port_id + " does not match the requested subnet " + r.subnet_id);
      }
      return port;
    }
    if (r.port_id.empty() && on_subnet) return port;
  }
  if (!r.port_id.empty()) {
    throw not_found("RouterInterfaceNotFound",
                    "Router " + rid + " does not have an interface with id " + r.port_id);
  }
  throw not_found("RouterInterfaceNotFoundForSubnet",
                  "Router " + rid + " has no interface on subnet " + r.subnet_id);
}

// A by-subnet removal from a port on several subnets only takes that subnet's address.
void remove_subnet_from_port(Env& env, Json port, const std::string& subnet_id) {
  Json& ips = port["fixed_ips"];
  for (auto it = ips.begin(); it != ips.end();) {
    if ((*it)["subnet_id"] != subnet_id) {
      ++it;
      continue;
    }
    release_ip(env.txn, subnet_id, *IpAddr::parse((*it)["ip_address"].get<std::string>()));
    it = ips.erase(it);
  }
  stamp_update(port);
  put_or_fail(env, "port", port);
}

// Floating IPs and routes that need the subnet keep its interface (409).
void check_interface_unused(Env& env, const Json& router, const std::string& subnet_id) {
  auto subnet = env.txn.get("subnet", subnet_id);
  if (!subnet || !subnet->has_value()) return;
  IpPrefix cidr = cidr_of(**subnet);
  const std::string rid = router["id"];
  auto in_subnet = [&](const Json& ip) {
    auto a = ip.is_string() ? IpAddr::parse(ip.get<std::string>()) : std::nullopt;
    return a && cidr.contains(*a);
  };
  for (const auto& fip : list_or_fail(env, "floatingip")) {
    if (fip["router_id"] == rid && in_subnet(fip["fixed_ip_address"])) {
      throw conflict("RouterInterfaceInUseByFloatingIP",
                     "Router interface for subnet " + subnet_id + " on router " + rid +
                         " cannot be deleted, as it is required by one or more floating IPs.");
    }
  }
  for (const auto& route : router["routes"]) {
    if (in_subnet(route["nexthop"])) {
      throw conflict("RouterInterfaceInUseByRoute",
                     "Router interface for subnet " + subnet_id + " on router " + rid +
                         " cannot be deleted, as it is required by one or more routes.");
    }
  }
}

// ---- extra routes ----

Fault invalid_routes(const Json& routes, const std::string& reason) {
  return Fault(400, "InvalidRoutes", "Invalid format for routes: " + routes.dump() + ", " + reason);
}

Json parse_route(const Json& r) {
  bool ok = r.is_object() && r.size() == 2 && r.contains("destination") && r.contains("nexthop") &&
            r["destination"].is_string() && r["nexthop"].is_string();
  if (!ok) {
    attr_error("routes",
               "Validation of dictionary's keys failed. Expected keys: {'destination', "
               "'nexthop'} Provided keys: " +
                   r.dump());
  }
  auto dest = IpPrefix::parse(r["destination"].get<std::string>());
  auto hop = IpAddr::parse(r["nexthop"].get<std::string>());
  if (!dest) attr_error("routes", "'" + shown(r["destination"]) + "' is not a valid IP subnet");
  if (!hop) attr_error("routes", "'" + shown(r["nexthop"]) + "' is not a valid IP address");
  return {{"destination", dest->to_string()}, {"nexthop", hop->to_string()}};
}

// Each nexthop must lie in a subnet the router has an interface on and not be the router's own.
void check_nexthop(Env& env, const std::vector<Json>& ports, const Json& route,
                   const Json& routes) {
  IpAddr hop = *IpAddr::parse(route["nexthop"].get<std::string>());
  bool connected = false;
  for (const auto& port : ports) {
    for (const auto& f : port["fixed_ips"]) {
      if (*IpAddr::parse(f["ip_address"].get<std::string>()) == hop) {
        throw invalid_routes(routes, "the nexthop is used by router");
      }
      auto subnet = env.txn.get("subnet", f["subnet_id"]);
      connected = connected || (subnet && subnet->has_value() && cidr_of(**subnet).contains(hop));
    }
  }
  if (!connected) throw invalid_routes(routes, "the nexthop is not connected with router");
}

Json check_routes(Env& env, const Json& router, const Json& list) {
  if (list.size() > env.config.max_routes) {
    throw Fault(400, "RoutesExhausted",
                "Unable to complete operation for " + shown(router["id"]) +
                    ". The number of routes exceeds the maximum " +
                    std::to_string(env.config.max_routes) + ".");
  }
  std::vector<Json> ports = interface_ports(env, router["id"]);
  Json gw = gateway_port(env, router["id"]);
  if (!gw.is_null()) ports.push_back(gw);
  Json out = Json::array();
  for (const auto& r : list) {
    Json route = parse_route(r);
    if (std::find(out.begin(), out.end(), route) != out.end()) {
      attr_error("routes", "Duplicate hostroute '" + route.dump() + "'");
    }
    out.push_back(route);
  }
  for (const auto& route : out) check_nexthop(env, ports, route, out);
  return out;
}

}  // namespace

Fault bad_resource_request(const std::string& resource, const std::string& msg) {
  return Fault(400, "BadRequest", "Bad " + resource + " request: " + msg + ".");
}

std::vector<Json> list_or_fail(Env& env, const std::string& kind, const std::string& column,
                               const std::string& value) {
  auto r = env.txn.list(kind, column, value);
  if (!r) internal(r.error());
  return std::move(*r);
}

void put_or_fail(Env& env, const std::string& kind, const Json& body) {
  Status s = env.txn.put(kind, body);
  if (!s) internal(s.error());
}

std::vector<Json> owned_ports(Env& env, const std::string& device_id, const std::string& owner) {
  std::vector<Json> out;
  for (auto& p : list_or_fail(env, "port", "device_id", device_id)) {
    if (str_of(p, "device_owner") == owner) out.push_back(std::move(p));
  }
  return out;
}

Json create_service_port(Env& env, Json spec) {
  Context admin{env.ctx.project_id, true};
  Env as_admin{env.config, env.txn, admin, env.now};  // binding asks agents' alive at env.now
  spec["security_groups"] = Json::array();
  Json port = create_port(as_admin, spec);
  put_or_fail(env, "port", port);
  return port;
}

void drop_port(Env& env, const Json& port) {
  Status s = env.txn.release_owner("port:" + port["id"].get<std::string>());
  if (s) s = env.txn.remove("port", port["id"]);
  if (!s) internal(s.error());
}

void l3_before_network_update(Env& env, const Json& network, const Json& changes) {
  if (!bool_of(network, "router:external") || !changes.contains("router:external") ||
      bool_of(changes, "router:external")) {
    return;
  }
  for (const auto& p : list_or_fail(env, "port", "network_id", network["id"])) {
    if (str_of(p, "device_owner") != kOwnerRouterGateway) continue;
    throw conflict("ExternalNetworkInUse",
                   "External network " + shown(network["id"]) +
                       " cannot be updated to be made non-external, since it has existing "
                       "gateway ports.");
  }
}

const ResourceInfo& router_info() {
  static const ResourceInfo kInfo = [] {
    ResourceInfo i{"router", "routers", "routers", {}};
    auto& a = i.attrs;
    a.push_back({"name", AttrType::kString, true, true, false, false, ""});
    a.push_back({"admin_state_up", AttrType::kBool, true, true, false, false, true});
    a.push_back({"status", AttrType::kString, false, false});
    a.push_back(
        {"external_gateway_info", AttrType::kDict, true, true, false, false, nullptr, true});
    a.push_back({"routes", AttrType::kList, false, true, false, false, nullptr, true});
    a.push_back({"distributed", AttrType::kBool, true, true, true, false, false});
    a.push_back({"ha", AttrType::kBool, true, true, true, false, false});
    a.push_back({"availability_zone_hints", AttrType::kList, false, false});
    a.push_back({"availability_zones", AttrType::kList, false, false});
    a.push_back({"flavor_id", AttrType::kString, false, false});
    add_standard_attrs(a);
    return i;
  }();
  return kInfo;
}

Json create_router(Env& env, const Json& in) {
  Json body = check_body(router_info(), in, true, env.ctx);
  stamp_new(body, env.ctx);
  body["status"] = "ACTIVE";
  body["routes"] = Json::array();
  body["availability_zone_hints"] = Json::array();
  body["availability_zones"] = Json::array();
  body["flavor_id"] = nullptr;
  Json wanted = body["external_gateway_info"];
  body["external_gateway_info"] = nullptr;
  body["external_gateway_info"] = set_gateway(env, body, wanted, "create");
  return body;
}

Json update_router(Env& env, Json cur, const Json& in) {
  Json changes = check_body(router_info(), in, false, env.ctx);
  if (changes.contains("external_gateway_info")) {
    changes["external_gateway_info"] =
        set_gateway(env, cur, changes["external_gateway_info"], "update");
  }
  if (changes.contains("routes")) {
    if (changes["routes"].is_null()) changes["routes"] = Json::array();
    changes["routes"] = check_routes(env, cur, changes["routes"]);
  }
  for (const auto& [k, v] : changes.items()) cur[k] = v;
  stamp_update(cur);
  return cur;
}

void delete_router(Env& env, const Json& cur) {
  if (!interface_ports(env, cur["id"]).empty()) {
    throw conflict("RouterInUse", "Router " + shown(cur["id"]) + " still has ports");
  }
  check_gateway_unused(env, cur);
  remove_gateway(env, cur);
  l3_before_router_delete(env, cur);
}

Json add_router_interface(Env& env, const Json& router, const Json& body) {
  InterfaceRequest r = parse_interface_request(body, true);
  Json info = r.port_id.empty() ? add_interface_by_subnet(env, router, r.subnet_id)
                                : add_interface_by_port(env, router, r.port_id);
  Json updated = router;
  stamp_update(updated);
  put_or_fail(env, "router", updated);
  l3_after_router_write(env, updated);  // scheduled if it was not; the new port bound there
  return info;
}

Json remove_router_interface(Env& env, const Json& router, const Json& body) {
  InterfaceRequest r = parse_interface_request(body, false);
  Json port = find_interface(env, router, r);
  std::vector<std::string> ids = subnet_ids_of(port);
  bool by_subnet = r.port_id.empty();
  if (by_subnet) ids = {r.subnet_id};
  for (const auto& sid : ids) check_interface_unused(env, router, sid);
  if (by_subnet && subnet_ids_of(port).size() > 1) {
    remove_subnet_from_port(env, port, r.subnet_id);
  } else {
    drop_port(env, port);
  }
  Json updated = router;
  stamp_update(updated);
  put_or_fail(env, "router", updated);
  return interface_info(router, port, ids, ids.front());
}

}  // namespace nt::controller
