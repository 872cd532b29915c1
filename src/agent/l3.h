// The L3 role of neutrino-agent: Neutron's L3 agent in legacy mode, for the routers the server
// scheduled to this host (HostState::routers).
//
// What a router is on the node comes from one pure function, plan_router(): the namespace
// `qrouter-<router id>`, its devices (`qr-<port id[:11]>` per interface holding the subnet's
// gateway address, `qg-<port id[:11]>` on the external network holding the gateway address and
// every floating IP as /32), the routes that are not connected ones (the default route via the
// external subnet's gateway, the router's extra routes), and the iptables rule set Neutron's
// router_info.py and iptables_manager write (chains prefixed `neutron-l3-agent-`), as the exact
// lines `iptables -t <table> -S` prints once iptables_restore_input() is loaded: -P lines of the
// built-in chains, -N lines of the user chains in byte order, then the rules chain by chain
// (built-in chains first, then the user chains in the -N order). Verified against Debian 12's
// iptables 1.8.9 (nf_tables); tests/unit/agent/l3_test.cc keeps what it printed.
//
// Every device, qg- included, is an internal port on br-int (modern Neutron: the external
// network is a provider network reached through bridge_mappings; the OVS agent tags qg- with
// its local VLAN like any port bound here). L3Role::apply() converges like DhcpRole: plug the
// devices of a new router (one nvs-vsctl transaction each, tag 4095 until the OVS agent takes
// over), enable a new router or one whose plan changed (the driver converges the namespace),
// disable and unplug routers no longer scheduled here (or admin down).
//
// Not done: HA and DVR routers, IPv6 (addresses, radvd), address scopes (the mangle `scope`,
// `floatingip` chains and CONNMARK rules), the raw table, the metadata proxy (haproxy) itself
// (only its REDIRECT and marks).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/config.h"
#include "common/result.h"
#include "rpc/host_state.h"

namespace nt::agent {

struct RouterDevicePlan {
  std::string port_id, device, mac, network_id;  // device: "qr-<port id[:11]>" or "qg-<...>"
  bool external = false;                         // the qg- device
  int mtu = 1500;
  std::vector<std::string> addresses;  // "10.0.1.1/28"; qg-: its address, then each FIP "/32"
  bool operator==(const RouterDevicePlan&) const = default;
};

struct RouterRoutePlan {
  std::string destination, nexthop, device;  // "default" or "10.2.0.0/16", "192.168.200.1",
                                             // "qg-070a05ab-ca" ("" when no device holds it)
  bool operator==(const RouterRoutePlan&) const = default;
};

struct FloatingIpPlan {
  std::string id, floating_ip, fixed_ip;
  bool operator==(const FloatingIpPlan&) const = default;
};

struct RouterPlan {
  std::string router_id, namespace_name;  // "qrouter-<router id>"
  std::vector<RouterDevicePlan> devices;  // qr- devices in interface order, then the qg- device
  // Not the connected ones: default via the external subnet's gateway, then the extra routes.
  std::vector<RouterRoutePlan> routes;
  std::vector<FloatingIpPlan> floating_ips;
  std::string gateway_ip;  // the qg- address (10.10.10.2), "" without a gateway
  int metadata_port = 0;   // where the metadata proxy listens (9697); 0: no proxy
  // table ("filter", "mangle", "nat") -> the lines `iptables -t <table> -S` prints for it.
  std::map<std::string, std::vector<std::string>> iptables;
  bool operator==(const RouterPlan&) const = default;

  const RouterDevicePlan* gateway_device() const;  // the qg- device, or null
};

// "qr-" / "qg-" + the port id's first 11 characters.
std::string router_device_name(const std::string& prefix, const std::string& port_id);

// The plan of one scheduled router; an error when a port's address is not in one of its subnets
// (or is not IPv4 text).
Result<RouterPlan> plan_router(const rpc::RouterInfo& r, const L3Options& o);

// iptables-restore input for all of the plan's tables ("*nat\n:PREROUTING ACCEPT [0:0]\n...
// COMMIT\n"), in the plan's table order; loading it replaces those tables' contents.
std::string iptables_restore_input(const RouterPlan& plan);

// Makes a router real on the node, once its devices are plugged into br-int.
class L3Driver {
 public:
  virtual ~L3Driver() = default;
  virtual std::string name() const = 0;
  // Creates the router, or brings a running one to `plan` (addresses, routes, rules converge).
  virtual Status enable(const RouterPlan& plan) = 0;
  // Removes the router's namespace.
  virtual Status disable(const RouterPlan& plan) = 0;
};

class L3Role {
 public:
  L3Role(L3Options options, L3Driver& driver, std::string integration_bridge);
  // Converges the node's routers on `state.routers` (plug, enable, converge, disable, unplug).
  // True when it changed something. A router whose plan or driver fails is skipped with its
  // error kept (errors()); the others still converge.
  Result<bool> apply(const rpc::HostState& state, NodeChannel& node);
  // report_state's configurations: agent_mode, routers, ex_gw_ports, interfaces, floating_ips.
  std::string configurations_json() const;
  const std::map<std::string, RouterPlan>& routers() const { return applied_; }
  const std::map<std::string, std::string>& errors() const { return errors_; }
  // A router scheduled here (in the last state) or running here.
  bool serves_router(const std::string& router_id) const;
  // A port of such a router (its interfaces, its gateway port, a floating IP's fixed port).
  bool serves_port(const std::string& port_id) const;
  // A network or subnet one of those routers is attached to.
  bool serves_network(const std::string& network_id) const;
  bool serves_subnet(const std::string& subnet_id) const;
  bool serves_floating_ip(const std::string& fip_id) const;

 private:
  Status plug(const RouterDevicePlan& dev, NodeChannel& node);
  Status unplug(const std::string& device, NodeChannel& node);

  L3Options options_;
  L3Driver& driver_;
  std::string integration_bridge_;
  std::map<std::string, RouterPlan> applied_;  // router id -> what runs
  std::map<std::string, std::string> errors_;  // router id -> why it does not
  std::vector<rpc::RouterInfo> served_;        // the routers of the last state
};

}  // namespace nt::agent
