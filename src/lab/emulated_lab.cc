#include "lab/emulated_lab.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace nt::lab {
namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& v, size_t from, char sep = ' ') {
  std::string s;
  for (size_t i = from; i < v.size(); ++i) s += (s.empty() ? "" : std::string(1, sep)) + v[i];
  return s;
}

int unix_socket(const std::string& path, sockaddr_un& sa) {
  sa = {};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return -1;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  return ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

bool read_line(int fd, std::string& line) {
  char c;
  line.clear();
  while (::read(fd, &c, 1) == 1) {
    if (c == '\n') return true;
    line += c;
  }
  return !line.empty();
}

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// One request: runs the translated commands on the lab; false when asked to go down.
bool serve_one(LabBackend& lab, int conn) {
  std::string line;
  if (!read_line(conn, line)) return true;
  json reply = {{"rc", 0}, {"output", ""}};
  try {
    json req = json::parse(line);
    if (req.value("op", "") == "down") {
      write_all(conn, reply.dump() + "\n");
      return false;
    }
    auto cmds = translate_exec(lab.topology(), req.at("target"),
                               req.at("argv").get<std::vector<std::string>>());
    if (!cmds.ok()) throw std::runtime_error(cmds.error().message);
    std::string out;
    for (const std::string& c : *cmds) {
      auto r = lab.execute(c, {});
      if (!r.ok()) throw std::runtime_error(r.error().message);
      out += *r;
    }
    reply["output"] = out;
  } catch (const std::exception& e) {
    reply = {{"rc", 1}, {"output", std::string(e.what()) + "\n"}};
  }
  write_all(conn, reply.dump() + "\n");
  return true;
}

// The background process: build the lab, report to the parent through `report_fd`, serve.
[[noreturn]] void serve(const std::string& file, const std::string& text,
                        const std::string& sock_path, int report_fd) {
  ::setsid();
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  auto lab = make_emulated_backend();
  ScenarioResult r = run_scenario(text, file, *lab);
  sockaddr_un sa;
  int fd = unix_socket(sock_path, sa);
  ::unlink(sock_path.c_str());
  bool listening = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
                   ::listen(fd, 8) == 0;
  json report = {{"ok", r.ok},
                 {"transcript", r.transcript},
                 {"failures", r.failures},
                 {"listening", listening}};
  write_all(report_fd, report.dump());
  ::close(report_fd);
  if (!listening) ::_exit(1);
  int null_fd = ::open("/dev/null", O_RDWR);
  ::dup2(null_fd, 0), ::dup2(null_fd, 1), ::dup2(null_fd, 2);
  while (true) {
    int conn = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    bool more = serve_one(*lab, conn);
    ::close(conn);
    if (!more) break;
  }
  ::unlink(sock_path.c_str());
  ::_exit(0);
}

}  // namespace

Result<std::vector<std::string>> translate_exec(const LabTopology& t, const std::string& target,
                                                const std::vector<std::string>& argv) {
  if (argv.empty()) return make_error("lab exec: no command");
  const std::string& prog = argv[0];
  bool is_instance = std::any_of(t.instances.begin(), t.instances.end(),
                                 [&](const TopoInstance& i) { return i.name == target; });
  bool is_node = std::any_of(t.nodes.begin(), t.nodes.end(),
                             [&](const TopoNode& n) { return n.name == target; });
  if (is_instance) {
    if (prog == "ping" || prog == "traceroute") {
      // The lab's form is "ping NAME DST [options]": DST is the one word that is neither an
      // option nor an option's value.
      std::vector<std::string> opts;
      std::string dst;
      for (size_t i = 1; i < argv.size(); ++i) {
        bool with_value =
            argv[i].size() == 2 && std::string("cstWwmiq").find(argv[i][1]) != std::string::npos;
        if (argv[i][0] == '-') {
          opts.push_back(argv[i]);
          if (with_value && i + 1 < argv.size()) opts.push_back(argv[++i]);
        } else {
          dst = argv[i];
        }
      }
      if (dst.empty()) return make_error(prog + ": no destination");
      opts.insert(opts.begin(), dst);
      return std::vector<std::string>{prog + " " + target + " " + join(opts, 0)};
    }
    if (prog == "arp") return std::vector<std::string>{"arp " + target};
    if (prog == "ip") {
      std::string what = argv.size() > 1 && argv[1].rfind("r", 0) == 0 ? "route" : "addr";
      return std::vector<std::string>{"ip " + target + " " + what};
    }
    return make_error("lab exec: an emulated instance runs ping, traceroute, ip and arp, not '" +
                      prog + "' (the real lab, lab up --real, runs anything)");
  }
  if (!is_node) return make_error("lab exec: no node or instance named '" + target + "'");
  std::string sub = argv.size() > 1 ? argv[1] : "";
  std::string node = "node " + target;
  static const std::vector<std::string> kOfctl = {"dump-flows", "add-flow", "mod-flows",
                                                  "del-flows"};
  if (prog == "nvs-ofctl" && std::find(kOfctl.begin(), kOfctl.end(), sub) != kOfctl.end()) {
    return std::vector<std::string>{node, join(argv, 1)};
  }
  if (prog == "nvs-vsctl") return std::vector<std::string>{node, "vsctl " + join(argv, 1)};
  if (prog == "nvs-appctl") {
    if (sub == "ofproto/trace") return std::vector<std::string>{node, "trace " + join(argv, 2)};
    if (sub == "fdb/show") return std::vector<std::string>{node, "fdb " + join(argv, 2)};
    if (sub == "dpctl/dump-flows") return std::vector<std::string>{node, "dpctl"};
    if (sub == "coverage/show") return std::vector<std::string>{node, "coverage"};
  }
  return make_error(
      "lab exec: an emulated node answers nvs-vsctl's show, list-br, list-ports, get, list, "
      "find..., nvs-ofctl dump-flows/add-flow/mod-flows/del-flows and nvs-appctl ofproto/trace, "
      "fdb/show, dpctl/dump-flows, "
      "coverage/show, not '" +
      join(argv, 0) + "' (lab up --real runs the real tools)");
}

