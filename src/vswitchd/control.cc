#include "vswitchd/control.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "vswitchd/state_files.h"

namespace nt {
namespace {

using Json = nlohmann::json;

Error errno_error(int err) { return make_error(std::strerror(err), ErrorCode::kInternal); }

Result<Json> parse_json(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return make_error("malformed JSON message");
  return j;
}

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return errno_error(ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Writes all of `data`; false on error (errno set).
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads until EOF or a newline, waiting at most `timeout_ms` in total (0: forever).
Result<std::string> read_line(int fd, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string buf;
  char chunk[65536];
  while (buf.find('\n') == std::string::npos) {
    int wait = -1;
    if (timeout_ms > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return errno_error(ETIMEDOUT);
      wait = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, wait);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno_error(errno);
    if (r == 0) return errno_error(ETIMEDOUT);
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errno);
    if (n == 0) break;
    buf.append(chunk, static_cast<size_t>(n));
  }
  if (buf.empty()) return errno_error(ECONNRESET);
  return buf;
}

}  // namespace

std::string encode_request(const ControlRequest& req) {
  Json j = {{"tool", req.tool}, {"argv", req.argv}, {"stdin", req.stdin_data}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string encode_request_head(const ControlRequest& req) {
  Json j = {{"tool", req.tool}, {"argv", req.argv}};
  if (!req.stdin_data.empty()) j["stdin_bytes"] = req.stdin_data.size();
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<ControlRequest> decode_request(std::string_view text) {
  auto j = parse_json(text);
  if (!j.ok()) return j.error();
  ControlRequest req;
  Json& o = *j;
  if (!o.contains("tool") || !o["tool"].is_string()) return make_error("request has no tool");
  req.tool = o["tool"].get<std::string>();
  if (o.contains("argv")) {
    if (!o["argv"].is_array()) return make_error("request argv is not an array");
    for (const Json& a : o["argv"]) {
      if (!a.is_string()) return make_error("request argv holds a non-string");
      req.argv.push_back(a.get<std::string>());
    }
  }
  // The flows of a bundle can be megabytes: moved out of the parsed message, not copied.
  if (o.contains("stdin") && o["stdin"].is_string()) {
    req.stdin_data = std::move(o["stdin"].get_ref<std::string&>());
  }
  if (o.contains("stdin_bytes")) {
    const Json& n = o["stdin_bytes"];
    if (!n.is_number_unsigned()) return make_error("request stdin_bytes is not a byte count");
    if (o.contains("stdin")) return make_error("request has both stdin and stdin_bytes");
    req.stdin_bytes = n.get<size_t>();
  }
  return req;
}

std::string encode_reply(const ControlReply& reply) {
  Json j = {{"status", reply.status}, {"out", reply.out}, {"err", reply.err}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string json_string_body(std::string_view text) {
  std::string quoted = Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

// nlohmann's objects keep their keys sorted: err, out, status.
std::string encode_reply_head(const ControlReply& reply) {
  return "{\"err\":\"" + json_string_body(reply.err) + "\",\"out\":\"" +
         json_string_body(reply.out);
}

std::string encode_reply_tail(const ControlReply& reply) {
  return "\",\"status\":" + std::to_string(reply.status) + "}\n";
}

Result<ControlReply> decode_reply(std::string_view text) {
  auto j = parse_json(text);
  if (!j.ok()) return j.error();
  const Json& o = *j;
  ControlReply r;
  if (!o.contains("status") || !o["status"].is_number_integer()) {
    return make_error("reply has no status");
  }
  r.status = o["status"].get<int>();
  if (o.contains("out") && o["out"].is_string()) r.out = o["out"].get<std::string>();
  if (o.contains("err") && o["err"].is_string()) r.err = o["err"].get<std::string>();
  return r;
}

std::string run_dir(const std::optional<std::string>& override_dir) {
  if (override_dir && !override_dir->empty()) return *override_dir;
  const char* env = std::getenv("NVS_RUNDIR");
  if (env && *env) return env;
  return kDefaultRunDir;
}

std::string control_socket_path(const std::string& rundir) {
  return rundir + "/" + kDaemonName + ".ctl";
}

Result<ControlReply> control_call(const std::string& socket_path, const ControlRequest& req,
                                  int timeout_ms) {
  auto addr = unix_address(socket_path);
  if (!addr.ok()) return addr.error();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error(errno);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    int err = errno;
    ::close(fd);
    return errno_error(err);
  }
  // The header, then the input raw: no escaped copy of a file of flows.
  if (!write_all(fd, encode_request_head(req)) || !write_all(fd, req.stdin_data)) {
    // The daemon may have refused the request (too big, too many connections) and closed:
    // its error reply, if it sent one, says why better than EPIPE does.
    int err = errno;
    auto line = read_line(fd, 1000);
    ::close(fd);
    if (line.ok()) return decode_reply(*line);
    return errno_error(err);
  }
  ::shutdown(fd, SHUT_WR);
  auto line = read_line(fd, timeout_ms);
  ::close(fd);
  if (!line.ok()) return line.error();
  return decode_reply(*line);
}

int relay_to_daemon(const std::string& socket_path, const ControlRequest& req, int timeout_ms,
                    const std::function<std::string(const std::string&)>& unreachable) {
  auto reply = control_call(socket_path, req, timeout_ms);
  if (!reply.ok()) {
    std::fputs(unreachable(reply.error().message).c_str(), stderr);
    return 1;
  }
  std::fwrite(reply->out.data(), 1, reply->out.size(), stdout);
  std::fflush(stdout);
  std::fwrite(reply->err.data(), 1, reply->err.size(), stderr);
  return reply->status;
}

Result<int> control_listen(const std::string& path) {
  auto addr = unix_address(path);
  if (!addr.ok()) return addr.error();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return errno_error(errno);
  ::unlink(path.c_str());
  // The socket's mode decides who may drive the daemon: 0750 (owner and group, as Open
  // vSwitch's ovs-vswitchd.ctl), whatever the umask. The socket is born 0700 under umask 077
  // and only then widened, so it is never reachable by others, not even for an instant.
  mode_t old_mask = ::umask(077);
  int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  int err = errno;
  ::umask(old_mask);
  if (rc == 0 && ::chmod(path.c_str(), 0750) != 0) rc = -1, err = errno;
  if (rc == 0 && ::listen(fd, 128) != 0) rc = -1, err = errno;
  if (rc != 0) {
    ::close(fd);
    return errno_error(err);
  }
  return fd;
}

Result<std::string> read_file_or_stdin(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  auto text = read_state_file(path);  // a directory is "Is a directory", not a stream error
  if (!text.ok())
    return make_error(text.error().message.substr(path.size() + 2), text.error().code);
  return text;
}

}  // namespace nt
