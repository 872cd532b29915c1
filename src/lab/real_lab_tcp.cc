// RealLab: the TCP lines with real programs in the instances' namespaces. `listen` runs busybox
// nc as a persistent echo service (-ll -e cat: one cat per connection); `connect` runs a small
// python3 socket client that prints the same lines as the emulated lab. A connection kept open
// (`as CONN`) is that client left running: it takes `send` and `close` requests from a FIFO and
// answers each with one line in its log. Every process is recorded in the LabState, so the lab's
// teardown (or `neutrino lab down`) stops it.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/files.h"
#include "common/process.h"
#include "common/strings.h"
#include "lab/real_lab.h"
#include "scenario/lab_common.h"
#include "scenario/runner_util.h"

namespace nt::lab {
namespace {

namespace si = scenario_internal;

// The client: connect (printing the outcome), then, with a FIFO, serve its requests
// ("send WAIT TEXT", "close") until closed. Output is line-buffered: one line per answer.
constexpr const char* kTcpClient = R"(# neutrino lab: a TCP client (connect / send / close)
import os, socket, sys


def say(line):
    print(line, flush=True)


def connect(dst, port, wait):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(wait)
    try:
        s.connect((dst, port))
    except ConnectionRefusedError:
        say("connection refused")
        return None
    except socket.timeout:
        say("timed out")
        return None
    except OSError as e:
        say(e.strerror or str(e))
        return None
    say("connected to %s:%d" % (dst, port))
    return s


def echo(s, wait, data, sent, got):
    s.settimeout(wait)
    try:
        s.sendall(data)
        sent += len(data)
        while got < sent:
            chunk = s.recv(65536)
            if not chunk:
                say("connection closed")
                return sent, got
            got += len(chunk)
    except socket.timeout:
        say("timed out")
        return sent, got
    except OSError:
        say("connection closed")
        return sent, got
    say("echoed %d bytes" % len(data))
    return sent, got


def serve(s, ctl):
    sent = got = 0
    while True:
        line = ctl.readline()
        if not line:
            return
        cmd, _, rest = line.rstrip("\n").partition(" ")
        if cmd == "close":
            s.close()
            say("closed")
            return
        wait, _, text = rest.partition(" ")
        sent, got = echo(s, float(wait), text.encode(), sent, got)


ctl = open(os.open(sys.argv[4], os.O_RDWR)) if len(sys.argv) > 4 else None
s = connect(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
if s is not None and ctl is not None:
    serve(s, ctl)
elif s is not None:
    s.close()
)";

std::string read_from(const std::string& path, size_t offset) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return offset < all.size() ? all.substr(offset) : std::string();
}

// Waits up to `wait_s` for a complete line after `read` in `log`; moves `read` past it.
Result<std::string> next_line(const std::string& log, size_t& read, int wait_s) {
  for (int waited = 0; waited <= wait_s * 1000; waited += 20) {
    std::string text = read_from(log, read);
    size_t nl = text.find('\n');
    if (nl != std::string::npos) {
      read += nl + 1;
      return text.substr(0, nl + 1);
    }
    sleep_ms(20);
  }
  return make_error("the TCP client said nothing in " + std::to_string(wait_s) + " s: " + log);
}

}  // namespace

Result<std::string> RealLab::cmd_tcp(const Args& a) {
  auto t = si::parse_tcp_line(a);
  if (!t.ok()) return t.error();
  if (a[0] == "send") {
    return tcp_request(t->conn, "send " + std::to_string(t->wait_s) + " " + t->text, t->wait_s);
  }
  if (a[0] == "close") {
    auto r = tcp_request(t->conn, "close", si::kTcpDefaultWaitS);
    auto it = tcp_clients_.find(t->conn);
    if (it != tcp_clients_.end()) {
      stop_process(it->second.pid, SIGINT, 1000);  // it has exited: reaped here
      std::erase(state_.pids, it->second.pid);
      tcp_clients_.erase(it);
      NT_TRY(save_lab_state(state_));
    }
    if (!r.ok()) return r.error();
    return std::string();
  }
  auto inst = instance(t->instance);
  if (!inst.ok()) return inst.error();
  if (a[0] == "listen") return tcp_listen(**inst, t->port);
  return tcp_connect(**inst, t->dst, t->port, t->conn, t->wait_s);
}

