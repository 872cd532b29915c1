#include "controller/api.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string_view>
#include <tuple>

#include "controller/agents.h"
#include "controller/dhcp.h"
#include "controller/l3.h"
#include "controller/l3_agents.h"
#include "controller/raw_json.h"
#include "controller/resource.h"
#include "controller/security_groups.h"
#include "controller/tags.h"

namespace nt::controller {
namespace {

struct Extension {
  const char* alias;
  const char* name;
  const char* description;
};

// Only what this server really implements (the CLI branches on these).
constexpr Extension kExtensions[] = {
    {"external-net", "Neutron external network",
     "Adds external network attribute to network resource."},
    {"provider", "Provider Network", "Expose mapping of virtual networks to physical networks"},
    {"network-mtu", "Network MTU", "Provides MTU attribute for a network resource."},
    {"port-security", "Port Security", "Provides port security"},
    {"project-id", "project_id field enabled",
     "Extension that indicates that project_id field is enabled."},
    {"standard-attr-description", "standard-attr-description",
     "Extension to add descriptions to standard attributes"},
    {"standard-attr-revisions", "Resource revision numbers",
     "This extension will display the revision number of neutron resources."},
    {"standard-attr-timestamp", "Resource timestamps",
     "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard "
     "attributes."},
    {"revision-if-match", "If-Match constraints based on revision_number",
     "Extension indicating that If-Match based on revision_number is supported."},
    {"sorting", "Sorting support", "Extension that indicates that sorting is enabled."},
    {"pagination", "Pagination support", "Extension that indicates that pagination is enabled."},
    {"binding", "Port Binding", "Expose port bindings of a virtual port to external application"},
    {"allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"},
    {"extra_dhcp_opt", "Neutron Extra DHCP options",
     "Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be "
     "specified (e.g. tftp-server, server-ip-address, bootfile-name)"},
    {"router", "Neutron L3 Router",
     "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to "
     "external networks via a NAT gateway."},
    {"ext-gw-mode", "Neutron L3 Configurable external gateway mode",
     "Extension of the router abstraction for specifying whether SNAT should occur on the "
     "external gateway"},
    {"extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"},
    {"fip-port-details", "Floating IP Port Details Extension",
     "Add port_details attribute to Floating IP resource"},
    {"security-group", "security-group", "The security groups extension."},
    {"stateful-security-group", "Stateful security group",
     "Indicates if the security group is stateful or not"},
    {"security-groups-normalized-cidr", "Normalized CIDR field for security group rules",
     "Add new field with normalized remote_ip_prefix cidr in SG rule"},
    {"standard-attr-tag", "Tag support for resources with standard attribute",
     "Enables to set tag on resources with standard attribute."},
    {"agent", "agent", "The agent management extension."},
    {"dhcp_agent_scheduler", "DHCP Agent Scheduler", "Schedule networks among dhcp agents"},
    {"l3_agent_scheduler", "L3 Agent Scheduler", "Schedule routers among l3 agents"},
};

// The resources and their handlers, one row each.
struct ResourceOps {
  const ResourceInfo& (*info)();
  Json (*create)(Env&, const Json&);
  Json (*update)(Env&, Json, const Json&);
  void (*remove)(Env&, const Json&);
  void (*before_list)(Env&, const Query&) = nullptr;  // e.g. the caller's default security group
  void (*after_write)(Env&, const Json&) = nullptr;   // the stored body of a create or update
};

constexpr ResourceOps kResources[] = {
    {network_info, create_network, update_network, delete_network},
    {subnet_info, create_subnet, update_subnet, delete_subnet, nullptr,
     dhcp_after_subnet_write},  // DHCP ports follow their subnets (dhcp.h)
    {port_info, create_port, update_port, delete_port},
    {security_group_info, create_security_group, update_security_group, delete_security_group,
     list_security_groups},
    {security_group_rule_info, create_security_group_rule, update_security_group_rule,
     delete_security_group_rule},
    {router_info, create_router, update_router, delete_router, nullptr,
     l3_after_router_write},  // scheduled to an L3 agent (l3_agents.h)
    {floatingip_info, create_floatingip, update_floatingip, delete_floatingip},
    {agent_info, create_agent, update_agent, delete_agent},  // rows from reports (agents.h)
};

// Attributes computed when read, not stored (an agent's `alive`), by kind.
struct ReadView {
  const char* kind;
  Json (*view)(const ServerConfig&, std::time_t now, Json body);
};

constexpr ReadView kReadViews[] = {
    {"agent", agent_view},
};

// PUT /v2.0/<path>/{id}/<action>: actions on one resource, body not wrapped.
struct MemberAction {
  const char* path;
  const char* action;
  Json (*run)(Env&, const Json& resource, const Json& body);
};

constexpr MemberAction kMemberActions[] = {
    {"routers", "add_router_interface", add_router_interface},
    {"routers", "remove_router_interface", remove_router_interface},
};

// /v2.0/<path>/{id}/<sub>: a resource's related collection (dhcp_agent_scheduler,
// l3_agent_scheduler): GET lists it, POST adds a member ({"network_id": ...} or
// {"router_id": ...}; 201, body null as Neutron's), DELETE
// .../<sub>/{member} removes one (204). A null handler: 405.
struct MemberList {
  const char* path;
  const char* sub;
  Json (*list)(Env&, const std::string& id);
  void (*add)(Env&, const std::string& id, const Json& body) = nullptr;
  void (*remove)(Env&, const std::string& id, const std::string& member) = nullptr;
};

constexpr MemberList kMemberLists[] = {
    {"networks", "dhcp-agents", dhcp_agents_hosting_network},
    {"agents", "dhcp-networks", networks_hosted_by_dhcp_agent, add_network_to_dhcp_agent,
     remove_network_from_dhcp_agent},
    {"routers", "l3-agents", l3_agents_hosting_router},
    {"agents", "l3-routers", routers_hosted_by_l3_agent, add_router_to_l3_agent,
     remove_router_from_l3_agent},
};

Json extension_json(const Extension& e) {
  return {{"alias", e.alias},
          {"name", e.name},
          {"description", e.description},
          {"updated", "2026-12-05T00:00:00-00:00"},
          {"links", Json::array()}};
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

Json parse_body(const std::string& body) {
  if (body.size() > kMaxRequestBody)
    throw Fault(413, "HTTPRequestEntityTooLarge", "Request is too large.");
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded()) throw bad_request("Malformed request body");
  return j;
}

Json unwrap(const Json& body, const std::string& key) {
  if (!body.is_object() || !body.contains(key)) {
    throw bad_request("Unable to find '" + key + "' in request body");
  }
  return body[key];
}

// The string form a filter value is compared with ("True" and "true" both match a boolean).
bool matches(const Json& v, const std::string& want) {
  if (v.is_string()) return v.get<std::string>() == want;
  if (v.is_boolean()) {
    std::string w = want;
    std::transform(w.begin(), w.end(), w.begin(), ::tolower);
    return (v.get<bool>() ? "true" : "false") == w || (v.get<bool>() ? "1" : "0") == w;
  }
  if (v.is_number()) return v.dump() == want;
  if (v.is_null()) return want.empty() || want == "None";
  if (v.is_object()) {  // fixed_ips=ip_address=10.0.0.3: a key of a list's dictionaries
    size_t eq = want.find('=');
    return eq != std::string::npos && v.contains(want.substr(0, eq)) &&
           matches(v[want.substr(0, eq)], want.substr(eq + 1));
  }
  if (v.is_array()) {
    for (const auto& e : v) {
      if (matches(e, want)) return true;
    }
  }
  return false;
}

constexpr const char* kListParams[] = {"fields", "sort_key", "sort_dir",
                                       "limit",  "marker",   "page_reverse"};

bool is_list_param(const std::string& k) {
  return std::find(std::begin(kListParams), std::end(kListParams), k) != std::end(kListParams);
}

// What only an admin may read: provider and binding attributes, routers' dvr/ha (l3.h).
const std::vector<std::string_view> kAdminOnly = {"provider:network_type",
                                                  "provider:physical_network",
                                                  "provider:segmentation_id",
                                                  "binding:host_id",
                                                  "binding:profile",
                                                  "binding:vif_type",
                                                  "binding:vif_details",
                                                  "distributed",
                                                  "ha"};

// Hides what only an admin may read.
Json for_caller(const Context& ctx, Json body) {
  if (!ctx.is_admin) {
    for (auto k : kAdminOnly) body.erase(std::string(k));
  }
  return body;
}

Json select_fields(const Json& body, const std::vector<std::string>& fields) {
  if (fields.empty()) return body;
  Json out = Json::object();
  for (const auto& f : fields) {
    if (body.contains(f)) out[f] = body[f];
  }
  return out;
}

class Handler {
 public:
  Handler(const ServerConfig& config, Txn& txn, const Context& ctx, const ApiRequest& req,
          std::time_t now)
      : env_{config, txn, ctx, now}, req_(req), now_(now) {}

