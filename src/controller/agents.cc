#include "controller/agents.h"

#include <cstdio>

#include "controller/binding.h"
#include "controller/dhcp.h"
#include "controller/l3.h"
#include "controller/l3_agents.h"

namespace nt::controller {
namespace {

// What a report may carry, and the type each must have.
struct ReportField {
  const char* name;
  AttrType type;
  bool required;
};

constexpr ReportField kReportFields[] = {
    {"agent_type", AttrType::kString, true},
    {"binary", AttrType::kString, true},
    {"host", AttrType::kString, true},
    {"topic", AttrType::kString, true},
    {"configurations", AttrType::kDict, false},
    {"resource_versions", AttrType::kDict, false},
    {"availability_zone", AttrType::kString, false},
    {"start_flag", AttrType::kBool, false},
};

bool has_type(const Json& v, AttrType t) {
  switch (t) {
    case AttrType::kString:
      return v.is_string() && v.get_ref<const std::string&>().size() <= 255;
    case AttrType::kBool:
      return v.is_boolean();
    case AttrType::kDict:
      return v.is_object();
    default:
      return true;
  }
}

void check_report(const Json& r) {
  if (!r.is_object()) throw bad_request("Body of agent_state must be a JSON object");
  for (const auto& f : kReportFields) {
    auto it = r.find(f.name);
    if (it == r.end() || it->is_null()) {
      if (f.required) throw bad_request(std::string("agent_state needs '") + f.name + "'");
      continue;
    }
    if (!has_type(*it, f.type)) {
      throw bad_request(std::string("Invalid input for ") + f.name + " in agent_state");
    }
  }
}

// The row of (agent_type, host), if any.
std::optional<Json> find_agent(Env& env, const std::string& type, const std::string& host) {
  auto all = env.txn.list("agent");
  if (!all) internal(all.error());
  for (auto& a : *all) {
    if (str_of(a, "agent_type") == type && str_of(a, "host") == host) return std::move(a);
  }
  return std::nullopt;
}

bool is_down(const ServerConfig& config, std::time_t now, const Json& body) {
  std::time_t hb = parse_agent_timestamp(str_of(body, "heartbeat_timestamp"));
  return hb < 0 || now - hb > static_cast<std::time_t>(config.agent_down_time);
}

Json new_agent(const Json& r, const std::string& now) {
  return {{"id", new_uuid()},
          {"agent_type", r["agent_type"]},
          {"binary", r["binary"]},
          {"topic", r["topic"]},
          {"host", r["host"]},
          {"admin_state_up", true},
          {"created_at", now},
          {"started_at", now},
          {"heartbeat_timestamp", now},
          {"description", ""},
          {"configurations", Json::object()},
          {"resource_versions", Json::object()},
          {"availability_zone", nullptr},
          {"resources_synced", nullptr}};
}

// A port bound to `host` takes `status`; false when it is unknown or bound elsewhere.
bool set_port_status(Env& env, const std::string& id, const std::string& host,
                     const std::string& status) {
  auto r = env.txn.get("port", id);
  if (!r) internal(r.error());
  if (!r->has_value() || str_of(**r, "binding:host_id") != host) return false;
  Json port = std::move(**r);
  if (str_of(port, "status") == status) return true;
  port["status"] = status;
  stamp_update(port);
  Status s = env.txn.put("port", port);
  if (!s) internal(s.error());
  return true;
}

}  // namespace

const ResourceInfo& agent_info() {
  static const ResourceInfo info = [] {
    ResourceInfo i{"agent", "agents", "agents", {}};
    auto& a = i.attrs;
    for (const char* ro : {"id", "agent_type", "binary", "topic", "host", "created_at",
                           "started_at", "heartbeat_timestamp", "availability_zone"}) {
      a.push_back({ro, AttrType::kString, false, false});
    }
    a.push_back({"alive", AttrType::kBool, false, false});
    a.push_back({"configurations", AttrType::kDict, false, false});
    a.push_back({"resource_versions", AttrType::kDict, false, false});
    a.push_back({"resources_synced", AttrType::kAny, false, false});
    a.push_back({"admin_state_up", AttrType::kBool, false, true, true});
    a.push_back({"description", AttrType::kString, false, true, true});
    return i;
  }();
  return info;
}

Json create_agent(Env&, const Json&) {
  throw Fault(405, "HTTPMethodNotAllowed", "The method POST is not allowed for this resource.");
}

Json update_agent(Env& env, Json cur, const Json& in) {
  Json changes = check_body(agent_info(), in, false, env.ctx);
  for (const auto& [k, v] : changes.items()) cur[k] = v;
  return cur;
}

// A DHCP agent's networks go with it (its DHCP ports, the scheduling record: dhcp.h); the
// next scheduling pass gives them to another agent. An L3 agent's routers go to another.
void delete_agent(Env& env, const Json& cur) {
  l3_before_agent_delete(env, cur);  // an L3 agent's routers (l3_agents.h)
  if (str_of(cur, "agent_type") != kDhcpAgentType) return;
  for (const auto& p : list_or_fail(env, "port")) {
    if (str_of(p, "device_owner") == kOwnerDhcp &&
        str_of(p, "binding:host_id") == str_of(cur, "host")) {
      drop_port(env, p);
    }
  }
}

std::vector<Json> schedulable_agents(Env& env, const std::string& agent_type,
                                     const std::string& except_id) {
  std::vector<Json> out;
  for (auto& a : list_or_fail(env, "agent")) {
    if (str_of(a, "agent_type") != agent_type || !a.value("admin_state_up", true) ||
        str_of(a, "id") == except_id || is_down(env.config, env.now, a)) {
      continue;
    }
    out.push_back(std::move(a));
  }
  return out;
}

Json agent_view(const ServerConfig& config, std::time_t now, Json body) {
  body["alive"] = !is_down(config, now, body);
  return body;
}

ReportResult report_agent(Env& env, std::time_t now, const Json& report) {
  require_admin(env.ctx, "report_state");
  check_report(report);
  std::string stamp = agent_timestamp(now);
  auto cur = find_agent(env, report["agent_type"], report["host"]);
  ReportResult out{cur ? *cur : new_agent(report, stamp), "new"};
  Json& a = out.agent;
  if (cur) {
    out.state = is_down(env.config, now, a) ? "revived" : "alive";
    if (out.state == "revived" || report.value("start_flag", false)) a["started_at"] = stamp;
  }
  const Json old_conf = a.value("configurations", Json::object());
  a["heartbeat_timestamp"] = stamp;
  a["binary"] = report["binary"];
  a["topic"] = report["topic"];
  for (const char* k : {"configurations", "resource_versions", "availability_zone"}) {
    if (report.contains(k) && !report[k].is_null()) a[k] = report[k];
  }
  Status s = env.txn.put("agent", a);
  if (!s) internal(s.error());
  // Ports that failed to bind while this host had no usable agent (binding.h).
  bool may_bind_more =
      out.state != "alive" || binding_configuration_changed(old_conf, a["configurations"]);
  Env at{env.config, env.txn, env.ctx, now};
  if (str_of(a, "agent_type") == kOvsAgentType && may_bind_more) {
    rebind_host_ports(at, str_of(a, "host"));
  }
  // Every DHCP report schedules (dhcp.h): a new or revived agent takes the networks that waited
  // for one, and a DHCP port deleted by hand comes back.
  if (str_of(a, "agent_type") == kDhcpAgentType) schedule_dhcp(at);
  // Every L3 report schedules the routers without an alive agent (l3_agents.h).
  if (str_of(a, "agent_type") == kL3AgentType) schedule_routers(at);
  return out;
}

Json update_devices(Env& env, const Json& in) {
  require_admin(env.ctx, "update_device_list");
  if (!in.is_object() || !in.contains("host") || !in["host"].is_string()) {
    throw bad_request("Body of device status must be an object with a 'host'");
  }
  Json out = Json::object();
  for (const auto& [key, status] : {std::pair{"up", "ACTIVE"}, std::pair{"down", "DOWN"}}) {
    Json done = Json::array(), failed = Json::array();
    for (const auto& id : in.value(std::string("devices_") + key, Json::array())) {
      if (!id.is_string()) throw bad_request(std::string("devices_") + key + " must hold ids");
      if (set_port_status(env, id, in["host"], status))
        done.push_back(id);
      else
        failed.push_back(id);
    }
    out[std::string("devices_") + key] = done;
    out[std::string("failed_devices_") + key] = failed;
  }
  return out;
}

std::string agent_timestamp(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::time_t parse_agent_timestamp(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (!end || *end != '\0') return -1;
  return timegm(&tm);
}

}  // namespace nt::controller
