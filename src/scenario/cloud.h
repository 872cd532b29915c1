// The lab's cloud: what the `server`, `agent`, `openstack` and Nova-style `instance` lines need
// in both back ends (the emulated runner_cloud.cc, the real src/lab/real_lab_cloud.cc): the
// API client, the checks of the lines, the openstack CLI's run, Nova's port.
//
// The emulated lab's neutrino-server is the real API (controller/http_server.h) serving in
// the lab's process on 127.0.0.1 on an ephemeral port, its SQLite store in a private temporary
// directory that goes with the lab, pass or fail; the real lab runs the neutrino-server program
// on a free loopback port instead. Either way the real `openstack` CLI, a separate process,
// reaches it as it reaches any Neutron, and the lab's own requests (Nova's port create, show)
// go over the same HTTP (CloudApi). `openstack` runs without a shell (argv split here as a
// shell splits words) with the environment pointing it at that server only.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "controller/config.h"

namespace nt::controller {
class HttpApiServer;
}

namespace nt::scenario_internal {

// A client of a neutrino-server's API on 127.0.0.1:port() (the lab's own requests: Nova's
// port create, show; the real lab's settling).
class CloudApi {
 public:
  explicit CloudApi(int port = 0) { set_port(port); }
  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  int port() const { return port_; }
  // One API request; the JSON body of a 2xx answer, else an error with Neutron's message.
  Result<nlohmann::json> request(const std::string& method, const std::string& path,
                                 const nlohmann::json& body = nullptr) const;
  // A resource by id or, failing that, by name (exactly one), as openstacksdk's find does:
  // collection "networks", member "network".
  Result<nlohmann::json> find(const std::string& collection, const std::string& member,
                              const std::string& name_or_id) const;

 protected:
  void set_port(int port);

 private:
  std::string url_;
  int port_ = 0;
};

// The emulated lab's server: the API in this process on 127.0.0.1:port(), state in dir()
// (removed with the object).
class CloudServer : public CloudApi {
 public:
  // `ini`: neutron.conf / ml2_conf.ini lines (one INI text).
  static Result<std::unique_ptr<CloudServer>> start(const std::string& ini);
  ~CloudServer();
  const std::string& dir() const { return dir_; }

 private:
  CloudServer() = default;
  std::string dir_;
  std::unique_ptr<controller::HttpApiServer> api_;
};

// A `server` block's lines, checked as neutrino-server reads them (the same messages in both
// back ends, before anything starts).
Result<controller::ServerConfig> check_server_ini(const std::string& ini);

// The metadata_proxy_shared_secret of the lab's Nova metadata stand-in and its agents.
inline constexpr const char* kLabMetadataSecret = "neutrino-lab-metadata";

// The `[DEFAULT]` lines a lab's agent gets before the block's own openvswitch_agent.ini (so
// the block may still override them): its host is the node's name; with `nova_port` (the lab's
// Nova metadata stand-in, nova_metadata.h) the metadata agent's nova_metadata_port and secret.
std::string agent_lab_ini(const std::string& node, int nova_port = 0);

// The roles an `agent` line gives its node's agent besides the Open vSwitch one: the words
// after "agent" ("dhcp", "l3", "metadata"); an error naming an unknown word.
struct AgentRoles {
  bool dhcp = false;
  bool l3 = false;
  bool metadata = false;
};
Result<AgentRoles> parse_agent_roles(const std::vector<std::string>& a);

// The network id behind "qdhcp-NAME_OR_ID" (a service namespace named by the network's name or
// id, as lab files cannot know ids); nullopt when `name` is not of that form.
std::optional<Result<std::string>> dhcp_namespace_network(const CloudApi& api,
                                                          const std::string& name);
// The router id behind "qrouter-NAME_OR_ID", likewise; nullopt when `name` is not of that form.
std::optional<Result<std::string>> router_namespace_router(const CloudApi& api,
                                                           const std::string& name);
// `iptables NAMESPACE [-t TABLE] -S`: the table (filter when no -t), or an error.
Result<std::string> iptables_table_arg(const std::vector<std::string>& a);
// Whether a service line (netns, dnsmasq, ip qdhcp-/qrouter-, iptables) is about a router.
bool router_service_line(const std::vector<std::string>& a);
// Why `node`'s agent (with the DHCP role `dhcp`, the L3 role `l3`) cannot answer the service
// line `a`, or nullopt when it can.
std::optional<std::string> service_role_missing(const std::vector<std::string>& a, bool dhcp,
                                                bool l3, const std::string& node);
// `dnsmasq NETWORK FILE`: which of a DHCP service's files (host, addn_hosts, opts), or an error.
Result<std::string> dnsmasq_file_arg(const std::vector<std::string>& a);

// `openstack ARGS...`: the real CLI (`words`, split as a shell splits them) against `url`
// (noauth), its scratch files in `dir`; its stdout, or an error with what it printed.
inline constexpr int kOpenstackTimeoutS = 120;
Result<std::string> run_openstack(const std::string& words, const std::string& url,
                                  const std::string& dir);

// `instance NAME node=NODE network=NET [fixed-ip=IP] [port=PORT]`, checked alike in both back
// ends (usage, unknown options).
struct CloudInstanceArgs {
  std::string name, node, network, fixed_ip, port;
  bool dhcp = false;  // ip=dhcp: the instance asks DHCP for its address as cirros does
};
Result<CloudInstanceArgs> parse_cloud_instance_args(const std::vector<std::string>& a);

// What Nova does through the API for a server with one NIC: the port on the network (created
// with fixed-ip=, or PORT taken over) with device_owner compute:nova, device_id the instance's
// seeded uuid and binding:host_id `host`; and what the instance is configured with.
struct NovaPort {
  std::string port_id, mac, ip, prefix, gateway;  // prefix "/24"; gateway "" when none
  std::string vm_uuid, tap;                       // tap: "tap" + port id[:11]
  int mtu = 1500;
};
Result<NovaPort> nova_port(const CloudApi& api, const CloudInstanceArgs& args,
                           const std::string& host);
// The line `instance ... network=` prints: "NAME on NODE: port ID (TAP), MAC, IP/LEN via GW,
// mtu N".
std::string nova_instance_line(const std::string& name, const std::string& node, const NovaPort& p);

// `text` split into words as a POSIX shell splits them: blanks separate, '...' keeps everything,
// "..." keeps everything but \" \\ \$ \`, a backslash outside quotes escapes the next character.
// No expansion of any kind. An unterminated quote is an error.
Result<std::vector<std::string>> shell_words(std::string_view text);

struct ProgramRun {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out, err;
};
// Runs argv[0] (searched in PATH) with stdin from /dev/null, stdout and stderr kept apart in
// files under `dir`, the environment's OS_* variables replaced by `env`; killed after
// `timeout_s`. An error only when it cannot be started or timed out.
Result<ProgramRun> run_program(const std::vector<std::string>& argv,
                               const std::vector<std::pair<std::string, std::string>>& env,
                               const std::string& dir, int timeout_s);

// A UUID-shaped id derived from `seed` (the same in every run): an emulated instance's
// device_id / vm-uuid.
std::string seeded_uuid(const std::string& seed);

}  // namespace nt::scenario_internal
