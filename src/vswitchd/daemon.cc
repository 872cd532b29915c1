// Daemon: state (load, reconcile, persist) and the control requests. The event loop, the
// options and --detach are in daemon_loop.cc.
#include "vswitchd/daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/strings.h"
#include "netdev/netdev_dummy.h"
#include "node/deferred_port.h"
#include "vswitchd/state_files.h"

namespace nt {
namespace {

constexpr size_t kPoolPackets = 4096;

}  // namespace

DaemonCore::DaemonCore(size_t packet_capacity, size_t large_packets)
    : owned_switch(std::make_unique<Switch>(clock, kPoolPackets, packet_capacity, large_packets)) {}

Daemon::Daemon(DaemonOptions opts)
    : DaemonCore(kNetdevPacketCapacity, kNetdevLargePackets),
      CommandHost(*owned_switch),
      opts_(std::move(opts)),
      node_(*this),
      flows_(opts_.rundir + "/flows") {
  owned_switch->set_port_factory(open_port_or_defer);
  vlog_install(&vlog());  // every layer's vlog_write() now reaches the daemon's log
}

Daemon::~Daemon() {
  cleanup();
  if (vlog_installed() == &vlog()) vlog_install(nullptr);
}

void Daemon::log(const char* module, VlogLevel level, const std::string& msg) {
  vlog().log(module, level, msg);
}

static std::string db_path(const DaemonOptions& o) { return o.rundir + "/conf.db"; }

Status Daemon::persist_config(const Db& db) {
  return write_file_atomic(db_path(opts_), db_to_json(db));
}

// The change is journaled inside the bundle's commit hook: if it cannot be made durable, the
// bundle is undone and the command fails with nothing changed.
Status Daemon::commit_flows(const std::string& bridge, const std::vector<FlowOp>& ops,
                            size_t* failed) {
  Ofproto* br = sw().bridge(bridge);
  if (!br) return sw().apply_bundle(bridge, ops, failed);
  auto prepared = FlowStore::prepare_lines(ops);  // a large bundle: its record made meanwhile
  return sw().apply_bundle(bridge, ops, failed, [&](const std::vector<RulePtr>& touched) {
    return flows_.commit(*br, touched, prepared.get());
  });
}

// On the timer: starts a background compaction of a journal that has grown enough (one at a
// time; the event loop formats it a slice per pass and a worker thread makes it durable).
void Daemon::compact_flows() {
  finish_compactions();  // in case no eventfd could be made
  if (flows_.compacting()) return;
  for (Ofproto* br : sw().bridges()) {
    if (!flows_.compaction_due(br->name())) continue;
    Status st = flows_.start_compaction(*br);
    if (st.ok()) return;
    log("vswitchd", VlogLevel::kWarn, "compaction: " + st.error().message);
  }
}

void Daemon::finish_compactions() {
  flows_.finish_compactions([this](bool error, const std::string& msg) {
    log("vswitchd", error ? VlogLevel::kWarn : VlogLevel::kInfo, msg);
  });
}

Status Daemon::load_state() {
  Db saved;
  auto text = read_state_file(db_path(opts_));
  if (!text.ok() && text.error().code != ErrorCode::kNotFound) return text.error();
  if (text.ok()) {
    auto db = db_from_json(*text);
    if (!db.ok()) return make_error(db_path(opts_) + ": " + db.error().message);
    saved = std::move(*db);
    log("vswitchd", VlogLevel::kInfo, "loaded " + db_path(opts_));
  }
  node_.load(std::move(saved));
  auto change = sw().change();
  for (Ofproto* br : sw().bridges()) {
    (void)flows_.load(*br, [this](bool error, const std::string& msg) {
      log("bridge", error ? VlogLevel::kErr : VlogLevel::kWarn, msg);
    });
  }
  return persist_db();
}

// After the node reconciled a new configuration: persist flows of new bridges (and forget
// those of deleted ones), read the daemon's own settings, watch the new ports' fds.
void Daemon::config_applied(const Db& db, const ReconcileResult& r) {
  auto snapshot = [this](const std::string& name) {
    Ofproto* br = sw().bridge(name);
    Status st = br ? flows_.compact(*br) : ok_status();
    if (!st.ok()) log("bridge", VlogLevel::kErr, st.error().message);
  };
  for (const std::string& name : r.bridges_removed) flows_.remove(name);
  for (const std::string& name : r.bridges_added) {
    if (!flows_.exists(name) || running_) snapshot(name);
  }
  for (const std::string& name : r.flows_changed) snapshot(name);
  apply_other_config();
  sync_rx_fds();
}

// Open_vSwitch other_config keys the daemon itself reads.
void Daemon::apply_other_config() {
  unsigned us = kDefaultRxCoalesceUs;
  static const StringMap kNone;
  const OpenVSwitch* ovs = node_.db().ovs();
  const StringMap& oc = ovs ? ovs->other_config : kNone;
  if (auto it = oc.find("rx-coalesce-us"); it != oc.end()) {
    auto v = parse_uint(it->second, 32);
    if (v && *v <= kMaxRxCoalesceUs) {
      us = static_cast<unsigned>(*v);
    } else {
      log("vswitchd", VlogLevel::kWarn,
          "other_config:rx-coalesce-us=" + it->second + " is not 0.." +
              std::to_string(kMaxRxCoalesceUs) + "; using " + std::to_string(us));
    }
  }
  if (us != rx_coalesce_us_) {
    log("vswitchd", VlogLevel::kInfo, "rx-coalesce-us: " + std::to_string(us));
  }
  rx_coalesce_us_ = us;
}

ControlReply Daemon::handle(const ControlRequest& req) {
  return node_.execute(req.tool, req.argv, req.stdin_data, /*allow_stream=*/true);
}

Netdev* Daemon::netdev(uint32_t odp_port) const {
  return dynamic_cast<Netdev*>(owned_switch->datapath().port(odp_port));
}

std::vector<std::pair<uint32_t, Netdev*>> Daemon::netdevs() const {
  std::vector<std::pair<uint32_t, Netdev*>> out;
  for (Ofproto* br : owned_switch->bridges()) {
    for (const auto& [no, p] : br->ports()) {
      if (Netdev* nd = p.odp_port ? netdev(p.odp_port) : nullptr) out.emplace_back(p.odp_port, nd);
    }
  }
  return out;
}

PortStatus Daemon::port_status(const Ofproto& br, const OfPort& port) const {
  if (port.type == PortType::kPatch) return CommandHost::port_status(br, port);
  Netdev* nd = port.odp_port ? netdev(port.odp_port) : nullptr;
  if (!nd) return {};
  return {nd->is_up(), nd->error()};
}

// The ports' drop counters by reason, summed over every port (a deferred port counts its own
// drops and those of the device it opened), in coverage/show's format.
std::string Daemon::format_netdev_coverage() const {
  std::array<uint64_t, static_cast<size_t>(NetdevCounter::kCount)> sum{};
  auto add = [&](const Netdev* nd) {
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += nd->counters()[i];
  };
  for (const auto& [odp, nd] : netdevs()) {
    add(nd);
    if (auto* deferred = dynamic_cast<DeferredNetdev*>(nd); deferred && deferred->inner()) {
      add(deferred->inner());
    }
  }
  std::string s = "Event coverage (netdev):\n";
  for (size_t i = 0; i < sum.size(); ++i) {
    if (!sum[i]) continue;
    s += coverage_line(netdev_counter_name(static_cast<NetdevCounter>(i)), sum[i]);
  }
  // The flow journal: records written, the microseconds spent writing them, compactions.
  if (flows_.n_commits()) s += coverage_line("flows_journal_commit", flows_.n_commits());
  if (flows_.commit_usec()) s += coverage_line("flows_journal_commit_usec", flows_.commit_usec());
  if (flows_.n_compactions()) s += coverage_line("flows_compaction", flows_.n_compactions());
  if (control_) s += control_->format_coverage();  // the control socket's limits and refusals
  return s;
}

// Injects into a dummy port and processes the frame at once, so the reply means "done".
Status Daemon::dummy_receive(const std::string& port, const std::vector<uint8_t>& frame) {
  for (Ofproto* br : sw().bridges()) {
    const OfPort* p = br->find_port(port);
    Netdev* nd = p && p->odp_port ? netdev(p->odp_port) : nullptr;
    if (auto* deferred = dynamic_cast<DeferredNetdev*>(nd)) nd = deferred->inner();
    auto* dummy = dynamic_cast<DummyNetdev*>(nd);
    if (!dummy) continue;
    if (!dummy->inject(frame.data(), frame.size())) return make_error("receive queue full");
    poll_netdev(p->odp_port, netdev(p->odp_port), SIZE_MAX);
    return ok_status();
  }
  return make_error("no such dummy netdev");
}

}  // namespace nt
