// ScenarioRunner: live captures, for `neutrino lab capture` on an emulated lab left up. The
// frames are the ones really crossing the emulated wires, written to a pcap file as they pass
// (PcapWriter flushes each record), stamped with the lab's virtual clock. With no live capture
// nothing here runs per frame.
#include <cstring>

#include "scenario/runner.h"

namespace nt {

Status ScenarioRunner::start_live_capture(const std::string& id, const std::string& target,
                                          const std::string& iface, const std::string& path) {
  LiveCapture c;
  if (auto seg = segments_.find(target); seg != segments_.end()) {
    c.kind = LiveCapture::Kind::kSegment;
    c.segment = seg->second.get();
  } else if (instances_.count(target)) {
    if (!iface.empty() && iface != "eth0") {
      return make_error("instance " + target + " has eth0 only, not " + iface);
    }
    c.kind = LiveCapture::Kind::kInstance;
    c.name = target;
  } else {
    Node* node = nullptr;
    for (auto& n : nodes_) node = n->name == target ? n.get() : node;
    if (!node) return make_error("no segment, node or instance named '" + target + "'");
    if (iface.empty()) return make_error("say which NIC of node " + target + " to capture on");
    if (!find_nic(*node, iface)) return make_error("node " + target + " has no NIC " + iface);
    c.kind = LiveCapture::Kind::kNic;
    c.node = node;
    c.name = iface;
  }
  NT_TRY(c.pcap.open(path));
  live_captures_[id] = std::move(c);
  return ok_status();
}

void ScenarioRunner::stop_live_capture(const std::string& id) { live_captures_.erase(id); }

namespace {

// What a NIC on the segment sees of `frame`: what it sends, and what it takes (its MAC,
// broadcast, multicast; everything once a bridge has it, as a promiscuous port).
bool nic_sees(const MacAddr& mac, bool promiscuous, const uint8_t* frame, size_t len) {
  if (len < 12) return false;
  MacAddr dst, src;
  std::memcpy(dst.b.data(), frame, 6);
  std::memcpy(src.b.data(), frame + 6, 6);
  return promiscuous || src == mac || dst == mac || dst.is_multicast();
}

}  // namespace

void ScenarioRunner::live_segment_frame(const Segment& seg, const uint8_t* frame, size_t len) {
  for (auto& [id, c] : live_captures_) {
    bool take = false;
    if (c.kind == LiveCapture::Kind::kSegment) {
      take = c.segment == &seg;
    } else if (c.kind == LiveCapture::Kind::kNic) {
      NodeNic* nic = find_nic(*c.node, c.name);
      take = nic && nic->segment == &seg &&
             nic_sees(c.node->host->nic(nic->id).mac(), !nic->bridge.empty(), frame, len);
    }
    if (take) (void)c.pcap.write(frame, len, sched_.now_us());
  }
}

void ScenarioRunner::live_instance_frame(const std::string& instance, const uint8_t* frame,
                                         size_t len) {
  for (auto& [id, c] : live_captures_) {
    if (c.kind == LiveCapture::Kind::kInstance && c.name == instance) {
      (void)c.pcap.write(frame, len, sched_.now_us());
    }
  }
}

}  // namespace nt
