// CommandReply: what one nvs-vsctl / nvs-ofctl / nvs-appctl command produced on a node.
//
// The node core decides every byte a user sees: the exit status the tool exits with, its
// stdout and its stderr. The daemon sends this back over its control socket unchanged
// (vswitchd/control.h); the emulated lab prints it in its transcript.
//
// A big stdout (dump-flows of a large table, dpctl/dump-flows) may come as a ReplyStream: a
// producer that took its snapshot when the command ran and formats the text slice by slice, so
// the daemon's control socket never holds nor builds a whole multi-megabyte reply at once
// (vswitchd/control_server.h). Only a caller that asks for one (allow_stream) gets a stream;
// drain_reply() turns it into the whole string everybody else gets.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace nt {

class ReplyStream {
 public:
  virtual ~ReplyStream() = default;
  // Appends the next slice of the text to `out`: whole lines, at least one, until `out` grew by
  // about `budget` bytes. False (and `out` untouched) once everything was produced.
  virtual bool next(std::string& out, size_t budget) = 0;
};

// Adapts a producer with the same next() (ofproto's FlowDump, xlate's DpctlDump).
template <typename Producer>
class ProducerStream final : public ReplyStream {
 public:
  explicit ProducerStream(Producer p) : p_(std::move(p)) {}
  bool next(std::string& out, size_t budget) override { return p_.next(out, budget); }

 private:
  Producer p_;
};

struct ControlReply {
  int status = 0;
  std::string out;  // stdout; when `stream` is set, only its beginning
  std::string err;
  std::unique_ptr<ReplyStream> stream;  // the rest of stdout, produced on demand
};

// Produces the rest of a streamed reply into `out` (a reply without a stream is unchanged).
inline ControlReply& drain_reply(ControlReply& reply) {
  if (reply.stream) {
    while (reply.stream->next(reply.out, size_t{1} << 20)) {
    }
    reply.stream.reset();
  }
  return reply;
}

inline ControlReply drain_reply(ControlReply&& reply) {
  drain_reply(reply);
  return std::move(reply);
}

}  // namespace nt