// Whether something in `ns` listens on TCP `port` (busybox netstat -ltn).
bool RealLab::tcp_listening(const std::string& ns, uint16_t port) {
  auto r = run_process({"ip", "netns", "exec", ns, "busybox", "netstat", "-ltn"});
  return r.ok() && r->output.find(":" + std::to_string(port) + " ") != std::string::npos;
}

// busybox nc -ll -p PORT -e cat, once the port shows in the instance's listening sockets.
Result<std::string> RealLab::tcp_listen(const Instance& inst, uint16_t port) {
  std::string p = std::to_string(port);
  if (tcp_listening(inst.ns, port)) return make_error("listen: Address already in use");
  std::string log = "/tmp/" + state_.prefix + "-nc-" + inst.name + "-" + p + ".log";
  state_.files.push_back(log);
  Args argv = {"ip", "netns", "exec", inst.ns, "busybox", "nc", "-ll", "-p", p, "-e", "cat"};
  auto pid = spawn_background(argv, log);
  if (!pid.ok()) return pid.error();
  state_.pids.push_back(*pid);
  NT_TRY(save_lab_state(state_));
  last_display_ = command_line(argv) + " &";
  for (int i = 0; i < 100; ++i) {
    if (tcp_listening(inst.ns, port)) return std::string();
    sleep_ms(50);
  }
  return make_error("listen: nc on " + inst.name + " port " + p + " did not start: " + log);
}

Status RealLab::tcp_client_script() {
  if (!tcp_script_.empty()) return ok_status();
  std::string path = "/tmp/" + state_.prefix + "-tcp-client.py";
  state_.files.push_back(path);
  NT_TRY(write_file_atomic(path, kTcpClient));
  tcp_script_ = path;
  return ok_status();
}

Result<std::string> RealLab::tcp_connect(const Instance& inst, const std::string& dst,
                                         uint16_t port, const std::string& name, int wait_s) {
  NT_TRY(tcp_client_script());
  Args argv = {"ip",
               "netns",
               "exec",
               inst.ns,
               "python3",
               tcp_script_,
               dst,
               std::to_string(port),
               std::to_string(wait_s)};
  last_display_ = command_line(argv);
  if (name.empty()) {
    auto r = run_process(argv, "", wait_s + 30);
    if (!r.ok()) return r.error();
    if (r->exit_code != 0) return make_error("connect: " + std::string(trim(r->output)));
    return r->output;
  }
  if (tcp_clients_.count(name))
    return make_error("connect: a connection named " + name + " is open");
  TcpClient c;
  std::string base = "/tmp/" + state_.prefix + "-tcp-" + name;
  c.fifo = base + ".ctl";
  c.log = base + ".log";
  state_.files.insert(state_.files.end(), {c.fifo, c.log});
  ::unlink(c.fifo.c_str());
  if (::mkfifo(c.fifo.c_str(), 0600) != 0) return make_error(c.fifo + ": cannot make a FIFO");
  argv.push_back(c.fifo);
  last_display_ = command_line(argv) + " &";
  auto pid = spawn_background(argv, c.log);
  if (!pid.ok()) return pid.error();
  c.pid = *pid;
  state_.pids.push_back(c.pid);
  NT_TRY(save_lab_state(state_));
  auto line = next_line(c.log, c.read, wait_s + 30);
  if (!line.ok()) return line.error();
  if (line->rfind("connected", 0) == 0) {
    tcp_clients_[name] = c;
  } else {
    stop_process(c.pid, SIGINT, 1000);  // it has exited: reaped here
    std::erase(state_.pids, c.pid);
    NT_TRY(save_lab_state(state_));
  }
  return *line;
}

// Hands `request` to the named connection's client and returns its one-line answer.
Result<std::string> RealLab::tcp_request(const std::string& name, const std::string& request,
                                         int wait_s) {
  auto it = tcp_clients_.find(name);
  if (it == tcp_clients_.end()) {
    return make_error("no connection named " + name + " (connect ... as " + name + ")");
  }
  TcpClient& c = it->second;
  int fd = ::open(c.fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::string(si::kTcpClosedLine);  // the client is gone
  std::string line = request + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) return std::string(si::kTcpClosedLine);
  return next_line(c.log, c.read, wait_s + 30);
}

}  // namespace nt::lab
