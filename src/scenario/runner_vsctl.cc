// ScenarioRunner: configuring an emulated node (its node core, driven by nvs-vsctl's words as
// neutrino-vswitchd is), the `vsctl` command and the `ofctl` command (nvs-ofctl's looking
// commands on the node's switch).
//
// An emulated node runs the same node core as neutrino-vswitchd (node/node.h): add-br and
// add-port in a lab file become the nvs-vsctl command lines the real lab runs, applied by the
// vsctl engine and the Reconciler; `vsctl ARGS` runs any nvs-vsctl command, changes included.
// So `vsctl show` prints what `nvs-vsctl show` prints on the real node (UUIDs aside: an emulated
// node's come from a seed, the same in every run), and `vsctl set Port p tag=5` changes how the
// emulated node forwards.

#include "common/strings.h"
#include "ovsdb/vsctl.h"
#include "scenario/lab_common.h"
#include "scenario/runner.h"

namespace nt {
namespace {

Error vsctl_error(const ControlReply& r) {
  std::string err(trim(r.err));  // 2: br-exists found no such bridge (an exit code, no message)
  return make_error(err.empty() ? "nvs-vsctl exited " + std::to_string(r.status) : err);
}

}  // namespace

Status ScenarioRunner::configure(Node& n, const Args& vsctl_argv, const std::string& port) {
  ControlReply r = n.core->vsctl(vsctl_argv);
  if (r.status != 0) return vsctl_error(r);
  const Interface* iface = port.empty() ? nullptr : n.core->db().find_interface(port);
  if (iface && iface->ofport && *iface->ofport < 0) {
    return make_error(port + ": " + (iface->error ? *iface->error : "could not add the port"));
  }
  return ok_status();
}

void ScenarioRunner::port_became_device(Node& n, const std::string& port) {
  const Interface* iface = n.core->db().find_interface(port);
  if (!iface || iface->type != "internal" || n.sw->bridge(port)) return;
  (void)n.core->vsctl({"set", "Interface", port, "type=\"\""});
}

// vsctl ARGS...: any nvs-vsctl command on the current node.
Result<std::string> ScenarioRunner::cmd_vsctl(const Args& a) {
  Args argv(a.begin() + 1, a.end());
  if (argv.empty()) return make_error("usage: vsctl COMMAND [ARG...] (e.g. vsctl show)");
  sw();  // the default node, if the file has named none yet
  ControlReply r = current_->core->vsctl(argv);
  if (r.status != 0) return vsctl_error(r);
  return r.out + r.err;
}

// ofctl ARGS...: nvs-ofctl's looking commands (show, dump-ports, ...) on the current node's
// switch, answered by the code that answers them in neutrino-vswitchd.
Result<std::string> ScenarioRunner::cmd_ofctl(const Args& a) {
  Args argv(a.begin() + 1, a.end());
  NT_TRY(scenario_internal::ofctl_check_read_only(argv));
  sw();
  ControlReply r = current_->core->ofctl(argv);
  if (r.status != 0) return make_error(std::string(trim(r.err)));
  return r.out + r.err;
}

}  // namespace nt
