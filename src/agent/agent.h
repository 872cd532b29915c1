// neutrino-agent's core: Neutron's Open vSwitch agent for one node, as a loop of run_once().
//
// The agent turns its host's desired state (the server's HostState, rpc/host_state.h) and
// what the node has (LocalView) into bridges, patch pairs, tunnel ports, port tags and flows
// (desired.h: pure functions), and applies the difference: ports through one nvs-vsctl
// transaction, flows per bridge by diffing the bridge's dump against the desired set and
// installing delete_strict/add lines as ONE `ofctl add-flows BR -` (one transaction on this switch:
// no moment without flows). Desired state, never incremental guesswork: a restart, a lost change or
// a daemon that restarted is repaired by the same diff.
//
// What makes it cheap: the node is asked `appctl db/seqno` per call and the ports are listed
// only when it moved; the server's feed is read from the last revision and the host state is
// fetched again only when the feed shows changes; flows are diffed only when the inputs moved.
// Every start takes a new random cookie: the first apply installs everything under it and
// removes other cookies' flows in the same bundle. Learned flows (timeouts) are never touched.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/config.h"
#include "agent/desired.h"
#include "agent/local_view.h"
#include "common/result.h"
#include "node/command_reply.h"
#include "openflow/flow_text.h"
#include "rpc/host_state.h"
#include "rpc/server_client.h"

namespace nt::agent {

class DhcpRole;
class DhcpDriver;
class L3Role;
class L3Driver;

// The node the agent programs, by tool name ("vsctl", "ofctl", "appctl") — exactly
// NodeCore::execute's shape. neutrino-agent implements it over the daemon's control socket;
// the emulated lab over the node's NodeCore (a 5-line adapter).
class NodeChannel {
 public:
  virtual ~NodeChannel() = default;
  virtual ControlReply execute(const std::string& tool, const std::vector<std::string>& argv,
                               const std::string& stdin_data = "") = 0;
};

// What the agent did, for logs, tests and benchmarks.
struct AgentStats {
  uint64_t syncs = 0;       // host states fetched
  uint64_t vsctl_txns = 0;  // port transactions
  uint64_t bundles = 0;     // flow bundles installed
  uint64_t flow_mods = 0;   // delete_strict + add lines in them
  uint64_t devices_up = 0, devices_down = 0;
  uint64_t reports = 0;
  uint64_t node_restarts = 0;    // daemon restarts noticed (db/seqno instance or canary)
  uint64_t port_patches = 0;     // port changes applied from the feed's body (no state fetch)
  uint64_t changes_skipped = 0;  // feed changes passed over on their header (body unparsed)
};

class Agent {
 public:
  // server_url: "http://127.0.0.1:9696". The agent authenticates as Neutron's noauth admin.
  Agent(AgentConfig config, NodeChannel& node, std::string server_url);
  ~Agent();
  // Every piece of work ready now, never blocking on the server: start-up on the first call
  // (bridges, patch pairs, default flows), a state report when report_interval has passed, a
  // full sync when needed (first call, resync, server back), the feed's changes since its last
  // revision (wait=0), local port changes (br-int ports with external_ids:iface-id appearing,
  // changing or going). Returns true when it changed something on the node or the server (a
  // caller loops until false), an error when the server or node is unreachable (state kept;
  // the next call retries).
  Result<bool> run_once();
  // neutrino-agent's loop: until `stop`, run_once and wait for the feed (long-poll) or a local
  // change, whichever comes first.
  void run(const std::atomic<bool>& stop);
  const AgentConfig& config() const { return config_; }
  // Gives this agent the DHCP role (Neutron's DHCP agent on the same host, reported as a
  // "DHCP agent", with config().dhcp's options): the networks the server schedules here are
  // served through `driver`.
  void enable_dhcp(DhcpDriver& driver);
  const DhcpRole* dhcp() const { return dhcp_.get(); }
  // Gives this agent the L3 role (Neutron's L3 agent in legacy mode on the same host, reported
  // as an "L3 agent", with config().l3's options): the routers the server schedules here are
  // made through `driver`.
  void enable_l3(L3Driver& driver);
  const L3Role* l3() const { return l3_.get(); }
  // Gives this agent the metadata role's report (Neutron's metadata agent on the same host, a
  // "Metadata agent" without availability zone); the requests are served by a MetadataAgent
  // behind a UnixHttpServer (metadata_http.h) that the program runs beside.
  void enable_metadata() { metadata_ = true; }
  bool metadata() const { return metadata_; }

