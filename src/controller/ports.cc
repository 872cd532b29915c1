// Ports: fixed IPs (ipam.h), MAC addresses, binding attributes, port security, allowed address
// pairs and extra DHCP options.
//
// A port's MAC address and addresses are allocation rows owned by "port:<id>": the MAC in the
// pool "mac:<network id>" (so a MAC is unique per network), each address in its subnet's pool.
// Deleting the port releases everything it owns in one statement; changing fixed_ips releases
// the addresses that go and claims the new ones in the request's transaction, so the change is
// all or nothing.
#include <algorithm>
#include <random>

#include "common/addr.h"
#include "controller/binding.h"
#include "controller/ipam.h"
#include "controller/l3.h"
#include "controller/resource.h"
#include "controller/security_groups.h"

namespace nt::controller {
namespace {

constexpr int kMacGenerationRetries = 16;       // Neutron's mac_generation_retries
constexpr size_t kMaxAllowedAddressPairs = 10;  // Neutron's max_allowed_address_pair
constexpr size_t kMaxFixedIpsPerPort = 5;       // Neutron's max_fixed_ips_per_port
constexpr const char* kVnicTypes[] = {"normal",
                                      "direct",
                                      "macvtap",
                                      "baremetal",
                                      "direct-physical",
                                      "virtio-forwarder",
                                      "smart-nic",
                                      "vdpa",
                                      "remote-managed",
                                      "accelerator-direct",
                                      "accelerator-direct-physical"};

// Is `j` a dictionary whose keys are all among `allowed`?
bool keys_within(const Json& j, std::initializer_list<std::string_view> allowed) {
  if (!j.is_object()) return false;
  for (const auto& [k, v] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) return false;
  }
  return true;
}

std::string owner_of(const std::string& port_id) { return "port:" + port_id; }

// Neutron's get_random_mac: base_mac's first three octets (and its fourth unless 00), the
// rest random.
MacAddr random_mac(const MacAddr& base) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  MacAddr m = MacAddr::from_u64(rng() & 0xffffffffffffull);
  for (size_t i = 0; i < 3; ++i) m.b[i] = base.b[i];
  if (base.b[3] != 0) m.b[3] = base.b[3];
  return m;
}

MacAddr parse_mac(const Json& v, const std::string& attr) {
  auto mac = v.is_string() ? MacAddr::parse(v.get<std::string>()) : std::nullopt;
  if (!mac || mac->is_zero() || mac->is_multicast()) {
    attr_error(attr, "'" + shown(v) + "' is not a valid MAC address");
  }
  return *mac;
}

MacAddr claim_mac(Env& env, const Json& body, const std::string& network_id,
                  const std::string& owner) {
  const std::string pool = "mac:" + network_id;
  if (body.contains("mac_address")) {
    MacAddr mac = parse_mac(body["mac_address"], "mac_address");
    Status s = env.txn.claim(pool, mac.to_string(), owner);
    if (s) return mac;
    if (s.error().code != ErrorCode::kConflict) internal(s.error());
    throw conflict("MacAddressInUse", "Unable to complete operation for network " + network_id +
                                          ". The mac address " + mac.to_string() + " is in use.");
  }
  MacAddr base = MacAddr::parse(env.config.base_mac).value_or(MacAddr::from_u64(0xfa163e000000));
  for (int i = 0; i < kMacGenerationRetries; ++i) {
    MacAddr mac = random_mac(base);
    Status s = env.txn.claim(pool, mac.to_string(), owner);
    if (s) return mac;
    if (s.error().code != ErrorCode::kConflict) internal(s.error());
  }
  throw Fault(503, "MacAddressGenerationFailure",
              "Unable to generate unique mac on network " + network_id + ".");
}

