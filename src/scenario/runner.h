// ScenarioRunner: the emulated nodes (a Switch and an IP stack each), the underlay segments
// their NICs sit on, instances, and one method per scenario command (see scenario.h).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "netstack/dhcp_client.h"
#include "netstack/dhcp_server.h"
#include "netstack/host.h"
#include "netstack/scheduler.h"
#include "netstack/segment.h"
#include "netstack/tcp.h"
#include "node/node.h"
#include "ovsdb/ovsdb.h"
#include "packet/pcap.h"
#include "scenario/commands.h"
#include "scenario/lab_common.h"
#include "scenario/topology.h"
#include "xlate/switch.h"

namespace nt {

// An emulated node moves one packet (and its flood copies) at a time, so its datapath needs a
// small packet pool, not the daemon's 4096 (which is ~9 MiB per node: 0.9 GiB for 100 nodes).
inline constexpr size_t kEmulatedPoolPackets = 256;

// One hop of an emulated wire (instance to switch port, across a segment or a `link` cable):
// frames arrive this much later, which also keeps every delivery out of the datapath's own call
// stack.
inline constexpr TimeUs kWireLatencyUs = 50;

// A node's tunnel ports send through the node's own IP stack: the outer frame a vxlan/gre vport
// built is routed by its destination IP, ARP-resolved on the NIC and sent on that NIC's segment.
class NodeUnderlay final : public Underlay {
 public:
  explicit NodeUnderlay(Host& host) : host_(host) {}
  void transmit(const uint8_t* frame, size_t len) override {
    (void)host_.output_ip_frame(frame, len);  // failures are counted by the host
  }

 private:
  Host& host_;
};

class ScenarioRunner {
 public:
  ScenarioRunner();
  ~ScenarioRunner();
  Result<std::string> execute(const std::string& command, const std::vector<std::string>& body);
  std::string prompt() const;
  // How a command reads in the transcript: the nvs-* tool a user would type.
  std::string display(const std::string& command) const;
  // The lab as it is now (switches, node stacks, segments, cables, instances), for graph.
  LabTopology topology() const;
  // Live captures (LabBackend::start_live_capture; runner_capture.cc): a segment's frames, a node
  // NIC's (the frames it sends and the ones it takes: to its MAC, broadcast, multicast; all of
  // them once enslaved), an instance's eth0 (both directions).
  Status start_live_capture(const std::string& id, const std::string& target,
                            const std::string& iface, const std::string& path);
  void stop_live_capture(const std::string& id);
  // The scenario commands (scenario/commands.h) this back end has handlers for.
  static std::vector<std::string_view> bound_commands();
  // The lab's server ("http://127.0.0.1:PORT") once a `server` block ran, else "": a program
  // driving the runner (bench/cloud_scale) makes networks through the API in-process with it.
  std::string cloud_url() const;
  // Whether execute() lets the agents converge after every command (on by default, so a lab's
  // expectations see the converged state). A program building a large cloud (bench/cloud_scale)
  // turns it off, issues its commands as Nova boots many instances at once, and calls
  // settle_cloud() once: a hundred agents then converge together instead of after each port.
  void set_settle_each_command(bool on) { settle_each_command_ = on; }
  Status settle_cloud() { return settle_agents(); }

