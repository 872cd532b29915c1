#include "scenario/commands.h"

#include "scenario/runner_util.h"

namespace nt {
namespace {

constexpr ScenarioCommand kCommands[] = {
    {"segment", "segment NAME [CIDR]"},
    {"node", "node NAME [vtep=IP]"},
    {"nic", "nic NAME segment=SEG [ip=A.B.C.D/LEN] [mac=MAC] [mtu=N]"},
    {"add-br", "add-br BRIDGE [secure]"},
    {"add-port", "add-port BRIDGE PORT [type=T] [ofport=N] [tag=N] [K=V]..."},
    {"vsctl", "vsctl COMMAND [ARG...]"},
    {"ofctl", "ofctl COMMAND BRIDGE [ARG...]"},
    {"add-flow", "add-flow BRIDGE FLOW", 2},
    {"add-flows", "add-flows BRIDGE (flows follow, up to a line \"end\")", 2},
    {"mod-flows", "mod-flows BRIDGE FLOW", 2},
    {"del-flows", "del-flows BRIDGE [MATCH]", 2},
    {"del-flows-strict", "del-flows-strict BRIDGE MATCH", 2},
    {"dump-flows", "dump-flows BRIDGE [--no-stats] [--names] [MATCH]"},
    {"trace", "trace BRIDGE FLOW [-generate]", 2},
    {"inject", "inject BRIDGE PORT FLOW", 3},
    {"receive", "receive BRIDGE PORT HEX"},
    {"sent", "sent BRIDGE PORT"},
    {"sent-count", "sent-count BRIDGE PORT N"},
    {"clear-sent", "clear-sent"},
    {"link", "link NODE1 BRIDGE1 PORT1 NODE2 BRIDGE2 PORT2"},
    {"capture-underlay", "capture-underlay [SEG]"},
    {"underlay", "underlay [SEG]"},
    {"tcpdump-underlay", "tcpdump-underlay [SEG]"},
    {"instance",
     "instance NAME bridge=BR port=PORT mac=MAC ip=CIDR|dhcp [gw=IP] [mtu=N] [tag=N]  |  "
     "instance NAME node=NODE network=NET [fixed-ip=IP] [port=PORT]"},
    {"dhcp-server", "dhcp-server NAME bridge=BR port=PORT mac=MAC ip=CIDR range=FIRST-LAST ..."},
    {"ping", "ping NAME DST [-c N] [-s SIZE] [-t TTL] [-W S]"},
    {"traceroute", "traceroute NAME DST [-m HOPS] [-n]"},
    {"listen", "listen NAME PORT"},
    {"connect", "connect NAME DST PORT [as CONN] [-W S]"},
    {"send", "send CONN TEXT... [-W S]"},
    {"close", "close CONN"},
    {"metadata", "metadata NAME PATH  (GET http://169.254.169.254PATH from instance NAME)"},
    {"ip",
     "ip NAME addr|route  (NAME: an instance, or qdhcp-NETWORK / qrouter-ROUTER on the current "
     "node)"},
    {"netns", "netns  (the current node's service namespaces: qdhcp-<network>, qrouter-<router>)"},
    {"iptables", "iptables qrouter-ROUTER [-t filter|nat|mangle] -S  (on the current node)"},
    {"dnsmasq", "dnsmasq [NETWORK [host|addn_hosts|opts]]  (command lines, or a file)"},
    {"arp", "arp NAME"},
    {"fdb", "fdb BRIDGE"},
    {"dpctl", "dpctl"},
    {"conntrack", "conntrack [-m] [-s] [zone=N]  (dpctl/dump-conntrack)"},
    {"coverage", "coverage"},
    {"advance", "advance SECONDS"},
    {"run", "run"},
    {"graph", "graph"},
    {"server", "server (neutron.conf / ml2_conf.ini lines follow, up to a line \"end\")"},
    {"agent",
     "agent [dhcp] [l3] [metadata] (openvswitch_agent.ini / dhcp_agent.ini / l3_agent.ini / "
     "metadata_agent.ini lines follow, up to \"end\")"},
    {"openstack", "openstack ARGS... (split as a shell splits them)", 1},
};

}  // namespace

std::span<const ScenarioCommand> scenario_commands() { return kCommands; }

const ScenarioCommand* find_scenario_command(std::string_view name) {
  for (const ScenarioCommand& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string scenario_commands_help() {
  std::string s;
  for (const ScenarioCommand& c : kCommands) s += "usage: " + std::string(c.usage) + "\n";
  return s;
}

namespace scenario_internal {

std::vector<std::string> command_words(const std::string& line) { return words(line); }

Result<CommandCall> make_call(const ScenarioCommand& cmd, const std::string& line,
                              const std::vector<std::string>& body) {
  CommandCall call{words(line), body};
  if (cmd.tail_after > 0) call.args.push_back(rest_after(line, cmd.tail_after));
  return call;
}

Error not_in_backend(const ScenarioCommand& cmd, std::string_view backend_name) {
  return make_error(std::string(cmd.name) + " is not available in the " + std::string(backend_name),
                    ErrorCode::kUnsupported);
}

Error unknown_command(std::string_view name) {
  return make_error("unknown scenario command '" + std::string(name) + "'");
}

}  // namespace scenario_internal
}  // namespace nt