void check_fixed_ips_format(const Json& list) {
  if (list.size() > kMaxFixedIpsPerPort) {
    throw invalid_input("Exceeded maximum amount of fixed ips per port.");
  }
  std::vector<Json> seen;
  for (const auto& f : list) {
    if (!keys_within(f, {"subnet_id", "ip_address"}))
      attr_error("fixed_ips", "Invalid data format for fixed IP: '" + shown(f) + "'");
    if (f.contains("ip_address")) {
      const Json& ip = f["ip_address"];
      if (!ip.is_string() || !IpAddr::parse(ip.get<std::string>())) {
        attr_error("fixed_ips", "'" + shown(ip) + "' is not a valid IP address");
      }
      if (std::find(seen.begin(), seen.end(), ip) != seen.end()) {
        attr_error("fixed_ips", "Duplicate IP address '" + shown(ip) + "'");
      }
      seen.push_back(ip);
    }
    if (f.contains("subnet_id") && (!f["subnet_id"].is_string() || !is_uuid(f["subnet_id"]))) {
      attr_error("fixed_ips", "'" + shown(f["subnet_id"]) + "' is not a valid UUID");
    }
  }
}

std::vector<Json> subnets_of(Env& env, const std::string& network_id) {
  auto subnets = env.txn.list("subnet", "network_id", network_id);
  if (!subnets) internal(subnets.error());
  return std::move(*subnets);
}

// One requested fixed IP: which subnet, and which address if one was asked for.
struct IpRequest {
  Json subnet;
  std::optional<IpAddr> ip;
};

IpRequest resolve(Env& env, const std::string& network_id, const Json& f) {
  IpRequest r;
  if (f.contains("ip_address")) r.ip = IpAddr::parse(f["ip_address"].get<std::string>());
  if (f.contains("subnet_id")) {
    const std::string id = f["subnet_id"];
    auto s = env.txn.get("subnet", id);
    if (!s) internal(s.error());
    if (!s->has_value()) throw not_found("SubnetNotFound", "Subnet " + id + " could not be found.");
    if (str_of(**s, "network_id") != network_id) {
      throw invalid_input("Failed to create port on network " + network_id +
                          ", because fixed_ips included invalid subnet " + id);
    }
    r.subnet = **s;
    return r;
  }
  if (!r.ip) throw invalid_input("IP allocation requires subnet_id or ip_address");
  for (auto& s : subnets_of(env, network_id)) {
    if (cidr_of(s).contains(*r.ip)) {
      r.subnet = std::move(s);
      return r;
    }
  }
  throw Fault(400, "InvalidIpForNetwork",
              "IP address " + r.ip->to_string() +
                  " is not a valid IP for any of the subnets on the specified network.");
}

Json fixed_ip(const Json& subnet, const IpAddr& a) {
  return {{"subnet_id", subnet["id"]}, {"ip_address", a.to_string()}};
}

Fault generation_failure(const std::string& network_id) {
  return conflict("IpAddressGenerationFailure",
                  "No more IP addresses available on network " + network_id + ".");
}

// Claims the address a request names, the EUI-64 address on an automatic-address subnet, or
// the lowest free address of the subnet's pools.
Json assign(Env& env, const IpRequest& r, const MacAddr& mac, const std::string& owner) {
  const Json& s = r.subnet;
  bool automatic = s["ip_version"] == 6 && is_auto_address_subnet(s);
  if (r.ip && automatic) {
    throw invalid_input("IPv6 address " + r.ip->to_string() +
                        " cannot be directly assigned to a port on subnet " + shown(s["id"]) +
                        " since the subnet is configured for automatic addresses");
  }
  IpAddr a{};
  if (r.ip || automatic) {
    a = r.ip ? *r.ip : eui64_address(cidr_of(s), mac);
    allocate_ip(env.txn, s, a, owner);
  } else {
    auto got = allocate_any(env.txn, s, owner);
    if (!got) throw generation_failure(str_of(s, "network_id"));
    a = *got;
  }
  return fixed_ip(s, a);
}

