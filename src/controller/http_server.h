// HttpApiServer: neutrino-server's HTTP front end, runnable in any process.
//
// It opens the store `[database] connection` names (open_store; default SQLite in state_dir),
// builds the Api over it, follows other servers' commits on a shared PostgreSQL
// (listen_changes -> Feed::notify), and serves every request through Api::handle on its own
// cpp-httplib threads. The program neutrino-server is a thin main over it; the emulated lab
// runs one in-process on an ephemeral port (port 0).
//
// Why it stays responsive: httplib serves each connection on one pool thread, and change-feed
// long-polls (feed.h) may hold up to kMaxFeedWaiters of them (more get 503), so the pool has
// that many on top of kWorkers ordinary workers — a waiting agent never takes an ordinary
// request's thread. Agents keep their connection alive between requests, and an idle
// keep-alive connection holds its pool thread until httplib's keep-alive timeout (5 s): so the
// pool has kIdleConnections more threads (idle ones cost a stack, no CPU), else the 73rd agent
// of a 100-node cloud waits 5 s for each request (bench/cloud_scale measured 10 s of its 31).
// Headers and body leave in separate writes, so TCP_NODELAY is on (Nagle
// would otherwise hold each keep-alive body ~40 ms for the client's delayed ACK).
//
// stop() closes the feed first (long-polls answer now instead of holding the stop), then
// closes the listening socket; requests already being served finish and are answered before
// stop() returns.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

#include "controller/api.h"
#include "controller/config.h"
#include "controller/open_store.h"
#include "controller/store.h"

namespace nt::controller {

class HttpApiServer {
 public:
  static constexpr size_t kWorkers = 8;
  static constexpr size_t kIdleConnections = 256;  // agents' keep-alive connections

  // Starts serving the API (own threads) on host:port (port 0: an ephemeral port); the store
  // per config ([database] connection; default sqlite in state_dir, created if missing).
  static Result<std::unique_ptr<HttpApiServer>> start(const ServerConfig& config,
                                                      const std::string& state_dir,
                                                      const std::string& host, int port);
  int port() const { return port_; }
  // "http://HOST:PORT", what clients (and the lab's agents) use.
  std::string url() const;
  // The Api behind the server (tests set its clock; the lab reads its feed).
  Api& api() { return *api_; }
  void stop();  // finishes in-flight requests; idempotent
  ~HttpApiServer();

  HttpApiServer(const HttpApiServer&) = delete;
  HttpApiServer& operator=(const HttpApiServer&) = delete;

 private:
  HttpApiServer() = default;
  void route();

  std::unique_ptr<Store> store_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<ChangeListener> listener_;
  httplib::Server server_;
  std::thread thread_;
  std::string host_, base_;
  int port_ = 0;
};

}  // namespace nt::controller
