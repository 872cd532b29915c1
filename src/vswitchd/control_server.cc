#include "vswitchd/control_server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/strings.h"

namespace nt {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kReadBudget = 1 << 20;  // per wake-up and client: others get their turn
constexpr int kAcceptsPerWake = 64;

std::string_view counter_name(ControlCounter c) {
  switch (c) {
#define NT_CONTROL_NAME(name, str) \
  case ControlCounter::name:       \
    return str;
    NT_CONTROL_COUNTERS(NT_CONTROL_NAME)
#undef NT_CONTROL_NAME
    case ControlCounter::kCount:
      break;
  }
  return "?";
}

int open_spare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

FrameState frame_request(std::string_view buf, bool eof, size_t max, std::string_view* request) {
  size_t nl = buf.find('\n');
  if (nl != std::string_view::npos && nl <= max) {
    *request = buf.substr(0, nl + 1);
    return FrameState::kWhole;
  }
  if (buf.size() > max) return FrameState::kTooBig;
  if (!eof) return FrameState::kIncomplete;
  if (buf.empty()) return FrameState::kEmpty;
  *request = buf;
  return FrameState::kWhole;
}

RequestReader::State RequestReader::fail(State s, std::string why) {
  error_ = std::move(why);
  std::string().swap(in_);
  return state_ = s;
}

RequestReader::State RequestReader::body_state() {
  return state_ = filled_ == req_.stdin_data.size() ? State::kWhole : State::kIncomplete;
}

// The header line is whole: decode it and start its body with what followed the newline.
RequestReader::State RequestReader::on_header(std::string_view line, std::string_view rest) {
  auto req = decode_request(line);
  if (!req.ok()) return fail(State::kMalformed, req.error().message);
  req_ = std::move(*req);
  if (req_.stdin_bytes == 0) return state_ = State::kWhole;
  if (req_.stdin_bytes > max_ || line.size() > max_ - req_.stdin_bytes) {
    return fail(State::kTooBig, "");
  }
  req_.stdin_data.resize(req_.stdin_bytes);  // reserved once; read() fills it in place
  size_t n = std::min(rest.size(), req_.stdin_bytes);
  std::memcpy(req_.stdin_data.data(), rest.data(), n);
  filled_ = n;
  in_body_ = true;
  std::string().swap(in_);
  return body_state();
}

RequestReader::State RequestReader::feed(std::string_view bytes) {
  if (state_ != State::kIncomplete) return state_;
  if (in_body_) {
    size_t n = std::min(bytes.size(), req_.stdin_data.size() - filled_);
    std::memcpy(req_.stdin_data.data() + filled_, bytes.data(), n);
    filled_ += n;
    return body_state();
  }
  size_t scanned = in_.size();
  in_.append(bytes);
  // Only the new bytes can hold the newline: a slow header is not rescanned from its start.
  size_t nl = in_.find('\n', scanned);
  if (nl == std::string::npos) {
    if (in_.size() > max_) return fail(State::kTooBig, "");
    return state_;
  }
  if (nl > max_) return fail(State::kTooBig, "");  // as frame_request()
  std::string head = in_.substr(0, nl + 1);
  return on_header(head, std::string_view(in_).substr(nl + 1));
}

std::span<char> RequestReader::body_space() {
  if (!in_body_ || state_ != State::kIncomplete) return {};
  return {req_.stdin_data.data() + filled_, req_.stdin_data.size() - filled_};
}

RequestReader::State RequestReader::body_filled(size_t n) {
  filled_ += std::min(n, req_.stdin_data.size() - filled_);
  return body_state();
}

RequestReader::State RequestReader::finish() {
  if (state_ != State::kIncomplete) return state_;
  if (in_body_) {
    return fail(State::kMalformed, "request cut short: " + std::to_string(filled_) + " of " +
                                       std::to_string(req_.stdin_data.size()) +
                                       " bytes of stdin_bytes received");
  }
  if (in_.empty()) return state_ = State::kEmpty;
  std::string head = std::move(in_);
  return on_header(head, {});
}

ControlReply control_error_reply(const std::string& why) {
  return ControlReply{1, "", std::string(kDaemonName) + ": " + why + "\n", {}};
}

ControlServer::ControlServer(ControlLimits limits, Handler handler, Clock now_ms)
    : limits_(limits), handler_(std::move(handler)), now_ms_(std::move(now_ms)) {}

ControlServer::~ControlServer() { stop(); }

Status ControlServer::start(const std::string& path, int epoll_fd, uint64_t listen_tag,
                            uint64_t client_tag) {
  auto fd = control_listen(path);
  if (!fd.ok()) return make_error(path + ": " + fd.error().message);
  listen_fd_ = *fd;
  epoll_fd_ = epoll_fd;
  listen_tag_ = listen_tag;
  client_tag_ = client_tag;
  spare_fd_ = open_spare();
  epoll_event ev{EPOLLIN, {.u64 = listen_tag_}};
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) != 0) {
    return make_error(path + ": epoll: " + std::strerror(errno));
  }
  return ok_status();
}