// No fixed_ips in the request: one address from the first IPv4 subnet that has one free, one
// from the first DHCPv6-stateful (or mode-less) IPv6 subnet, and the EUI-64 address on every
// SLAAC / DHCPv6-stateless subnet, as Neutron does.
Json default_fixed_ips(Env& env, const std::string& network_id, const MacAddr& mac,
                       const std::string& owner) {
  Json out = Json::array();
  std::vector<Json> subnets = subnets_of(env, network_id);
  for (const auto& s : subnets) {
    if (s["ip_version"] == 6 && is_auto_address_subnet(s)) {
      out.push_back(assign(env, {s, std::nullopt}, mac, owner));
    }
  }
  for (int version : {4, 6}) {
    bool any = false;
    bool done = false;
    for (const auto& s : subnets) {
      if (done || s["ip_version"] != version || (version == 6 && is_auto_address_subnet(s))) {
        continue;
      }
      any = true;
      if (auto a = allocate_any(env.txn, s, owner)) {
        out.push_back(fixed_ip(s, *a));
        done = true;
      }
    }
    if (any && !done) throw generation_failure(network_id);
  }
  return out;
}

// A fixed_ips update: entries naming an address the port already has keep it, entries naming
// only a subnet keep the port's address there; the rest of the old addresses are released
// and the new ones claimed.
Json update_fixed_ips(Env& env, const Json& port, const Json& wanted, const MacAddr& mac) {
  check_fixed_ips_format(wanted);
  const std::string network_id = port["network_id"], owner = owner_of(port["id"]);
  const Json& old = port["fixed_ips"];
  std::vector<bool> kept(old.size(), false);
  std::vector<IpRequest> requests;
  for (const auto& f : wanted) requests.push_back(resolve(env, network_id, f));
  Json out = Json::array();
  std::vector<const IpRequest*> pending;
  for (bool with_ip : {true, false}) {
    for (const auto& r : requests) {
      if (r.ip.has_value() != with_ip) continue;
      bool found = false;
      for (size_t i = 0; i < old.size() && !found; ++i) {
        found = !kept[i] && old[i]["subnet_id"] == r.subnet["id"] &&
                (!r.ip || *IpAddr::parse(old[i]["ip_address"].get<std::string>()) == *r.ip);
        if (found) {
          kept[i] = true;
          out.push_back(old[i]);
        }
      }
      if (!found) pending.push_back(&r);
    }
  }
  for (size_t i = 0; i < old.size(); ++i) {
    if (!kept[i]) {
      release_ip(env.txn, old[i]["subnet_id"],
                 *IpAddr::parse(old[i]["ip_address"].get<std::string>()));
    }
  }
  for (const IpRequest* r : pending) out.push_back(assign(env, *r, mac, owner));
  sort_fixed_ips(out);
  return out;
}

Json check_security_groups(Env& env, const Json& list) {
  Json out = Json::array();
  for (const auto& sg : list) {
    if (!sg.is_string() || !is_uuid(sg)) {
      attr_error("security_groups", "'" + shown(sg) + "' is not a valid UUID");
    }
    auto found = env.txn.get("security_group", sg);
    if (!found) internal(found.error());
    if (!found->has_value() || !visible(env.ctx, **found)) {
      throw not_found("SecurityGroupNotFound", "Security group " + shown(sg) + " does not exist");
    }
    if (std::find(out.begin(), out.end(), sg) == out.end()) out.push_back(sg);
  }
  return out;
}

// Neutron's _ensure_default_security_group_on_port: a port with port security that does not
// belong to the network itself (network:*) gets its project's default group.
Json default_security_groups(Env& env, const Json& port) {
  if (!bool_of(port, "port_security_enabled") ||
      str_of(port, "device_owner").starts_with("network:")) {
    return Json::array();
  }
  return Json::array({ensure_default_security_group(env, str_of(port, "project_id"))});
}