  ApiResponse route(const std::vector<std::string>& seg);

 private:
  std::vector<std::string> query_all(const std::string& key) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : req_.query) {
      if (k == key) out.push_back(v);
    }
    return out;
  }
  ApiResponse list(const ResourceInfo& info);
  std::optional<ApiResponse> list_as_stored(const ResourceInfo& info);
  bool append_visible(const ResourceInfo& info, std::string_view stored, std::string& out);
  ApiResponse show(const ResourceInfo& info, const std::string& id);
  ApiResponse create(const ResourceOps& ops);
  ApiResponse update(const ResourceOps& ops, const std::string& id);
  ApiResponse remove(const ResourceOps& ops, const std::string& id);
  ApiResponse member_action(const ResourceOps& ops, const MemberAction& a, const std::string& id);
  std::optional<ApiResponse> member_list(const std::vector<std::string>& seg);
  ApiResponse tags(const ResourceInfo& info, const std::vector<std::string>& seg);
  void check_if_match(const Json& cur) const;
  Json view(const ResourceInfo& info, Json body) const {
    for (const auto& v : kReadViews) {
      if (info.kind == v.kind) return v.view(env_.config, now_, std::move(body));
    }
    return body;
  }
  ApiResponse agent_report();

  Env env_;
  const ApiRequest& req_;
  std::time_t now_;
};

