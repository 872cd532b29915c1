// What a real lab made, written down as it is made: enough for another process to reach its
// nodes and instances (`neutrino lab exec`, `lab capture`) and to take it all down again
// (`neutrino lab down`). Saved as JSON under the lab directory (NT_LAB_DIR, default
// /run/neutrino/labs), one file per lab name.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace nt::lab {

struct LabTarget {
  std::string kind;    // "node", "instance" or "segment"
  std::string ns;      // its network namespace
  std::string rundir;  // node: the daemon's run directory
  std::string ifname;  // instance: eth0; segment: the bridge
};

struct LabState {
  std::string name, prefix, tools_dir, source;
  std::string backend = "real";         // or "emulated": a server process holds the lab
  pid_t server_pid = -1;                // emulated: that process
  std::string socket;                   // emulated: where it listens
  std::vector<std::string> namespaces;  // created, in order (deleted in reverse)
  std::vector<std::string> rundirs;     // daemon run directories (pidfile inside)
  // The cloud's programs (neutrino-server, neutrino-agent) by pidfile: stopped first, last
  // started first.
  std::vector<std::string> pidfiles;
  // The DHCP and L3 agents' state_path directories: each dhcp/<network id>/ names a dnsmasq
  // (its pid file) and a namespace qdhcp-<network id> to remove, each l3/<router id> a
  // namespace qrouter-<router id>.
  std::vector<std::string> dhcp_state_dirs;
  std::vector<pid_t> pids;         // background programs (captures)
  std::vector<std::string> files;  // temporary files
  std::map<std::string, LabTarget> targets;
};

std::string lab_dir();
std::string lab_state_path(const std::string& name);
Status save_lab_state(const LabState& s);
Result<LabState> load_lab_state(const std::string& name);
// Every lab with a state file.
std::vector<std::string> list_labs();

// Stops the cloud's programs, the daemons and captures, deletes the namespaces, run directories and
// files of `s`. Returns what it could not undo (empty when everything went).
std::vector<std::string> teardown_lab(const LabState& s);

}  // namespace nt::lab
