// The per-host desired-state document the server publishes and the agent follows: C++ structs
// for `GET /v2.0/neutrino/hosts/{host}/state` and the change feed's pages (the server side is
// controller/feed.h, which writes the same JSON), parsed once at the edge so the agent's
// computations see typed values, never JSON.
//
// Parsing is strict about types (a port without an id, a revision that is not a number: an
// error naming the member) and lenient about presence (absent optional members take Neutron's
// defaults), so a newer server that adds members does not break an older agent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nt::rpc {

struct FixedIp {
  std::string subnet_id;
  std::string ip_address;
  bool operator==(const FixedIp&) const = default;
};

// An allowed address pair: another MAC (the port's own when the API omitted it) and an IP or
// CIDR the port may send from.
struct AddressPair {
  std::string ip_address, mac_address;
  bool operator==(const AddressPair&) const = default;
};

// A port bound to this host (the server's port body, the members the agent uses).
struct PortInfo {
  std::string id, network_id, mac_address, device_owner, device_id;
  std::string project_id;  // tenant_id / project_id ("" when the document has neither)
  std::string host;        // binding:host_id
  std::string vif_type;    // binding:vif_type: ovs, binding_failed, unbound
  std::string status;      // ACTIVE, DOWN, BUILD
  bool admin_state_up = true;
  std::vector<FixedIp> fixed_ips;
  std::vector<std::string> security_groups;  // ids
  bool port_security_enabled = true;
  std::vector<AddressPair> allowed_address_pairs;
  bool operator==(const PortInfo&) const = default;
};

// A port of the same network bound to another host (l2population's VTEP and MAC entries).
struct RemotePort {
  std::string id, host, mac_address, device_owner;
  std::vector<FixedIp> fixed_ips;
  bool operator==(const RemotePort&) const = default;
};

struct NetworkInfo {
  std::string id, name;
  std::string network_type;      // provider:network_type: local, flat, vlan, vxlan, gre
  std::string physical_network;  // provider:physical_network ("" for none)
  std::optional<uint32_t> segmentation_id;
  int mtu = 1500;
  bool admin_state_up = true;
  std::vector<RemotePort> remote_ports;
  bool operator==(const NetworkInfo&) const = default;
};

// A subnet's host route (the API's host_routes[]).
struct HostRoute {
  std::string destination, nexthop;
  bool operator==(const HostRoute&) const = default;
};

struct SubnetInfo {
  std::string id, network_id, cidr, gateway_ip;  // gateway_ip "" when null
  int ip_version = 4;
  bool enable_dhcp = true;
  std::vector<std::string> dns_nameservers;
  std::vector<HostRoute> host_routes;
  bool operator==(const SubnetInfo&) const = default;
};

// A port of a network this host's DHCP agent serves (any host's port: what dnsmasq's host
// files list).
struct DhcpPort {
  std::string id, mac_address, device_owner, device_id;
  bool admin_state_up = true;
  std::vector<FixedIp> fixed_ips;
  bool operator==(const DhcpPort&) const = default;
};

// A network scheduled to this host's DHCP agent: the server made `dhcp_port_id` (device_owner
// network:dhcp, bound to this host, also in HostState::ports) for it. `subnets` are all the
// network's subnets (those with enable_dhcp get a dhcp-range), `ports` all its ports, this
// host's DHCP port and routers' interfaces included.
struct DhcpNetwork {
  std::string id, name;
  int mtu = 1500;
  std::string dhcp_port_id;
  std::vector<SubnetInfo> subnets;
  std::vector<DhcpPort> ports;
  bool operator==(const DhcpNetwork&) const = default;
};

// A port of a router scheduled to this host (network:router_interface: a qr- device holding the
// subnet's gateway address; network:router_gateway: the qg- device on the external network).
// `mtu` is the port's network's; `subnets` are the subnets of its fixed IPs (cidr, gateway_ip:
// the external subnet's gateway is the router's default route).
struct RouterPortInfo {
  std::string id, mac_address, network_id, device_owner;
  std::vector<FixedIp> fixed_ips;
  int mtu = 1500;
  std::vector<SubnetInfo> subnets;
  bool operator==(const RouterPortInfo&) const = default;
};