  uint64_t cookie() const { return cookie_; }
  const AgentStats& stats() const { return stats_; }
  // The local VLAN of each network with a port here.
  const std::map<std::string, int>& local_vlans() const { return lvids_; }
  // Time between polls of the node in run() (the feed is long-polled meanwhile).
  void set_poll_interval(std::chrono::milliseconds ms) { poll_interval_ = ms; }

 private:
  using Clock = std::chrono::steady_clock;

  Result<bool> poll_node();
  Result<DbSeqno> node_seqno();
  Result<bool> read_local();
  Result<bool> refresh_local();
  Result<bool> poll_server();
  Result<bool> fetch_state();
  Result<bool> report_if_due();
  Result<bool> apply_dhcp();
  Result<bool> apply_l3();
  Result<bool> report_floating_ips();
  Result<std::string> report_role(rpc::AgentReport report);
  bool l3_relevant(const rpc::Change& c, const nlohmann::json& body) const;
  Result<bool> bind_plugged(const Plan& plan);
  Result<bool> apply();
  Result<bool> apply_flows(const std::map<std::string, std::vector<std::string>>& flows,
                           bool own_all);
  // Flow text -> its parse, found by string_view (a transparent hash: no key copied to look).
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using FlowMemo = std::unordered_map<std::string, FlowSpec, TextHash, std::equal_to<>>;
  Result<FlowSpec> parse_flow_line(std::string_view line, FlowMemo& seen);
  Result<std::vector<FlowSpec>> parse_dump(std::string_view text, const std::string& bridge,
                                           FlowMemo& seen);
  Result<bool> report_devices(const Plan& plan);
  std::string configurations_json() const;
  std::string metadata_configurations_json() const;
  // What a feed change means here: nothing, a port to patch in place, or a new state.
  enum class Relevance { kNone, kPatch, kState };
  Relevance relevance(const rpc::Change& c, std::optional<rpc::PortInfo>& port) const;
  bool relevant(const rpc::Change& c) const;
  bool skippable(const rpc::Change& c) const;
  bool port_patchable(const rpc::Change& c, std::optional<rpc::PortInfo>& port) const;
  void patch_port(const rpc::Change& c, const std::optional<rpc::PortInfo>& port);
  bool dhcp_serves_port(const std::string& id, const std::string& network_id) const;
  bool relevant_rule(const std::string& id, const std::string& group) const;
  bool member_moved(const std::string& id, const nlohmann::json& body) const;
  ControlReply node(const std::string& tool, const std::vector<std::string>& argv,
                    const std::string& stdin_data = "");

  AgentConfig config_;
  NodeChannel& node_;
  std::string server_url_;
  std::unique_ptr<rpc::ServerClient> client_;
  uint64_t cookie_;
  AgentStats stats_;
  std::chrono::milliseconds poll_interval_{50};

  // The node.
  std::optional<DbSeqno> seqno_;
  std::optional<LocalView> local_;
  bool lvids_recovered_ = false;
  std::map<std::string, int> lvids_;
  // The server.
  std::optional<rpc::HostState> state_;
  bool need_sync_ = true;
  uint64_t revision_ = 0;
  std::optional<Clock::time_point> last_report_;
  bool start_flag_ = true;
  std::set<std::string> bind_failed_;            // iface-ids the server refused
  std::map<std::string, uint64_t> reported_up_;  // port id -> state revision when reported
  std::set<std::string> reported_down_;
  // Applying.
  bool dirty_ = true;  // inputs moved since the last apply
  std::optional<Clock::time_point> last_canary_;
  // Flow text -> its parse, for the lines (desired and dumped) the last apply_flows saw: the
  // same thousands of lines come back at every apply of a large cloud, and parsing them was
  // most of its cost. Parsing is a pure function of the text, so a hit is exact.
  FlowMemo flow_memo_;
  int devices_ = 0;
  std::unique_ptr<DhcpRole> dhcp_;
  std::string dhcp_error_;  // the last DHCP error logged
  std::unique_ptr<L3Role> l3_;
  std::string l3_error_;  // the last L3 error logged
  bool metadata_ = false;
  // run(): the long-poll thread says when the feed moved; run_once reads it only then.
  bool external_feed_ = false;
  std::atomic<bool> feed_pending_{false};
};

}  // namespace nt::agent
