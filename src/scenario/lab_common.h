// What both lab back ends (the emulated ScenarioRunner and the real src/lab) must do alike, in
// one place: the arguments of the commands they carry out (parsed and checked once, so a lab
// file means the same thing and fails with the same message in either), the names and MACs
// they give what the file leaves unnamed, and how a frame reads in `sent` / `underlay` output.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "netstack/dhcp_server.h"
#include "packet/flow_key.h"

namespace nt::scenario_internal {

// The segment `node NAME vtep=IP` puts that node's eth1 on.
inline constexpr const char* kVtepSegment = "underlay";

// A lab file's `mac=` value (common/addr.h's grammar, surrounding blanks ignored); refused
// with "invalid Ethernet address", as in flow syntax.
Result<MacAddr> parse_lab_mac(std::string_view text);

// A node NIC's MAC when the lab file gives none: locally administered unicast, from the node
// and NIC names only.
MacAddr derived_nic_mac(const std::string& node, const std::string& nic);

// A frame as `sent` prints it: its flow, or why it does not parse.
std::string frame_line(const uint8_t* frame, size_t len);
// A frame as `underlay` prints it: tunnel frames "SRC > DST: VXLAN, vni N: INNER FLOW" (or
// GREv0, key=0xN), anything else (ARP between VTEPs, an enslaved NIC's frames) as frame_line.
std::string underlay_line(const uint8_t* frame, size_t len);

// `add-br BR [secure]` as the nvs-vsctl command line that makes it.
std::vector<std::string> vsctl_add_br_args(const std::vector<std::string>& a);

// `add-port BR PORT [type=T] [ofport=N] [tag=N] [trunks=..] [vlan_mode=M] [mac=M] [K=V]...` as
// the nvs-vsctl command line that configures it: tag/trunks/vlan_mode on the Port, the rest on
// the Interface (ofport= is ofport_request, other K=V are options:K=V). Without type= the port
// is a system port when `device` (the node has a device of that name: a NIC, an instance's
// veth, a cable end), an internal one otherwise (as Neutron's DHCP tap is).
struct VsctlAddPort {
  std::vector<std::string> argv;
  std::string type;  // type= as the lab file gave it; "" when it gave none
};
VsctlAddPort vsctl_add_port_args(const std::vector<std::string>& a, bool device);

// The nvs-ofctl commands a lab's `ofctl` runs: those that only look (show, dump-ports,
// dump-ports-desc, dump-tables, dump-flows); flows change through add-flow and friends.
Status ofctl_check_read_only(const std::vector<std::string>& argv);

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

// The TCP lines, alike in both back ends:
//   listen NAME PORT                            an echo service on TCP PORT of instance NAME
//   connect NAME DST PORT [as CONN] [-W S]      prints "connected to DST:PORT", "connection
//                                               refused" or "timed out" (after S s, default 3);
//                                               `as CONN` keeps the connection open as CONN
//   send CONN TEXT... [-W S]                    sends TEXT (words joined by one space) and waits
//                                               S s (default 3) for everything sent on CONN so
//                                               far to come back: "echoed N bytes" (N: TEXT's
//                                               length), "timed out" or "connection closed"
//   close CONN                                  closes it (FIN)
inline constexpr int kTcpDefaultWaitS = 3;
struct TcpLineArgs {
  std::string instance;           // listen, connect
  std::string dst;                // connect: an IPv4 address
  uint16_t port = 0;              // listen, connect
  std::string conn;               // connect ... as CONN, send, close
  std::string text;               // send
  int wait_s = kTcpDefaultWaitS;  // -W
};
Result<TcpLineArgs> parse_tcp_line(const std::vector<std::string>& a);
std::string tcp_connected_line(const std::string& dst, uint16_t port);
inline constexpr const char* kTcpRefusedLine = "connection refused\n";
inline constexpr const char* kTcpTimedOutLine = "timed out\n";
inline constexpr const char* kTcpClosedLine = "connection closed\n";
std::string tcp_echoed_line(size_t bytes);

}  // namespace nt::scenario_internal
