// ServerClient: the agent's side of neutrino-server's agent API, over HTTP (cpp-httplib).
//
// Neutron's agents speak RPC over a message bus; Neutrino's speak the server's own HTTP API:
// the host state and change feed (controller/feed.h), report_state (agent-report),
// update_device_list (device-status), and the port update that binds a port to the host. The
// agent authenticates as Neutron's noauth admin (no token). One keep-alive connection per
// client; a client is not thread-safe, so a long-poll runs on its own client.
//
// Every call answers a typed value or an Error: a server that cannot be reached (or times out)
// is ErrorCode::kInternal with the URL in the message; an HTTP error status is kNotFound for 404
// and kInvalidArgument otherwise, the message carrying the status and Neutron's error text.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "rpc/host_state.h"

namespace httplib {
class Client;
}

namespace nt::rpc {

inline constexpr const char* kDefaultServerUrl = "http://127.0.0.1:9696";
inline constexpr const char* kOvsAgentType = "Open vSwitch agent";
inline constexpr const char* kOvsAgentBinary = "neutrino-openvswitch-agent";
inline constexpr const char* kDhcpAgentType = "DHCP agent";
inline constexpr const char* kDhcpAgentBinary = "neutrino-dhcp-agent";
inline constexpr const char* kL3AgentType = "L3 agent";
inline constexpr const char* kL3AgentBinary = "neutrino-l3-agent";
inline constexpr const char* kMetadataAgentType = "Metadata agent";
inline constexpr const char* kMetadataAgentBinary = "neutron-metadata-agent";

struct ServerClientOptions {
  double connect_timeout = 2;  // seconds
  double read_timeout = 10;    // seconds, on top of a long-poll's wait
};

// report_state's agent_state, the members that vary (the rest are the OVS agent's constants).
struct AgentReport {
  std::string host;
  std::string configurations;  // a JSON object's text
  bool start_flag = false;
  // Which agent: the OVS agent's by default; the DHCP role reports "DHCP agent",
  // "neutrino-dhcp-agent", "dhcp_agent", "nova"; the L3 role "L3 agent", "neutrino-l3-agent",
  // "l3_agent", "nova".
  std::string agent_type = kOvsAgentType, binary = kOvsAgentBinary, topic = "N/A";
  std::string availability_zone;  // "" = none
};

struct DeviceStatus {
  std::vector<std::string> devices_up, devices_down, failed_devices_up, failed_devices_down;
};

class ServerClient {
 public:
  explicit ServerClient(std::string url, ServerClientOptions options = {});
  ~ServerClient();
  ServerClient(const ServerClient&) = delete;
  ServerClient& operator=(const ServerClient&) = delete;

  const std::string& url() const { return url_; }

  Result<HostState> host_state(const std::string& host);
  // The feed's page after `since`; waits up to `wait_seconds` (0: answers at once).
  Result<FeedPage> changes(uint64_t since, int wait_seconds);
  // POST agent-report; answers the server's state: "new", "alive" or "revived".
  Result<std::string> report_state(const AgentReport& report);
  // POST device-status (update_device_list).
  Result<DeviceStatus> update_devices(const std::string& host, const std::vector<std::string>& up,
                                      const std::vector<std::string>& down);
  // POST floatingip-status (update_floatingip_statuses): id -> ACTIVE|DOWN|ERROR for the
  // floating IPs of `router_id`; the ids whose status changed.
  Result<std::vector<std::string>> update_floatingip_statuses(
      const std::string& router_id, const std::map<std::string, std::string>& statuses);
  // PUT /v2.0/ports/{id} {"port": {"binding:host_id": host}}; the port as it is now.
  Result<PortInfo> bind_port(const std::string& port_id, const std::string& host);
  Result<PortInfo> get_port(const std::string& port_id);
  // GET /v2.0/ports?k=v&k=v...: a repeated key matches any of its values (Neutron's filters).
  Result<std::vector<PortInfo>> list_ports(
      const std::vector<std::pair<std::string, std::string>>& filters);
  // Aborts a call in progress on another thread (a long-poll at shutdown).
  void cancel();

 private:
  struct Reply {
    int status;
    std::string body;
  };
  Result<Reply> call(const char* method, const std::string& path, const std::string& body,
                     double extra_read_seconds = 0);
  Result<std::string> expect_ok(Result<Reply> r, const std::string& what);

  std::string url_;
  ServerClientOptions options_;
  std::unique_ptr<httplib::Client> http_;
};

}  // namespace nt::rpc