 private:
  using Bindings = std::array<CommandBinding<ScenarioRunner>, 47>;
  static const Bindings& bindings();                   // the handler of each command, one row each
  Result<std::string> settled(Result<std::string> r);  // after settle()
  // A node NIC: a Host NIC attached to a segment; `bridge`/`port` once enslaved to a bridge.
  struct NodeNic {
    std::string name, cidr;
    Segment* segment = nullptr;
    Segment::AttachmentId attachment = 0;
    NicId id = kNoNic;
    std::string bridge, port;
  };
  // An emulated node: the node core neutrino-vswitchd runs (a Switch with in-memory ports, its
  // configuration database, the Reconciler), configured by nvs-vsctl's words exactly as a real
  // node is, and its own IP stack (a Host owning the node's NICs) that tunnel ports send
  // through and that hands received VXLAN/GRE to the Switch.
  struct Node {
    std::string name;
    std::unique_ptr<Switch> sw;
    std::unique_ptr<CommandHost> commands;  // the base host: in-memory ports, no persistence
    std::unique_ptr<NodeCore> core;
    std::unique_ptr<Host> host;
    std::unique_ptr<NodeUnderlay> underlay;
    std::vector<NodeNic> nics;
  };
  // One end of a `link` cable.
  struct LinkEnd {
    std::string node, bridge, port;
  };
  // An emulated instance: a netstack Host whose eth0 is cabled to a dummy port of a bridge.
  struct Instance {
    std::string name;
    Node* node = nullptr;
    std::string bridge, port;
    std::unique_ptr<Host> host;
    NicId nic = kNoNic;
    std::unique_ptr<DhcpServer> dhcp_server;  // dhcp-server: the network's DHCP service
    std::unique_ptr<DhcpClient> dhcp_client;  // instance ... ip=dhcp
    std::map<uint16_t, std::unique_ptr<TcpListener>> tcp_listeners;  // listen NAME PORT
    ~Instance() {  // the DHCP and TCP objects use the host's sockets and timers
      tcp_listeners.clear();
      dhcp_client.reset();
      dhcp_server.reset();
    }
  };
  // A live capture: what it watches and the file it writes through to.
  struct LiveCapture {
    enum class Kind { kSegment, kNic, kInstance } kind;
    const Segment* segment = nullptr;  // kSegment
    Node* node = nullptr;              // kNic: the node and its NIC's name
    std::string name;                  // kNic: the NIC, kInstance: the instance
    PcapWriter pcap;
  };
  void live_segment_frame(const Segment& seg, const uint8_t* frame, size_t len);
  void live_instance_frame(const std::string& instance, const uint8_t* frame, size_t len);
  // A pcap of underlay frames (capture-underlay [SEG]); key "" is every segment.
  struct Capture {
    std::string path;
    PcapWriter pcap;
  };
  using Args = std::vector<std::string>;
  Result<std::string> cmd_node(const Args& a);
  Result<std::string> cmd_add_br(const Args& a);
  // `device`: PORT is a device of the node (an instance's or DHCP server's veth), so without
  // type= it is a system port in the configuration, not an internal one.
  Result<std::string> cmd_add_port(const Args& a, bool device = false);
  // Runs nvs-vsctl ARGV on the node's core (runner_vsctl.cc); a refused transaction, or a
  // port it added that the switch could not create, is an error.
  Status configure(Node& n, const Args& vsctl_argv, const std::string& port = "");
  // A typeless port added before its device (a NIC, a cable end) was declared was an internal
  // port until then; now it is that device (as in the real lab).
  void port_became_device(Node& n, const std::string& port);
  Result<std::string> cmd_vsctl(const Args& a);
  Result<std::string> cmd_ofctl(const Args& a);
  Result<std::string> cmd_flows(const Args& a, const std::vector<std::string>& body);
  Result<std::string> cmd_dump_flows(const Args& a);
  Result<std::string> cmd_trace(const Args& a);
  Result<std::string> cmd_inject(const Args& a);
  Result<std::string> cmd_sent(const Args& a, bool count_only);
  Result<std::string> cmd_inspect(const Args& a);
  Result<std::string> cmd_link(const Args& a);
  // Underlay: segments, node NICs, enslaving, captures (runner_underlay.cc).
  Result<std::string> cmd_segment(const Args& a);
  Result<std::string> cmd_nic(const Args& a);
  Result<std::string> cmd_capture(const Args& a);
  Result<std::string> cmd_underlay(const Args& a);
  Result<std::string> cmd_tcpdump(const Args& a);
  Result<std::string> add_nic(Node& n, const std::string& name, Segment& seg,
                              const std::optional<MacAddr>& mac, const std::string& cidr,
                              uint16_t mtu);
  Status enslave(Node& n, NodeNic& nic, const std::string& bridge);
  NodeNic* find_nic(Node& n, const std::string& name);
  Node& new_node(const std::string& name);
  Segment& default_segment();
  void on_segment_frame(const Segment& seg, const uint8_t* frame, size_t len);
  Status open_capture(const std::string& key);  // (re)starts captures_[key] in a new file
  // Runs the clock until no frame is on any wire (bounded): commands that put a frame on a
  // wire (inject, receive) see its consequences on every node.
  void settle();
  size_t wire_in_flight() const;
  Result<std::string> cmd_instance(const Args& a);
  // The cloud lines (runner_cloud.cc): the lab's server, agents, the openstack CLI, Nova's
  // instances. `Cloud` (the server and the agents) is defined there.
  struct Cloud;
  struct CloudDeleter {
    void operator()(Cloud* c) const;
  };
  Result<Cloud*> cloud(const std::string& what);  // the lab's cloud, or "no server" for `what`
  Result<std::string> cmd_server(const Args& a, const std::vector<std::string>& body);
  Result<std::string> cmd_agent(const Args& a, const std::vector<std::string>& body);
  Result<std::string> cmd_openstack(const Args& a);
  Result<std::string> cmd_services(const Args& a);  // netns, dnsmasq, ip qdhcp-NET
  // instance NAME node=NODE network=NET [fixed-ip=IP] [port=PORT]
  Result<std::string> cmd_cloud_instance(const Args& a);
  // metadata NAME PATH: the instance's GET of http://169.254.169.254PATH.
  Result<std::string> cmd_metadata(const Args& a);
  // Every agent's run_once until none changed anything (bounded); an agent's error is returned.
  // With `boot_node`, only that node's agent and the DHCP agents run (an instance's boot).
  Status settle_agents(const Node* boot_node = nullptr);
  // The instance's Host with NIC eth0 (`mac`, `mtu`), cabled to its node's bridge port.
  Status cable_instance(Instance& inst, const MacAddr& mac, uint16_t mtu);
  Result<std::string> cmd_dhcp_server(const Args& a);
  // A Host named `name` cabled to BR's PORT (added with `port_args` if missing): the part
  // instances and DHCP servers share.
  Result<std::unique_ptr<Instance>> attach_host(const std::string& name,
                                                std::map<std::string, std::string>& kv,
                                                Args port_args);
  Result<std::string> dhcp_lease(Instance& inst);
  Result<std::string> cmd_ping(const Args& a, bool traceroute);
  Result<std::string> cmd_instance_show(const Args& a);
  // listen / connect / send / close (runner_tcp.cc; the syntax is in lab_common.h).
  Result<std::string> cmd_tcp(const Args& a);
  Result<std::string> tcp_listen(const scenario_internal::TcpLineArgs& t);
  Result<std::string> tcp_connect(const scenario_internal::TcpLineArgs& t);
  Result<std::string> tcp_send(const scenario_internal::TcpLineArgs& t);
  Result<std::string> tcp_close(const scenario_internal::TcpLineArgs& t);
  // A connection kept open by `connect ... as CONN`, and what was sent on it.
  struct TcpConn {
    std::unique_ptr<TcpConnection> conn;
    uint64_t sent = 0;
  };
  // graph: the live topology as Graphviz DOT (runner_graph.cc, topology.h).
  Result<std::string> cmd_graph(const Args& a) const;
  Result<Instance*> instance(const std::string& name);
  // Runs the virtual clock until `done()` or nothing is left to happen (bounded).
  void run_until_done(const std::function<bool()>& done, TimeUs limit);
  Result<RecordingPort*> recording_port(const std::string& br, const std::string& port);
  Switch& sw();