int emulated_lab_up(const std::string& name, const std::string& file, const std::string& text,
                    bool quiet) {
  std::error_code ec;
  std::filesystem::create_directories(lab_dir(), ec);
  std::string sock = lab_dir() + "/" + name + ".sock";
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return 1;
  std::fflush(stdout);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipe_fds[0]);
    serve(file, text, sock, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  std::string data;
  char buf[65536];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) data.append(buf, n);
  ::close(pipe_fds[0]);
  json report = json::parse(data, nullptr, false);
  if (pid < 0 || report.is_discarded() || !report.value("listening", false)) {
    std::fprintf(stderr, "neutrino: the emulated lab could not start serving on %s\n",
                 sock.c_str());
    return 1;
  }
  if (!quiet) {
    std::printf("==== %s ====\n%s\n", file.c_str(),
                report.at("transcript").get<std::string>().c_str());
  }
  for (const auto& f : report.at("failures")) {
    std::fprintf(stderr, "FAILED %s\n", f.get<std::string>().c_str());
  }
  LabState st;
  st.name = name;
  st.prefix = "emulated";
  st.source = file;
  st.backend = "emulated";
  st.server_pid = pid;
  st.socket = sock;
  st.files = {sock};
  (void)save_lab_state(st);
  return report.value("ok", false) ? 0 : 1;
}

namespace {

Result<json> request(const LabState& st, const json& req) {
  sockaddr_un sa;
  int fd = unix_socket(st.socket, sa);
  if (fd < 0) return make_error("socket: " + std::string(std::strerror(errno)));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    int err = errno;
    ::close(fd);
    return make_error("lab '" + st.name + "' does not answer on " + st.socket + ": " +
                      std::strerror(err));
  }
  write_all(fd, req.dump() + "\n");
  std::string line;
  read_line(fd, line);
  ::close(fd);
  json reply = json::parse(line, nullptr, false);
  if (reply.is_discarded()) return make_error("lab '" + st.name + "' sent a garbled answer");
  return reply;
}

}  // namespace

Result<ProcessResult> emulated_lab_exec(const LabState& st, const std::string& target,
                                        const std::vector<std::string>& argv) {
  auto reply = request(st, {{"target", target}, {"argv", argv}});
  if (!reply.ok()) return reply.error();
  return ProcessResult{reply->value("rc", 1), reply->value("output", "")};
}

void emulated_lab_down(const LabState& st) {
  if (!request(st, {{"op", "down"}}).ok() && st.server_pid > 0) ::kill(st.server_pid, SIGTERM);
  for (int i = 0; i < 100 && st.server_pid > 0 && ::kill(st.server_pid, 0) == 0; ++i) {
    ::waitpid(st.server_pid, nullptr, WNOHANG);
    ::usleep(20000);
  }
  std::error_code ec;
  std::filesystem::remove(st.socket, ec);
}

}  // namespace nt::lab