void ControlServer::stop() {
  while (!clients_.empty()) close_client(clients_.begin()->first);
  for (int* fd : {&listen_fd_, &spare_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void ControlServer::pause_listener() {
  if (listener_paused_) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
  listener_paused_ = true;
  bump(ControlCounter::kListenPaused);
}

void ControlServer::on_listen() {
  for (int i = 0; i < kAcceptsPerWake; ++i) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      bump(ControlCounter::kAccepted);
      if (clients_.size() >= limits_.max_clients) {
        bump(ControlCounter::kTooManyClients);
        refuse(fd, "too many connections (" + std::to_string(limits_.max_clients) +
                       "); try again later");
        continue;
      }
      add_client(fd);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EMFILE && errno != ENFILE) return;  // EAGAIN: nothing more to accept
    // Out of descriptors: the pending connection would make the listener readable forever.
    // Take it with the spare descriptor, tell it why and drop it; then take the spare back.
    bump(ControlCounter::kAcceptEmfile);
    if (spare_fd_ >= 0) ::close(spare_fd_);
    spare_fd_ = -1;
    fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) refuse(fd, "out of file descriptors; try again later");
    spare_fd_ = open_spare();
    if (fd < 0 || spare_fd_ < 0) return pause_listener();  // back at the next tick()
  }
}

void ControlServer::add_client(int fd) {
  epoll_event ev{EPOLLIN, {.u64 = client_tag_ | static_cast<uint32_t>(fd)}};
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    return;
  }
  clients_.try_emplace(fd, limits_.max_request).first->second.last_active_ms = now_ms_();
}

