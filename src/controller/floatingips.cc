// Floating IPs: an address of the external network held by a hidden port, associated with a
// port's fixed IPv4 address through a router that reaches both (l3.h), with port_details
// (fip-port-details). Status is DOWN until the L3 agent of its router reports it ACTIVE (or
// ERROR), and DOWN again as soon as it is disassociated (the agent removes its rules).
#include <algorithm>

#include "controller/ipam.h"
#include "controller/l3.h"
#include "controller/resource.h"

namespace nt::controller {
namespace {

std::string assoc_pool(const std::string& port_id) { return "fip-assoc:" + port_id; }
std::string assoc_owner(const Json& fip) { return "floatingip:" + fip["id"].get<std::string>(); }
std::string assoc_key(const Json& fip) {
  return shown(fip["floating_network_id"]) + "/" + shown(fip["fixed_ip_address"]);
}

bool has_room(Env& env, const Json& subnet) {
  const std::string pool = ip_pool(subnet["id"]);
  for (const auto& r : pools_of(subnet)) {
    auto key = env.txn.first_free(pool, ip_key(r.first), ip_key(r.last));
    if (!key) internal(key.error());
    if (*key) return true;
  }
  return false;
}

// The fixed_ips the floating IP's port asks for: the requested address or subnet, else the
// first IPv4 subnet of the external network with a free address.
Json fip_port_fixed_ips(Env& env, const Json& body, const std::string& network_id) {
  Json want = Json::object();
  if (!body["subnet_id"].is_null()) want["subnet_id"] = body["subnet_id"];
  if (!body["floating_ip_address"].is_null()) {
    want["ip_address"] = body["floating_ip_address"];
  }
  if (!want.empty()) return Json::array({want});
  bool any = false;
  for (const auto& s : list_or_fail(env, "subnet", "network_id", network_id)) {
    if (s["ip_version"] != 4) continue;
    any = true;
    if (has_room(env, s)) return Json::array({{{"subnet_id", s["id"]}}});
  }
  if (!any) {
    throw bad_resource_request("floatingip",
                               "Network " + network_id + " does not contain any IPv4 subnet");
  }
  throw conflict("IpAddressGenerationFailure",
                 "No more IP addresses available on network " + network_id + ".");
}

Json port_details(const Json& port) {
  Json d = Json::object();
  for (const char* k : {"name", "network_id", "mac_address", "admin_state_up", "status",
                        "device_id", "device_owner"}) {
    d[k] = port.value(k, Json());
  }
  return d;
}

// The fixed IPv4 address of `port` the floating IP maps to (Neutron's _internal_fip_assoc_data).
std::string pick_fixed_ip(const Json& port, const Json& wanted, const std::string& port_id) {
  if (str_of(port, "device_owner").starts_with("network:")) {
    throw bad_resource_request("floatingip",
                               "Port " + port_id + " is unable to be assigned a floating IP");
  }
  if (!wanted.is_null()) {
    auto a = IpAddr::parse(shown(wanted));
    if (!a || a->version != 4) {
      throw bad_resource_request("floatingip", "Cannot process floating IP association with " +
                                                   shown(wanted) +
                                                   ", since that is not an IPv4 address");
    }
    for (const auto& f : port["fixed_ips"]) {
      if (*IpAddr::parse(f["ip_address"].get<std::string>()) == *a) return a->to_string();
    }
    throw bad_resource_request("floatingip",
                               "Port " + port_id + " does not have fixed ip " + shown(wanted));
  }
  std::vector<std::string> v4;
  for (const auto& f : port["fixed_ips"]) {
    std::string ip = f["ip_address"];
    if (IpAddr::parse(ip)->version == 4) v4.push_back(ip);
  }
  if (v4.empty()) {
    throw bad_resource_request("floatingip", "Cannot add floating IP to port " + port_id +
                                                 " that has no fixed IPv4 addresses");
  }
  if (v4.size() > 1) {
    throw bad_resource_request("floatingip",
                               "Port " + port_id +
                                   " has multiple fixed IPv4 addresses.  Must provide a specific "
                                   "IPv4 address when assigning a floating IP");
  }
  return v4[0];
}

std::string subnet_of_ip(const Json& port, const std::string& ip) {
  for (const auto& f : port["fixed_ips"]) {
    if (f["ip_address"] == ip) return f["subnet_id"];
  }
  return "";
}

// A router with its gateway on the floating network and an interface on the fixed IP's subnet,
// the one holding the subnet's gateway_ip first (Neutron's get_router_for_floatingip), or 404
// ExternalGatewayForFloatingIPNotFound.
std::string router_for(Env& env, const Json& fip, const Json& port, const std::string& subnet_id) {
  const std::string net = fip["floating_network_id"];
  auto subnet = env.txn.get("subnet", subnet_id);
  Json gateway_ip = subnet && subnet->has_value() ? (**subnet)["gateway_ip"] : Json();
  std::string first;
  for (const auto& p : list_or_fail(env, "port", "network_id", str_of(port, "network_id"))) {
    if (str_of(p, "device_owner") != kOwnerRouterInterface) continue;
    auto& ips = p["fixed_ips"];
    auto on_subnet = std::find_if(ips.begin(), ips.end(),
                                  [&](const Json& f) { return f["subnet_id"] == subnet_id; });
    if (on_subnet == ips.end()) continue;
    auto router = env.txn.get("router", p["device_id"]);
    if (!router || !router->has_value()) continue;
    const Json& gw = (**router)["external_gateway_info"];
    if (!gw.is_object() || gw["network_id"] != net) continue;
    if ((*on_subnet)["ip_address"] == gateway_ip) return (**router)["id"];
    if (first.empty()) first = (**router)["id"];
  }
  if (!first.empty()) return first;
  throw not_found("ExternalGatewayForFloatingIPNotFound",
                  "External network " + net + " is not reachable from subnet " + subnet_id +
                      ".  Therefore, cannot associate Port " + shown(port["id"]) +
                      " with a Floating IP.");
}

void disassociate(Env& env, Json& fip) {
  if (!fip["port_id"].is_null()) {
    Status s = env.txn.release(assoc_pool(fip["port_id"]), assoc_key(fip));
    if (!s) internal(s.error());
  }
  for (const char* k : {"port_id", "fixed_ip_address", "router_id", "port_details"}) {
    fip[k] = nullptr;
  }
  fip["status"] = "DOWN";
}

void claim_association(Env& env, const Json& fip) {
  const std::string port_id = fip["port_id"];
  Status s = env.txn.claim(assoc_pool(port_id), assoc_key(fip), assoc_owner(fip));
  if (s) return;
  if (s.error().code != ErrorCode::kConflict) internal(s.error());
  throw conflict("FloatingIPPortAlreadyAssociated",
                 "Cannot associate floating IP " + shown(fip["floating_ip_address"]) + " (" +
                     shown(fip["id"]) + ") with port " + port_id + " using fixed IP " +
                     shown(fip["fixed_ip_address"]) +
                     ", as that fixed IP already has a floating IP on external network " +
                     shown(fip["floating_network_id"]) + ".");
}

void associate(Env& env, Json& fip, const std::string& port_id, const Json& fixed_ip) {
  if (!is_uuid(port_id)) attr_error("port_id", "'" + port_id + "' is not a valid UUID");
  Json port = get_visible(env, port_info(), port_id);
  std::string ip = pick_fixed_ip(port, fixed_ip, port_id);
  if (fip["port_id"] == port_id && fip["fixed_ip_address"] == ip) return;
  std::string subnet_id = subnet_of_ip(port, ip);
  std::string router_id = router_for(env, fip, port, subnet_id);
  disassociate(env, fip);
  fip["port_id"] = port_id;
  fip["fixed_ip_address"] = ip;
  fip["router_id"] = router_id;
  fip["port_details"] = port_details(port);
  claim_association(env, fip);
}

void apply_association(Env& env, Json& fip, const Json& port_id, const Json& fixed_ip) {
  if (port_id.is_null()) {
    if (!fixed_ip.is_null()) {
      throw bad_resource_request("floatingip",
                                 "fixed_ip_address cannot be specified without a port_id");
    }
    disassociate(env, fip);
    return;
  }
  associate(env, fip, port_id, fixed_ip);
}

}  // namespace

const ResourceInfo& floatingip_info() {
  static const ResourceInfo kInfo = [] {
    ResourceInfo i{"floatingip", "floatingips", "floatingips", {}};
    auto& a = i.attrs;
    a.push_back({"floating_network_id", AttrType::kString, true, false, false, true});
    a.push_back(  // admin only, as Neutron's policy has it
        {"floating_ip_address", AttrType::kString, true, false, true, false, nullptr, true});
    a.push_back({"subnet_id", AttrType::kString, true, false, false, false, nullptr, true});
    a.push_back({"port_id", AttrType::kString, true, true, false, false, nullptr, true});
    a.push_back({"fixed_ip_address", AttrType::kString, true, true, false, false, nullptr, true});
    a.push_back({"router_id", AttrType::kString, false, false});
    a.push_back({"status", AttrType::kString, false, false});
    a.push_back({"port_details", AttrType::kDict, false, false});
    add_standard_attrs(a);
    return i;
  }();
  return kInfo;
}

Json create_floatingip(Env& env, const Json& in) {
  Json body = check_body(floatingip_info(), in, true, env.ctx);
  const std::string net_id = str_of(body, "floating_network_id");
  Json net = get_visible(env, network_info(), net_id);
  if (!bool_of(net, "router:external")) {
    throw bad_resource_request("floatingip",
                               "Network " + net_id + " is not a valid external network");
  }
  Json port_id = body["port_id"], fixed_ip = body["fixed_ip_address"];
  stamp_new(body, env.ctx);
  Json port = create_service_port(env, {{"network_id", net_id},
                                        {"fixed_ips", fip_port_fixed_ips(env, body, net_id)},
                                        {"device_owner", kOwnerFloatingIp},
                                        {"device_id", body["id"]},
                                        {"project_id", ""},
                                        {"admin_state_up", true},
                                        {"name", ""}});
  body.erase("subnet_id");  // input only, as in Neutron
  body["floating_ip_address"] = port["fixed_ips"][0]["ip_address"];
  body["status"] = "DOWN";
  body["port_id"] = nullptr;
  body["fixed_ip_address"] = nullptr;
  body["router_id"] = nullptr;
  body["port_details"] = nullptr;
  apply_association(env, body, port_id, fixed_ip);
  return body;
}

Json update_floatingip(Env& env, Json cur, const Json& in) {
  Json changes = check_body(floatingip_info(), in, false, env.ctx);
  if (changes.contains("port_id") || changes.contains("fixed_ip_address")) {
    Json port_id = changes.contains("port_id") ? changes["port_id"] : cur["port_id"];
    apply_association(env, cur, port_id, changes.value("fixed_ip_address", Json()));
  }
  if (changes.contains("description")) cur["description"] = changes["description"];
  stamp_update(cur);
  return cur;
}

void delete_floatingip(Env& env, const Json& cur) {
  Status s = env.txn.release_owner(assoc_owner(cur));
  if (!s) internal(s.error());
  for (const auto& port : owned_ports(env, cur["id"], kOwnerFloatingIp)) drop_port(env, port);
}

Json update_floatingip_statuses(Env& env, const Json& in) {
  require_admin(env.ctx, "update_floatingip_statuses");
  if (!in.is_object() || !in.value("router_id", Json()).is_string() ||
      !in.value("fip_statuses", Json()).is_object()) {
    throw bad_request(
        "Body of floating IP status must be an object with 'router_id' and 'fip_statuses'");
  }
  Json updated = Json::array();
  for (const auto& [id, status] : in["fip_statuses"].items()) {
    if (status != "ACTIVE" && status != "DOWN" && status != "ERROR") {
      throw bad_request("Invalid floating IP status '" + shown(status) + "' for " + id +
                        " (ACTIVE, DOWN, ERROR)");
    }
    auto fip = env.txn.get("floatingip", id);
    if (!fip) internal(fip.error());
    if (!fip->has_value() || (**fip)["router_id"] != in["router_id"]) continue;
    if ((**fip)["status"] == status) continue;
    (**fip)["status"] = status;
    stamp_update(**fip);
    put_or_fail(env, "floatingip", **fip);
    updated.push_back(id);
  }
  return {{"updated", updated}};
}

void l3_before_port_delete(Env& env, const Json& port) {
  const std::string owner = str_of(port, "device_owner"), device = str_of(port, "device_id");
  const char* kind = owner == kOwnerFloatingIp                                        ? "floatingip"
                     : owner == kOwnerRouterGateway || owner == kOwnerRouterInterface ? "router"
                                                                                      : nullptr;
  if (kind && !device.empty()) {
    auto holder = env.txn.get(kind, device);
    if (holder && holder->has_value()) {
      throw conflict("ServicePortInUse", "Port " + shown(port["id"]) +
                                             " cannot be deleted directly via the port API: has "
                                             "device owner " +
                                             owner + ".");
    }
  }
  auto claimed = env.txn.claimed(assoc_pool(port["id"]));
  if (!claimed) internal(claimed.error());
  if (claimed->empty()) return;
  for (auto& fip : list_or_fail(env, "floatingip")) {
    if (fip["port_id"] != port["id"]) continue;
    disassociate(env, fip);
    stamp_update(fip);
    put_or_fail(env, "floatingip", fip);
  }
}

void l3_after_port_update(Env& env, const Json& port) {
  auto claimed = env.txn.claimed(assoc_pool(port["id"]));
  if (!claimed) internal(claimed.error());
  if (claimed->empty()) return;
  for (auto& fip : list_or_fail(env, "floatingip")) {
    if (fip["port_id"] != port["id"] || fip["port_details"] == port_details(port)) continue;
    fip["port_details"] = port_details(port);
    put_or_fail(env, "floatingip", fip);
  }
}

}  // namespace nt::controller
