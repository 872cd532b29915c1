// nvs-appctl: ovs-appctl's run-time commands (ofproto/trace, fdb/show, dpctl/dump-flows,
// coverage/show, vlog/set, netdev-dummy/receive, exit, ...) sent to neutrino-vswitchd.
//
//   nvs-appctl [-t TARGET] [-T SECS] COMMAND [ARG...]
// TARGET is "neutrino-vswitchd" (the default) or the path of a control socket.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/strings.h"
#include "vswitchd/control.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string target = nt::kDaemonName;
  int timeout_ms = 0;
  size_t i = 0;
  for (; i < args.size() && args[i].size() > 1 && args[i][0] == '-'; ++i) {
    const std::string& a = args[i];
    if ((a == "-t" || a == "--target") && i + 1 < args.size()) {
      target = args[++i];
    } else if ((a == "-T" || a == "--timeout") && i + 1 < args.size()) {
      timeout_ms = std::atoi(args[++i].c_str()) * 1000;
    } else if (nt::starts_with(a, "--target=")) {
      target = a.substr(9);
    } else if (nt::starts_with(a, "--timeout=")) {
      timeout_ms = std::atoi(a.c_str() + 10) * 1000;
    } else if (a == "-h" || a == "--help") {
      std::puts(
          "usage: nvs-appctl [-t TARGET] [-T SECS] COMMAND [ARG...]\n"
          "Use \"nvs-appctl list-commands\" for the daemon's commands.");
      return 0;
    } else {
      std::fprintf(stderr, "nvs-appctl: unrecognized option '%s'\n", a.c_str());
      return 1;
    }
  }
  args.erase(args.begin(), args.begin() + static_cast<long>(i));
  std::string sock =
      target.find('/') != std::string::npos ? target : nt::control_socket_path(nt::run_dir());
  return nt::relay_to_daemon(
      sock, nt::ControlRequest{"appctl", args, ""}, timeout_ms, [&](const std::string& why) {
        return "nvs-appctl: cannot connect to \"" + sock + "\" (" + why + ")\n";
      });
}
