// Scenarios: plain-text scripts that build switches, program flows, send packets and say what
// must come out — the seed walkthrough as something a machine can check.
//
// A scenario is a list of commands, one per line, each optionally followed by expectations:
//   segment NAME [CIDR]          an underlay L2 segment: one broadcast domain, VLAN-transparent
//                                (carries tagged frames, a trunk); each frame reaches every other
//                                attachment one wire latency later; node NICs take only frames to
//                                their MAC, broadcast or multicast; bridge ports take everything
//   node NAME [vtep=IP]          create (or switch to) an emulated node: its own datapath and its
//                                own IP stack; vtep=IP is `nic eth1 segment=underlay ip=IP/24`
//                                on the implicit segment "underlay"
//   nic NAME segment=SEG [ip=A.B.C.D/LEN] [mac=MAC] [mtu=N]
//                                a NIC of the current node on SEG (MAC derived from node and NIC
//                                names if not given). Tunnel ports send through the node's stack:
//                                routed by outer destination, ARP-resolved on the NIC, real outer
//                                MACs; VXLAN/GRE to a NIC address goes to the node's switch
//   add-br BR [secure]           bridge with LOCAL port (standalone: priority=0 NORMAL flow)
//   add-port BR PORT [type=T] [ofport=N] [tag=N] [trunks=1,2] [vlan_mode=M] [mac=M] [K=V]...
//                                K=V are interface options (peer, remote_ip, local_ip, key...).
//                                No type= and PORT a NIC of the node: the NIC is enslaved, as
//                                Linux does: the port sends on and receives from its segment,
//                                the node's stack no longer receives on it (`sent` still works)
//   vsctl ARGS...                any nvs-vsctl command on the node (show, get, set, add-port,
//                                del-br...): the node core applies it as neutrino-vswitchd does,
//                                and add-br / add-port above went the same way
//   add-flow BR FLOW | add-flows BR  (flows follow, one per line, up to a line "end")
//   mod-flows BR FLOW | del-flows BR [MATCH] | del-flows-strict BR MATCH
//   dump-flows BR [--no-stats] [MATCH]   trace BR FLOW [-generate]
//   inject BR PORT FLOW          a packet built from FLOW enters PORT (tun_* set the tunnel)
//   receive BR PORT HEX          raw frame enters PORT
//   sent BR PORT                 frames PORT sent since the last clear (as flows, one per line)
//   sent-count BR PORT N         expect N frames;  clear-sent
//   link N1 BR1 P1 N2 BR2 P2      a cable between two dummy ports on two nodes (a two-port segment)
//   capture-underlay [SEG]       from now on keep the frames crossing every segment (or SEG):
//                                VXLAN/GRE, ARP between VTEPs, frames of enslaved NICs
//   underlay [SEG]               those frames, one line each: "SRC > DST: VXLAN, vni N: FLOW"
//                                for tunnel frames, the frame's flow otherwise
//   tcpdump-underlay [SEG]       the real `tcpdump -nn -e -vv -r` output for that capture
//   instance NAME bridge=BR port=PORT mac=MAC ip=CIDR|dhcp [gw=IP] [mtu=N] [tag=N] [trunks=..]
//                                a cirros-like host on a new port PORT of BR; ip=dhcp: it asks the
//                                network's DHCP service at boot (prints udhcpc's lines)
//   dhcp-server NAME bridge=BR port=PORT mac=MAC ip=CIDR range=FIRST-LAST [tag=N] [router=IP]
//               [dns=IP] [mtu=N] [lease=SECONDS] [host=MAC/IP]...
//                                a network's DHCP service (Neutron's dnsmasq in qdhcp-*) on PORT;
//                                host= entries are fixed addresses (Neutron's IPAM), the rest
//                                comes from the range
//   ping NAME DST [-c N] [-s SIZE] [-t TTL] [-W S] | traceroute NAME DST [-m HOPS] [-n]
//   ip NAME addr|route | arp NAME  busybox's programs and views, as on cirros
//   listen NAME PORT             an echo service on TCP PORT of instance NAME (real lab:
//                                busybox nc -ll -p PORT -e cat)
//   connect NAME DST PORT [as CONN] [-W S]
//                                a TCP connection from NAME: prints "connected to DST:PORT",
//                                "connection refused" or "timed out" (after S s, default 3);
//                                closed at once unless `as CONN` keeps it open
//   send CONN TEXT... [-W S]     sends TEXT on CONN, waits S s (default 3) for all sent so far
//                                to be echoed: "echoed N bytes", "timed out", "connection closed"
//   close CONN                   closes CONN (FIN)
//   fdb BR | dpctl | coverage | advance SECONDS | run
//   graph                        the live topology (nodes, bridges, ports, tunnels...) as DOT
// The cloud (OpenStack) lines, for labs that Neutron builds instead of the file:
//   server                       neutrino-server for the lab: its neutron.conf / ml2_conf.ini
//                                lines follow (one INI text) up to a line "end". The emulated
//                                lab serves the API on 127.0.0.1 (an ephemeral port) with
//                                SQLite in a private temporary directory, both gone at the end
//   agent [dhcp]                 an Open vSwitch agent (neutrino-agent) on the current node:
//                                its openvswitch_agent.ini lines follow up to "end"; [DEFAULT]
//                                host is the node's name unless given. It reports to the lab's
//                                server and programs the node (bridges, ports, tags, flows).
//                                `dhcp`: also the node's DHCP agent (dhcp_agent.ini's [DEFAULT]
//                                options in the same lines): the networks the server schedules
//                                here get tap<port> in br-int and a DHCP service (emulated:
//                                Neutrino's DhcpServer; real: dnsmasq in qdhcp-<network id>)
//   openstack ARGS...            the real `openstack` CLI against the lab's server (arguments
//                                split as a shell splits them: quotes, backslashes); its stdout
//                                is the output; a non-zero exit fails with what it printed
//   instance NAME node=NODE network=NET [fixed-ip=IP] [port=PORT] [ip=dhcp]
//                                what Nova does: creates the port on NET (name or id; or takes
//                                PORT) with device_owner compute:nova and binding:host_id the
//                                node's agent host, plugs tap<port id[:11]> into br-int with
//                                os-vif's external_ids (iface-id, attached-mac, iface-status,
//                                vm-uuid), and boots a cirros-like host on it with the port's
//                                MAC and fixed IP, the subnet's prefix and gateway, the
//                                network's MTU; with ip=dhcp it asks DHCP for them instead, as
//                                cirros does at boot (prints udhcpc's lines)
// In a lab with agents, after every command the agents run until none changes anything, so
// expectations see the converged state (an agent's error fails that command).
// Expectations after a command:
//   "> text"  this line must appear in the output (in order with other "> "/"~ " lines)
//   "~ text"  some line must contain text (in order)
//   "* text"  some line must contain text, wherever it is (for output whose order is not
//             fixed, such as a MAC table that real traffic refreshes)
//   "= text"  the output must be exactly these "= " lines
//   "!"       the command must fail;  "! text" and its error message must contain text
// '#' starts a comment line. Durations are deterministic: the clock is simulated; inject,
// receive and trace -generate run it until no frame is left on any wire.
// The same files run in the real lab (src/lab, `neutrino lab run --real`), where every command
// is done with real programs (the cloud lines: neutrino-server, neutrino-agent, the openstack
// CLI, instances in namespaces; it waits after each cloud line until the agents have applied
// it); there `advance` and `inject` are refused (wall clock, real ports).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "scenario/topology.h"