Json check_address_pairs(const Json& list, const MacAddr& port_mac) {
  if (list.size() > kMaxAllowedAddressPairs) {
    throw Fault(400, "AllowedAddressPairExhausted",
                "The number of allowed address pair exceeds the maximum " +
                    std::to_string(kMaxAllowedAddressPairs) + ".");
  }
  Json out = Json::array();
  for (const auto& p : list) {
    if (!p.is_object()) attr_error("allowed_address_pairs", "'" + shown(p) + "' is not a dict");
    for (const auto& [k, v] : p.items()) {
      if (k != "ip_address" && k != "mac_address") {
        throw bad_request("Unrecognized attribute(s) '" + k + "'");
      }
    }
    if (!p.contains("ip_address")) {
      throw Fault(400, "AllowedAddressPairsMissingIP",
                  "AllowedAddressPair must contain ip_address");
    }
    const Json& ip = p["ip_address"];
    bool ip_ok = ip.is_string() &&
                 (IpAddr::parse(ip.get<std::string>()) || IpPrefix::parse(ip.get<std::string>()));
    if (!ip_ok) {
      attr_error("allowed_address_pairs",
                 "'" + shown(ip) + "' is neither a valid IP address, nor is it a valid IP subnet");
    }
    MacAddr mac =
        p.contains("mac_address") ? parse_mac(p["mac_address"], "allowed_address_pairs") : port_mac;
    Json pair = {{"ip_address", ip}, {"mac_address", mac.to_string()}};
    if (std::find(out.begin(), out.end(), pair) != out.end()) {
      throw Fault(400, "DuplicateAddressPairInRequest",
                  "Request contains duplicate address pair: mac_address " + mac.to_string() +
                      " ip_address " + shown(ip) + ".");
    }
    out.push_back(pair);
  }
  return out;
}

Json check_dhcp_opts(const Json& list) {
  Json out = Json::array();
  for (const auto& o : list) {
    bool ok = keys_within(o, {"opt_name", "opt_value", "ip_version"}) && o.contains("opt_name") &&
              o["opt_name"].is_string() && !o["opt_name"].get<std::string>().empty();
    Json version = o.is_object() ? o.value("ip_version", Json(4)) : Json(4);
    if (version.is_string())
      version = version == "4" ? Json(4) : version == "6" ? Json(6) : version;
    ok = ok && (version == 4 || version == 6);
    ok = ok && (!o.contains("opt_value") || o["opt_value"].is_string() || o["opt_value"].is_null());
    if (!ok) attr_error("extra_dhcp_opts", "Invalid data format for extra-dhcp-opt: " + shown(o));
    out.push_back({{"opt_name", o["opt_name"]},
                   {"opt_value", o.value("opt_value", Json())},
                   {"ip_version", version}});
  }
  return out;
}

void check_vnic_type(const Json& body) {
  if (!body.contains("binding:vnic_type")) return;
  std::string t = shown(body["binding:vnic_type"]);
  if (std::find(std::begin(kVnicTypes), std::end(kVnicTypes), t) == std::end(kVnicTypes)) {
    std::string all;
    for (const char* v : kVnicTypes) all += std::string(all.empty() ? "" : ", ") + "'" + v + "'";
    attr_error("binding:vnic_type", "'" + t + "' is not in [" + all + "]");
  }
}

