// Command lines for the agent's namespace drivers (DnsmasqDriver, RouterNamespaceDriver): `ip`
// in a namespace, a program run inside one, and checks of what exists. Everything runs without
// a shell through common/process.h; a failure carries the command and what it printed.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace nt::agent {

// `ip ARGS` in namespace `ns` ("" = this one): {"ip", "-n", ns, ARGS...}.
std::vector<std::string> ip_in(const std::string& ns, std::vector<std::string> args);
// `ARGS` run inside namespace `ns`: {"ip", "netns", "exec", ns, ARGS...}.
std::vector<std::string> exec_in(const std::string& ns, std::vector<std::string> args);
// Whether `ip netns` has `ns` (/run/netns/NS exists).
bool namespace_exists(const std::string& ns);
// Whether device `dev` is in namespace `ns` ("" = this one).
bool device_in(const std::string& ns, const std::string& dev);
// Runs `argv` (with `input` on its stdin); an error unless it exits 0.
Status run_command(const std::vector<std::string>& argv, const std::string& input = "");

}  // namespace nt::agent
