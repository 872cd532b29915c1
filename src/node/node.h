// NodeCore: one node's core — a Switch, its configuration database (Db), the Reconciler between
// them and the nvs-ofctl / nvs-appctl executors — the one thing the daemon, the emulated lab
// and (later) the agent drive.
//
// Every configuration change takes one path: nvs-vsctl's words run through the vsctl engine on
// a copy of the Db (ovsdb/vsctl.h); if the transaction succeeded and changed something, the copy
// becomes the configuration, the Reconciler makes the Switch match it (bridges, ports through
// the Switch's port factory, VLAN settings) and writes the runtime columns (ofport, mac_in_use,
// link_state, ...) back into the Db. Whether ports are real netdevs (the daemon) or in-memory
// ports (the emulated lab) is the Switch's port factory's business, not the node's.
//
// What differs between drivers goes through the CommandHost the node is built over: the daemon
// persists the Db and the flows and reports its netdevs' link state; the lab persists nothing.
// No I/O here, no event loop: the node does work only when a command or a packet arrives.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "node/commands.h"
#include "node/reconcile.h"
#include "ovsdb/ovsdb.h"

namespace nt {

class NodeCore {
 public:
  // `host` supplies the Switch and the driver's hooks; it must outlive the node.
  explicit NodeCore(CommandHost& host);

  Switch& sw() { return host_.sw(); }
  CommandHost& host() { return host_; }
  const Db& db() const { return db_; }

  // Makes the Db's UUIDs come from `seed` (an emulated node's are the same in every run).
  void seed_uuids(uint64_t seed);
  // Starts from a saved configuration: the ports keep the numbers and MACs it recorded, the
  // runtime columns are rewritten by reconciling.
  ReconcileResult load(Db saved);
  // Makes `next` the configuration: reconcile, write the runtime columns back, tell the host.
  ReconcileResult apply(Db next);
  // Re-reconciles the current configuration (a device's link state changed).
  ReconcileResult refresh() { return apply(db_); }

  // nvs-vsctl ARGV: the engine on a copy of the Db, then (if it changed) apply + persist.
  ControlReply vsctl(const std::vector<std::string>& argv);
  // nvs-ofctl ARGV (flows of add-flows / replace-flows FILE in `stdin_data`).
  ControlReply ofctl(const std::vector<std::string>& argv, const std::string& stdin_data = "");
  // nvs-appctl ARGV.
  ControlReply appctl(const std::vector<std::string>& argv);
  // One of the three by tool name ("vsctl", "ofctl", "appctl"); anything else is an error.
  // With `allow_stream` a big stdout may come as a ReplyStream (only the daemon's control
  // socket asks for one; drain_reply() makes it whole).
  ControlReply execute(const std::string& tool, const std::vector<std::string>& argv,
                       const std::string& stdin_data = "", bool allow_stream = false);

 private:
  CommandHost& host_;
  Db db_;
  Reconciler reconciler_;
  std::map<std::string, RememberedPort> remembered_;
};

}  // namespace nt
