// `neutrino lab up` for the emulated lab: the lab lives in a background process (it has no
// namespaces to outlast us), which answers `lab exec` over a Unix socket in the lab directory.
// A request is one JSON line {"target": T, "argv": [...]} (or {"op": "down"}); the answer is
// {"rc": N, "output": "..."}. exec is translated to the scenario commands the emulated lab has:
// an instance's ping / traceroute / ip / arp, a node's nvs-vsctl views (show, list-br, get,
// list, find...), nvs-ofctl flow commands and nvs-appctl
// ofproto/trace, fdb/show, dpctl/dump-flows, coverage/show. The virtual clock moves only while
// a command runs.
#pragma once

#include <string>
#include <vector>

#include "common/process.h"
#include "lab/lab_state.h"
#include "scenario/scenario.h"

namespace nt::lab {

// Runs `text` in a new background process and leaves it serving; prints the transcript (unless
// quiet) and returns the exit code for `lab up` (1 if an expectation failed; the lab stays up).
int emulated_lab_up(const std::string& name, const std::string& file, const std::string& text,
                    bool quiet);

// Sends one exec request to a lab that is up.
Result<ProcessResult> emulated_lab_exec(const LabState& st, const std::string& target,
                                        const std::vector<std::string>& argv);

// `lab capture TARGET [IFACE] [-c COUNT] [-w FILE] [TCPDUMP ARGS...]` on a lab that is up:
// the lab process writes every frame crossing TARGET (a segment, a node's NIC, an instance's
// eth0) to a pcap as it passes; this reads that file as it grows, filters it with the real
// tcpdump (TCPDUMP ARGS: options and a filter expression, as for tcpdump -r) and prints the
// frames as `tcpdump -n -e` does, or writes them to FILE; it ends after COUNT frames, on
// SIGINT / SIGTERM, or when the lab goes down. Returns the exit code.
int emulated_lab_capture(const LabState& st, const std::string& target, const std::string& iface,
                         const std::vector<std::string>& args);

// Asks the lab's process to exit (SIGTERM if it does not answer).
void emulated_lab_down(const LabState& st);

// The scenario commands for `lab exec TARGET ARGV...` in `t`, or why there are none.
Result<std::vector<std::string>> translate_exec(const LabTopology& t, const std::string& target,
                                                const std::vector<std::string>& argv);

}  // namespace nt::lab