// A floating IP associated through a router here: DNAT floating -> fixed, SNAT back.
struct FloatingIpInfo {
  std::string id, floating_ip_address, fixed_ip_address, port_id, status;
  bool operator==(const FloatingIpInfo&) const = default;
};

// A router scheduled to this host's L3 agent (its qrouter-<id> namespace). Its ports are also
// in HostState::ports (bound to this host), so the OVS agent tags them.
struct RouterInfo {
  std::string id, name;
  bool admin_state_up = true;
  bool enable_snat = true;  // external_gateway_info.enable_snat
  std::optional<RouterPortInfo> gw_port;
  std::vector<RouterPortInfo> interfaces;
  std::vector<HostRoute> routes;  // the router's extra routes
  std::vector<FloatingIpInfo> floating_ips;
  bool operator==(const RouterInfo&) const = default;
};

// A rule of a group one of this host's ports is in (the API's security_group_rule body).
struct SecurityGroupRule {
  std::string id, security_group_id;
  std::string direction;  // ingress, egress
  std::string ethertype;  // IPv4, IPv6
  std::string protocol;   // "" (any), a name (tcp, udp, icmp, ...) or a number as text
  std::optional<int> port_range_min, port_range_max;  // ICMP: type and code
  std::string remote_ip_prefix, remote_group_id;      // "" when absent
  bool operator==(const SecurityGroupRule&) const = default;
};

// A port in a group some rule here names as its remote group, on any host: the addresses the
// group's members send from (fixed IPs and allowed address pairs), Neutron's sg_member_ips.
struct SecurityGroupMember {
  std::string port_id, mac_address;
  std::vector<std::string> security_groups;
  std::vector<std::string> ips;  // addresses or CIDRs (address pairs), IPv4 and IPv6
  bool operator==(const SecurityGroupMember&) const = default;
};

// Another host's Open vSwitch agent with a tunnel endpoint.
struct TunnelPeer {
  std::string host, tunneling_ip;
  std::vector<std::string> tunnel_types;
  bool admin_state_up = true;
  bool operator==(const TunnelPeer&) const = default;
};

struct HostState {
  std::string host;
  uint64_t revision = 0;
  std::vector<PortInfo> ports;
  std::vector<NetworkInfo> networks;
  std::vector<SubnetInfo> subnets;
  std::vector<TunnelPeer> tunnel_peers;
  std::vector<SecurityGroupRule> security_group_rules;
  std::vector<SecurityGroupMember> security_group_members;
  std::vector<DhcpNetwork> dhcp_networks;  // when this host runs a DHCP agent
  std::vector<RouterInfo> routers;         // when this host runs an L3 agent

  const PortInfo* find_port(std::string_view id) const;
  const NetworkInfo* find_network(std::string_view id) const;
  bool operator==(const HostState&) const = default;
};

// One entry of the change feed: `kind` (port, network, subnet, agent, ...), `op` (put,
// delete); `body` is the resource's JSON text for a put (empty when it was deleted since).
struct Change {
  uint64_t revision = 0;
  std::string kind, id, op, body;
  // A port put's header (the body's binding:host_id and network_id), when the server sent one:
  // what an agent tests before it parses the body.
  bool has_header = false;
  std::string host, network_id;
  bool operator==(const Change&) const = default;
};

struct FeedPage {
  uint64_t revision = 0;
  std::vector<Change> changes;
  bool more = false;
  bool resync = false;
  bool operator==(const FeedPage&) const = default;
};

Result<HostState> parse_host_state(std::string_view json);
Result<FeedPage> parse_feed_page(std::string_view json);
// A port body as the API returns it (`{"port": {...}}` or the bare object).
Result<PortInfo> parse_port(std::string_view json);
// GET /v2.0/ports' answer: {"ports": [...]}.
Result<std::vector<PortInfo>> parse_ports(std::string_view json);

}  // namespace nt::rpc
