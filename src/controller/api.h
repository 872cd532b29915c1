// Api: the OpenStack Networking API v2.0 as a function from request to response.
//
// `handle` takes what the HTTP server parsed (method, path, query pairs in order, body, the
// headers that matter) and returns Neutron's status and JSON body. It routes, runs the
// resource's code inside one store transaction (so a failed request changes nothing), and maps
// every Fault to Neutron's `{"NeutronError": ...}` body in one place. No sockets here: the unit
// tests, the fuzzer and the HTTP shell (server.h) all call the same function.
#pragma once

#include <ctime>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "controller/config.h"
#include "controller/feed.h"
#include "controller/resource.h"
#include "controller/store.h"

namespace nt::controller {

struct ApiRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::string body;
  std::string if_match;    // "revision_number=N"
  std::string project_id;  // X-Project-Id (keystone); empty = noauth admin
  std::string roles;       // X-Roles
  std::string base_url;    // "http://127.0.0.1:9696" for links
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON, empty for 204
};

inline constexpr size_t kMaxRequestBody = 114688;  // Neutron's max_request_body_size

class Api {
 public:
  Api(ServerConfig config, Store& store) : config_(std::move(config)), store_(store) {
    feed_.notify(store_.current_revision());
  }
  ApiResponse handle(const ApiRequest& req);
  const ServerConfig& config() const { return config_; }
  // The change feed's wake-up (feed.h): Api notifies it after each commit; another engine's
  // listener (PostgreSQL NOTIFY) calls feed().notify(revision) too.
  Feed& feed() { return feed_; }
  // Wall-clock seconds for agents' heartbeats and `alive` (tests drive it).
  void set_clock(std::function<std::time_t()> clock) { clock_ = std::move(clock); }

 private:
  ApiResponse changes(const ApiRequest& req, const Context& ctx);
  ApiResponse host_state(const ApiRequest& req, const Context& ctx, const std::string& host);

  ServerConfig config_;
  Store& store_;
  Feed feed_;
  std::function<std::time_t()> clock_ = [] { return std::time(nullptr); };
};

}  // namespace nt::controller
