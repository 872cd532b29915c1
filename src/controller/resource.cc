#include "controller/resource.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>

namespace nt::controller {
namespace {

const char* type_word(AttrType t) {
  switch (t) {
    case AttrType::kString:
      return "a valid string";
    case AttrType::kBool:
      return "a valid boolean";
    case AttrType::kInt:
      return "an integer";
    case AttrType::kList:
      return "a list";
    case AttrType::kDict:
      return "a dictionary";
    case AttrType::kAny:
      return "a value";
  }
  return "a value";
}

Fault type_fault(const AttrSpec& a, const Json& v) {
  return bad_request("Invalid input for " + a.name + ". Reason: '" + shown(v) + "' is not " +
                     type_word(a.type) + ".");
}

// Neutron's converters: "100" for an int, "True"/"false" for a boolean.
Json convert(const AttrSpec& a, const Json& v) {
  if (v.is_null()) {
    if (a.nullable) return v;
    throw type_fault(a, v);
  }
  switch (a.type) {
    case AttrType::kString:
      if (!v.is_string()) throw type_fault(a, v);
      if (v.get<std::string>().size() > 255) {
        throw bad_request("Invalid input for " + a.name + ". Reason: '" + v.get<std::string>() +
                          "' exceeds maximum length of 255.");
      }
      return v;
    case AttrType::kBool:
      if (v.is_boolean()) return v;
      if (v.is_string()) {
        std::string s = v.get<std::string>();
        std::transform(s.begin(), s.end(), s.begin(), ::tolower);
        if (s == "true" || s == "1") return true;
        if (s == "false" || s == "0") return false;
      }
      if (v.is_number_integer() && (v == 0 || v == 1)) return v == 1;
      throw type_fault(a, v);
    case AttrType::kInt:
      if (v.is_number_integer()) return v;
      if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        if (!s.empty() && s.size() < 19 && std::all_of(s.begin(), s.end(), ::isdigit)) {
          return std::stoll(s);
        }
      }
      throw type_fault(a, v);
    case AttrType::kList:
      if (!v.is_array()) throw type_fault(a, v);
      return v;
    case AttrType::kDict:
      if (!v.is_object()) throw type_fault(a, v);
      return v;
    case AttrType::kAny:
      return v;
  }
  return v;
}

}  // namespace

