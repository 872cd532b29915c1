// The metadata proxy on a real node: Debian's haproxy with Neutron's configuration
// (neutron-services.md §6 step 2), the server being the metadata agent's UNIX socket, and
// `option forwardfor` (X-Forwarded-For: the instance). Two kinds, as Neutron's metadata driver:
//   - a router's, inside qrouter-<router id>: `bind 0.0.0.0:<metadata_port>` (9697, where the
//     router's iptables REDIRECT port 80), X-Neutron-Network-ID dropped, X-Neutron-Router-ID set;
//   - an isolated network's, inside qdhcp-<network id>: `bind 169.254.169.254:80` (the DHCP
//     port holds that address and DHCP routes it there), X-Neutron-Router-ID dropped,
//     X-Neutron-Network-ID set.
// One haproxy per router or network, daemonized, its pid in <state dir>/external/pids/<id>.pid
// and its configuration in <state dir>/ns-metadata-proxy/<id>.conf, <state dir> being the
// socket's directory (Neutron's state_path).
#pragma once

#include <string>

#include "common/result.h"

namespace nt::agent {

// What one proxy serves and where it listens.
struct MetadataProxyTarget {
  enum class Kind { kRouter, kNetwork };
  Kind kind = Kind::kRouter;
  std::string id;  // the router's or the network's
  std::string bind_address = "0.0.0.0";
  int port = 0;
  // "X-Neutron-Router-ID" / "X-Neutron-Network-ID": the header the proxy sets; the other one
  // (a forgery, from the instance) it drops.
  std::string set_header() const;
  std::string dropped_header() const;
  bool operator==(const MetadataProxyTarget&) const = default;
};

MetadataProxyTarget router_metadata_proxy(const std::string& router_id, int port);
// The isolated network's proxy: 169.254.169.254:80.
MetadataProxyTarget network_metadata_proxy(const std::string& network_id);

// Neutron's haproxy configuration for one proxy.
std::string haproxy_config(const MetadataProxyTarget& target, const std::string& socket,
                           const std::string& pidfile);

class HaproxyMetadataProxy {
 public:
  // `socket`: the metadata agent's <state_path>/metadata_proxy.
  explicit HaproxyMetadataProxy(std::string socket) : socket_(std::move(socket)) {}
  // haproxy for `target` in namespace `ns`; a running one with the same configuration is kept,
  // another is replaced.
  Status start(const std::string& ns, const MetadataProxyTarget& target);
  // Stops the haproxy of router or network `id` (if any) and removes its files.
  void stop(const std::string& id);
  // The pid of the haproxy of router or network `id` when it runs, else 0.
  int running_pid(const std::string& id) const;

 private:
  std::string pidfile(const std::string& id) const;
  std::string conffile(const std::string& id) const;
  std::string dir() const;

  std::string socket_;
};

}  // namespace nt::agent
