// AgentConfig: neutrino-agent's options, read from Neutron's own files
// (openvswitch_agent.ini, and neutron.conf for [DEFAULT] host) in oslo.config's INI dialect
// (common/ini.h). One table maps each (section, key) to its setter, so adding an option is
// adding a row; a malformed value is an error naming the file, section and key, unknown keys
// are ignored (the files carry options of other agents and of the server).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nt::agent {

struct AgentConfig {  // openvswitch_agent.ini (+ neutron.conf's [DEFAULT] host)
  std::string host;   // [DEFAULT] host; default: gethostname()
  std::string integration_bridge = "br-int", tunnel_bridge = "br-tun", local_ip;  // [ovs]
  std::vector<std::pair<std::string, std::string>> bridge_mappings;  // physnet -> bridge
  std::vector<std::string> tunnel_types;                             // [agent] vxlan, gre
  bool l2_population = false, arp_responder = false;  // arp_responder works with l2pop only
  double report_interval = 30;                        // seconds
  std::string firewall_driver = "noop";               // [securitygroup]
  std::string server_url;  // [DEFAULT] server_url (Neutrino's; "" = rpc::kDefaultServerUrl)

  // The bridge a physical network is mapped to ("" if none).
  std::string bridge_of(const std::string& physnet) const;
  bool has_tunnel_type(const std::string& type) const;
};

// Parses INI texts in order (later files override); (file name, text) pairs. Errors name file,
// section and key; unknown keys are ignored.
Result<AgentConfig> parse_agent_config(
    const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace nt::agent