namespace nt {

// What runs a scenario's commands: the emulated lab (ScenarioRunner, the default: one process,
// virtual clock) or the real one (src/lab: network namespaces, neutrino-vswitchd, busybox).
class LabBackend {
 public:
  virtual ~LabBackend() = default;
  virtual Result<std::string> execute(const std::string& command,
                                      const std::vector<std::string>& body) = 0;
  virtual std::string prompt() const = 0;
  // How a command reads in the transcript (the nvs-* tool or program a user would type).
  virtual std::string display(const std::string& command) const = 0;
  // The live topology (nodes, NICs, segments, bridges, instances), for `graph` and `lab up`.
  virtual LabTopology topology() const = 0;
  // A live capture for `lab capture` on a lab left up: from now on every frame crossing
  // `target` (a segment, a node's NIC `iface`, an instance's eth0) is appended to the pcap
  // file `path` as it passes, until stop_live_capture(id). A back end whose captures are real
  // tcpdump processes (the real lab) has none of its own.
  virtual Status start_live_capture(const std::string& id, const std::string& target,
                                    const std::string& iface, const std::string& path) {
    return make_error("this lab back end captures with tcpdump", ErrorCode::kUnsupported);
  }
  virtual void stop_live_capture(const std::string& id) {}
};

// The emulated lab (ScenarioRunner) as a LabBackend.
std::unique_ptr<LabBackend> make_emulated_backend();

struct ScenarioResult {
  bool ok = true;
  std::string transcript;             // commands and their output, like a shell session
  std::vector<std::string> failures;  // "file:line: what went wrong"
};

// Runs `text` in the emulated lab.
ScenarioResult run_scenario(const std::string& text, const std::string& name);
ScenarioResult run_scenario_file(const std::string& path);
// Runs `text` with `backend`; `stop` (if given) is polled between commands.
ScenarioResult run_scenario(const std::string& text, const std::string& name, LabBackend& backend,
                            const bool* stop = nullptr);
Result<std::string> read_text_file(const std::string& path);

}  // namespace nt
