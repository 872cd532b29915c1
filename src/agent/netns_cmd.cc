#include "agent/netns_cmd.h"

#include <filesystem>

#include "common/process.h"

namespace nt::agent {

std::vector<std::string> ip_in(const std::string& ns, std::vector<std::string> args) {
  std::vector<std::string> argv = {"ip"};
  if (!ns.empty()) argv.insert(argv.end(), {"-n", ns});
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> exec_in(const std::string& ns, std::vector<std::string> args) {
  std::vector<std::string> argv = {"ip", "netns", "exec", ns};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

bool namespace_exists(const std::string& ns) {
  std::error_code ec;
  return std::filesystem::exists("/run/netns/" + ns, ec);
}

bool device_in(const std::string& ns, const std::string& dev) {
  auto r = run_process(ip_in(ns, {"link", "show", "dev", dev}));
  return r.ok() && r->exit_code == 0;
}

Status run_command(const std::vector<std::string>& argv, const std::string& input) {
  auto r = run_checked(argv, input);
  return r.ok() ? ok_status() : Status(r.error());
}

}  // namespace nt::agent
