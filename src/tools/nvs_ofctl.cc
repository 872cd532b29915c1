// nvs-ofctl: ovs-ofctl's commands against a neutrino-vswitchd bridge. The daemon executes
// them (vswitchd/ofctl_cmds.cc); this client reads the FILE of add-flows / replace-flows
// (or its stdin for "-") and runs parse-flow / parse-flows itself, without a daemon.
//
//   nvs-ofctl [-O PROTOCOLS] [--bundle] [--strict] [--no-stats] [--names] COMMAND [ARG...]
#include <cstdio>
#include <string>
#include <vector>

#include "node/commands.h"
#include "vswitchd/control.h"

namespace {

// The FILE argument of the commands that read one, or "" if the command reads none.
std::string file_argument(const std::vector<std::string>& pos) {
  if (pos.size() >= 3 && (pos[0] == "add-flows" || pos[0] == "replace-flows")) return pos[2];
  bool one_flow =
      pos.size() >= 3 && (pos[0] == "add-flow" || pos[0] == "mod-flows" || pos[0] == "del-flows");
  if (one_flow && pos[2] == "-") return pos[2];  // "add-flow BR - < FILE"
  if (pos.size() >= 2 && pos[0] == "parse-flows") return pos[1];
  return "";
}

int print_reply(const nt::ControlReply& r) {
  std::fputs(r.out.c_str(), stdout);
  std::fflush(stdout);
  std::fputs(r.err.c_str(), stderr);
  return r.status;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string data;
  std::string file = file_argument(nt::ofctl_positional_args(args));
  if (!file.empty()) {
    auto text = nt::read_file_or_stdin(file);
    if (!text.ok()) {
      std::fprintf(stderr, "nvs-ofctl: %s: open failed (%s)\n", file.c_str(),
                   text.error().message.c_str());
      return 1;
    }
    data = std::move(*text);
  }
  if (nt::ofctl_is_local_command(args)) return print_reply(nt::ofctl_execute_local(args, data));
  std::string sock = nt::control_socket_path(nt::run_dir());
  return nt::relay_to_daemon(
      sock, nt::ControlRequest{"ofctl", args, std::move(data)}, 0, [&](const std::string& why) {
        return "nvs-ofctl: unix:" + sock + ": connection failed (" + why + ")\n";
      });
}
