#include "controller/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <chrono>

#include "common/vlog.h"

namespace nt::controller {

namespace {

void log(VlogLevel level, const std::string& text) { vlog_write("server", level, text); }

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

Result<std::unique_ptr<HttpApiServer>> HttpApiServer::start(const ServerConfig& config,
                                                            const std::string& state_dir,
                                                            const std::string& host, int port) {
  std::unique_ptr<HttpApiServer> s(new HttpApiServer());
  if (config.connection.empty()) ::mkdir(state_dir.c_str(), 0755);
  auto store = open_store(config.connection, state_dir + "/neutrino-server.sqlite");
  if (!store) return store.error();
  s->store_ = std::move(*store);
  s->api_ = std::make_unique<Api>(config, *s->store_);
  // Other servers' commits on a shared PostgreSQL wake this server's long-polls too.
  Api* api = s->api_.get();
  auto listener =
      listen_changes(config.connection, [api](uint64_t rev) { api->feed().notify(rev); });
  if (!listener) return listener.error();
  s->listener_ = std::move(*listener);

  s->server_.new_task_queue = [] {
    return new httplib::ThreadPool(kWorkers + kMaxFeedWaiters + kIdleConnections);
  };
  s->server_.set_payload_max_length(kMaxRequestBody + 1);
  s->server_.set_tcp_nodelay(true);
  // SO_REUSEADDR (a restart rebinds at once), not httplib's default SO_REUSEPORT, which would
  // let a second server share a taken port silently instead of refusing it.
  s->server_.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s->route();
  int bound = port == 0 ? s->server_.bind_to_any_port(host)
                        : (s->server_.bind_to_port(host, port) ? port : -1);
  if (bound <= 0)
    return make_error("cannot listen on " + host + ":" + std::to_string(port),
                      ErrorCode::kInternal);
  s->host_ = host;
  s->port_ = bound;
  s->base_ = s->url();
  s->thread_ = std::thread([srv = s.get()] { srv->server_.listen_after_bind(); });
  // httplib's stop() does nothing before listen_after_bind marks the server running: wait for
  // it, so a stop() right after start() is never lost.
  while (!s->server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  log(VlogLevel::kInfo, "listening on " + s->base_);
  return s;
}

void HttpApiServer::route() {
  auto serve = [this](const httplib::Request& req, httplib::Response& res) {
    ApiResponse r = api_->handle(to_api(req, base_));
    res.status = r.status;
    if (!r.body.empty()) res.set_content(r.body, "application/json");
    log(VlogLevel::kInfo, req.method + " " + req.path + " status: " + std::to_string(r.status));
  };
  for (const char* pattern : {"/", R"(/.*)"}) {
    server_.Get(pattern, serve);
    server_.Post(pattern, serve);
    server_.Put(pattern, serve);
    server_.Delete(pattern, serve);
  }
}

std::string HttpApiServer::url() const { return "http://" + host_ + ":" + std::to_string(port_); }

void HttpApiServer::stop() {
  if (!thread_.joinable()) return;
  api_->feed().close();  // long-polls answer now instead of holding the stop
  server_.stop();        // finishes in-flight requests, then listen_after_bind returns
  thread_.join();
  listener_.reset();
  log(VlogLevel::kInfo, "stopped");
}

HttpApiServer::~HttpApiServer() { stop(); }

}  // namespace nt::controller
