#include "netstack/segment.h"

#include "packet/bytes.h"

namespace nt {

namespace {

constexpr size_t kEthHeader = 14;

}  // namespace

Segment::Segment(Scheduler& sched, std::string name, std::string cidr, TimeUs latency)
    : sched_(sched), name_(std::move(name)), cidr_(std::move(cidr)), latency_(latency) {}

Segment::AttachmentId Segment::attach_nic(const MacAddr& mac, DeliverFn fn) {
  atts_.push_back({mac, false, std::move(fn)});
  return atts_.size() - 1;
}

Segment::AttachmentId Segment::attach_port(DeliverFn fn) {
  atts_.push_back({MacAddr{}, true, std::move(fn)});
  return atts_.size() - 1;
}

void Segment::rewire(AttachmentId id, DeliverFn fn, bool promiscuous) {
  Attachment& a = atts_.at(id);
  a.deliver = std::move(fn);
  a.promiscuous = promiscuous;
}

void Segment::send(AttachmentId from, const uint8_t* frame, size_t len) {
  if (len < kEthHeader) {
    ++stats_.malformed;
    return;
  }
  ++stats_.frames;
  if (tap_) tap_(*this, frame, len);
  ++in_flight_;
  sched_.post_in(latency_, [this, from, f = std::vector<uint8_t>(frame, frame + len)] {
    --in_flight_;
    deliver(from, f);
  });
}

void Segment::deliver(AttachmentId from, const std::vector<uint8_t>& frame) {
  MacAddr dst = load_mac(frame.data());
  // Deliver callbacks never attach or rewire (only configuration does).
  for (size_t i = 0; i < atts_.size(); ++i) {
    if (i == from) continue;
    const Attachment& a = atts_[i];
    if (!a.promiscuous && !dst.is_multicast() && dst != a.mac) {
      ++stats_.filtered;
      continue;
    }
    ++stats_.deliveries;
    if (a.deliver) a.deliver(frame.data(), frame.size());
  }
}

}  // namespace nt
