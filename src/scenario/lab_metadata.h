// The emulated lab's metadata path, both ends of 169.254.169.254 over netstack TCP.
//
// LabMetadataProxy is what haproxy is in a real qrouter- or qdhcp- namespace
// (neutron-services.md §6 step 2, agent/metadata_proxy.h): a TCP service on the router's host at
// the metadata port (9697, where the router's own iptables REDIRECT sends the instances' port-80
// requests), or on an isolated network's DHCP host at 169.254.169.254:80, that reads one HTTP
// request per connection, drops the other kind's ID header, sets X-Neutron-Router-ID (or
// X-Neutron-Network-ID) and X-Forwarded-For (the connection's peer) and hands it to the node's
// metadata agent in-process (the UNIX socket of a real node); the answer goes back and the
// connection closes. Without a metadata agent on the node it answers haproxy's 503; a
// malformed request gets 400.
//
// MetadataFetch is the instance's side: `wget -qO- http://169.254.169.254/PATH` as busybox does
// it, one GET over a netstack TCP connection, whose answer the lab reads when the connection
// is done.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/metadata.h"
#include "agent/metadata_http.h"
#include "agent/metadata_proxy.h"
#include "common/result.h"
#include "netstack/host.h"
#include "netstack/tcp.h"

namespace nt::scenario_internal {

inline constexpr const char* kMetadataAddress = "169.254.169.254";

using MetadataHandler = std::function<agent::MetadataResponse(const agent::MetadataRequest&)>;

class LabMetadataProxy {
 public:
  // `handler`: the node's metadata agent; it must outlive the proxy (or be empty: 503).
  static Result<std::unique_ptr<LabMetadataProxy>> start(Host& host,
                                                         const agent::MetadataProxyTarget& target,
                                                         const MetadataHandler* handler);
  uint64_t requests() const { return requests_; }
  const agent::MetadataProxyTarget& target() const { return target_; }

 private:
  LabMetadataProxy(agent::MetadataProxyTarget target, const MetadataHandler* handler);
  void accept(TcpConnection& c);
  void receive(TcpConnection& c, std::span<const uint8_t> data);
  agent::MetadataResponse answer(TcpConnection& c, agent::MetadataRequest request);

  agent::MetadataProxyTarget target_;
  std::string set_header_, dropped_header_;  // lower case, as MetadataRequest keeps them
  const MetadataHandler* handler_;
  std::unique_ptr<TcpListener> listener_;
  std::map<TcpConnection*, std::string> buffers_;  // requests being read
  uint64_t requests_ = 0;
};

// Brings a router's or DHCP service's `proxy` on `host` to `want`: none, kept when it already
// serves that target, else started anew.
Status converge_metadata_proxy(std::unique_ptr<LabMetadataProxy>& proxy, Host& host,
                               const std::optional<agent::MetadataProxyTarget>& want,
                               const MetadataHandler* handler);

// One GET of http://169.254.169.254`path` from `host`, started by start(); done() once the
// answer is in or the connection failed.
class MetadataFetch {
 public:
  Status start(Host& host, const std::string& path);
  bool done() const;
  // The body of a 200 answer; otherwise an error worded as busybox wget words it.
  Result<std::string> result() const;

 private:
  std::unique_ptr<TcpConnection> conn_;
  std::string received_;
};

// A node's metadata agent in the emulated lab: the real MetadataAgent over the lab server's
// API and the Nova stand-in's HTTP, called in-process by the node's router proxies.
struct LabMetadataAgent {
  LabMetadataAgent(const agent::MetadataOptions& o, const std::string& server_url)
      : ports(server_url), nova(o.nova_metadata_host, o.nova_metadata_port), agent(o, ports, nova) {
    handler = [this](const agent::MetadataRequest& r) { return agent.handle(r); };
  }
  agent::ServerPortSource ports;
  agent::HttpNovaUpstream nova;
  agent::MetadataAgent agent;
  MetadataHandler handler;
};

// `metadata NAME PATH`: instance NAME fetches http://169.254.169.254PATH (both back ends).
struct MetadataLine {
  std::string instance, path;
};
Result<MetadataLine> parse_metadata_line(const std::vector<std::string>& a);
// What the line prints: the body, ending with a newline.
std::string metadata_output(std::string body);

}  // namespace nt::scenario_internal