const AttrSpec* ResourceInfo::find(const std::string& name) const {
  for (const auto& a : attrs) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

void add_standard_attrs(std::vector<AttrSpec>& attrs) {
  attrs.push_back({"id", AttrType::kString, false, false});
  attrs.push_back({"project_id", AttrType::kString, true, false});
  attrs.push_back({"tenant_id", AttrType::kString, true, false});
  attrs.push_back({"description", AttrType::kString, true, true, false, false, ""});
  attrs.push_back({"tags", AttrType::kList, false, false});
  attrs.push_back({"created_at", AttrType::kString, false, false});
  attrs.push_back({"updated_at", AttrType::kString, false, false});
  attrs.push_back({"revision_number", AttrType::kInt, false, false});
}

Json check_body(const ResourceInfo& info, const Json& in, bool create, const Context& ctx) {
  if (!in.is_object()) throw bad_request("Body of " + info.kind + " must be a JSON object");
  Json out = Json::object();
  for (const auto& [key, value] : in.items()) {
    const AttrSpec* a = info.find(key);
    if (!a) throw bad_request("Unrecognized attribute(s) '" + key + "'");
    if (create && !a->post) throw bad_request("Attribute '" + key + "' not allowed in POST");
    if (!create && !a->put) throw bad_request("Cannot update read-only attribute " + key);
    if (a->admin_only && !ctx.is_admin) {
      throw Fault(403, "PolicyNotAuthorized",
                  std::string("(rule:") + (create ? "create_" : "update_") + info.kind + ":" + key +
                      ") is disallowed by policy");
    }
    out[key] = convert(*a, value);
  }
  if (!create) return out;
  for (const auto& a : info.attrs) {
    if (out.contains(a.name) || !a.post) continue;
    if (a.required) {
      throw bad_request("Failed to parse request. Required attribute '" + a.name +
                        "' not specified");
    }
    if (!a.def.is_null() || a.nullable) out[a.name] = a.def;
  }
  // project_id and tenant_id name one project; a non-admin may only name its own.
  std::string project = out.contains("project_id")  ? out["project_id"].get<std::string>()
                        : out.contains("tenant_id") ? out["tenant_id"].get<std::string>()
                                                    : ctx.project_id;
  if (out.contains("project_id") && out.contains("tenant_id") &&
      out["project_id"] != out["tenant_id"]) {
    throw bad_request("'project_id' and 'tenant_id' do not match");
  }
  if (project != ctx.project_id && !ctx.is_admin) {
    throw Fault(403, "PolicyNotAuthorized",
                "(rule:create_" + info.kind + ":project_id) is disallowed by policy");
  }
  out["project_id"] = project;
  out["tenant_id"] = project;
  return out;
}

void stamp_new(Json& body, const Context& ctx) {
  body["id"] = new_uuid();
  if (!body.contains("project_id")) {
    body["project_id"] = ctx.project_id;
    body["tenant_id"] = ctx.project_id;
  }
  std::string now = now_timestamp();
  body["created_at"] = now;
  body["updated_at"] = now;
  body["revision_number"] = 0;
  if (!body.contains("tags")) body["tags"] = Json::array();
  if (!body.contains("description")) body["description"] = "";
}

void stamp_update(Json& body) {
  body["revision_number"] = body.value("revision_number", 0) + 1;
  body["updated_at"] = now_timestamp();
}

std::string new_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 1
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

std::string now_timestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 9;
    if (n == 9 || i + n >= s.size() + (n ? 0 : 1) || (n == 1 && c < 0xc2)) return false;
    unsigned cp = n == 0 ? c : c & (0x3f >> n);
    for (size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool visible(const Context& ctx, const Json& body) {
  if (ctx.is_admin) return true;
  if (body.value("project_id", "") == ctx.project_id) return true;
  return body.value("shared", false) || body.value("router:external", false);
}

bool visible(Env& env, const std::string& kind, const Json& body) {
  if (visible(env.ctx, body)) return true;
  if (kind != "subnet") return false;
  auto net = env.txn.get("network", str_of(body, "network_id"));  // a shared network's subnets
  return net && net->has_value() && visible(env.ctx, **net);
}

void require_admin(const Context& ctx, const std::string& rule) {
  if (!ctx.is_admin) {
    throw Fault(403, "PolicyNotAuthorized", "(rule:" + rule + ") is disallowed by policy");
  }
}

void check_owner(const Context& ctx, const std::string& action, const std::string& kind,
                 const Json& body) {
  if (ctx.is_admin || body.value("project_id", "") == ctx.project_id) return;
  throw Fault(403, "PolicyNotAuthorized",
              "(rule:" + action + "_" + kind + ") is disallowed by policy");
}

Json get_visible(Env& env, const ResourceInfo& info, const std::string& id) {
  auto r = env.txn.get(info.kind, id);
  if (!r) internal(r.error());
  if (!r->has_value() || !visible(env, info.kind, **r)) {
    std::string type = info.kind == "security_group"        ? "SecurityGroup"
                       : info.kind == "security_group_rule" ? "SecurityGroupRule"
                                                            : "";
    if (info.kind == "router" || info.kind == "floatingip") {  // neutron_lib's l3: no period
      bool fip = info.kind == "floatingip";
      throw not_found(fip ? "FloatingIPNotFound" : "RouterNotFound",
                      (fip ? "Floating IP " : "Router ") + id + " could not be found");
    }
    if (type.empty()) {
      type = info.kind;
      type[0] = static_cast<char>(std::toupper(type[0]));
    }
    std::string label = type == "SecurityGroup"       ? "Security group"
                        : type == "SecurityGroupRule" ? "Security group rule"
                                                      : type;
    bool sg = type.starts_with("SecurityGroup");  // neutron_lib words these two differently
    throw not_found(type + "NotFound",
                    label + " " + id + (sg ? " does not exist" : " could not be found."));
  }
  return **r;
}

std::string str_of(const Json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool bool_of(const Json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_boolean() && it->get<bool>();
}

std::string shown(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

IpPrefix cidr_of(const Json& subnet) { return *IpPrefix::parse(subnet["cidr"].get<std::string>()); }

}  // namespace nt::controller
