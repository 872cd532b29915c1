// The real lab back end: the same lab files as the emulated lab, built out of Linux network
// namespaces. Each node is a namespace running its own neutrino-vswitchd (own run directory,
// configured through the real nvs-vsctl / nvs-ofctl / nvs-appctl); each underlay segment is a
// Linux bridge in the lab's "underlay" namespace, and a node NIC is a veth pair from the node
// into that bridge; each instance is a namespace whose eth0 is a veth into its node, with the
// Linux IP stack and busybox's ping / traceroute / arp / ip (the programs cirros has).
//
// The cloud lines run the real programs too (real_lab_cloud.cc): `server` starts neutrino-server
// on a free 127.0.0.1 port (its configuration, SQLite store, pidfile and log in the lab's cloud
// directory), `agent` a neutrino-agent for the current node, reaching that node's daemon
// through its control socket and the server over loopback (both run in the machine's
// namespace, but listen and connect on loopback only), `openstack` the real CLI, and
// `instance NAME node= network=` plugs a namespace's veth into br-int as Nova and os-vif do.
// After each cloud line (and each line changing a node's ports or flows) the lab waits,
// bounded, until the agents have applied it.
//
// Everything it creates carries one prefix ("nl<pid>"), is recorded in a LabState as it is
// made, and is torn down in reverse when the lab ends (or by `neutrino lab down` for a lab
// left up). Nothing is created in, or routed to, the machine's own namespace.
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lab/lab_state.h"
#include "scenario/cloud.h"
#include "scenario/commands.h"
#include "scenario/nova_metadata.h"
#include "scenario/scenario.h"

namespace nt::lab {

// The real back end polls the kernel and its processes while they settle.
inline void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

struct RealLabOptions {
  std::string tools_dir;  // holds neutrino-vswitchd and the nvs-* tools
  std::string name;       // the lab's name (for `lab up` / `lab exec`)
  bool keep = false;      // leave everything up when the object goes (lab up)
};

// Why a real lab cannot run here (not root, no namespaces, a program missing); empty if it can.
std::string real_lab_unavailable();

class RealLab final : public LabBackend {
 public:
  explicit RealLab(RealLabOptions opts);
  ~RealLab() override;
  RealLab(const RealLab&) = delete;
  RealLab& operator=(const RealLab&) = delete;

  Result<std::string> execute(const std::string& command,
                              const std::vector<std::string>& body) override;
  std::string prompt() const override;
  std::string display(const std::string& command) const override;
  LabTopology topology() const override;

  const LabState& state() const { return state_; }
  // The scenario commands (scenario/commands.h) this back end has handlers for.
  static std::vector<std::string_view> bound_commands();

 private:
  using Args = std::vector<std::string>;
  using Bindings = std::array<CommandBinding<RealLab>, 47>;
  static const Bindings& bindings();  // the handler of each command, one row each
  struct Nic {
    std::string name, segment, cidr, mac;
    std::string peer_ns, peer_if;  // the other end of the veth (underlay bridge port or node)
  };
  struct Node {
    std::string name, ns, rundir;
    std::vector<Nic> nics;
    std::map<std::string, std::string> port_bridge;  // port -> bridge (as configured)
  };
  struct Segment {
    std::string name, cidr, bridge;  // bridge: the Linux bridge in the underlay namespace
    int next_port = 0;
  };
  struct Instance {
    std::string name, node, ns, bridge, port, cidr, mac;
  };
  // A client connection kept open (connect ... as CONN): its process, the FIFO it reads
  // requests from, the log it answers in (one line per request) and how much was read of it.
  struct TcpClient {
    pid_t pid = -1;
    std::string fifo, log;
    size_t read = 0;
  };
  // The lab's neutrino-server and the neutrino-agent of each node that has one.
  struct CloudAgent {
    std::string node, host, integration_bridge, pidfile, log;
    std::string state_path;  // with the DHCP or L3 role: [DEFAULT] state_path
    bool dhcp = false, l3 = false;
    pid_t pid = -1;
  };
  struct Cloud {
    std::string dir;  // configuration, store, pidfiles, logs (a lab run directory)
    scenario_internal::CloudApi api;
    std::vector<CloudAgent> agents;
    std::vector<std::string> ports;  // the instances' port ids (plugged: they must go ACTIVE)
    // Nova's metadata API stand-in in the lab's process (the agents' nova_metadata_port).
    std::unique_ptr<scenario_internal::NovaMetadata> nova;
    std::unique_ptr<scenario_internal::NovaMetadataServer> nova_server;
  };
  // A running tcpdump: what it listens on and where it writes.
  struct Capture {
    pid_t pid = -1;
    std::string pcap, log;
    size_t mark = 0;  // frames before this were cleared (clear-sent)
  };

