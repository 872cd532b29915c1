#include "common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

namespace nt {
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> v;
  for (const auto& a : argv) v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// In the child: wires fds 0/1/2 and execs; never returns.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, int in_fd, int out_fd) {
  ::dup2(in_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  ::setpgid(0, 0);  // our own process group: a Ctrl-C aimed at the lab does not reach it twice
  auto v = c_argv(argv);
  ::execvp(v[0], v.data());
  std::string msg = argv[0] + ": " + std::strerror(errno) + "\n";
  (void)!::write(2, msg.data(), msg.size());
  ::_exit(127);
}

// Feeds `input` and collects output until the child closes its end or the deadline passes.
bool pump(int to_child, int from_child, const std::string& input, std::string& out,
          std::chrono::steady_clock::time_point deadline) {
  size_t written = 0;
  if (input.empty()) ::close(to_child), to_child = -1;
  char buf[8192];
  while (true) {
    pollfd fds[2] = {{from_child, POLLIN, 0}, {to_child, POLLOUT, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    int n = ::poll(fds, to_child >= 0 ? 2 : 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (to_child >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = ::write(to_child, input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 || written == input.size()) ::close(to_child), to_child = -1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = ::read(from_child, buf, sizeof buf);
      if (r <= 0) break;
      out.append(buf, static_cast<size_t>(r));
    }
  }
  if (to_child >= 0) ::close(to_child);
  return true;
}

}  // namespace

Result<ProcessResult> run_process(const std::vector<std::string>& argv, const std::string& input,
                                  int timeout_s) {
  if (argv.empty()) return make_error("run_process: empty command");
  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) < 0) return make_error("pipe: " + std::string(strerror(errno)));
  if (::pipe2(out_pipe, O_CLOEXEC) < 0) {
    ::close(in_pipe[0]), ::close(in_pipe[1]);
    return make_error("pipe: " + std::string(strerror(errno)));
  }
  pid_t pid = ::fork();
  if (pid == 0) exec_child(argv, in_pipe[0], out_pipe[1]);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  if (pid < 0) {
    ::close(in_pipe[1]), ::close(out_pipe[0]);
    return make_error("fork: " + std::string(strerror(errno)));
  }
  ::signal(SIGPIPE, SIG_IGN);
  ProcessResult res;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  bool in_time = pump(in_pipe[1], out_pipe[0], input, res.output, deadline);
  ::close(out_pipe[0]);
  if (!in_time) stop_process(pid, SIGTERM, 1000);
  int status = 0;
  while (in_time && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!in_time) {
    return make_error("`" + command_line(argv) + "` did not finish within " +
                      std::to_string(timeout_s) + " s");
  }
  res.exit_code = decode_status(status);
  return res;
}

Result<std::string> run_checked(const std::vector<std::string>& argv, const std::string& input) {
  auto r = run_process(argv, input);
  if (!r.ok()) return r.error();
  if (r->exit_code != 0) {
    std::string out = r->output;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return make_error("`" + command_line(argv) + "` failed (exit " + std::to_string(r->exit_code) +
                      ")" + (out.empty() ? "" : ": " + out));
  }
  return r->output;
}

Result<pid_t> spawn_background(const std::vector<std::string>& argv, const std::string& log_path) {
  int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return make_error(log_path + ": " + std::strerror(errno));
  int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid == 0) exec_child(argv, null_in, out);
  ::close(out);
  ::close(null_in);
  if (pid < 0) return make_error("fork: " + std::string(strerror(errno)));
  return pid;
}

pid_t pidfile_pid(const std::string& pidfile, const std::string& comm) {
  std::ifstream in(pidfile);
  long pid = 0;
  if (!(in >> pid) || pid <= 1) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(f, name);
  return name.rfind(comm, 0) == 0 ? static_cast<pid_t>(pid) : -1;
}

void stop_process(pid_t pid, int sig, int grace_ms) {
  if (pid <= 0) return;
  ::kill(pid, sig);
  for (int waited = 0; waited <= grace_ms; waited += 20) {
    int status;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      if (r < 0 && ::kill(pid, 0) == 0) {  // not our child (a `lab down` of another process's lab)
        ::usleep(20000);
        continue;
      }
      return;
    }
    ::usleep(20000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    bool plain = !a.empty() && a.find_first_of(" \t'\"\\$*?;&|<>(){}") == std::string::npos;
    if (plain) {
      s += a;
      continue;
    }
    s += '\'';
    for (char c : a) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
    s += '\'';
  }
  return s;
}

}  // namespace nt
