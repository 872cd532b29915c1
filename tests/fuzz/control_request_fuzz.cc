// libFuzzer target for the control socket's request path: arbitrary bytes arrive as a client's
// stream, are assembled as the daemon assembles them (RequestReader, control_server.h: a request
// line, decode_request, and the raw stdin_bytes it may announce), fed in pieces whose sizes the
// input chooses and checked against frame_request for the line, then dispatched to a node core
// (NodeCore::execute: vsctl, ofctl, appctl) over an in-memory switch with a bridge and ports,
// exactly as neutrino-vswitchd's event loop does. Nothing may crash, leak or trip a sanitizer;
// every reply must encode and decode back to itself.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
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

// Feeds `stream` to a reader in pieces of `step` bytes (the server's way: a body through
// body_space()), then ends the stream.
nt::RequestReader::State assemble(nt::RequestReader& r, std::string_view stream, size_t step) {
  using S = nt::RequestReader::State;
  S st = S::kIncomplete;
  while (!stream.empty() && st == S::kIncomplete) {
    std::span<char> body = r.body_space();
    size_t n = std::min({stream.size(), step, body.empty() ? stream.size() : body.size()});
    if (body.empty()) {
      st = r.feed(stream.substr(0, n));
    } else {
      std::memcpy(body.data(), stream.data(), n);
      st = r.body_filled(n);
    }
    stream.remove_prefix(n);
  }
  return r.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  size_t step = size % 16 + 1;  // how the stream arrives: pieces of 1 to 16 bytes
  std::string_view stream(reinterpret_cast<const char*>(data), size);
  std::string_view request;
  // While the client is still sending, and once it has ended its stream.
  nt::FrameState partial = nt::frame_request(stream, false, kMaxRequest, &request);
  if (partial == nt::FrameState::kEmpty) std::abort();  // only a finished stream is empty
  nt::FrameState line = nt::frame_request(stream, true, kMaxRequest, &request);
  nt::RequestReader reader(kMaxRequest);
  nt::RequestReader::State state = assemble(reader, stream, step);
  // The reader frames the line as frame_request does.
  if ((line == nt::FrameState::kEmpty) != (state == nt::RequestReader::State::kEmpty)) std::abort();
  if (line == nt::FrameState::kTooBig && state != nt::RequestReader::State::kTooBig) std::abort();
  if (state != nt::RequestReader::State::kWhole) return 0;
  if (line != nt::FrameState::kWhole || request.size() > stream.size()) std::abort();
  nt::ControlRequest req = reader.take();
  if (req.stdin_bytes && req.stdin_data.size() != req.stdin_bytes) std::abort();
  // The daemon's own command that stops it is harmless here (the host only records it).
  World world;
  nt::ControlReply reply =
      world.node.execute(req.tool, req.argv, req.stdin_data, /*allow_stream=*/true);
  check_reply(reply);
  // The request round-trips through the client's encodings: inline, and its input raw.
  auto again = nt::decode_request(nt::encode_request(req));
  if (!again.ok()) std::abort();  // (its stdin's invalid UTF-8, if any, is replaced)
  nt::RequestReader raw(SIZE_MAX);
  std::string head = nt::encode_request_head(req);
  if (assemble(raw, head + req.stdin_data, step) != nt::RequestReader::State::kWhole) std::abort();
  nt::ControlRequest back = raw.take();
  if (back.tool != req.tool || back.argv != req.argv || back.stdin_data != req.stdin_data) {
    std::abort();
  }
  return 0;
}
