// ControlServer: the daemon's side of the control socket (control.h), driven by its epoll loop.
//
// Every connection is non-blocking and has its own input and output buffer. The loop calls
// on_readable / on_writable when epoll says a connection is ready; a request is executed once
// it is whole (a newline, or the client's end of stream, and the raw standard input its line
// announces: RequestReader, read straight into the request), and its reply is sent as far as the
// socket takes it without waiting, the rest when the socket is writable again. So a client that
// sends a request and never reads its reply, or sends half a request and stops, holds only its
// own buffers: the loop (and with it forwarding and every other client) never waits on it.
//
// Limits, each with a clear error reply (the client's tool prints it and exits 1) and a
// coverage counter (nvs-appctl coverage/show):
//   --control-max-request  bytes a request may have before its newline (64 MiB)
//                                                           -> control_request_too_big
//   --control-max-clients  simultaneous connections (64)     -> control_too_many_clients
//   --control-idle-timeout seconds a connection may do nothing (30)
//                                                           -> control_idle_timeout
// A big reply (dump-flows, dpctl/dump-flows) comes from the handler as a ReplyStream
// (node/command_reply.h): a snapshot taken when the request ran, formatted on demand. The
// server produces at most one slice (stream_slice bytes, 64 KiB) per connection per loop
// iteration, and only while that connection has less than stream_low_water (256 KiB) waiting
// to be sent; so a client that stops reading holds about 256 KiB and costs no CPU, and one
// that reads gets the whole reply while forwarding and other clients keep their turns
// (control_reply_streamed, control_stream_slices; control_reply_partial counts the replies
// that did not go out at once). The limits above apply unchanged.
// Running out of file descriptors does not make the loop spin: the server keeps one spare
// descriptor; on EMFILE/ENFILE it closes the spare, accepts the pending connection, answers it
// with an error, closes it and takes the spare again (control_accept_emfile). If even that
// fails the listener leaves the epoll set until the next tick (tick()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "vswitchd/control.h"

namespace nt {

struct ControlLimits {
  size_t max_request = size_t{64} << 20;
  size_t max_clients = 64;
  uint64_t idle_timeout_ms = 30'000;
  size_t stream_slice = size_t{64} << 10;       // bytes of reply text produced at once
  size_t stream_low_water = size_t{256} << 10;  // produce only while less is waiting
};

// X(name, "coverage_name")
#define NT_CONTROL_COUNTERS(X)                   \
  X(kAccepted, "control_accepted")               \
  X(kRequests, "control_requests")               \
  X(kMalformed, "control_malformed_request")     \
  X(kTooBig, "control_request_too_big")          \
  X(kTooManyClients, "control_too_many_clients") \
  X(kIdleTimeout, "control_idle_timeout")        \
  X(kAcceptEmfile, "control_accept_emfile")      \
  X(kListenPaused, "control_listen_paused")      \
  X(kReplyPartial, "control_reply_partial")      \
  X(kReplyStreamed, "control_reply_streamed")    \
  X(kStreamSlices, "control_stream_slices")

enum class ControlCounter : uint8_t {
#define NT_CONTROL_ENUM(name, str) name,
  NT_CONTROL_COUNTERS(NT_CONTROL_ENUM)
#undef NT_CONTROL_ENUM
      kCount
};

// Splits what a client sent into its request: the bytes before the first newline, or all of
// them once the client ended its stream. kIncomplete asks for more; kTooBig when more than
// `max` bytes arrived without a newline.
enum class FrameState { kIncomplete, kWhole, kTooBig, kEmpty };
FrameState frame_request(std::string_view buf, bool eof, size_t max, std::string_view* request);

// Assembles one request from what a client sends, as it arrives: the header line
// (as frame_request() frames it), then the `stdin_bytes` raw bytes it announces (control.h), which
// go straight into the request's stdin_data, reserved once at their announced size: the body is
// neither scanned for a newline nor copied again. `max` bounds the whole request (line and body); a
// body that would pass it is refused as soon as its header is read.
//   feed(bytes)         what was read (a copy; the server reads a body into body_space())
//   body_space()        while the body is incomplete: where its next bytes go (else empty)
//   body_filled(n)      n bytes were written into body_space()
//   finish()            the client ended its stream
// Each returns kIncomplete until the request is whole (take() it), or the terminal state:
// kTooBig, kEmpty (the client sent nothing), kMalformed (error(): a bad header, a body cut
// short). Bytes after a whole request are ignored, as after a request line.
class RequestReader {
 public:
  enum class State { kIncomplete, kWhole, kTooBig, kEmpty, kMalformed };

