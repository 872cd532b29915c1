// neutrino-server: the OpenStack Networking API v2.0 (issue 10), a thin main over controller/.
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "common/vlog.h"
#include "controller/api.h"
#include "controller/open_store.h"

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

httplib::Server* g_server = nullptr;
Feed* g_feed = nullptr;

void on_signal(int) {
  if (g_feed) g_feed->close();     // long-polls answer now instead of holding the stop
  if (g_server) g_server->stop();  // finishes in-flight requests, then listen() returns
}

// httplib serves each connection on one pool thread. Change-feed long-polls (feed.h) may hold
// up to kMaxFeedWaiters of them (more get 503), so the pool has that many on top of the
// ordinary workers: a waiting agent never takes an ordinary request's thread.
constexpr size_t kWorkers = 8;

void log(nt::VlogLevel level, const std::string& text) { nt::vlog_write("server", level, text); }

ApiRequest to_api(const httplib::Request& r, const std::string& base) {
  ApiRequest a;
  a.method = r.method;
  a.path = r.path;
  for (const auto& [k, v] : r.params) a.query.emplace_back(k, v);
  a.body = r.body;
  a.if_match = r.get_header_value("If-Match");
  a.project_id = r.get_header_value("X-Project-Id");
  a.roles = r.get_header_value("X-Roles");
  std::string host = r.get_header_value("Host");
  a.base_url = host.empty() ? base : "http://" + host;
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) return 2;
  nt::Vlog vlog;
  nt::vlog_install(&vlog);
  if (!o.log_file.empty()) {
    auto s = vlog.set_log_file(o.log_file);
    if (!s) {
      std::cerr << "neutrino-server: " << s.error().message << "\n";
      return 1;
    }
  }
  auto config = load_config(o.config_files);
  if (!config) {
    std::cerr << "neutrino-server: " << config.error().message << "\n";
    return 1;
  }
  for (const auto& line : config->unknown) log(nt::VlogLevel::kInfo, line);
  if (config->connection.empty()) ::mkdir(o.state_dir.c_str(), 0755);
  auto store = open_store(config->connection, o.state_dir + "/neutrino-server.sqlite");
  if (!store) {
    std::cerr << "neutrino-server: " << store.error().message << "\n";
    return 1;
  }
  Api api(*config, **store);
  // Other servers' commits on a shared PostgreSQL wake this server's long-polls too.
  auto listener =
      listen_changes(config->connection, [&api](uint64_t rev) { api.feed().notify(rev); });
  if (!listener) {
    std::cerr << "neutrino-server: " << listener.error().message << "\n";
    return 1;
  }
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers + kMaxFeedWaiters); };
  std::string base = "http://" + config->bind_host + ":" + std::to_string(config->bind_port);
  server.set_payload_max_length(kMaxRequestBody + 1);
  // Headers and body leave in separate writes: without TCP_NODELAY, Nagle holds the body until
  // the client's delayed ACK (~40 ms) on every keep-alive request.
  server.set_tcp_nodelay(true);
  auto serve = [&](const httplib::Request& req, httplib::Response& res) {
    ApiResponse r = api.handle(to_api(req, base));
    res.status = r.status;
    if (!r.body.empty()) res.set_content(r.body, "application/json");
    log(nt::VlogLevel::kInfo, req.method + " " + req.path + " status: " + std::to_string(r.status));
  };
  for (const char* pattern : {"/", R"(/.*)"}) {
    server.Get(pattern, serve);
    server.Post(pattern, serve);
    server.Put(pattern, serve);
    server.Delete(pattern, serve);
  }
  if (!server.bind_to_port(config->bind_host.c_str(), config->bind_port)) {
    std::cerr << "neutrino-server: cannot listen on " << config->bind_host << ":"
              << config->bind_port << "\n";
    return 1;
  }
  if (o.detach && ::daemon(1, 0) != 0) {
    std::perror("neutrino-server: daemon");
    return 1;
  }
  if (!o.pidfile.empty()) std::ofstream(o.pidfile) << ::getpid() << "\n";
  g_server = &server;
  g_feed = &api.feed();
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  log(nt::VlogLevel::kInfo, "listening on " + base);
  server.listen_after_bind();
  log(nt::VlogLevel::kInfo, "stopped");
  if (!o.pidfile.empty()) ::unlink(o.pidfile.c_str());
  return 0;
}