// Invalid UTF-8 from a request (an id in the path, echoed in a NotFound message) is replaced,
// not thrown: dump() would throw outside every handler.
ApiResponse json_response(int status, const Json& j) {
  return {status, j.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

bool is_indexed(const std::string& k) {
  return k == "network_id" || k == "device_id" || k == "name" || k == "project_id";
}

// The fast path of a list: a caller asking for at most one indexed attribute with one non-empty
// value, without fields, sorting, paging or tag filters, gets the stored bodies spliced into
// the response — the same bytes the general path would produce by parsing and re-serialising
// each (sorted keys, compact). An admin sees every body as it is; anyone else gets what
// append_visible keeps. Kinds with attributes computed on read (kReadViews) always take the
// general path.
std::optional<ApiResponse> Handler::list_as_stored(const ResourceInfo& info) {
  if (req_.query.size() > 1) return std::nullopt;
  for (const auto& v : kReadViews) {
    if (info.kind == v.kind) return std::nullopt;  // attributes computed on read (alive)
  }
  std::string column, value;
  if (!req_.query.empty()) {
    std::tie(column, value) = req_.query[0];
    if (!is_indexed(column) || value.empty() || !info.find(column)) return std::nullopt;
  }
  std::string body = "{" + Json(info.collection).dump() + ":[";
  if (env_.ctx.is_admin) {
    Status s = env_.txn.append_bodies(info.kind, column, value, body);
    if (!s) internal(s.error());
  } else {
    std::string stored;
    Status s = env_.txn.append_bodies(info.kind, column, value, stored);
    if (!s) internal(s.error());
    if (!append_visible(info, stored, body)) return std::nullopt;
  }
  body += "]}";
  return ApiResponse{200, std::move(body)};
}

// A non-admin's share of the stored bodies (`stored`: comma-separated) appended to `out`: its
// own — decided from the project_id member's raw text, as visible() decides — without the
// admin-only members, cut out as text (raw_json.h); any other body is parsed and goes through
// visible() and for_caller() as on the general path (shared and external networks, a shared
// network's subnets). False when a body is not the compact object expected (general path).
bool Handler::append_visible(const ResourceInfo& info, std::string_view stored, std::string& out) {
  auto values = split_values(stored);
  if (!values) return false;
  bool first = true;
  for (std::string_view v : *values) {
    auto members = raw_members(v);
    if (!members) return false;
    auto project = plain_string(*members, "project_id");
    std::string item;
    if (project && *project == env_.ctx.project_id) {
      append_without(*members, kAdminOnly, item);
    } else {
      Json body = Json::parse(v);
      if (!visible(env_, info.kind, body)) continue;
      item = for_caller(env_.ctx, std::move(body))
                 .dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    if (!first) out += ',';
    first = false;
    out += item;
  }
  return true;
}

ApiResponse Handler::list(const ResourceInfo& info) {
  if (auto fast = list_as_stored(info)) return *std::move(fast);
  std::vector<std::pair<std::string, std::vector<std::string>>> filters;
  TagFilter tag_filter;
  for (const auto& kv : req_.query) {  // not a structured binding: clang 14 cannot capture one
    const std::string &k = kv.first, &v = kv.second;
    if (is_list_param(k)) continue;
    if (TagFilter::is_param(k) && has_tags(info)) {
      tag_filter.add(k, v);
      continue;
    }
    if (!info.find(k)) throw bad_request("[" + k + "] is invalid attribute for filtering");
    auto it = std::find_if(filters.begin(), filters.end(), [&](auto& f) { return f.first == k; });
    if (it == filters.end())
      filters.push_back({k, {v}});
    else
      it->second.push_back(v);  // repeated keys: any of the values
  }
  // A single-valued filter on an indexed column narrows the read; the filters still apply.
  std::string column, value;
  for (const auto& [k, values] : filters) {
    if (is_indexed(k) && values.size() == 1 && column.empty()) {
      column = k;
      value = values[0];
    }
  }
  auto all = env_.txn.list(info.kind, column, value);
  if (!all) internal(all.error());
  std::vector<Json> items;
  for (auto& body : *all) {
    if (!visible(env_, info.kind, body)) continue;
    body = view(info, std::move(body));
    bool ok = tag_filter.matches(body) && std::all_of(filters.begin(), filters.end(), [&](auto& f) {
                const Json v = body.value(f.first, Json());
                return std::any_of(f.second.begin(), f.second.end(),
                                   [&](const std::string& w) { return matches(v, w); });
              });
    if (ok) items.push_back(for_caller(env_.ctx, std::move(body)));
  }
  auto keys = query_all("sort_key");
  auto dirs = query_all("sort_dir");
  for (const auto& k : keys) {
    if (!info.find(k)) throw bad_request("[" + k + "] is invalid attribute for sort_keys");
  }
  for (const auto& d : dirs) {
    if (d != "asc" && d != "desc") throw bad_request("[" + d + "] is invalid sort_dirs");
  }
  auto limit_s = query_all("limit");
  auto marker = query_all("marker");
  if (keys.empty() && (!limit_s.empty() || !marker.empty())) keys.push_back("id");
  if (!keys.empty()) {
    std::stable_sort(items.begin(), items.end(), [&](const Json& a, const Json& b) {
      for (size_t i = 0; i < keys.size(); ++i) {
        const Json& x = a.value(keys[i], Json());
        const Json& y = b.value(keys[i], Json());
        if (x == y) continue;
        bool desc = i < dirs.size() && dirs[i] == "desc";
        return desc ? y < x : x < y;
      }
      return false;
    });
  }
  size_t start = 0;
  if (!marker.empty()) {
    auto it = std::find_if(items.begin(), items.end(),
                           [&](const Json& j) { return j.value("id", "") == marker[0]; });
    if (it == items.end())
      throw not_found("MarkerNotFound", "Marker " + marker[0] + " could not be found.");
    start = static_cast<size_t>(it - items.begin()) + 1;
  }
  size_t limit = items.size();
  if (!limit_s.empty()) {
    const std::string& l = limit_s[0];
    if (l.empty() || l.size() > 9 || !std::all_of(l.begin(), l.end(), ::isdigit)) {
      throw bad_request("Limit must be an integer 0 or greater and not '" + l + "'");
    }
    if (std::stoul(l) > 0) limit = std::stoul(l);
  }
  Json out = Json::array();
  auto fields = query_all("fields");
  for (size_t i = start; i < items.size() && out.size() < limit; ++i) {
    out.push_back(select_fields(items[i], fields));
  }
  Json doc = {{info.collection, out}};
  if (start + out.size() < items.size() && !out.empty()) {
    std::string href = req_.base_url + "/v2.0/" + info.path + "?limit=" + std::to_string(limit) +
                       "&marker=" + items[start + out.size() - 1].value("id", "");
    doc[info.collection + "_links"] = Json::array({{{"href", href}, {"rel", "next"}}});
  }
  return json_response(200, doc);
}

ApiResponse Handler::show(const ResourceInfo& info, const std::string& id) {
  Json body = for_caller(env_.ctx, view(info, get_visible(env_, info, id)));
  return json_response(200, {{info.kind, select_fields(body, query_all("fields"))}});
}

ApiResponse Handler::create(const ResourceOps& ops) {
  const ResourceInfo& info = ops.info();
  Json in = parse_body(req_.body);
  auto make = [&](const Json& item) {
    Json body = ops.create(env_, item);
    Status s = env_.txn.put(info.kind, body);
    if (!s) internal(s.error());
    if (ops.after_write) ops.after_write(env_, body);
    return for_caller(env_.ctx, body);
  };
  if (in.is_object() && in.contains(info.collection)) {  // bulk create: all or nothing
    if (!in[info.collection].is_array())
      throw bad_request("Bulk " + info.collection + " must be a list");
    Json out = Json::array();
    for (const auto& item : in[info.collection]) out.push_back(make(item));
    return json_response(201, {{info.collection, out}});
  }
  return json_response(201, {{info.kind, make(unwrap(in, info.kind))}});
}

void Handler::check_if_match(const Json& cur) const {
  if (req_.if_match.empty()) return;
  static constexpr std::string_view kPrefix = "revision_number=";
  std::string want = req_.if_match;
  if (want.rfind(kPrefix, 0) == 0) want = want.substr(kPrefix.size());
  std::string have = std::to_string(cur.value("revision_number", 0));
  if (want != have) {
    throw Fault(412, "RevisionNumberConstraintFailed",
                "Constrained to " + want + ", but current revision is " + have);
  }
}

ApiResponse Handler::update(const ResourceOps& ops, const std::string& id) {
  const ResourceInfo& info = ops.info();
  Json cur = get_visible(env_, info, id);
  check_owner(env_.ctx, "update", info.kind, cur);
  check_if_match(cur);
  Json in = unwrap(parse_body(req_.body), info.kind);
  Json body = ops.update(env_, cur, in);
  Status s = env_.txn.put(info.kind, body);
  if (!s) internal(s.error());
  if (ops.after_write) ops.after_write(env_, body);
  return json_response(200, {{info.kind, for_caller(env_.ctx, view(info, body))}});
}

ApiResponse Handler::remove(const ResourceOps& ops, const std::string& id) {
  const ResourceInfo& info = ops.info();
  Json cur = get_visible(env_, info, id);
  check_owner(env_.ctx, "delete", info.kind, cur);
  check_if_match(cur);
  ops.remove(env_, cur);
  Status s = env_.txn.remove(info.kind, id);
  if (!s) internal(s.error());
  return {204, ""};
}

ApiResponse Handler::member_action(const ResourceOps& ops, const MemberAction& a,
                                   const std::string& id) {
  const ResourceInfo& info = ops.info();
  Json cur = get_visible(env_, info, id);  // routers are never shared: visible = owned
  return json_response(200, a.run(env_, cur, parse_body(req_.body)));
}

std::optional<ApiResponse> Handler::member_list(const std::vector<std::string>& seg) {
  const std::string& m = req_.method;
  for (const auto& l : kMemberLists) {
    if (seg[0] != l.path || seg[2] != l.sub) continue;
    if (seg.size() == 3 && m == "GET") return json_response(200, l.list(env_, seg[1]));
    if (seg.size() == 3 && m == "POST" && l.add) {
      l.add(env_, seg[1], parse_body(req_.body));
      return json_response(201, Json());
    }
    if (seg.size() == 4 && m == "DELETE" && l.remove) {
      l.remove(env_, seg[1], seg[3]);
      return ApiResponse{204, ""};
    }
    throw Fault(405, "HTTPMethodNotAllowed",
                "The method " + m + " is not allowed for this resource.");
  }
  return std::nullopt;
}

ApiResponse Handler::tags(const ResourceInfo& info, const std::vector<std::string>& seg) {
  std::optional<std::string> tag;
  if (seg.size() == 4) tag = seg[3];
  Json body = req_.method == "PUT" && !tag ? parse_body(req_.body) : Json();
  TagReply r = handle_tags(env_, info, seg[1], req_.method, tag, body);
  return r.body.is_null() ? ApiResponse{r.status, ""} : json_response(r.status, r.body);
}

// POST /v2.0/neutrino/agent-report: report_state (agents.h).
ApiResponse Handler::agent_report() {
  Json in = parse_body(req_.body);
  ReportResult r = report_agent(env_, now_, unwrap(in, "agent_state"));
  return json_response(200, {{"agent", view(agent_info(), r.agent)}, {"state", r.state}});
}

ApiResponse Handler::route(const std::vector<std::string>& seg) {
  const std::string& m = req_.method;
  if (seg.size() == 2 && seg[0] == "neutrino" && seg[1] == "agent-report") {
    if (m == "POST") return agent_report();
    throw Fault(405, "HTTPMethodNotAllowed", "The method " + m + " is not allowed.");
  }
  if (seg.size() == 2 && seg[0] == "neutrino" && seg[1] == "device-status") {
    if (m == "POST") return json_response(200, update_devices(env_, parse_body(req_.body)));
    throw Fault(405, "HTTPMethodNotAllowed", "The method " + m + " is not allowed.");
  }
  if (seg.size() == 2 && seg[0] == "neutrino" && seg[1] == "floatingip-status") {
    if (m == "POST")
      return json_response(200, update_floatingip_statuses(env_, parse_body(req_.body)));
    throw Fault(405, "HTTPMethodNotAllowed", "The method " + m + " is not allowed.");
  }
  if (seg.size() == 1 && seg[0] == "extensions" && m == "GET") {
    Json list = Json::array();
    for (const auto& e : kExtensions) list.push_back(extension_json(e));
    return json_response(200, {{"extensions", list}});
  }
  if (seg.size() == 2 && seg[0] == "extensions" && m == "GET") {
    for (const auto& e : kExtensions) {
      if (seg[1] == e.alias) return json_response(200, {{"extension", extension_json(e)}});
    }
    throw not_found("ExtensionNotFound", "Extension with alias " + seg[1] + " does not exist");
  }
  const ResourceOps* ops = nullptr;
  for (const auto& r : kResources) {
    if (!seg.empty() && seg[0] == r.info().path) ops = &r;
  }
  if (ops && (seg.size() == 3 || seg.size() == 4)) {
    if (auto r = member_list(seg)) return *std::move(r);
  }
  if (ops && seg.size() == 3) {
    for (const auto& a : kMemberActions) {
      if (seg[0] != a.path || seg[2] != a.action) continue;
      if (m == "PUT") return member_action(*ops, a, seg[1]);
      throw Fault(405, "HTTPMethodNotAllowed",
                  "The method " + m + " is not allowed for this resource.");
    }
  }
  if (ops && (seg.size() == 3 || seg.size() == 4) && seg[2] == "tags" && has_tags(ops->info())) {
    return tags(ops->info(), seg);
  }
  if (!ops || seg.size() > 2) throw not_found("HTTPNotFound", "The resource could not be found.");
  if (seg.size() == 1) {
    if (m == "GET" && ops->before_list) ops->before_list(env_, req_.query);
    if (m == "GET") return list(ops->info());
    if (m == "POST") return create(*ops);
  } else {
    if (m == "GET") return show(ops->info(), seg[1]);
    if (m == "PUT") return update(*ops, seg[1]);
    if (m == "DELETE") return remove(*ops, seg[1]);
  }
  throw Fault(405, "HTTPMethodNotAllowed",
              "The method " + m + " is not allowed for this resource.");
}

ApiResponse versions(const ApiRequest& req) {
  Json v = {{"id", "v2.0"},
            {"status", "CURRENT"},
            {"links", Json::array({{{"href", req.base_url + "/v2.0/"}, {"rel", "self"}}})}};
  return json_response(200, {{"versions", Json::array({v})}});
}

ApiResponse v2_resources(const ApiRequest& req) {
  Json list = Json::array();
  for (const auto& r : kResources) {
    const ResourceInfo& info = r.info();
    list.push_back({{"name", info.kind},
                    {"collection", info.collection},
                    {"links", Json::array({{{"href", req.base_url + "/v2.0/" + info.path},
                                            {"rel", "self"}}})}});
  }
  return json_response(200, {{"resources", list}});
}

// The feed's endpoints: admin (agents' service credentials) and GET only.
void check_feed_access(const ApiRequest& req, const Context& ctx) {
  if (req.method != "GET") {
    throw Fault(405, "HTTPMethodNotAllowed", "The method " + req.method + " is not allowed.");
  }
  require_admin(ctx, "get_neutrino_feed");
}

// A non-negative decimal query parameter, or `def` when absent; 400 when malformed.
uint64_t uint_param(const ApiRequest& req, const std::string& key, std::optional<uint64_t> def) {
  for (const auto& [k, v] : req.query) {
    if (k != key) continue;
    if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), ::isdigit)) {
      throw bad_request("Invalid input for " + key + ". Reason: '" + v +
                        "' is not a non-negative integer.");
    }
    return std::stoull(v);
  }
  if (!def) throw bad_request("Required query parameter '" + key + "' not specified");
  return *def;
}

