// Internal: small text helpers shared by the ScenarioRunner command files.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/strings.h"

namespace nt::scenario_internal {

inline Error usage(const std::string& what) { return make_error("usage: " + what); }

// "key=value" -> {key, value}; "word" -> {word, ""}.
inline std::pair<std::string, std::string> split_kv(const std::string& s) {
  size_t eq = s.find('=');
  if (eq == std::string::npos) return {s, ""};
  return {s.substr(0, eq), s.substr(eq + 1)};
}

// A command line's words.
inline std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// The rest of `command` after its first `n` words (flows contain spaces).
inline std::string rest_after(const std::string& command, size_t n) {
  size_t pos = 0;
  for (size_t i = 0; i < n; ++i) {
    pos = command.find_first_not_of(' ', pos);
    pos = command.find(' ', pos);
    if (pos == std::string::npos) return "";
  }
  return std::string(trim(std::string_view(command).substr(pos)));
}

// `instance NAME K=V...` (both lab back ends): the options by key, and the add-port command for
// its port (BRIDGE and PORT filled in, with the port's tag / trunks / vlan_mode).
struct InstanceArgs {
  std::map<std::string, std::string> kv;
  std::vector<std::string> port_args;
};
inline Result<InstanceArgs> parse_instance_args(const std::vector<std::string>& a) {
  if (a.size() < 2) return usage("instance NAME bridge=BR port=PORT mac=MAC ip=CIDR|dhcp [gw=IP]");
  InstanceArgs r;
  for (size_t i = 2; i < a.size(); ++i) {
    auto [k, v] = split_kv(a[i]);
    if (k == "tag" || k == "trunks" || k == "vlan_mode") r.port_args.push_back(a[i]);
    r.kv[k] = v;
  }
  for (const char* need : {"bridge", "port", "mac", "ip"}) {
    if (r.kv[need].empty()) return make_error(std::string("instance: ") + need + "= is required");
  }
  r.port_args.insert(r.port_args.begin(), {"add-port", r.kv["bridge"], r.kv["port"]});
  return r;
}

}  // namespace nt::scenario_internal
