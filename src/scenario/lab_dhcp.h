// The emulated lab's DHCP driver: what dnsmasq in `qdhcp-<network id>` is on a real node, as
// Neutrino's own DhcpServer (netstack/dhcp_server.h) on a host stack cabled to the network's
// `tap<port id[:11]>` port of br-int — fed the very hosts and options the DHCP role writes
// into dnsmasq's files (agent/dhcp.h's plan), in dnsmasq's "static" mode: only Neutron's
// ports get addresses. A reload (the plan changed) is dnsmasq's SIGHUP: the server takes the
// new hosts and options and forgets leases whose address moved, so their renewal is NAKed.
// A plan with the metadata proxy (an isolated network) also runs a LabMetadataProxy on the
// service's host at 169.254.169.254:80, handing requests to the node's metadata agent.
//
// Not done: a network's second DHCP subnet (the first IPv4 one is served), DNS answers.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "agent/dhcp.h"
#include "netstack/dhcp_server.h"
#include "node/host_port.h"
#include "scenario/lab_metadata.h"

namespace nt::scenario_internal {

// The DhcpServer config of the plan's first subnet; an error for a plan it cannot express.
Result<DhcpServerConfig> dhcp_server_config(const agent::DhcpNetworkPlan& plan,
                                            int64_t lease_duration);

class LabDhcpDriver final : public agent::DhcpDriver {
 public:
  // `cable`: the latency (and capture tap) of the services' cables to `bridge`.
  LabDhcpDriver(Switch& sw, Scheduler& sched, std::string bridge, int64_t lease_duration,
                HostCable cable);
  ~LabDhcpDriver() override;
  std::string name() const override { return "neutron.agent.linux.dhcp.Dnsmasq"; }
  Status enable(const agent::DhcpNetworkPlan& plan) override;
  Status disable(const agent::DhcpNetworkPlan& plan) override;
  // The service's host (its `ip addr`, `ip route`), or nullptr.
  const Host* host(const std::string& network_id) const;
  const DhcpServer* server(const std::string& network_id) const;
  // The node's metadata agent, for the isolated networks' proxies (null: they answer 503); it
  // must outlive the driver.
  void set_metadata_handler(const MetadataHandler* h) { metadata_handler_ = h; }

 private:
  struct Service {
    std::unique_ptr<Host> host;
    NicId nic = 0;
    std::string device;
    std::unique_ptr<DhcpServer> server;
    std::unique_ptr<LabMetadataProxy> metadata;  // destroyed before the host
  };
  Result<Service> start(const agent::DhcpNetworkPlan& plan, DhcpServerConfig cfg);
  Status converge_metadata(Service& s, const agent::DhcpNetworkPlan& plan);

  Switch& sw_;
  Scheduler& sched_;
  std::string bridge_;
  int64_t lease_duration_;
  HostCable cable_;
  const MetadataHandler* metadata_handler_ = nullptr;
  std::map<std::string, Service> services_;
};

}  // namespace nt::scenario_internal
