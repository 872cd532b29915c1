#include "node/node.h"

#include <random>

#include "ovsdb/vsctl.h"

namespace nt {

PortStatus CommandHost::port_status(const Ofproto& br, const OfPort& port) const {
  if (port.type != PortType::kPatch) return {};
  bool peer = sw_.patch_peer(port).second != nullptr;
  return {peer, peer ? "" : "peer " + port.peer + " does not exist"};
}

uint64_t CommandHost::random_instance_id() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) | rd();
}

NodeCore::NodeCore(CommandHost& host) : host_(host), reconciler_(host.sw()) {
  db_.ovs().ovs_version = kNvsVersion;
}

void NodeCore::seed_uuids(uint64_t seed) {
  db_.uuid_source = seeded_uuid_source(seed);
  (void)db_.change_uuid(TableId::kOpenVSwitch, db_.ovs_uuid(), db_.new_uuid());
}

ReconcileResult NodeCore::load(Db saved) {
  remembered_ = remember_ports(saved);
  clear_runtime_columns(saved);
  saved.ovs().ovs_version = kNvsVersion;
  return apply(std::move(saved));
}

ReconcileResult NodeCore::apply(Db next) {
  db_ = std::move(next);
  PortStatusFn status = [this](const Ofproto& br, const OfPort& p) {
    return host_.port_status(br, p);
  };
  ReconcileResult r = reconciler_.apply(db_, remembered_, status);
  for (const std::string& line : r.log) host_.vlog().log("bridge", VlogLevel::kInfo, line);
  host_.note_config_applied();
  host_.config_applied(db_, r);
  return r;
}

ControlReply NodeCore::vsctl(const std::vector<std::string>& argv) {
  Db next = db_;
  VsctlResult r = vsctl_execute(next, argv);
  ControlReply reply{r.status, r.out, r.err, {}};
  if (r.status != 0 || same_content(next, db_)) return reply;
  // Write first, then apply: a transaction that cannot be saved is not in effect.
  if (Status st = host_.persist_config(next); !st.ok()) {
    return ControlReply{1, "", "nvs-vsctl: " + st.error().message + "; nothing was changed\n", {}};
  }
  apply(std::move(next));
  // Again with the runtime columns reconciling wrote back (ofport, mac_in_use, ...).
  if (Status st = host_.persist_config(db_); !st.ok()) {
    host_.vlog().log("bridge", VlogLevel::kWarn,
                     "runtime columns not saved: " + st.error().message);
  }
  return reply;
}

ControlReply NodeCore::ofctl(const std::vector<std::string>& argv, const std::string& stdin_data) {
  return ofctl_execute(host_, argv, stdin_data);
}

ControlReply NodeCore::appctl(const std::vector<std::string>& argv) {
  return appctl_execute(host_, argv);
}

ControlReply NodeCore::execute(const std::string& tool, const std::vector<std::string>& argv,
                               const std::string& stdin_data, bool allow_stream) {
  if (tool == "vsctl") return vsctl(argv);
  if (tool == "ofctl") return ofctl_execute(host_, argv, stdin_data, allow_stream);
  if (tool == "appctl") return appctl_execute(host_, argv, allow_stream);
  return ControlReply{1, "", "neutrino-vswitchd: unknown tool \"" + tool + "\"\n", {}};
}

}  // namespace nt
