// Agents: Neutron's `agents` resource, whose rows only agents' own reports create.
//
// An agent (neutrino-agent, or anything speaking Neutron's report_state) POSTs its state to
// `POST /v2.0/neutrino/agent-report` every report_interval with report_state's body
// `{"agent_state": {agent_type, binary, host, topic, configurations, start_flag, ...}}`. The
// pair (agent_type, host) names one row: the first report creates it ("new"), later ones
// refresh heartbeat_timestamp and configurations ("alive"), and a report after the agent was
// dead, or with start_flag, also sets started_at ("revived" tells the agent to resync fully).
// `alive` is never stored: it is computed on every read from heartbeat_timestamp and
// `[DEFAULT] agent_down_time`, against a clock the caller passes (tests drive it).
//
// The API side is Neutron's: list/show with filters, PUT of admin_state_up and description,
// DELETE; everything is admin only (policy `get_agent` is admin_only, so a project sees no
// agents and gets 404 for one).
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "controller/resource.h"

namespace nt::controller {

const ResourceInfo& agent_info();
// Agents are not created through the API (Neutron: every attribute is allow_post False).
Json create_agent(Env& env, const Json& in);
Json update_agent(Env& env, Json cur, const Json& in);
void delete_agent(Env& env, const Json& cur);
// The stored row as clients see it at `now`: `alive` filled in.
Json agent_view(const ServerConfig& config, std::time_t now, Json body);
// The agents of `agent_type` a scheduler may choose (DHCP networks, routers): alive at
// env.now and admin-up; `except_id`: an agent being deleted.
std::vector<Json> schedulable_agents(Env& env, const std::string& agent_type,
                                     const std::string& except_id = "");

struct ReportResult {
  Json agent;         // the stored row
  std::string state;  // "new", "alive" or "revived", as report_state answers
};
// Creates or refreshes the row of the reporting agent (body: report_state's agent_state).
ReportResult report_agent(Env& env, std::time_t now, const Json& report);

// update_device_list: `{"host", "devices_up": [port ids], "devices_down": [...]}` from
// `POST /v2.0/neutrino/device-status`. Ports bound to `host` (binding:host_id) go ACTIVE or
// DOWN (a change: revision and feed entry); unknown ports and ports bound elsewhere are
// answered in failed_devices_up/down. Answer: {devices_up, devices_down, failed_devices_up,
// failed_devices_down}, as Neutron's RPC.
Json update_devices(Env& env, const Json& in);

// "2026-12-06 03:10:00", the format of Neutron's agent timestamps, and back (-1 if malformed).
std::string agent_timestamp(std::time_t t);
std::time_t parse_agent_timestamp(const std::string& s);

}  // namespace nt::controller
