// Daemon: neutrino-vswitchd — one node core (node/node.h) plus its control socket,
// persistence, pidfile and event loop.
//
// The daemon owns a Switch whose ports are real netdevs (netdev_open through the Switch's
// port factory) and a Node over it; the configuration database (Db) and each bridge's
// configured flows are persisted under the run directory before a change is in effect: conf.db
// with an atomic write before a transaction is applied, flows as one journal record per change
// inside the bundle's commit hook (flow_files.h). Whatever a command reported as done survives
// kill -9, and a change that could not be saved is reported as failed and is not in effect.
// On start it loads both and rebuilds bridges, ports (with the same OpenFlow port numbers and
// MACs) and flows.
//
// One thread runs everything from one epoll loop: the control socket (one JSON request per
// connection, see control.h; every connection non-blocking with its own buffers, so a stuck
// client never stalls the loop: control_server.h), every netdev's rx fd (received packets go to the
// datapath in batches of 32), a 500 ms timer (Switch::run: statistics, timeouts, MAC aging; netdevs
// that are down are retried) and a signalfd (SIGTERM/SIGINT/SIGHUP). A command is therefore handled
// between two batches and the packet path takes no lock.
//
// Under load the loop coalesces: after a wake-up that brought a batch's worth of frames it
// sleeps other_config:rx-coalesce-us (Open_vSwitch table, default 30, 0 turns it off) before
// looking again, so the rings fill while it sleeps and it is not woken for every frame; a lone
// frame is handled at once (daemon_loop.cc, Daemon::coalesce).
//
// Node services run in the same loop: a netstack Scheduler on the real clock holds their timers
// and a timerfd is kept set to its earliest deadline, so a host stack attached to a bridge port
// (node/host_port.h) answers, retransmits and expires exactly as it does in the emulated lab.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "netdev/netdev.h"
#include "netstack/scheduler.h"
#include "node/node.h"
#include "vswitchd/control.h"
#include "vswitchd/control_server.h"
#include "vswitchd/flow_files.h"

namespace nt {

inline constexpr unsigned kDefaultRxCoalesceUs = 30;
inline constexpr unsigned kMaxRxCoalesceUs = 1000;

struct DaemonOptions {
  std::string rundir;  // resolved: --rundir, $NVS_RUNDIR, /var/run/neutrino
  bool detach = false;
  std::optional<std::string> pidfile;   // absolute once parsed
  std::optional<std::string> log_file;  // absolute once parsed
  bool help = false;
  bool version = false;
  bool enable_dummy = false;  // --enable-dummy: dummy netdevs and their pcap options
  ControlLimits control;      // --control-max-request, --control-max-clients, ...
};

// Parses neutrino-vswitchd's command line (argv without the program name).
Result<DaemonOptions> parse_daemon_options(const std::vector<std::string>& argv);

// Constructed before CommandHost, which keeps a reference to the switch.
struct DaemonCore {
  explicit DaemonCore(size_t packet_capacity, size_t large_packets = 0);
  SystemClock clock;
  Scheduler sched{clock};  // node services' timers, on the real clock (the loop's sched timerfd)
  std::unique_ptr<Switch> owned_switch;
};

class Daemon final : private DaemonCore, public CommandHost {
 public:
  explicit Daemon(DaemonOptions opts);
  ~Daemon() override;

  // Loads the saved state, rebuilds the switch, opens the control socket, writes the pidfile.
  Status start();
  // The event loop; returns when `nvs-appctl exit` or a signal stops the daemon.
  void run();
  // Removes the pidfile and the control socket (also done by the destructor).
  void cleanup();

  // Executes one control request (the event loop calls this; tests may too).
  ControlReply handle(const ControlRequest& req);

  const Db& db() const { return node_.db(); }
  const DaemonOptions& options() const { return opts_; }
  // Where node services (a Host attached with node/host_port.h) arm their timers; the event
  // loop fires them when due.
  Scheduler& scheduler() { return sched; }
  NodeCore& node() { return node_; }

  // CommandHost
  Status commit_flows(const std::string& bridge, const std::vector<FlowOp>& ops,
                      size_t* failed) override;
  Status dummy_receive(const std::string& port, const std::vector<uint8_t>& frame) override;
  PortStatus port_status(const Ofproto& br, const OfPort& port) const override;
  std::string format_netdev_coverage() const override;
  std::string rundir() const override { return opts_.rundir; }
  void config_applied(const Db& db, const ReconcileResult& r) override;
  Status persist_config(const Db& db) override;

 private:
  Status load_state();
  void compact_flows();
  void finish_compactions();
  Status persist_db() { return persist_config(node_.db()); }
  Netdev* netdev(uint32_t odp_port) const;
  std::vector<std::pair<uint32_t, Netdev*>> netdevs() const;
  void log(const char* module, VlogLevel level, const std::string& msg);

  // Event loop pieces.
  Status setup_loop();
  void sync_rx_fds();
  void on_timer();
  void run_scheduler();
  size_t poll_netdev(uint32_t odp_port, Netdev* nd, size_t max_batches);
  bool poll_pending();
  bool coalesce();
  void apply_other_config();

  DaemonOptions opts_;
  NodeCore node_;
  FlowStore flows_;
  int epoll_fd_ = -1, timer_fd_ = -1, signal_fd_ = -1, sched_fd_ = -1;
  std::unique_ptr<ControlServer> control_;  // the control socket's connections (non-blocking)
  bool listening_ = false;                  // the socket file is ours to remove
  TimeUs sched_armed_ = kNever;             // the deadline sched_fd_ is set to
  std::map<int, uint32_t> rx_fds_;          // netdev rx fd -> odp port
  std::map<uint32_t, bool> netdev_up_;      // odp port -> last known up state
  std::vector<std::pair<uint32_t, Netdev*>> netdev_list_;  // as of the last sync_rx_fds()
  bool running_ = false;
  bool pidfile_written_ = false;
  bool cleaned_ = false;
  size_t packets_this_wake_ = 0;                    // received since the last epoll_wait
  unsigned rx_coalesce_us_ = kDefaultRxCoalesceUs;  // other_config:rx-coalesce-us
};

// The whole program: options, --detach (the parent exits once the child is ready), start, run.
int daemon_main(const std::vector<std::string>& argv);

}  // namespace nt