  explicit RequestReader(size_t max) : max_(max) {}
  State feed(std::string_view bytes);
  std::span<char> body_space();
  State body_filled(size_t n);
  State finish();

  State state() const { return state_; }
  const std::string& error() const { return error_; }
  ControlRequest take() { return std::move(req_); }

 private:
  State on_header(std::string_view line, std::string_view rest);
  State fail(State s, std::string why);
  State body_state();

  size_t max_;
  State state_ = State::kIncomplete;
  bool in_body_ = false;
  std::string in_;     // the header line, until whole
  size_t filled_ = 0;  // body bytes received
  ControlRequest req_;
  std::string error_;
};

// The reply sent for a request that could not be executed (`why` without the program name).
ControlReply control_error_reply(const std::string& why);

class ControlServer {
 public:
  using Handler = std::function<ControlReply(const ControlRequest&)>;
  using Clock = std::function<uint64_t()>;  // milliseconds, monotonic

  ControlServer(ControlLimits limits, Handler handler, Clock now_ms);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Listens at `path` (control_listen: mode 0750) and joins `epoll_fd` with `listen_tag`;
  // client fds join with `client_tag | fd`.
  Status start(const std::string& path, int epoll_fd, uint64_t listen_tag, uint64_t client_tag);
  void stop();  // closes every connection and the listener (the socket file stays)

  void on_listen();                         // the listener is readable
  void on_client(int fd, uint32_t events);  // epoll events of a client
  void tick();                              // idle timeouts, a paused listener back (500 ms timer)

  size_t clients() const { return clients_.size(); }
  uint64_t counter(ControlCounter c) const { return counters_[static_cast<size_t>(c)]; }
  std::string format_coverage() const;  // "Event coverage (control):" and the non-zero ones
  const ControlLimits& limits() const { return limits_; }

 private:
  struct Client {
    explicit Client(size_t max_request) : reader(max_request) {}
    RequestReader reader;
    std::string out;
    size_t sent = 0;
    bool replying = false;  // the reply is in `out` (and `stream`); reading is over
    bool partial = false;   // the reply did not go out at once (counted once)
    uint64_t last_active_ms = 0;
    std::unique_ptr<ReplyStream> stream;  // the rest of a streamed reply's stdout
    std::string tail;                     // what follows the stream (encode_reply_tail)
  };
  enum class SendState { kAll, kBlocked, kGone };

  void bump(ControlCounter c) { ++counters_[static_cast<size_t>(c)]; }
  void add_client(int fd);
  void refuse(int fd, const std::string& why);  // best effort, one non-blocking send
  bool read_some(int fd, Client& c);            // false: the client is gone
  void respond(int fd, Client& c, ControlReply reply);
  void flush(int fd, Client& c);  // closes the client once the reply is out
  SendState send_pending(int fd, Client& c);
  void produce_slice(Client& c);  // the stream's next slice (or the tail) into `out`
  void close_client(int fd);
  void pause_listener();

  ControlLimits limits_;
  Handler handler_;
  Clock now_ms_;
  int listen_fd_ = -1, epoll_fd_ = -1, spare_fd_ = -1;
  uint64_t listen_tag_ = 0, client_tag_ = 0;
  bool listener_paused_ = false;
  std::map<int, Client> clients_;
  std::string slice_;  // scratch for produce_slice()
  uint64_t counters_[static_cast<size_t>(ControlCounter::kCount)] = {};
};

}  // namespace nt
