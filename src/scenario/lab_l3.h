// The emulated lab's L3 driver: what `qrouter-<router id>` is on a real node, as a netstack
// Host with forwarding on — one NIC per qr-/qg- device, cabled to the device's internal port of
// br-int, holding the plan's addresses (floating IPs as /32 on qg-, each announced by a
// gratuitous ARP when added) and routes — and the very iptables rules the L3 role writes for a
// real namespace, loaded into the host's Netfilter (netstack/netfilter.h), which interprets them
// with Neutrino's conntrack/NAT. So `iptables -t nat -S` reads the same in both back ends and
// SNAT, floating IPs and traceroute through the router behave as the kernel's.
//
// With the metadata proxy in the plan, the router's host also runs a LabMetadataProxy on the
// plan's metadata port (lab_metadata.h), passing requests to the node's metadata agent.
//
// A changed plan is converged in place (addresses, routes, tables, conntrack entries of floating
// IPs that went); a router that lost a device is rebuilt (a Host cannot drop a NIC), which
// forgets its connections — the kernel would keep those of the remaining devices.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "agent/l3.h"
#include "netstack/host.h"
#include "node/host_port.h"
#include "scenario/lab_metadata.h"

namespace nt::scenario_internal {

class LabL3Driver final : public agent::L3Driver {
 public:
  // `cable`: the latency (and capture tap) of the routers' cables to `bridge`.
  LabL3Driver(Switch& sw, Scheduler& sched, std::string bridge, HostCable cable);
  ~LabL3Driver() override;
  std::string name() const override { return "neutron.agent.l3.agent.L3NATAgent"; }
  Status enable(const agent::RouterPlan& plan) override;
  Status disable(const agent::RouterPlan& plan) override;
  // The router's host (`ip addr`, `ip route`, its Netfilter), or nullptr.
  Host* host(const std::string& router_id);
  // The node's metadata agent, for the routers' proxies (null: they answer 503); it must
  // outlive the driver.
  void set_metadata_handler(const MetadataHandler* h) { metadata_handler_ = h; }

 private:
  struct Router {
    std::unique_ptr<Host> host;
    std::unique_ptr<LabMetadataProxy> metadata;  // destroyed before the host
    std::map<std::string, NicId> nics;           // device -> NIC
    agent::RouterPlan applied;
  };
  Status add_device(Router& r, const agent::RouterDevicePlan& d);
  Status converge(Router& r, const agent::RouterPlan& plan);
  Status converge_metadata(Router& r, const agent::RouterPlan& plan);
  void detach_all(Router& r);

  Switch& sw_;
  Scheduler& sched_;
  std::string bridge_;
  HostCable cable_;
  const MetadataHandler* metadata_handler_ = nullptr;
  std::map<std::string, Router> routers_;
};

}  // namespace nt::scenario_internal
