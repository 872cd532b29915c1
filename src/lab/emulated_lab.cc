#include "lab/emulated_lab.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "packet/pcap.h"
#include "scenario/lab_common.h"

namespace nt::lab {
namespace {

using nlohmann::json;

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

// The live captures of this lab process, by id: each writes through to a pcap file beside the
// lab's socket, removed when the capture stops or the lab goes down.
struct LiveCaptures {
  std::string base;  // the socket's path without ".sock"
  int next_id = 1;
  std::map<std::string, std::string> files;
};

// {"op": "capture-start", "target": T, "if": IF} -> {"rc": 0, "id": ID, "file": PCAP};
// {"op": "capture-stop", "id": ID}.
json serve_capture(LabBackend& lab, LiveCaptures& caps, const json& req) {
  if (req.value("op", "") == "capture-stop") {
    std::string id = req.value("id", "");
    lab.stop_live_capture(id);
    if (auto it = caps.files.find(id); it != caps.files.end()) {
      std::remove(it->second.c_str());
      caps.files.erase(it);
    }
    return {{"rc", 0}, {"output", ""}};
  }
  std::string id = std::to_string(caps.next_id++);
  std::string file = caps.base + "-cap" + id + ".pcap";
  Status st = lab.start_live_capture(id, req.value("target", ""), req.value("if", ""), file);
  if (!st.ok()) return {{"rc", 1}, {"output", st.error().message + "\n"}};
  caps.files[id] = file;
  return {{"rc", 0}, {"output", ""}, {"id", id}, {"file", file}};
}

// One request: runs the translated commands on the lab; false when asked to go down.
bool serve_one(LabBackend& lab, LiveCaptures& caps, int conn) {
  std::string line;
  if (!read_line(conn, line)) return true;
  json reply = {{"rc", 0}, {"output", ""}};
  try {
    json req = json::parse(line);
    const std::string op = req.value("op", "");
    if (op == "down") {
      write_all(conn, reply.dump() + "\n");
      return false;
    }
    if (op == "capture-start" || op == "capture-stop") {
      reply = serve_capture(lab, caps, req);
      write_all(conn, reply.dump() + "\n");
      return true;
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
  LiveCaptures caps;
  caps.base = sock_path.substr(0, sock_path.size() - std::string(".sock").size());
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
  if (!listening) {
    lab.reset();  // a cloud lab's server and agents go, and the server's temporary directory
    ::_exit(1);
  }
  int null_fd = ::open("/dev/null", O_RDWR);
  ::dup2(null_fd, 0), ::dup2(null_fd, 1), ::dup2(null_fd, 2);
  while (true) {
    int conn = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    bool more = serve_one(*lab, caps, conn);
    ::close(conn);
    if (!more) break;
  }
  for (const auto& [id, f] : caps.files) std::remove(f.c_str());
  ::unlink(sock_path.c_str());
  lab.reset();  // _exit runs no destructors: a cloud lab's server directory goes here
  ::_exit(0);
}

// busybox nc as the lab's TCP lines: "nc -l[l] -p PORT [-e PROG]" is `listen NAME PORT` (an echo
// service, whatever PROG), "nc [-w S] DST PORT" is `connect NAME DST PORT [-W S]`.
Result<std::vector<std::string>> translate_nc(const std::string& target,
                                              const std::vector<std::string>& argv) {
  bool listen = false;
  std::string port, wait;
  std::vector<std::string> plain;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    bool has_value = a == "-p" || a == "-w" || a == "-e" || a == "-i" || a == "-f";
    std::string value = has_value && i + 1 < argv.size() ? argv[++i] : "";
    if (a == "-l" || a == "-ll" || a == "-lk") listen = true;
    if (a == "-p") port = value;
    if (a == "-w") wait = value;
    if (a[0] != '-') plain.push_back(a);
  }
  if (listen) {
    if (port.empty()) return make_error("nc: listening needs -p PORT");
    return std::vector<std::string>{"listen " + target + " " + port};
  }
  if (plain.size() != 2) return make_error("nc: usage: nc [-w S] DST PORT  |  nc -l -p PORT");
  std::string line = "connect " + target + " " + plain[0] + " " + plain[1];
  if (!wait.empty()) line += " -W " + wait;
  return std::vector<std::string>{line};
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
      return std::vector<std::string>{prog + " " + target + " " + join_words(opts, 0)};
    }
    if (prog == "nc") return translate_nc(target, argv);
    if (prog == "arp") return std::vector<std::string>{"arp " + target};
    if (prog == "ip") {
      std::string what = argv.size() > 1 && argv[1].rfind("r", 0) == 0 ? "route" : "addr";
      return std::vector<std::string>{"ip " + target + " " + what};
    }
    return make_error(
        "lab exec: an emulated instance runs ping, traceroute, nc, ip and arp, not '" + prog +
        "' (the real lab, lab up --real, runs anything)");
  }
  if (!is_node) return make_error("lab exec: no node or instance named '" + target + "'");
  std::string sub = argv.size() > 1 ? argv[1] : "";
  std::string node = "node " + target;
  static const std::vector<std::string> kOfctl = {"dump-flows", "add-flow", "mod-flows",
                                                  "del-flows"};
  if (prog == "nvs-ofctl" && std::find(kOfctl.begin(), kOfctl.end(), sub) != kOfctl.end()) {
    return std::vector<std::string>{node, join_words(argv, 1)};
  }
  if (prog == "nvs-ofctl" &&
      scenario_internal::ofctl_check_read_only({argv.begin() + 1, argv.end()}).ok()) {
    return std::vector<std::string>{node, "ofctl " + join_words(argv, 1)};
  }
  if (prog == "nvs-vsctl") return std::vector<std::string>{node, "vsctl " + join_words(argv, 1)};
  if (prog == "nvs-appctl") {
    if (sub == "ofproto/trace")
      return std::vector<std::string>{node, "trace " + join_words(argv, 2)};
    if (sub == "fdb/show") return std::vector<std::string>{node, "fdb " + join_words(argv, 2)};
    if (sub == "dpctl/dump-flows") return std::vector<std::string>{node, "dpctl"};
    if (sub == "coverage/show") return std::vector<std::string>{node, "coverage"};
  }
  return make_error(
      "lab exec: an emulated node answers every nvs-vsctl command, nvs-ofctl "
      "show/dump-ports/dump-ports-desc/dump-tables/dump-flows/add-flow/"
      "mod-flows/del-flows and nvs-appctl ofproto/trace, "
      "fdb/show, dpctl/dump-flows, "
      "coverage/show, not '" +
      join_words(argv, 0) + "' (lab up --real runs the real tools)");
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

namespace nt::lab {
namespace {

volatile sig_atomic_t g_capture_stop = 0;
void on_capture_signal(int) { g_capture_stop = 1; }

bool write_records(const std::string& path, const std::vector<PcapRecord>& recs, size_t from,
                   size_t to) {
  PcapWriter w;
  if (!w.open(path).ok()) return false;
  for (size_t i = from; i < to; ++i) {
    if (!w.write(recs[i].data.data(), recs[i].data.size(), recs[i].ts_usec).ok()) return false;
  }
  return true;
}

// What tcpdump -r printed, without its "reading from file ..." line.
std::string tcpdump_lines(const std::string& output) {
  std::string out, line;
  for (char c : output) {
    line += c;
    if (c != '\n') continue;
    if (line.rfind("reading from file", 0) != 0) out += line;
    line.clear();
  }
  return out + line;
}

// The capture's options: -c COUNT and -w FILE are ours, the rest goes to tcpdump.
struct CaptureArgs {
  size_t count = 0;  // 0: until stopped
  std::string write_to;
  std::vector<std::string> tcpdump;
};

Result<CaptureArgs> parse_capture_args(const std::vector<std::string>& args) {
  CaptureArgs c;
  for (size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "-c" || args[i] == "-w") && i + 1 >= args.size()) {
      return make_error("lab capture: " + args[i] + " needs a value");
    }
    if (args[i] == "-c") {
      auto n = parse_uint(args[++i], 32);
      if (!n || *n == 0) return make_error("lab capture: -c '" + args[i] + "' is not a count");
      c.count = static_cast<size_t>(*n);
    } else if (args[i] == "-w") {
      c.write_to = args[++i];
    } else {
      c.tcpdump.push_back(args[i]);
    }
  }
  return c;
}

// One look at the capture file: the frames that pass the filter so far.
Result<std::vector<PcapRecord>> filtered_frames(const std::string& file, const std::string& tmp,
                                                const std::vector<std::string>& tcpdump) {
  std::vector<std::string> argv = {"tcpdump", "-r", file, "-w", tmp};
  argv.insert(argv.end(), tcpdump.begin(), tcpdump.end());
  auto r = run_process(argv);
  if (!r.ok()) return r.error();
  if (r->exit_code != 0) return make_error("tcpdump: " + std::string(trim(r->output)));
  return read_pcap_records(tmp);
}

}  // namespace

int emulated_lab_capture(const LabState& st, const std::string& target, const std::string& iface,
                         const std::vector<std::string>& args) {
  auto opts = parse_capture_args(args);
  if (!opts.ok()) return std::fprintf(stderr, "neutrino: %s\n", opts.error().message.c_str()), 2;
  auto started = request(st, {{"op", "capture-start"}, {"target", target}, {"if", iface}});
  if (!started.ok() || started->value("rc", 1) != 0) {
    std::string why = started.ok() ? started->value("output", "") : started.error().message;
    std::fprintf(stderr, "neutrino: lab capture: %s\n", std::string(trim(why)).c_str());
    return 1;
  }
  const std::string id = started->value("id", ""), file = started->value("file", "");
  const std::string tmp = file + ".filtered", part = file + ".part";
  std::signal(SIGINT, on_capture_signal);
  std::signal(SIGTERM, on_capture_signal);
  std::fprintf(stderr, "listening on %s, link-type EN10MB (Ethernet), emulated lab '%s'\n",
               (iface.empty() ? target : target + "/" + iface).c_str(), st.name.c_str());
  size_t shown = 0;
  int rc = 0;
  std::uintmax_t seen_bytes = 0;
  while (!g_capture_stop && (opts->count == 0 || shown < opts->count)) {
    ::usleep(100000);
    if (st.server_pid > 0 && ::kill(st.server_pid, 0) != 0) break;  // the lab went down
    std::error_code ec;
    std::uintmax_t bytes = std::filesystem::file_size(file, ec);
    if (ec || bytes == seen_bytes) continue;  // no new frame: nothing to filter
    seen_bytes = bytes;
    auto frames = filtered_frames(file, tmp, opts->tcpdump);
    if (!frames.ok()) {
      std::fprintf(stderr, "neutrino: %s\n", frames.error().message.c_str());
      rc = 1;
      break;
    }
    size_t upto = opts->count ? std::min(frames->size(), opts->count) : frames->size();
    if (upto <= shown) continue;
    if (!opts->write_to.empty()) {
      if (!write_records(opts->write_to, *frames, 0, upto)) {
        std::fprintf(stderr, "neutrino: cannot write %s\n", opts->write_to.c_str());
        rc = 1;
        break;
      }
    } else if (write_records(part, *frames, shown, upto)) {
      std::vector<std::string> argv = {"tcpdump", "-r", part, "-n", "-e"};
      argv.insert(argv.end(), opts->tcpdump.begin(), opts->tcpdump.end());
      if (auto out = run_process(argv); out.ok()) {
        std::fputs(tcpdump_lines(out->output).c_str(), stdout);
        std::fflush(stdout);
      }
    }
    shown = upto;
  }
  (void)request(st, {{"op", "capture-stop"}, {"id", id}});
  std::remove(tmp.c_str());
  std::remove(part.c_str());
  std::fprintf(stderr, "%zu packet%s captured\n", shown, shown == 1 ? "" : "s");
  return rc;
}

}  // namespace nt::lab
