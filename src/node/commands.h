// The nvs-ofctl and nvs-appctl commands, executed inside the daemon.
//
// Each tool is a thin client; its argv reaches one of the executors below through the control
// socket, and the reply carries the exit status and every byte of stdout and stderr, worded as
// ovs-ofctl(8) and ovs-appctl(8) word them. Each executor is driven by one command table (name,
// minimum and maximum argument counts, handler), so adding a command is adding one row.
//
// The commands reach the switch through a CommandHost: the daemon implements it over its real
// netdevs and persistent store; the emulated lab and unit tests use the base class, which runs
// a Switch with in-memory ports and persists nothing. The node core (node.h) calls its hooks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/vlog.h"
#include "node/command_reply.h"
#include "node/reconcile.h"
#include "xlate/switch.h"

namespace nt {

class CommandHost {
 public:
  explicit CommandHost(Switch& sw) : sw_(sw) {}
  virtual ~CommandHost() = default;

  Switch& sw() { return sw_; }
  Vlog& vlog() { return vlog_; }

  // Applies a flow change to `bridge` as one bundle (Switch::apply_bundle; *failed as it sets
  // it). The daemon makes the change durable inside the bundle's commit hook, so a change that
  // reports failure is never in effect; the base class persists nothing.
  virtual Status commit_flows(const std::string& bridge, const std::vector<FlowOp>& ops,
                              size_t* failed) {
    return sw_.apply_bundle(bridge, ops, failed);
  }
  // netdev-dummy/receive: `frame` arrives on the port named `port` (any bridge).
  virtual Status dummy_receive(const std::string& port, const std::vector<uint8_t>& frame);
  // Link state and error of a port's device. The base class: a patch port is up when its peer
  // exists, every other (in-memory) port is up.
  virtual PortStatus port_status(const Ofproto& br, const OfPort& port) const;
  // Whether a port's device is there and up (ovs-ofctl show prints LINK_DOWN otherwise).
  bool port_link_up(const Ofproto& br, const OfPort& port) const {
    return port_status(br, port).up;
  }
  // The node made `db` the configuration (its runtime columns written back); `r` says what
  // changed in the switch.
  virtual void config_applied(const Db& db, const ReconcileResult& r) {}
  // Makes a configuration an nvs-vsctl transaction committed durable (before the reply).
  virtual Status persist_config(const Db& db) { return ok_status(); }
  // coverage/show's lines for the ports' own counters (drops by reason), summed over ports.
  virtual std::string format_netdev_coverage() const { return std::string(); }
  // The run directory the node's management sockets live in (messages name them).
  virtual std::string rundir() const { return "/var/run/neutrino"; }
  // `nvs-appctl exit`: the daemon stops after replying.
  virtual void request_exit() { exit_requested_ = true; }
  bool exit_requested() const { return exit_requested_; }
  // The OpenFlow datapath ID: the LOCAL port's MAC, as Open vSwitch derives it.
  uint64_t datapath_id(const Ofproto& br) const;
  // `nvs-appctl db/seqno`: "INSTANCE SEQNO". SEQNO grows on every configuration the node
  // applies (NodeCore::apply), so an agent lists ports only when it moved; INSTANCE is random
  // per CommandHost, so a restarted daemon never repeats an old answer.
  void note_config_applied() { ++config_seqno_; }
  uint64_t config_seqno() const { return config_seqno_; }
  uint64_t instance_id() const { return instance_id_; }

 private:
  Switch& sw_;
  Vlog vlog_;
  bool exit_requested_ = false;
  uint64_t config_seqno_ = 0;
  uint64_t instance_id_ = random_instance_id();
  static uint64_t random_instance_id();
};

// nvs-ofctl ARGS (options included, as typed). `stdin_data` holds the flows of add-flows /
// replace-flows FILE, or of add-flow / mod-flows / del-flows "-" (the client reads FILE, or
// its stdin for "-"). With `allow_stream`, dump-flows answers with a ReplyStream
// (command_reply.h); otherwise every reply is whole.
ControlReply ofctl_execute(CommandHost& host, const std::vector<std::string>& argv,
                           const std::string& stdin_data, bool allow_stream = false);
// The positional arguments of an nvs-ofctl command line (options removed), so the tool can
// find the FILE of add-flows / replace-flows / parse-flows. Empty if the options are bad.
std::vector<std::string> ofctl_positional_args(const std::vector<std::string>& argv);
// parse-flow / parse-flows, which need no switch: the tool runs them itself.
bool ofctl_is_local_command(const std::vector<std::string>& argv);
ControlReply ofctl_execute_local(const std::vector<std::string>& argv,
                                 const std::string& stdin_data);

// nvs-appctl COMMAND ARGS. With `allow_stream`, dpctl/dump-flows answers with a ReplyStream.
ControlReply appctl_execute(CommandHost& host, const std::vector<std::string>& argv,
                            bool allow_stream = false);

}  // namespace nt