  ManualClock clock_;
  Scheduler sched_{clock_};
  Timer periodic_;  // every node's Switch::run() once a virtual second
  std::map<std::string, std::unique_ptr<Segment>> segments_;
  std::vector<std::unique_ptr<Segment>> cables_;  // `link` cables: two-attachment segments
  std::vector<std::unique_ptr<Node>> nodes_;
  Node* current_ = nullptr;
  std::map<RecordingPort*, size_t> sent_mark_;
  std::map<std::string, std::unique_ptr<Instance>> instances_;
  std::map<std::string, TcpConn> tcp_conns_;                 // connect ... as CONN
  std::vector<std::unique_ptr<TcpConnection>> tcp_closing_;  // closed, finishing their FIN
  size_t instance_wire_in_flight_ = 0;                // instance -> switch frames on the wire
  std::vector<std::pair<LinkEnd, LinkEnd>> links_;    // `link` cables, in command order
  std::map<std::string, Capture> captures_;           // capture-underlay [SEG]
  std::map<std::string, LiveCapture> live_captures_;  // start_live_capture, by id
  std::vector<std::pair<std::string, std::string>> underlay_log_;  // (segment, line)
  bool settle_each_command_ = true;
  std::unique_ptr<Cloud, CloudDeleter> cloud_;  // with a `server` block: server and agents
};

}  // namespace nt
