// Reconcile: make the Switch what the configuration database says, then report back.
//
// After every committed nvs-vsctl transaction (and once at start-up) the daemon hands the new
// Db to reconcile(), which compares it with the running Switch and applies the difference:
// bridges added and removed (a standalone bridge gets Open vSwitch's priority=0 NORMAL flow, a
// secure one none; changing fail_mode flushes the flows as Open vSwitch does), ports added,
// removed, re-created when their type or options change, moved between bridges, and VLAN
// tag / trunks / vlan_mode applied in place. It then writes the runtime columns the way
// ovs-vswitchd does: Interface.ofport (-1 if the port could not be added), mac_in_use,
// link_state, admin_state and error (why a device is down or missing), and
// Open_vSwitch.cur_cfg.
//
// Port numbers and MACs are stable across restarts: an interface that had an ofport (or a
// mac_in_use) in the saved database asks for the same one again, through `remembered`.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>

#include "ovsdb/ovsdb.h"
#include "xlate/switch.h"

namespace nt {

// What an interface had before a restart: its ofport and MAC.
struct RememberedPort {
  std::optional<uint32_t> ofport;
  std::optional<MacAddr> mac;
};

struct ReconcileResult {
  std::set<std::string> bridges_added;
  std::set<std::string> bridges_removed;
  std::set<std::string> flows_changed;  // bridges whose flow tables changed (fail_mode)
  std::vector<std::string> log;         // one line per change, for the log file
};

// Link state and error of a port's device (the daemon asks its netdevs).
struct PortStatus {
  bool up = true;
  std::string error;
};
using PortStatusFn = std::function<PortStatus(const Ofproto& br, const OfPort& port)>;

// Reads the runtime columns that make port numbers and MACs stable, by interface name.
std::map<std::string, RememberedPort> remember_ports(const Db& db);

// Holds what was last applied (each bridge's fail_mode, each port's spec) so the next
// transaction's difference can be computed without re-creating what did not change.
class Reconciler {
 public:
  explicit Reconciler(Switch& sw) : sw_(sw) {}

  ReconcileResult apply(Db& db, const std::map<std::string, RememberedPort>& remembered,
                        const PortStatusFn& status);

 private:
  struct Wanted {
    std::string bridge;
    const Port* port = nullptr;
    Interface* iface = nullptr;
    bool dummy_dp = false;  // the bridge's datapath_type is "dummy"
  };
  struct Applied {
    std::string bridge;
    PortSpec spec;
  };
  std::map<std::string, Wanted> wanted_ports(Db& db) const;
  void remove_stale(const Db& db, const std::map<std::string, Wanted>& want, ReconcileResult& r);
  void sync_bridges(const Db& db, ReconcileResult& r);
  void add_ports(const std::map<std::string, Wanted>& want,
                 const std::map<std::string, RememberedPort>& remembered, ReconcileResult& r);
  void add_port(const std::string& name, const Wanted& w, std::optional<uint32_t> ofport,
                std::optional<MacAddr> mac, ReconcileResult& r);
  void write_back(Db& db, const std::map<std::string, Wanted>& want, const PortStatusFn& status);

  Switch& sw_;
  std::map<std::string, bool> secure_;               // bridge -> fail_mode secure
  std::map<std::string, Applied> applied_;           // interface name -> what is running
  std::map<std::string, std::string> errors_;        // interface name -> why it is not
  std::map<std::string, uint32_t> previous_ofport_;  // ports re-created keep their number
};

// The PortSpec a Port + Interface row describes (type "" is "system"; "internal" is "dummy"
// on a bridge whose datapath_type is dummy).
Result<PortSpec> port_spec(const Port& port, const Interface& iface, bool dummy_dp = false);

}  // namespace nt
