// libFuzzer target for the control socket's request path: arbitrary bytes arrive as a client's
// stream, are framed as the daemon frames them (frame_request, control_server.h), decoded
// (decode_request, control.h) and dispatched to a node core (NodeCore::execute: vsctl, ofctl,
// appctl) over an in-memory switch with a bridge and ports, exactly as neutrino-vswitchd's
// event loop does. Nothing may crash, leak or trip a sanitizer; every reply must encode and
// decode back to itself.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "node/node.h"
#include "vswitchd/control.h"
#include "vswitchd/control_server.h"

namespace {

constexpr size_t kMaxRequest = 1 << 20;

struct World {
  nt::ManualClock clock;
  nt::Switch sw{clock, 256};
  nt::CommandHost host{sw};
  nt::NodeCore node{host};
  World() {
    node.execute("vsctl",
                 {"add-br", "br0", "--", "add-port", "br0", "p1", "--", "set", "Interface", "p1",
                  "ofport_request=1", "--", "add-port", "br0", "p2", "tag=5"},
                 "");
    node.execute("ofctl", {"add-flow", "br0", "in_port=1 actions=resubmit(,1),output:2"}, "");
  }
};

// Sends the reply as the daemon does (a streamed one slice by slice): the bytes must be those of
// the whole reply, and decode back.
void check_reply(nt::ControlReply& reply) {
  std::string wire = nt::encode_reply_head(reply), slice;
  while (reply.stream && reply.stream->next(slice, 4096)) {
    wire += nt::json_string_body(slice);
    reply.out += slice;
    slice.clear();
  }
  reply.stream.reset();
  wire += nt::encode_reply_tail(reply);
  if (wire != nt::encode_reply(reply)) std::abort();
  auto back = nt::decode_reply(wire);
  if (!back.ok() || back->status != reply.status) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view stream(reinterpret_cast<const char*>(data), size);
  std::string_view request;
  // While the client is still sending, and once it has ended its stream.
  nt::FrameState partial = nt::frame_request(stream, false, kMaxRequest, &request);
  if (partial == nt::FrameState::kEmpty) std::abort();  // only a finished stream is empty
  nt::FrameState state = nt::frame_request(stream, true, kMaxRequest, &request);
  if (state != nt::FrameState::kWhole) return 0;
  if (request.size() > stream.size()) std::abort();
  auto req = nt::decode_request(request);
  if (!req.ok()) return 0;
  // The daemon's own command that stops it is harmless here (the host only records it).
  World world;
  nt::ControlReply reply =
      world.node.execute(req->tool, req->argv, req->stdin_data, /*allow_stream=*/true);
  check_reply(reply);
  // The request round-trips through the client's encoding.
  auto again = nt::decode_request(nt::encode_request(*req));
  if (!again.ok()) std::abort();
  return 0;
}
