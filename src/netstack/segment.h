// Segment: an emulated underlay L2 segment — one broadcast domain that node NICs and bridge
// ports sit on (the lab's management, tenant and external networks, or a cable).
//
// A frame sent from one attachment reaches every other attachment one wire latency later, on
// the shared Scheduler (one event per frame, whatever the number of attachments). A host NIC
// attachment accepts only frames to its MAC, broadcast or multicast; a bridge port (or a NIC
// enslaved to a bridge) is promiscuous. The segment is VLAN-transparent: tagged frames cross it
// untouched, as on a trunk. Frames too short to hold an Ethernet header are counted and
// dropped. A tap, when set, sees every frame sent (captures); nothing is formatted otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "netstack/scheduler.h"
#include "packet/flow_key.h"

namespace nt {

struct SegmentStats {
  uint64_t frames = 0;      // frames sent onto the segment
  uint64_t deliveries = 0;  // copies handed to attachments
  uint64_t filtered = 0;    // copies a NIC's MAC filter refused
  uint64_t malformed = 0;   // frames shorter than an Ethernet header, dropped
};

class Segment {
 public:
  using DeliverFn = std::function<void(const uint8_t* frame, size_t len)>;
  using TapFn = std::function<void(const Segment& seg, const uint8_t* frame, size_t len)>;
  using AttachmentId = size_t;

  Segment(Scheduler& sched, std::string name, std::string cidr = "", TimeUs latency = 50);
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  const std::string& name() const { return name_; }
  const std::string& cidr() const { return cidr_; }  // informational ("" if none)

  // A host NIC: receives frames to `mac`, broadcast and multicast.
  AttachmentId attach_nic(const MacAddr& mac, DeliverFn fn);
  // A bridge port: receives every frame.
  AttachmentId attach_port(DeliverFn fn);
  // Rewires an attachment (a NIC enslaved to a bridge: promiscuous, frames to the bridge).
  // Attaching and rewiring are configuration: never from inside a DeliverFn.
  void rewire(AttachmentId id, DeliverFn fn, bool promiscuous);
  size_t attachments() const { return atts_.size(); }

  // Puts a frame on the wire from attachment `from`.
  void send(AttachmentId from, const uint8_t* frame, size_t len);
  void set_tap(TapFn tap) { tap_ = std::move(tap); }

  // Frames sent but not yet delivered.
  size_t in_flight() const { return in_flight_; }
  const SegmentStats& stats() const { return stats_; }

 private:
  struct Attachment {
    MacAddr mac;
    bool promiscuous = false;
    DeliverFn deliver;
  };
  void deliver(AttachmentId from, const std::vector<uint8_t>& frame);

  Scheduler& sched_;
  std::string name_, cidr_;
  TimeUs latency_;
  std::vector<Attachment> atts_;
  TapFn tap_;
  size_t in_flight_ = 0;
  SegmentStats stats_;
};

}  // namespace nt
