// ScenarioRunner: the emulated nodes, their switches, the underlay between them, and one
// method per scenario command (see scenario.h for the language).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "netstack/host.h"
#include "netstack/scheduler.h"
#include "packet/pcap.h"
#include "xlate/switch.h"

namespace nt {

// An emulated node moves one packet (and its flood copies) at a time, so its datapath needs a
// small packet pool, not the daemon's 4096 (which is ~9 MiB per node: 0.9 GiB for 100 nodes).
inline constexpr size_t kEmulatedPoolPackets = 256;

// Carries outer (tunnel) frames between emulated nodes by outer destination IP, and keeps a
// tcpdump-like line for each.
class EmulatedUnderlay final : public Underlay {
 public:
  void attach(uint32_t ip, Switch* sw) { nodes_[ip] = sw; }
  void transmit(const uint8_t* frame, size_t len) override;
  std::vector<std::string> log;
  PcapWriter capture;  // when open, every outer frame is also written here
  const Clock* clock = nullptr;

 private:
  std::map<uint32_t, Switch*> nodes_;
  int depth_ = 0;
};

class ScenarioRunner {
 public:
  ScenarioRunner();
  ~ScenarioRunner();
  Result<std::string> execute(const std::string& command, const std::vector<std::string>& body);
  std::string prompt() const;
  // How a command reads in the transcript: the nvs-* tool a user would type.
  std::string display(const std::string& command) const;

 private:
  struct Node {
    std::string name;
    std::unique_ptr<Switch> sw;
    uint32_t vtep = 0;  // host order; 0 = none
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
  };
  using Args = std::vector<std::string>;
  Result<std::string> cmd_node(const Args& a);
  Result<std::string> cmd_add_port(const Args& a);
  Result<std::string> cmd_flows(const Args& a, const std::vector<std::string>& body);
  Result<std::string> cmd_dump_flows(const Args& a);
  Result<std::string> cmd_trace(const Args& a);
  Result<std::string> cmd_inject(const Args& a);
  Result<std::string> cmd_sent(const Args& a, bool count_only);
  Result<std::string> cmd_inspect(const Args& a);
  Result<std::string> cmd_link(const Args& a);
  Result<std::string> cmd_capture(const Args& a);
  Result<std::string> cmd_instance(const Args& a);
  Result<std::string> cmd_ping(const Args& a, bool traceroute);
  Result<std::string> cmd_instance_show(const Args& a);
  // graph: the live topology as Graphviz DOT (runner_graph.cc).
  Result<std::string> cmd_graph(const Args& a) const;
  std::string graph_node(const Node& n, std::vector<std::string>& edges,
                         std::set<uint32_t>& remotes) const;
  Result<Instance*> instance(const std::string& name);
  // Runs the virtual clock until `done()` or nothing is left to happen (bounded).
  void run_until_done(const std::function<bool()>& done, TimeUs limit);
  Result<RecordingPort*> recording_port(const std::string& br, const std::string& port);
  Switch& sw();

  ManualClock clock_;
  Scheduler sched_{clock_};
  Timer periodic_;  // every node's Switch::run() once a virtual second
  EmulatedUnderlay underlay_;
  std::vector<std::unique_ptr<Node>> nodes_;
  Node* current_ = nullptr;
  std::map<RecordingPort*, size_t> sent_mark_;
  std::map<std::string, std::unique_ptr<Instance>> instances_;
  std::vector<std::pair<LinkEnd, LinkEnd>> links_;  // `link` cables, in command order
  std::string capture_path_;  // temporary pcap of the underlay (capture-underlay)  // frames before
                              // this index were cleared
};

}  // namespace nt
