// ScenarioRunner: each emulated node's configuration database, the `vsctl` command and the
// `ofctl` command (nvs-ofctl's looking commands on the node's switch).
//
// An emulated node has no neutrino-vswitchd, but it has the database one would hold: every
// add-br and add-port the lab file makes is applied to it by the nvs-vsctl engine itself
// (vsctl_execute, the same command lines the real lab runs through nvs-vsctl), and before a
// `vsctl` command the runtime columns a daemon fills (ofport, mac_in_use, link_state) are
// written from the running Switch. So `vsctl show` prints what `nvs-vsctl show` prints on the
// real node (UUIDs aside: an emulated node's come from a seed, the same in every run).

#include <functional>

#include "common/strings.h"
#include "scenario/lab_common.h"
#include "scenario/runner.h"
#include "vswitchd/commands.h"
#include "vswitchd/vsctl.h"

namespace nt {

void ScenarioRunner::init_config(Node& n) {
  n.config.uuid_source = seeded_uuid_source(std::hash<std::string>{}("node " + n.name));
  (void)n.config.change_uuid(TableId::kOpenVSwitch, n.config.ovs_uuid(), n.config.new_uuid());
  n.config.ovs().ovs_version = kNvsVersion;
}

Status ScenarioRunner::configure(Node& n, const Args& vsctl_argv) {
  VsctlResult r = vsctl_execute(n.config, vsctl_argv);
  if (r.status != 0) {
    return make_error("the node's configuration database refused `nvs-vsctl " +
                      join_words(vsctl_argv) + "`: " + r.err);
  }
  return ok_status();
}

// The real lab's rule: a typeless port added before its device existed was an internal port
// until the device (a NIC, a cable end) was declared; then it is that device.
void ScenarioRunner::port_became_device(Node& n, const std::string& port) {
  Interface* iface = n.config.find_interface(port);
  if (iface && iface->type == "internal" && !n.sw->bridge(port)) iface->type.clear();
}

// vsctl ARGS...: nvs-vsctl's read-only commands on the current node's database.
Result<std::string> ScenarioRunner::cmd_vsctl(const Args& a) {
  Args argv(a.begin() + 1, a.end());
  NT_TRY(scenario_internal::vsctl_check_read_only(argv));
  sw();  // the default node, if the file has named none yet
  Node& n = *current_;
  for (Ofproto* br : n.sw->bridges()) {
    for (const auto& [ofport, p] : br->ports()) {
      Interface* iface = n.config.find_interface(p.name);
      if (!iface) continue;
      iface->ofport = ofport;
      iface->mac_in_use = p.mac.to_string();
      iface->link_state = "up";
      iface->admin_state = "up";
    }
  }
  VsctlResult r = vsctl_execute(n.config, argv);
  if (r.status != 0) {  // 2: br-exists found no such bridge (an exit code, no message)
    std::string err(trim(r.err));
    return make_error(err.empty() ? "nvs-vsctl exited " + std::to_string(r.status) : err);
  }
  return r.out + r.err;
}

// ofctl ARGS...: nvs-ofctl's looking commands (show, dump-ports, ...) on the current node's
// switch, answered by the code that answers them in neutrino-vswitchd.
Result<std::string> ScenarioRunner::cmd_ofctl(const Args& a) {
  Args argv(a.begin() + 1, a.end());
  NT_TRY(scenario_internal::ofctl_check_read_only(argv));
  CommandHost host(sw());
  ControlReply r = ofctl_execute(host, argv, "");
  if (r.status != 0) return make_error(std::string(trim(r.err)));
  return r.out + r.err;
}

}  // namespace nt
