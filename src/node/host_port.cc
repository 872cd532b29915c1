#include "node/host_port.h"

#include <utility>
#include <vector>

namespace nt {

Result<RecordingPort*> memory_port(Switch& sw, const std::string& bridge, const std::string& port) {
  Ofproto* b = sw.bridge(bridge);
  if (!b) return make_error("no bridge named " + bridge, ErrorCode::kNotFound);
  const OfPort* p = b->find_port(port);
  if (!p) return make_error("no port named " + port + " on " + bridge, ErrorCode::kNotFound);
  auto* rp = dynamic_cast<RecordingPort*>(sw.dp_port(*b, p->ofport));
  if (!rp) return make_error(port + " is not a dummy port, nothing is recorded");
  return rp;
}

Status attach_host_port(Switch& sw, Scheduler& sched, const std::string& bridge,
                        const std::string& port, Host& host, NicId nic, HostCable cable) {
  auto rp = memory_port(sw, bridge, port);
  if (!rp.ok()) return rp.error();
  Host* h = &host;
  FrameTap tap = cable.tap;
  // Switch -> host: delivered as the port sends.
  (*rp)->on_send = [h, nic, tap](const uint8_t* d, size_t n) {
    if (tap) tap(d, n);
    h->receive(nic, d, n);
  };
  // Host -> switch: one wire latency later, never inside the datapath's own call.
  Switch* swp = &sw;
  Scheduler* sp = &sched;
  host.set_transmit(nic, [swp, sp, bridge, port, cable](const uint8_t* d, size_t n) {
    if (cable.tap) cable.tap(d, n);
    std::vector<uint8_t> frame(d, d + n);
    size_t* in_flight = cable.in_flight;
    if (in_flight) ++*in_flight;
    sp->post_in(cable.latency_us, [swp, bridge, port, in_flight, frame = std::move(frame)] {
      if (in_flight) --*in_flight;
      (void)swp->receive(bridge, port, frame.data(), frame.size());
    });
  });
  return ok_status();
}

void detach_host_port(Switch& sw, const std::string& bridge, const std::string& port) {
  if (auto rp = memory_port(sw, bridge, port); rp.ok()) (*rp)->on_send = nullptr;
}

}  // namespace nt
