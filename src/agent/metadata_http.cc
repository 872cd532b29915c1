#include "agent/metadata_http.h"

#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/http_message.h"

namespace nt::agent {
namespace {

constexpr int kClientTimeoutMs = 30000;  // haproxy's timeout http-request

// Reads until `fd` holds a whole request; false on timeout, EOF or a malformed request
// (`bad` then says why).
bool read_request(int fd, MetadataRequest& out, std::string& bad) {
  std::string buf;
  char chunk[4096];
  while (true) {
    auto parsed = parse_http_request(buf, out);
    if (!parsed) {
      bad = parsed.error().message;
      return false;
    }
    if (*parsed == HttpParse::kComplete) return true;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kClientTimeoutMs) <= 0) return false;
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
  }
}

void write_all(int fd, const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::send(fd, text.data() + off, text.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

Result<MetadataResponse> HttpNovaUpstream::forward(const MetadataRequest& request) {
  httplib::Client c(host_, port_);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(30, 0);
  httplib::Headers headers;
  for (const auto& [name, value] : request.headers) headers.emplace(name, value);
  auto r = c.Get(request.path.c_str(), headers);
  if (!r) {
    return make_error(host_ + ":" + std::to_string(port_) + ": " + httplib::to_string(r.error()),
                      ErrorCode::kInternal);
  }
  MetadataResponse out;
  out.status = r->status;
  out.content_type = r->get_header_value("Content-Type");
  out.body = r->body;
  return out;
}

UnixHttpServer::~UnixHttpServer() { stop(); }

Status UnixHttpServer::start(const std::string& path) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return make_error("metadata socket path '" + path + "' is empty or too long");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(std::string("socket: ") + std::strerror(errno));
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0 ||
      ::pipe2(wake_, O_CLOEXEC) != 0) {
    std::string e = std::strerror(errno);
    ::close(fd);
    return make_error(path + ": " + e);
  }
  ::chmod(path.c_str(), 0666);
  listen_fd_ = fd;
  path_ = path;
  thread_ = std::thread([this] { serve(); });
  return ok_status();
}

void UnixHttpServer::stop() {
  if (thread_.joinable()) {
    char c = 0;
    (void)!::write(wake_[1], &c, 1);
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &wake_[0], &wake_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

void UnixHttpServer::serve() {
  while (true) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) return;
    if (p[1].revents) return;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    serve_one(fd);
    ::close(fd);
  }
}

void UnixHttpServer::serve_one(int fd) {
  MetadataRequest req;
  std::string bad;
  if (!read_request(fd, req, bad)) {
    if (!bad.empty()) write_all(fd, format_http_response({400, "text/plain", bad + "\n"}));
    return;
  }
  write_all(fd, format_http_response(handler_(req)));
}

}  // namespace nt::agent