ApiResponse fault_response(const Fault& f) {
  return json_response(
      f.status, {{"NeutronError", {{"type", f.type}, {"message", f.what()}, {"detail", ""}}}});
}

}  // namespace

ApiResponse Api::handle(const ApiRequest& req) {
  std::vector<std::string> seg = split_path(req.path);
  if (seg.empty()) {
    if (req.method == "GET") return versions(req);
    return fault_response(Fault(405, "HTTPMethodNotAllowed", "The method is not allowed."));
  }
  if (seg[0] != "v2.0")
    return fault_response(not_found("HTTPNotFound", "The resource could not be found."));
  seg.erase(seg.begin());
  if (seg.empty() && req.method == "GET") return v2_resources(req);
  Context ctx;
  if (!is_utf8(req.project_id)) {
    return fault_response(bad_request("X-Project-Id header is not valid UTF-8"));
  }
  if (!req.project_id.empty()) {  // keystonemiddleware's headers
    ctx.project_id = req.project_id;
    ctx.is_admin = ("," + req.roles + ",").find(",admin,") != std::string::npos;
  }
  try {  // the feed (feed.h): outside the request transaction, which must not wait
    if (seg.size() == 2 && seg[0] == "neutrino" && seg[1] == "changes") return changes(req, ctx);
    if (seg.size() == 4 && seg[0] == "neutrino" && seg[1] == "hosts" && seg[3] == "state")
      return host_state(req, ctx, seg[2]);
  } catch (const Fault& f) {
    return fault_response(f);
  } catch (const std::exception& e) {
    return fault_response(Fault(500, "InternalError", std::string("Request Failed: ") + e.what()));
  }
  ApiResponse resp;
  try {
    Status s = store_.transact([&](Txn& txn) -> Status {
      Handler h(config_, txn, ctx, req, clock_());
      resp = h.route(seg);
      return ok_status();
    });
    if (!s) internal(s.error());
  } catch (const Fault& f) {
    return fault_response(f);
  } catch (const std::exception& e) {
    return fault_response(Fault(500, "InternalError", std::string("Request Failed: ") + e.what()));
  }
  if (req.method != "GET") feed_.notify(store_.current_revision());  // the feed's commit hook
  return resp;
}

