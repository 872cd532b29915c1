// nvs-vsctl: ovs-vsctl's commands against neutrino-vswitchd's configuration database. The
// daemon executes the transaction (vswitchd/vsctl.h); this client only carries argv.
//
//   nvs-vsctl [--timeout=SECS] [--db=SERVER] [OPTIONS] COMMAND [ARG...] [-- COMMAND ...]
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/strings.h"
#include "vswitchd/control.h"

namespace {

// Removes the options only the client acts on (--timeout, -t, --db) and returns the timeout.
int take_client_options(std::vector<std::string>& args) {
  int timeout_ms = 0;
  std::vector<std::string> kept;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--") {  // commands from here on
      kept.insert(kept.end(), args.begin() + static_cast<long>(i), args.end());
      break;
    }
    std::string value;
    if (nt::starts_with(a, "--timeout=")) {
      value = std::string(a.substr(10));
    } else if ((a == "-t" || a == "--timeout") && i + 1 < args.size()) {
      value = args[++i];
    } else if (nt::starts_with(a, "--db=")) {
      continue;
    } else {
      kept.emplace_back(a);
      continue;
    }
    timeout_ms = std::atoi(value.c_str()) * 1000;
  }
  args = std::move(kept);
  return timeout_ms;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int timeout_ms = take_client_options(args);
  std::string sock = nt::control_socket_path(nt::run_dir());
  return nt::relay_to_daemon(
      sock, nt::ControlRequest{"vsctl", args, ""}, timeout_ms, [&](const std::string& why) {
        return "nvs-vsctl: unix:" + sock + ": database connection failed (" + why + ")\n";
      });
}