  // Commands (real_lab_cmds.cc).
  Result<std::string> cmd_segment(const Args& a);
  Result<std::string> cmd_node(const Args& a);
  Result<std::string> cmd_nic(const Args& a);
  Result<std::string> cmd_add_br(const Args& a);
  Result<std::string> cmd_add_port(const Args& a);
  Result<std::string> cmd_flows(const Args& a, const std::string& flow,
                                const std::vector<std::string>& body);
  Result<std::string> cmd_tool(const std::string& tool, Args args, bool checked = true);
  Result<std::string> cmd_link(const Args& a);
  Status free_port_name(Node& n, const std::string& port);
  // The cloud lines (real_lab_cloud.cc).
  Result<std::string> cmd_server(const Args& a, const std::vector<std::string>& body);
  Result<std::string> cmd_agent(const Args& a, const std::vector<std::string>& body);
  Result<std::string> cmd_openstack(const Args& a);
  Result<std::string> cmd_cloud_instance(const Args& a);
  // metadata NAME PATH: busybox wget of http://169.254.169.254PATH in the instance.
  Result<std::string> cmd_metadata(const Args& a);
  Result<std::string> cmd_services(const Args& a);  // netns, dnsmasq, ip qdhcp-NET, iptables
  Result<std::string> router_view(const Args& a);   // ip / iptables qrouter-ROUTER
  // The lab's cloud, or "the lab has no server" for `what` (as the emulated lab says it).
  Result<Cloud*> cloud(const std::string& what);
  // Waits (bounded) until every agent has applied what the server holds: reported alive, its
  // bridges there, the instances' ports ACTIVE, its nodes' ports and flows no longer changing.
  Status settle_cloud();
  // Why the cloud is not settled yet ("" when nothing is pending), and the agents' nodes' ports
  // and flows in `fingerprint`; an error when it never will be (an agent exited).
  Result<std::string> cloud_pending(std::string& fingerprint);
  void stop_cloud();  // the agents (the server goes with the lab's pidfiles)
  Result<std::string> cmd_instance(const Args& a);
  Result<std::string> cmd_dhcp_server(const Args& a);
  Result<std::string> dhcp_client(const Instance& inst);
  Result<std::string> cmd_ping(const Args& a);
  Result<std::string> cmd_instance_show(const Args& a);
  // listen / connect / send / close (real_lab_tcp.cc): busybox nc as the echo service, a
  // python3 socket client per connection.
  Result<std::string> cmd_tcp(const Args& a);
  Result<std::string> tcp_listen(const Instance& inst, uint16_t port);
  Result<std::string> tcp_connect(const Instance& inst, const std::string& dst, uint16_t port,
                                  const std::string& name, int wait_s);
  Result<std::string> tcp_request(const std::string& name, const std::string& request, int wait_s);
  Status tcp_client_script();
  static bool tcp_listening(const std::string& ns, uint16_t port);
  Result<std::string> cmd_sent(const Args& a, bool count_only, bool clear);
  Result<std::string> cmd_capture(const Args& a);
  Result<std::string> cmd_underlay(const Args& a, bool tcpdump);
  Result<std::string> cmd_graph(const Args& a);
  Result<LabTopology> query_topology() const;

  // Building blocks (real_lab.cc).
  Result<std::string> ip(const std::string& ns, Args args);
  Status new_namespace(const std::string& ns);
  Status veth(const std::string& ns1, const std::string& if1, const std::string& ns2,
              const std::string& if2);
  Result<Segment*> segment(const std::string& name, bool create);
  Result<Node*> node();
  Node* node_named(const std::string& name);
  Result<Instance*> instance(const std::string& name);
  Args tool_argv(const Node& n, const std::string& tool, const Args& args) const;
  Status wait_port_up(Node& n, const std::string& port);
  Result<Capture*> start_capture(const std::string& key, const std::string& ns,
                                 const std::string& ifname, const std::string& direction);
  void flush_capture(const Capture& c) const;
  Result<Capture*> sent_capture(const std::string& bridge, const std::string& port);
  void teardown();

  RealLabOptions opts_;
  LabState state_;
  std::string underlay_ns_;
  std::vector<std::unique_ptr<Node>> nodes_;
  Node* current_ = nullptr;
  std::map<std::string, Segment> segments_;
  std::vector<std::string> segment_order_;
  std::map<std::string, Instance> instances_;
  std::map<std::string, Capture> captures_;  // "sent/<node>/<port>", "underlay/<segment>"
  std::vector<std::string> underlay_captures_;
  int capture_seq_ = 0;  // names each capture's files once: a restarted capture never reuses them
  std::vector<std::array<std::string, 6>> links_;
  std::string last_display_;  // the real command(s) the last scenario command ran
  int veth_seq_ = 0;
  std::string dhcp_script_;  // udhcpc's event script (written on first use)
  std::string tcp_script_;   // the TCP client (written on first use)
  std::map<std::string, TcpClient> tcp_clients_;
  std::unique_ptr<Cloud> cloud_;
};

}  // namespace nt::lab