void ControlServer::refuse(int fd, const std::string& why) {
  std::string msg = encode_reply(control_error_reply(why));
  (void)!::send(fd, msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::close(fd);
}

void ControlServer::close_client(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  clients_.erase(fd);
}

// Reads what has arrived (at most kReadBudget now; epoll reports the rest). False when the
// client is gone or failed.
bool ControlServer::read_some(int fd, Client& c) {
  char chunk[kReadChunk];
  size_t budget = kReadBudget;
  RequestReader::State st = c.reader.state();
  while (budget > 0 && st == RequestReader::State::kIncomplete) {
    // A raw body is read straight into the request; a header line through `chunk`.
    std::span<char> body = c.reader.body_space();
    char* to = body.empty() ? chunk : body.data();
    size_t room = std::min(budget, body.empty() ? sizeof chunk : body.size());
    ssize_t n = ::read(fd, to, room);
    if (n > 0) {
      auto got = static_cast<size_t>(n);
      st = body.empty() ? c.reader.feed({chunk, got}) : c.reader.body_filled(got);
      budget -= std::min(budget, got);
      c.last_active_ms = now_ms_();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) return false;
    st = c.reader.finish();
  }
  switch (st) {
    case RequestReader::State::kIncomplete:
      return true;
    case RequestReader::State::kEmpty:
      return false;
    case RequestReader::State::kTooBig:
      bump(ControlCounter::kTooBig);
      respond(
          fd, c,
          control_error_reply("request too big (more than " + std::to_string(limits_.max_request) +
                              " bytes; see --control-max-request)"));
      return true;
    case RequestReader::State::kMalformed:
      bump(ControlCounter::kRequests);
      bump(ControlCounter::kMalformed);
      respond(fd, c, control_error_reply(c.reader.error()));
      return true;
    case RequestReader::State::kWhole:
      break;
  }
  bump(ControlCounter::kRequests);
  respond(fd, c, handler_(c.reader.take()));
  return true;
}

void ControlServer::respond(int fd, Client& c, ControlReply reply) {
  c.replying = true;
  c.reader = RequestReader(limits_.max_request);  // the request's buffers go
  c.sent = 0;
  if (reply.stream) {
    bump(ControlCounter::kReplyStreamed);
    c.out = encode_reply_head(reply);
    c.tail = encode_reply_tail(reply);
    c.stream = std::move(reply.stream);
  } else {
    c.out = encode_reply(reply);
  }
  epoll_event ev{EPOLLOUT, {.u64 = client_tag_ | static_cast<uint32_t>(fd)}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
  flush(fd, c);
}

void ControlServer::produce_slice(Client& c) {
  if (c.sent > 0) {  // what was sent goes: `out` holds only what waits
    c.out.erase(0, c.sent);
    c.sent = 0;
  }
  slice_.clear();
  if (c.stream->next(slice_, limits_.stream_slice)) {
    bump(ControlCounter::kStreamSlices);
    c.out += json_string_body(slice_);
    return;
  }
  c.out += c.tail;
  c.stream.reset();
  std::string().swap(c.tail);
}

ControlServer::SendState ControlServer::send_pending(int fd, Client& c) {
  while (c.sent < c.out.size()) {
    ssize_t n =
        ::send(fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<size_t>(n);
      c.last_active_ms = now_ms_();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return SendState::kBlocked;
    return SendState::kGone;  // the client went away
  }
  return SendState::kAll;
}

// Sends what waits; then, for a streamed reply with room below the low-water mark, one more
// slice (the next one when epoll says the socket is writable again, the next loop iteration).
void ControlServer::flush(int fd, Client& c) {
  SendState st = send_pending(fd, c);
  if (st != SendState::kGone && c.stream && c.out.size() - c.sent < limits_.stream_low_water) {
    produce_slice(c);
    st = send_pending(fd, c);
  }
  if (st == SendState::kGone || (st == SendState::kAll && !c.stream)) return close_client(fd);
  // The rest when the socket is writable again (a stream: its next slice).
  if (!c.partial) bump(ControlCounter::kReplyPartial);
  c.partial = true;
}

void ControlServer::on_client(int fd, uint32_t events) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& c = it->second;
  if (c.replying) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) flush(fd, c);
    return;
  }
  if (!read_some(fd, c)) close_client(fd);
}

void ControlServer::tick() {
  uint64_t now = now_ms_();
  std::vector<int> idle;
  for (const auto& [fd, c] : clients_) {
    if (now - c.last_active_ms > limits_.idle_timeout_ms) idle.push_back(fd);
  }
  for (int fd : idle) {
    bump(ControlCounter::kIdleTimeout);
    if (!clients_.at(fd).replying) {
      std::string msg = encode_reply(control_error_reply(
          "connection idle for more than " + std::to_string(limits_.idle_timeout_ms / 1000) +
          " s (see --control-idle-timeout); closing it"));
      (void)!::send(fd, msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    close_client(fd);
  }
  if (spare_fd_ < 0) spare_fd_ = open_spare();
  if (listener_paused_ && spare_fd_ >= 0) {
    epoll_event ev{EPOLLIN, {.u64 = listen_tag_}};
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) == 0) listener_paused_ = false;
  }
}

std::string ControlServer::format_coverage() const {
  std::string s = "Event coverage (control):\n";
  for (size_t i = 0; i < static_cast<size_t>(ControlCounter::kCount); ++i) {
    if (counters_[i])
      s += coverage_line(counter_name(static_cast<ControlCounter>(i)), counters_[i]);
  }
  return s;
}

}  // namespace nt
