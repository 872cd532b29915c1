// AgentConfig: neutrino-agent's options, read from Neutron's own files
// (openvswitch_agent.ini, and neutron.conf for [DEFAULT] host) in oslo.config's INI dialect
// (common/ini.h). One table maps each (section, key) to its setter, so adding an option is
// adding a row; a malformed value is an error naming the file, section and key, unknown keys
// are ignored (the files carry options of other agents and of the server).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nt::agent {

// dhcp_agent.ini / neutron.conf options the DHCP role reads.
struct DhcpOptions {
  std::string state_path = "/var/lib/neutron";   // [DEFAULT] state_path: dhcp confs under dhcp/
  std::string dns_domain = "openstacklocal";     // [DEFAULT] dns_domain
  int64_t lease_duration = 86400;                // [DEFAULT] dhcp_lease_duration; -1 infinite
  bool enable_isolated_metadata = false;         // [DEFAULT]
  bool force_metadata = false;                   // [DEFAULT]
  std::vector<std::string> dnsmasq_dns_servers;  // [DEFAULT]
};

// l3_agent.ini / neutron.conf options the L3 role reads ([DEFAULT]).
struct L3Options {
  bool enable_metadata_proxy = true;                 // the 169.254.169.254 REDIRECT and marks
  int metadata_port = 9697;                          // where the router's metadata proxy listens
  bool use_random_fully = true;                      // SNAT/float-snat ... --random-fully
  std::string external_ingress_mark = "0x2/0xffff";  // mark/mask of packets entering via qg-
  bool handle_internal_only_routers = true;          // serve routers without a gateway
};

// metadata_agent.ini options the metadata role reads ([DEFAULT]; its UNIX socket is
// <state_path>/metadata_proxy, DhcpOptions::state_path).
struct MetadataOptions {
  std::string nova_metadata_host = "127.0.0.1";  // Nova's metadata API
  int nova_metadata_port = 8775;
  std::string shared_secret;  // metadata_proxy_shared_secret: key of X-Instance-ID-Signature
};

struct AgentConfig {  // openvswitch_agent.ini (+ neutron.conf's [DEFAULT] host)
  std::string host;   // [DEFAULT] host; default: gethostname()
  std::string integration_bridge = "br-int", tunnel_bridge = "br-tun", local_ip;  // [ovs]
  std::vector<std::pair<std::string, std::string>> bridge_mappings;  // physnet -> bridge
  std::vector<std::string> tunnel_types;                             // [agent] vxlan, gre
  bool l2_population = false, arp_responder = false;  // arp_responder works with l2pop only
  double report_interval = 30;                        // seconds
  std::string firewall_driver = "noop";               // [securitygroup]
  std::string server_url;    // [DEFAULT] server_url (Neutrino's; "" = rpc::kDefaultServerUrl)
  DhcpOptions dhcp;          // dhcp_agent.ini, used when the agent has the DHCP role
  L3Options l3;              // l3_agent.ini, used when the agent has the L3 role
  MetadataOptions metadata;  // metadata_agent.ini, used when the agent has the metadata role

  // The bridge a physical network is mapped to ("" if none).
  std::string bridge_of(const std::string& physnet) const;
  bool has_tunnel_type(const std::string& type) const;
};

// Parses INI texts in order (later files override); (file name, text) pairs. Errors name file,
// section and key; unknown keys are ignored.
Result<AgentConfig> parse_agent_config(
    const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace nt::agent
