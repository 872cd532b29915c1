// LocalView: what the agent sees of its node's configuration database — bridges, their ports
// with tag and other_config, each port's interface with type, ofport, options and
// external_ids — read with one nvs-vsctl transaction of three `list` commands in JSON
// (local_view_command()), parsed here. The agent re-reads it only when `nvs-appctl db/seqno`
// moved, so noticing a plugged port costs one tiny control call per poll.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nt::agent {

using StringMap = std::map<std::string, std::string>;

struct LocalPort {  // a Port row and its (first) Interface
  std::string name, bridge;
  std::string type;     // the interface's: "" (system), internal, patch, vxlan, gre, tap, ...
  int64_t ofport = -1;  // -1: none (yet), or failed
  std::optional<int64_t> tag;
  std::string vlan_mode;
  std::set<int64_t> trunks;
  StringMap other_config;  // the Port's (the agent's record of its local VLAN)
  StringMap external_ids;  // the Interface's (iface-id, attached-mac, ...)
  StringMap options;       // the Interface's (peer, remote_ip, ...)
};

struct LocalView {
  std::map<std::string, std::vector<std::string>> bridges;  // bridge -> its port names
  std::map<std::string, LocalPort> ports;                   // by name
  std::map<std::string, std::string> fail_mode;             // bridge -> "secure", ...

  bool has_bridge(const std::string& name) const { return bridges.count(name) != 0; }
  const LocalPort* port(const std::string& name) const;
  int64_t ofport(const std::string& name) const;  // -1 if absent
};

// The nvs-vsctl argv whose output parse_local_view() reads.
std::vector<std::string> local_view_command();
Result<LocalView> parse_local_view(std::string_view vsctl_json_output);

// "INSTANCE SEQNO" of `nvs-appctl db/seqno` (node/commands.h).
struct DbSeqno {
  std::string instance;
  uint64_t seqno = 0;
  bool operator==(const DbSeqno&) const = default;
};
std::optional<DbSeqno> parse_db_seqno(std::string_view text);

}  // namespace nt::agent
