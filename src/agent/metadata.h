// MetadataAgent: Neutron's metadata agent (neutron-metadata-agent) without its transport.
//
// An instance asks http://169.254.169.254/...; the proxy in its router's namespace (haproxy on
// real nodes, a netstack service in the emulated lab) adds X-Neutron-Router-ID (or, in a DHCP
// namespace, X-Neutron-Network-ID) and X-Forwarded-For (the instance's address) and hands the
// request to this agent. The agent finds the one port that address belongs to — the router's
// networks (its interface ports' network_id), then the port of those networks with that fixed
// IP — and forwards the request to Nova's metadata API with X-Instance-ID (the port's
// device_id), X-Tenant-ID and X-Instance-ID-Signature: hex HMAC-SHA256 of the instance id
// keyed by metadata_proxy_shared_secret, which Nova checks before it answers.
//
// Rules (Neutron's): both ID headers, or neither, or no X-Forwarded-For is 400; zero or several
// matching ports is 404; Nova's answer is passed through; a server or Nova that cannot be
// reached is 500. The lookups go through PortSource and the forward through NovaUpstream, so
// the logic is tested without HTTP (metadata_http.h gives the HTTP implementations).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/config.h"
#include "common/result.h"
#include "rpc/host_state.h"

namespace nt::agent {

// One HTTP request as the agent sees it; header names in lower case.
struct MetadataRequest {
  std::string method = "GET";
  std::string path;  // with the query, as the instance sent it
  std::map<std::string, std::string> headers;
  std::string header(const std::string& lower_name) const;
};

struct MetadataResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=UTF-8";
  std::string body;
};

// Where a proxied request came from: the router or network the proxy serves, and the address.
struct MetadataSource {
  std::string router_id, network_id;  // exactly one is set
  std::string address;                // X-Forwarded-For's first (client) address
};

// The headers' rules; the error is the 400's text.
Result<MetadataSource> metadata_source(const MetadataRequest& request);

// hex(HMAC-SHA256(secret, instance_id)): X-Instance-ID-Signature.
std::string instance_signature(const std::string& secret, const std::string& instance_id);

// Neutron's router interface owners (the ports whose networks a router serves metadata on).
bool is_router_interface_owner(const std::string& device_owner);

// The one port among `ports` with fixed IP `address`; nullopt when none or several.
std::optional<rpc::PortInfo> port_with_address(const std::vector<rpc::PortInfo>& ports,
                                               const std::string& address);

// The server's ports, filtered as GET /v2.0/ports filters (a repeated key is any of its values).
class PortSource {
 public:
  virtual ~PortSource() = default;
  virtual Result<std::vector<rpc::PortInfo>> ports(
      const std::vector<std::pair<std::string, std::string>>& filters) = 0;
};

// Nova's metadata API: the request as the agent forwards it (headers added).
class NovaUpstream {
 public:
  virtual ~NovaUpstream() = default;
  virtual Result<MetadataResponse> forward(const MetadataRequest& request) = 0;
};

class MetadataAgent {
 public:
  MetadataAgent(MetadataOptions options, PortSource& ports, NovaUpstream& nova);
  // Never fails: errors are answers (400, 404, 500).
  MetadataResponse handle(const MetadataRequest& request);
  // The port the request is for; the error's code kInvalidArgument (400), kNotFound (404) or
  // kInternal (500, the server unreachable).
  Result<rpc::PortInfo> find_port(const MetadataSource& source);
  // The request Nova gets for `port`.
  MetadataRequest nova_request(const MetadataRequest& request, const MetadataSource& source,
                               const rpc::PortInfo& port) const;

 private:
  Result<std::vector<std::string>> router_networks(const std::string& router_id);

  MetadataOptions options_;
  PortSource& ports_;
  NovaUpstream& nova_;
};

}  // namespace nt::agent
