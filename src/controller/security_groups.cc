// Security groups and their rules (Neutron's securitygroups_db and extensions/securitygroup).
//
// A group's body embeds its rules (`security_group_rules`), as the API shows it; each rule is
// also a resource of its own (kind "security_group_rule"), so rules can be shown, listed and
// deleted by id. Creating or deleting a rule rewrites its group's body and bumps the group's
// revision, as Neutron does. Every project has one group named `default`, created on first use
// (listing or creating groups, creating a port) with Neutron's four rules; the name `default` is
// reserved for it, and the allocation row ("default-sg", project) makes it one per project even
// with several servers on one database.
#include "controller/security_groups.h"

#include <strings.h>

#include <algorithm>
#include <charconv>

#include "common/ip_proto.h"
#include "controller/ip.h"
#include "controller/ipam.h"
#include "controller/resource.h"

namespace nt::controller {
namespace {

constexpr const char* kDefaultName = "default";
constexpr const char* kDefaultPool = "default-sg";

// Protocols whose port_range_min/max are ports (SG_PORT_PROTO_NAMES); ICMP's are type/code.
constexpr int kPortProtocols[] = {6, 17, 136, 132, 33};
constexpr const char* kPortProtocolNames = "TCP, UDP, UDPLITE, SCTP, DCCP";
constexpr int kIcmpProtocols[] = {1, 58};
constexpr int kIpv6OnlyProtocols[] = {41, 43, 44, 58, 59, 60};

template <size_t N>
bool among(const int (&set)[N], int v) {
  return std::find(std::begin(set), std::end(set), v) != std::end(set);
}

std::optional<long long> parse_int(const Json& v) {
  if (v.is_number_integer()) return v.get<long long>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  long long out = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return out;
}

Fault invalid_protocol(const Json& v) {
  std::string values = "[None";
  for (const auto& p : kIpProtocolNames) values += std::string(", '") + p.name + "'";
  values += "]";
  return Fault(400, "SecurityGroupRuleInvalidProtocol",
               "Security group rule protocol " + shown(v) +
                   " not supported. Only protocol values " + values +
                   " and integer representations [0 to 255] are supported.");
}

// Neutron's convert_protocol: null/"any" = any, a known name (lower-cased), or "0".."255".
Json convert_protocol(const Json& v) {
  if (v.is_null()) return v;
  if (auto n = parse_int(v)) {
    if (*n < 0 || *n > 255) throw invalid_protocol(v);
    return std::to_string(*n);
  }
  if (!v.is_string()) throw invalid_protocol(v);
  std::string s = v;
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  if (s == "any") return nullptr;
  for (const auto& p : kIpProtocolNames) {
    if (s == p.name) return s;
  }
  throw invalid_protocol(v);
}

// The protocol's number, -1 for any.
int protocol_number(const Json& protocol) {
  if (protocol.is_null()) return -1;
  if (auto n = parse_int(protocol)) return static_cast<int>(*n);
  for (const auto& p : kIpProtocolNames) {
    if (protocol == p.name) return p.number;
  }
  return -1;
}

Json convert_port(const Json& v) {
  if (v.is_null()) return v;
  auto n = parse_int(v);
  if (!n || *n < 0 || *n > 65535) {
    throw Fault(400, "SecurityGroupInvalidPortValue", "Invalid value for port " + shown(v) + ".");
  }
  return *n;
}

Json convert_ethertype(const Json& v) {
  for (const char* e : {"IPv4", "IPv6"}) {
    if (v.is_string() && strcasecmp(v.get_ref<const std::string&>().c_str(), e) == 0) return e;
  }
  attr_error("ethertype", "'" + shown(v) + "' is not in ['IPv4', 'IPv6']");
}

void check_direction(const Json& v) {
  if (v != "ingress" && v != "egress") {
    attr_error("direction", "'" + shown(v) + "' is not in ['ingress', 'egress']");
  }
}

// Neutron's _validate_port_range.
void check_port_range(const Json& rule) {
  const Json &lo = rule["port_range_min"], &hi = rule["port_range_max"];
  if (lo.is_null() && hi.is_null()) return;
  int proto = protocol_number(rule["protocol"]);
  if (proto < 0) {
    throw Fault(400, "SecurityGroupProtocolRequiredWithPorts",
                "Must also specify protocol if port range is given.");
  }
  if (among(kPortProtocols, proto)) {
    if (lo == 0 || hi == 0) {
      throw Fault(400, "SecurityGroupInvalidPortValue", "Invalid value for port 0.");
    }
    if (!lo.is_null() && !hi.is_null() && lo <= hi) return;
    throw Fault(400, "SecurityGroupInvalidPortRange",
                "For TCP/UDP protocols, port_range_min must be <= port_range_max");
  }
  if (among(kIcmpProtocols, proto)) {
    for (auto [attr, field] : {std::pair{"port_range_min", "type"}, {"port_range_max", "code"}}) {
      const Json& v = rule[attr];
      if (!v.is_null() && v.get<int>() > 255) {
        throw Fault(400, "SecurityGroupInvalidIcmpValue",
                    std::string("Invalid value for ICMP ") + field + " (" + attr + ") " + v.dump() +
                        ". It must be 0 to 255.");
      }
    }
    if (lo.is_null()) {
      throw Fault(400, "SecurityGroupMissingIcmpType",
                  "ICMP code (port-range-max) " + hi.dump() +
                      " is provided but ICMP type (port-range-min) is missing.");
    }
    return;
  }
  throw Fault(400, "SecurityGroupInvalidProtocolForPort",
              "Invalid protocol " + std::to_string(proto) + " for port range, only supported for " +
                  kPortProtocolNames + " protocols.");
}

// remote_ip_prefix as netaddr prints it ("10.0.0.5" -> "10.0.0.5/32", host bits kept), and
// normalized_cidr, its network ("10.0.0.0/24"); both checked against the ethertype.
void check_remote_prefix(Json& rule) {
  Json& in = rule["remote_ip_prefix"];
  rule["normalized_cidr"] = nullptr;
  if (in.is_null()) return;
  std::string text = in.is_string() ? in.get<std::string>() : "";
  if (text.empty()) {  // "" is no prefix, as in Neutron
    in = nullptr;
    return;
  }
  if (text.find('/') == std::string::npos) {
    auto a = IpAddr::parse(text);
    if (a) text += a->version == 4 ? "/32" : "/128";
  }
  auto pfx = IpPrefix::parse(text);
  if (!pfx) {
    throw Fault(400, "InvalidCIDR", "Invalid CIDR " + shown(in) + " given as IP prefix.");
  }
  std::string addr = IpAddr::parse(text.substr(0, text.find('/')))->to_string();
  in = addr + "/" + std::to_string(pfx->len);
  rule["normalized_cidr"] = pfx->to_string();
  if (rule["ethertype"] != (pfx->network.version == 4 ? "IPv4" : "IPv6")) {
    throw Fault(
        400, "SecurityGroupRuleParameterConflict",
        "Conflicting value ethertype " + shown(rule["ethertype"]) + " for CIDR " + shown(in));
  }
}

void check_ethertype_and_protocol(const Json& rule) {
  if (rule["ethertype"] == "IPv4" && among(kIpv6OnlyProtocols, protocol_number(rule["protocol"]))) {
    throw Fault(400, "SecurityGroupEthertypeConflictWithProtocol",
                "Invalid ethertype IPv4 for protocol " + shown(rule["protocol"]) + ".");
  }
}

Json load_group(Env& env, const Json& id) {
  if (!id.is_string() || !is_uuid(id)) {
    throw not_found("SecurityGroupNotFound", "Security group " + shown(id) + " does not exist");
  }
  return get_visible(env, security_group_info(), id);
}

// What makes two rules the same rule: protocols by number, "any" prefixes as none.
Json rule_key(const Json& r) {
  Json cidr = r.value("normalized_cidr", Json());
  if (cidr == "0.0.0.0/0" || cidr == "::/0") cidr = nullptr;
  return {r["direction"],      r["ethertype"],      protocol_number(r["protocol"]),
          r["port_range_min"], r["port_range_max"], cidr,
          r["remote_group_id"]};
}

void put_group(Env& env, const Json& group) {
  if (Status s = env.txn.put("security_group", group); !s) internal(s.error());
}

// A rule of `group`, stamped and stored, appended to the group's body (not stored here).
Json add_rule(Env& env, Json& group, Json rule) {
  Context owner{str_of(group, "project_id"), true};
  rule["project_id"] = group["project_id"];  // the group's owner sees all its rules
  rule["tenant_id"] = group["project_id"];
  stamp_new(rule, owner);
  rule.erase("tags");
  rule["security_group_id"] = group["id"];
  if (Status s = env.txn.put("security_group_rule", rule); !s) internal(s.error());
  group["security_group_rules"].push_back(rule);
  return rule;
}

Json plain_rule(const char* direction, const char* ethertype, const Json& remote_group) {
  return {{"direction", direction},     {"ethertype", ethertype},
          {"protocol", nullptr},        {"port_range_min", nullptr},
          {"port_range_max", nullptr},  {"remote_ip_prefix", nullptr},
          {"normalized_cidr", nullptr}, {"remote_group_id", remote_group},
          {"description", ""}};
}

// A new group's body with Neutron's template rules: egress IPv4 and IPv6 to anywhere, and for
// the default group ingress from its own members.
Json new_group(Env& env, Json body, bool is_default) {
  stamp_new(body, env.ctx);
  body["security_group_rules"] = Json::array();
  for (const char* e : {"IPv4", "IPv6"}) add_rule(env, body, plain_rule("egress", e, nullptr));
  if (is_default) {
    for (const char* e : {"IPv4", "IPv6"})
      add_rule(env, body, plain_rule("ingress", e, body["id"]));
  }
  return body;
}

bool group_in_use(Env& env, const std::string& id) {
  auto ports = env.txn.list("port");
  if (!ports) internal(ports.error());
  return std::any_of(ports->begin(), ports->end(), [&](const Json& p) {
    const Json& sgs = p.value("security_groups", Json::array());
    return std::find(sgs.begin(), sgs.end(), id) != sgs.end();
  });
}

void check_name_not_default(const Json& body) {
  if (body.contains("name") && body["name"] == kDefaultName) {
    throw conflict("SecurityGroupDefaultAlreadyExists", "Default security group already exists.");
  }
}

}  // namespace

const ResourceInfo& security_group_info() {
  static const ResourceInfo kInfo = [] {
    ResourceInfo i{"security_group", "security_groups", "security-groups", {}};
    auto& a = i.attrs;
    a.push_back({"name", AttrType::kString, true, true, false, false, ""});
    a.push_back({"stateful", AttrType::kBool, true, true, false, false, true});
    a.push_back({"security_group_rules", AttrType::kList, false, false});
    add_standard_attrs(a);
    return i;
  }();
  return kInfo;
}

const ResourceInfo& security_group_rule_info() {
  static const ResourceInfo kInfo = [] {
    ResourceInfo i{"security_group_rule", "security_group_rules", "security-group-rules", {}};
    auto& a = i.attrs;
    a.push_back({"security_group_id", AttrType::kString, true, false, false, true});
    a.push_back({"direction", AttrType::kString, true, false, false, true});
    a.push_back({"ethertype", AttrType::kAny, true, false, false, false, "IPv4"});
    a.push_back({"protocol", AttrType::kAny, true, false, false, false, nullptr, true});
    a.push_back({"port_range_min", AttrType::kAny, true, false, false, false, nullptr, true});
    a.push_back({"port_range_max", AttrType::kAny, true, false, false, false, nullptr, true});
    a.push_back({"remote_ip_prefix", AttrType::kAny, true, false, false, false, nullptr, true});
    a.push_back({"normalized_cidr", AttrType::kString, false, false});
    a.push_back({"remote_group_id", AttrType::kAny, true, false, false, false, nullptr, true});
    add_standard_attrs(a);
    a.erase(std::remove_if(a.begin(), a.end(), [](const AttrSpec& s) { return s.name == "tags"; }),
            a.end());  // rules carry no tags in Neutron
    return i;
  }();
  return kInfo;
}

std::string ensure_default_security_group(Env& env, const std::string& project) {
  auto groups = env.txn.list("security_group", "project_id", project);
  if (!groups) internal(groups.error());
  for (const auto& g : *groups) {
    if (g.value("name", "") == kDefaultName) return g["id"];
  }
  Context owner{project, true};
  Env as_owner{env.config, env.txn, owner};
  Json body = {
      {"name", kDefaultName}, {"description", "Default security group"}, {"stateful", true}};
  body = new_group(as_owner, body, true);
  if (Status s = env.txn.claim(kDefaultPool, project, "security_group:" + str_of(body, "id")); !s) {
    throw conflict("SecurityGroupConflict", "Default security group of project " + project +
                                                " is being created concurrently; retry.");
  }
  put_group(env, body);
  return body["id"];
}

void list_security_groups(Env& env, const Query& query) {
  std::string project = env.ctx.project_id;
  for (const auto& [k, v] : query) {
    if ((k == "project_id" || k == "tenant_id") && (env.ctx.is_admin || v == project)) {
      project = v;
      break;
    }
  }
  ensure_default_security_group(env, project);
}

Json create_security_group(Env& env, const Json& in) {
  Json body = check_body(security_group_info(), in, true, env.ctx);
  check_name_not_default(body);
  ensure_default_security_group(env, body["project_id"]);
  return new_group(env, body, false);
}

Json update_security_group(Env& env, Json cur, const Json& in) {
  Json changes = check_body(security_group_info(), in, false, env.ctx);
  if (cur["name"] == kDefaultName && changes.contains("name") && changes["name"] != kDefaultName) {
    throw conflict("SecurityGroupCannotUpdateDefault",
                   "Updating default security group not allowed.");
  }
  if (cur["name"] != kDefaultName) check_name_not_default(changes);
  if (changes.contains("stateful") && changes["stateful"] != cur["stateful"] &&
      group_in_use(env, cur["id"])) {  // ports' connection tracking would change under them
    throw conflict("SecurityGroupInUse", "Security Group " + str_of(cur, "id") + " in use.");
  }
  for (const auto& [k, v] : changes.items()) cur[k] = v;
  stamp_update(cur);
  return cur;
}

// Its rules go with it, and so do other groups' rules that name it as remote group.
void delete_security_group(Env& env, const Json& cur) {
  const std::string id = cur["id"];
  if (group_in_use(env, id)) {
    throw conflict("SecurityGroupInUse", "Security Group " + id + " in use.");
  }
  if (cur["name"] == kDefaultName && !env.ctx.is_admin) {
    throw conflict("SecurityGroupCannotRemoveDefault",
                   "Insufficient rights for removing default security group.");
  }
  auto rules = env.txn.list("security_group_rule");
  if (!rules) internal(rules.error());
  for (const auto& r : *rules) {
    if (r["security_group_id"] == id) {
      if (Status s = env.txn.remove("security_group_rule", r["id"]); !s) internal(s.error());
    } else if (r["remote_group_id"] == id) {
      delete_security_group_rule(env, r);
      if (Status s = env.txn.remove("security_group_rule", r["id"]); !s) internal(s.error());
    }
  }
  if (cur["name"] == kDefaultName) {
    if (Status s = env.txn.release(kDefaultPool, str_of(cur, "project_id")); !s) {
      internal(s.error());
    }
  }
}

Json create_security_group_rule(Env& env, const Json& in) {
  Json rule = check_body(security_group_rule_info(), in, true, env.ctx);
  rule["protocol"] = convert_protocol(rule["protocol"]);
  rule["port_range_min"] = convert_port(rule["port_range_min"]);
  rule["port_range_max"] = convert_port(rule["port_range_max"]);
  rule["ethertype"] = convert_ethertype(rule["ethertype"]);
  check_direction(rule["direction"]);
  Json group = load_group(env, rule["security_group_id"]);
  check_owner(env.ctx, "create", "security_group_rule", group);
  if (!rule["remote_ip_prefix"].is_null() && !rule["remote_group_id"].is_null()) {
    throw Fault(400, "SecurityGroupRemoteGroupAndRemoteIpPrefix",
                "Only remote_ip_prefix or remote_group_id may be provided.");
  }
  check_port_range(rule);
  check_remote_prefix(rule);
  check_ethertype_and_protocol(rule);
  if (!rule["remote_group_id"].is_null()) load_group(env, rule["remote_group_id"]);
  Json key = rule_key(rule);
  for (const auto& r : group["security_group_rules"]) {
    if (rule_key(r) == key) {
      throw conflict("SecurityGroupRuleExists",
                     "Security group rule already exists. Rule id is " + shown(r["id"]) + ".");
    }
  }
  rule = add_rule(env, group, rule);
  stamp_update(group);
  put_group(env, group);
  return rule;
}

Json update_security_group_rule(Env& env, Json cur, const Json& in) {
  Json changes = check_body(security_group_rule_info(), in, false, env.ctx);
  for (const auto& [k, v] : changes.items()) cur[k] = v;
  stamp_update(cur);
  auto group = env.txn.get("security_group", str_of(cur, "security_group_id"));
  if (!group) internal(group.error());
  if (group->has_value()) {
    for (auto& r : (**group)["security_group_rules"]) {
      if (r["id"] == cur["id"]) r = cur;
    }
    put_group(env, **group);
  }
  return cur;
}

// Takes the rule out of its group's body; the API removes the rule's own row.
void delete_security_group_rule(Env& env, const Json& cur) {
  auto group = env.txn.get("security_group", str_of(cur, "security_group_id"));
  if (!group) internal(group.error());
  if (!group->has_value()) return;
  Json& g = **group;
  Json& rules = g["security_group_rules"];
  rules.erase(std::remove_if(rules.begin(), rules.end(),
                             [&](const Json& r) { return r["id"] == cur["id"]; }),
              rules.end());
  stamp_update(g);
  put_group(env, g);
}

}  // namespace nt::controller
