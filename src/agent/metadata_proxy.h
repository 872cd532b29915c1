// The metadata proxy of a router on a real node: Debian's haproxy inside qrouter-<router id>
// with Neutron's configuration (neutron-services.md §6 step 2): `bind 0.0.0.0:<metadata_port>`,
// `option forwardfor` (X-Forwarded-For: the instance), X-Neutron-Network-ID dropped and
// X-Neutron-Router-ID set, the server being the metadata agent's UNIX socket. One haproxy per
// router, daemonized, its pid in <state dir>/external/pids/<router id>.pid and its
// configuration in <state dir>/ns-metadata-proxy/<router id>.conf, <state dir> being the
// socket's directory (Neutron's state_path).
#pragma once

#include <string>

#include "common/result.h"

namespace nt::agent {

// Neutron's haproxy configuration for one router.
std::string haproxy_config(const std::string& router_id, int port, const std::string& socket,
                           const std::string& pidfile);

class HaproxyMetadataProxy {
 public:
  // `socket`: the metadata agent's <state_path>/metadata_proxy.
  explicit HaproxyMetadataProxy(std::string socket) : socket_(std::move(socket)) {}
  // haproxy for the router in namespace `ns` on `port`; a running one with the same
  // configuration is kept, another is replaced.
  Status start(const std::string& ns, const std::string& router_id, int port);
  // Stops the router's haproxy (if any) and removes its files.
  void stop(const std::string& router_id);
  // The pid of the router's haproxy when it runs, else 0.
  int running_pid(const std::string& router_id) const;

 private:
  std::string pidfile(const std::string& router_id) const;
  std::string conffile(const std::string& router_id) const;
  std::string dir() const;

  std::string socket_;
};

}  // namespace nt::agent
