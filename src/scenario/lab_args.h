// The arguments of the lab commands that both lab back ends (the emulated ScenarioRunner and
// the real src/lab) carry out, parsed and checked once, so a lab file means the same thing and
// fails with the same message in either.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "netstack/dhcp_server.h"

namespace nt::scenario_internal {

// `instance NAME K=V...`: the options by key, and the add-port command for its port
// ({"add-port", BRIDGE, PORT, tag/trunks/vlan_mode...}).
struct InstanceArgs {
  std::map<std::string, std::string> kv;
  std::vector<std::string> port_args;
};
Result<InstanceArgs> parse_instance_args(const std::vector<std::string>& a);

// `dhcp-server NAME bridge= port= [tag=] mac= ip=A.B.C.D/LEN range=FIRST-LAST [router=]
// [dns=] [mtu=] [lease=] [host=MAC/IP]...`: the server's configuration (the same struct the
// emulated DhcpServer runs; the real lab writes it out for udhcpd) and its port.
struct DhcpServerArgs {
  std::map<std::string, std::string> kv;  // bridge, port, mac, ip (the server's own NIC)
  std::vector<std::string> port_args;
  DhcpServerConfig config;
};
Result<DhcpServerArgs> parse_dhcp_server_args(const std::vector<std::string>& a);

}  // namespace nt::scenario_internal
