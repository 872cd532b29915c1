// neutrino-server: the OpenStack Networking API v2.0 (issue 10), a thin main over controller/
// (HttpApiServer serves; this parses options, logs, detaches and waits for SIGTERM/SIGINT).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "common/vlog.h"
#include "controller/http_server.h"

namespace {

using namespace nt::controller;

struct Options {
  std::vector<std::string> config_files;
  std::string log_file, pidfile, state_dir = "/var/lib/neutrino";
  bool detach = false;
};

const char kUsage[] =
    "usage: neutrino-server [--config-file FILE]... [--state-dir DIR] [--log-file FILE]\n"
    "                       [--pidfile FILE] [--detach]\n";

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      size_t eq = a.find('=');
      if (eq != std::string::npos) {
        out = a.substr(eq + 1);
        return true;
      }
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--detach")
      o.detach = true;
    else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a.rfind("--config-file", 0) == 0) {
      if (!value(v)) return false;
      o.config_files.push_back(v);
    } else if (a.rfind("--state-dir", 0) == 0) {
      if (!value(o.state_dir)) return false;
    } else if (a.rfind("--log-file", 0) == 0) {
      if (!value(o.log_file)) return false;
    } else if (a.rfind("--pidfile", 0) == 0) {
      if (!value(o.pidfile)) return false;
    } else {
      std::cerr << "neutrino-server: unknown option " << a << "\n" << kUsage;
      return false;
    }
  }
  return true;
}

// --detach: the server's threads do not survive a fork, so the child starts the server and
// tells the waiting parent through a pipe whether it listens ("" = yes, else the error), as
// daemon(3) would but with start-up errors still reaching the terminal.
int detach_fd = -1;

bool detach_now() {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  pid_t child = ::fork();
  if (child < 0) return false;
  if (child > 0) {
    ::close(fds[1]);
    std::string msg;
    char buf[512];
    ssize_t n;
    bool any = false;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) msg.append(buf, n), any = true;
    if (any && msg == "ok") std::_Exit(0);
    std::cerr << "neutrino-server: " << (any ? msg : "the detached server exited") << "\n";
    std::_Exit(1);
  }
  ::close(fds[0]);
  ::setsid();
  detach_fd = fds[1];
  return true;
}

void detach_done(const std::string& error) {
  if (detach_fd < 0) return;
  std::string msg = error.empty() ? "ok" : error;
  ssize_t ignored = ::write(detach_fd, msg.data(), msg.size());
  (void)ignored;
  ::close(detach_fd);
  detach_fd = -1;
  if (!error.empty()) return;
  if (FILE* f = std::freopen("/dev/null", "r", stdin)) (void)f;
  if (FILE* f = std::freopen("/dev/null", "w", stdout)) (void)f;
  if (FILE* f = std::freopen("/dev/null", "w", stderr)) (void)f;
}

int fail(const std::string& message) {
  if (detach_fd >= 0)
    detach_done(message);  // the waiting parent prints it
  else
    std::cerr << "neutrino-server: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) return 2;
  nt::Vlog vlog;
  nt::vlog_install(&vlog);
  if (!o.log_file.empty()) {
    auto s = vlog.set_log_file(o.log_file);
    if (!s) return fail(s.error().message);
  }
  auto config = load_config(o.config_files);
  if (!config) return fail(config.error().message);
  for (const auto& line : config->unknown) nt::vlog_write("server", nt::VlogLevel::kInfo, line);
  if (o.detach && !detach_now()) return fail(std::string("detach: ") + std::strerror(errno));
  // The signals are taken by sigwait below, never by a handler: every thread the server
  // starts inherits this mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  auto server = HttpApiServer::start(*config, o.state_dir, config->bind_host, config->bind_port);
  if (!server) return fail(server.error().message);
  if (!o.pidfile.empty()) std::ofstream(o.pidfile) << ::getpid() << "\n";
  detach_done("");
  int sig = 0;
  sigwait(&sigs, &sig);
  (*server)->stop();
  if (!o.pidfile.empty()) ::unlink(o.pidfile.c_str());
  return 0;
}
