// The DHCP role of neutrino-agent: Neutron's DHCP agent with its dnsmasq driver, for the
// networks the server scheduled to this host (HostState::dhcp_networks).
//
// What a network's DHCP service is comes from one pure function, plan_dhcp_network(): the
// device (`tap<port id[:11]>`, an internal port on br-int, in namespace `qdhcp-<network id>`),
// its addresses, and dnsmasq's files and command line exactly as Neutron writes them (the
// seed's era: `--dhcp-range=set:tag0,10.0.1.0,static,86400s`, `tag:tag0,option:router,...`),
// plus the same data as typed values. A DhcpDriver makes it real: on real nodes dnsmasq in the
// namespace (dnsmasq.h); in the emulated lab Neutrino's own DhcpServer fed the same hosts and
// options, so both back ends hand out what the files say.
//
// DhcpRole::apply() converges the node on the host state like the OVS agent does: plug what is
// missing (one nvs-vsctl transaction, as Neutron's OVSInterfaceDriver: tag 4095 until the OVS
// agent gives the port its local VLAN), enable or reload a network whose plan changed (the
// driver rewrites the files and signals dnsmasq), disable and unplug networks no longer
// scheduled here. Plans are compared as values, so an unchanged network costs nothing.
//
// With enable_isolated_metadata, a network with an IPv4 DHCP subnet that no router serves (or
// any network, with force_metadata) also gets the metadata proxy in its namespace: haproxy on
// 169.254.169.254:80 (metadata_proxy.h) on real nodes, the lab's proxy emulated; DHCP hands
// out the route to it via the DHCP port. When a router joins, the proxy goes.
//
// Not done: IPv6 subnets (no dhcp-range for them yet), extra_dhcp_opts, client ids,
// dhcp_release on a port's removal (dnsmasq NAKs the lease at its renewal instead).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "common/result.h"
#include "rpc/host_state.h"

namespace nt::agent {

struct DhcpRoute {
  std::string destination, nexthop;  // "169.254.169.254/32", "10.0.1.2"
  bool operator==(const DhcpRoute&) const = default;
};

// One DHCP-enabled IPv4 subnet as dnsmasq serves it (tag "tag<i>").
struct DhcpSubnetPlan {
  std::string id, tag, cidr, network_address, gateway_ip;  // gateway "" when none
  int prefix_len = 24;
  std::vector<std::string> dns_servers;  // option 6; empty: dnsmasq offers itself
  std::vector<DhcpRoute> routes;         // options 121 and 249 (0.0.0.0/0 last when any)
  bool operator==(const DhcpSubnetPlan&) const = default;
};

// A port address dnsmasq gives out (one line of the `host` file).
struct DhcpHostEntry {
  std::string mac, name, ip;  // name: host-10-0-1-3.openstacklocal
  bool operator==(const DhcpHostEntry&) const = default;
};

struct DhcpNetworkPlan {
  std::string network_id, port_id;
  std::string device, mac, namespace_name;  // tap<port[:11]>, qdhcp-<network id>
  int mtu = 1500;
  std::vector<std::string> addresses;  // on the device: "10.0.1.2/28" (+ 169.254.169.254/32)
  std::vector<DhcpSubnetPlan> subnets;
  std::vector<DhcpHostEntry> hosts;
  std::string conf_dir;                               // state_path/dhcp/<network id>
  std::string host_file, addn_hosts_file, opts_file;  // the files' text
  std::vector<std::string> dnsmasq_argv;              // "dnsmasq", "--no-hosts", ...
  bool metadata_proxy = false;  // a proxy on 169.254.169.254:80 in the namespace
  bool operator==(const DhcpNetworkPlan&) const = default;
};

// The plan of one scheduled network; an error when its DHCP port is missing from `net.ports`
// or has no address on a DHCP-enabled subnet.
Result<DhcpNetworkPlan> plan_dhcp_network(const rpc::DhcpNetwork& net, const DhcpOptions& o);

// Makes a network's DHCP service real on the node, once its device is plugged into br-int.
class DhcpDriver {
 public:
  virtual ~DhcpDriver() = default;
  virtual std::string name() const = 0;  // dhcp_driver, as the agent reports it
  // Starts the service, or brings a running one to `plan` (files rewritten, reloaded).
  virtual Status enable(const DhcpNetworkPlan& plan) = 0;
  // Stops the service of `plan`'s network and removes its namespace and files.
  virtual Status disable(const DhcpNetworkPlan& plan) = 0;
};

class DhcpRole {
 public:
  DhcpRole(DhcpOptions options, DhcpDriver& driver, std::string integration_bridge);
  // Converges the node's DHCP services on `state.dhcp_networks` (plug, enable, reload,
  // disable, unplug). True when it changed something. A network whose plan fails is skipped
  // with its error kept (errors()); the others still converge.
  Result<bool> apply(const rpc::HostState& state, NodeChannel& node);
  // report_state's configurations: dhcp_driver, dhcp_lease_duration, networks, subnets, ports.
  std::string configurations_json() const;
  const std::map<std::string, DhcpNetworkPlan>& networks() const { return applied_; }
  const std::map<std::string, std::string>& errors() const { return errors_; }
  // Ports of networks served here: a change of one of them is the DHCP role's business.
  bool serves_network(const std::string& network_id) const;

 private:
  Status plug(const DhcpNetworkPlan& plan, NodeChannel& node);
  Status unplug(const DhcpNetworkPlan& plan, NodeChannel& node);

  DhcpOptions options_;
  DhcpDriver& driver_;
  std::string integration_bridge_;
  std::map<std::string, DhcpNetworkPlan> applied_;  // network id -> what runs
  std::map<std::string, std::string> errors_;       // network id -> why it does not
  std::vector<std::string> served_;                 // network ids in the last state
};

}  // namespace nt::agent
