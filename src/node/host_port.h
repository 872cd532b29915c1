// Host ports: a netstack Host's NIC cabled to a bridge port of a node, inside the process.
//
// A node's services (a DHCP server, a router, a metadata proxy) and an emulated lab's
// instances are host IP stacks (netstack/host.h) that must sit on a bridge port without a
// kernel device in between. The port is one whose device lives in memory (a RecordingPort, what
// the Switch's default port factory makes for internal and system ports): what the switch sends
// on it is handed to the host's NIC at once, and what the host transmits reaches the switch one
// wire latency later through the Scheduler, so a reply is never processed inside the datapath
// call that sent the request. The same code runs on the lab's virtual clock and on the daemon's
// real one (a Scheduler over SystemClock, driven by its event loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "netstack/host.h"
#include "netstack/scheduler.h"
#include "xlate/switch.h"

namespace nt {

// Sees every frame crossing the cable, either way (captures).
using FrameTap = std::function<void(const uint8_t* frame, size_t len)>;

struct HostCable {
  TimeUs latency_us = 0;        // host -> switch delay
  FrameTap tap;                 // optional
  size_t* in_flight = nullptr;  // optional: counts host -> switch frames on the wire
};

// The in-memory device of BRIDGE's PORT, or why there is none.
Result<RecordingPort*> memory_port(Switch& sw, const std::string& bridge, const std::string& port);

// Cables `host`'s NIC `nic` to BRIDGE's PORT (which must have an in-memory device). The cable
// lives as long as the port's device and the host: detach_host_port() before destroying the host
// if the port stays.
Status attach_host_port(Switch& sw, Scheduler& sched, const std::string& bridge,
                        const std::string& port, Host& host, NicId nic, HostCable cable = {});
// Cuts the switch -> host direction (the port stays, nobody listens on it).
void detach_host_port(Switch& sw, const std::string& bridge, const std::string& port);

}  // namespace nt