// An admin may give an unbound port another MAC (Neutron's policy and PortBound rule); the
// port's EUI-64 addresses follow it.
void change_mac(Env& env, Json& port, const Json& wanted) {
  if (!env.ctx.is_admin) {
    throw Fault(403, "PolicyNotAuthorized",
                "(rule:update_port:mac_address) is disallowed by policy");
  }
  const std::string network_id = port["network_id"], owner = owner_of(port["id"]);
  MacAddr old = *MacAddr::parse(port["mac_address"].get<std::string>());
  MacAddr mac = parse_mac(wanted, "mac_address");
  if (mac == old) return;
  // Neutron's _check_mac_update_allowed: only a port plugged somewhere is refused.
  std::string vif = str_of(port, "binding:vif_type");
  if (vif != "unbound" && vif != "binding_failed") {
    throw conflict("PortBound",
                   "Unable to complete operation on port " + owner.substr(5) +
                       ", port is already bound, port type: " + str_of(port, "binding:vif_type") +
                       ", old_mac " + old.to_string() + ", new_mac " + mac.to_string() + ".");
  }
  claim_mac(env, {{"mac_address", mac.to_string()}}, network_id, owner);
  if (Status s = env.txn.release("mac:" + network_id, old.to_string()); !s) internal(s.error());
  port["mac_address"] = mac.to_string();
  for (auto& f : port["fixed_ips"]) {
    auto subnet = env.txn.get("subnet", f["subnet_id"]);
    if (!subnet) internal(subnet.error());
    if (!subnet->has_value() || (**subnet)["ip_version"] != 6 ||
        !is_auto_address_subnet(**subnet)) {
      continue;
    }
    release_ip(env.txn, f["subnet_id"], *IpAddr::parse(f["ip_address"].get<std::string>()));
    IpAddr a = eui64_address(cidr_of(**subnet), mac);
    allocate_ip(env.txn, **subnet, a, owner);
    f["ip_address"] = a.to_string();
  }
  sort_fixed_ips(port["fixed_ips"]);
}

// With port security off a port may have neither security groups nor address pairs.
void check_port_security(const Json& port, bool create) {
  if (bool_of(port, "port_security_enabled")) return;
  if (!port["security_groups"].empty()) {
    if (create) {
      throw Fault(400, "PortSecurityAndIPRequiredForSecurityGroups",
                  "Port security must be enabled and port must have an IP address in order to "
                  "use security groups.");
    }
    throw conflict("PortSecurityPortHasSecurityGroup",
                   "Port has security group associated. Cannot disable port security or ip "
                   "address until security group is removed");
  }
  if (!port["allowed_address_pairs"].empty()) {
    throw conflict("AddressPairAndPortSecurityRequired",
                   "Port Security must be enabled in order to have allowed address pairs on a "
                   "port.");
  }
}

// The port's fixed_ips: as requested, or Neutron's defaults.
Json fixed_ips_for(Env& env, const Json& body, const std::string& network_id, const MacAddr& mac,
                   const std::string& owner) {
  Json ips = Json::array();
  if (!body.contains("fixed_ips")) {
    ips = default_fixed_ips(env, network_id, mac, owner);
  } else {
    check_fixed_ips_format(body["fixed_ips"]);
    for (const auto& f : body["fixed_ips"]) {
      ips.push_back(assign(env, resolve(env, network_id, f), mac, owner));
    }
  }
  sort_fixed_ips(ips);
  return ips;
}

// binding:host_id null (accepted to clear it) is stored as "", as Neutron's empty host.
void host_null_to_empty(Json& body) {
  auto it = body.find("binding:host_id");
  if (it != body.end() && it->is_null()) *it = "";
}

}  // namespace