// GET /v2.0/neutrino/changes?since=R&wait=S (feed.h). Reads in short transactions and waits
// between them on the Feed, never inside one.
ApiResponse Api::changes(const ApiRequest& req, const Context& ctx) {
  check_feed_access(req, ctx);
  uint64_t since = uint_param(req, "since", std::nullopt);
  uint64_t wait = std::min<uint64_t>(uint_param(req, "wait", 0), kMaxFeedWaitSeconds);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait);
  for (;;) {
    uint64_t upto = store_.current_revision();
    feed_.notify(upto);  // never behind the store (commits through another Api, say)
    FeedDoc doc;
    Status s = store_.transact([&](Txn& txn) -> Status {
      doc = changes_doc(txn, since, upto);
      return ok_status();
    });
    if (!s) internal(s.error());
    if (wait == 0 || doc.revision != since || doc.resync) return {200, std::move(doc.json)};
    switch (feed_.wait_past(since, deadline)) {
      case Feed::Wait::kChanged:
        continue;
      case Feed::Wait::kTimeout:
        return {200, std::move(doc.json)};
      case Feed::Wait::kBusy:
        throw Fault(503, "ServiceUnavailable",
                    "Too many waiting change feed requests (" + std::to_string(kMaxFeedWaiters) +
                        "); retry later.");
    }
  }
}

// GET /v2.0/neutrino/hosts/{host}/state (feed.h).
ApiResponse Api::host_state(const ApiRequest& req, const Context& ctx, const std::string& host) {
  check_feed_access(req, ctx);
  uint64_t revision = store_.current_revision();  // before the snapshot: see feed.h
  Json doc;
  Status s = store_.transact([&](Txn& txn) -> Status {
    Env env{config_, txn, ctx};
    doc = controller::host_state(env, host, revision);
    return ok_status();
  });
  if (!s) internal(s.error());
  return json_response(200, doc);
}

}  // namespace nt::controller