const ResourceInfo& port_info() {
  static const ResourceInfo kInfo = [] {
    ResourceInfo i{"port", "ports", "ports", {}};
    auto& a = i.attrs;
    a.push_back({"name", AttrType::kString, true, true, false, false, ""});
    a.push_back({"network_id", AttrType::kString, true, false, false, true});
    a.push_back({"admin_state_up", AttrType::kBool, true, true, false, false, true});
    a.push_back({"mac_address", AttrType::kString, true, true});
    a.push_back({"fixed_ips", AttrType::kList, true, true});
    a.push_back({"device_id", AttrType::kString, true, true, false, false, ""});
    a.push_back({"device_owner", AttrType::kString, true, true, false, false, ""});
    a.push_back({"status", AttrType::kString, false, false});
    // null clears it (`openstack port unset --host` sends null), stored as "".
    a.push_back({"binding:host_id", AttrType::kString, true, true, true, false, "", true});
    a.push_back({"binding:vnic_type", AttrType::kString, true, true, false, false, "normal"});
    a.push_back({"binding:profile", AttrType::kDict, true, true, true, false, Json::object()});
    a.push_back({"binding:vif_type", AttrType::kString, false, false});
    a.push_back({"binding:vif_details", AttrType::kDict, false, false});
    a.push_back({"port_security_enabled", AttrType::kBool, true, true});
    a.push_back({"security_groups", AttrType::kList, true, true});  // absent: the default group
    a.push_back(
        {"allowed_address_pairs", AttrType::kList, true, true, false, false, Json::array()});
    a.push_back({"extra_dhcp_opts", AttrType::kList, true, true, false, false, Json::array()});
    add_standard_attrs(a);
    return i;
  }();
  return kInfo;
}

Json create_port(Env& env, const Json& in) {
  Json body = check_body(port_info(), in, true, env.ctx);
  host_null_to_empty(body);
  Json net = get_visible(env, network_info(), str_of(body, "network_id"));
  check_vnic_type(body);
  stamp_new(body, env.ctx);
  const std::string network_id = net["id"], owner = owner_of(body["id"]);
  MacAddr mac = claim_mac(env, body, network_id, owner);
  body["mac_address"] = mac.to_string();
  if (!body.contains("port_security_enabled")) {
    body["port_security_enabled"] = net.value("port_security_enabled", true);
  }
  body["security_groups"] = body.contains("security_groups")
                                ? check_security_groups(env, body["security_groups"])
                                : default_security_groups(env, body);
  body["allowed_address_pairs"] = check_address_pairs(body["allowed_address_pairs"], mac);
  body["extra_dhcp_opts"] = check_dhcp_opts(body["extra_dhcp_opts"]);
  check_port_security(body, true);
  body["fixed_ips"] = fixed_ips_for(env, body, network_id, mac, owner);
  body["status"] = "DOWN";
  bind_port(env, body);  // binding.h
  return body;
}

Json update_port(Env& env, Json cur, const Json& in) {
  const Json before = cur;
  Json changes = check_body(port_info(), in, false, env.ctx);
  host_null_to_empty(changes);
  check_vnic_type(changes);
  if (changes.contains("mac_address")) {
    change_mac(env, cur, changes["mac_address"]);
    changes.erase("mac_address");
  }
  MacAddr mac = *MacAddr::parse(cur["mac_address"].get<std::string>());
  if (changes.contains("fixed_ips")) {
    changes["fixed_ips"] = update_fixed_ips(env, cur, changes["fixed_ips"], mac);
  }
  if (changes.contains("security_groups")) {
    changes["security_groups"] = check_security_groups(env, changes["security_groups"]);
  }
  if (changes.contains("allowed_address_pairs")) {
    changes["allowed_address_pairs"] = check_address_pairs(changes["allowed_address_pairs"], mac);
  }
  if (changes.contains("extra_dhcp_opts")) {
    changes["extra_dhcp_opts"] = check_dhcp_opts(changes["extra_dhcp_opts"]);
  }
  for (const auto& [k, v] : changes.items()) cur[k] = v;
  check_port_security(cur, false);
  if (needs_binding(before, cur)) bind_port(env, cur);  // binding.h
  // A port moved to another host is down until that host's agent wires it.
  if (str_of(before, "binding:host_id") != str_of(cur, "binding:host_id")) cur["status"] = "DOWN";
  stamp_update(cur);
  l3_after_port_update(env, cur);  // floating IPs' port_details
  return cur;
}

void delete_port(Env& env, const Json& cur) {
  l3_before_port_delete(env, cur);  // router/floating IP ports: 409; FIPs disassociated
  Status s = env.txn.release_owner(owner_of(cur["id"]));
  if (!s) internal(s.error());
}

}  // namespace nt::controller
