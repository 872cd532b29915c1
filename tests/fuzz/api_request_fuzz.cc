// libFuzzer target for neutrino-server's request path: arbitrary bytes become a request
// (first line the method, second the path with its query, third the X-Project-Id — empty for
// the noauth admin —, the rest the body) and go to Api::handle over an in-memory store seeded
// with a network, an IPv4 and an IPv6 subnet and a port. "$NET", "$SUBNET", "$PORT" and "$SG"
// (the port's default security group) in the path or body stand for their ids, so the corpus
// reaches real resources; so do "$EXT" (an external network with a subnet), "$ROUTER" (its
// gateway there, an interface on $SUBNET) and "$FIP" (a floating IP associated with $PORT).
// Whatever the input, the answer must be one of Neutron's statuses (never a 5xx), and any
// non-empty body JSON, a NeutronError when the status is an error; anything else aborts.
// Change-feed long-polls do not wait (wait=0).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "controller/api.h"
#include "controller/sqlite_store.h"

namespace {

using nt::controller::Api;
using nt::controller::ApiRequest;
using nt::controller::Json;
using nt::controller::SqliteStore;

struct World {
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<Api> api;
  std::string net, subnet, port, sg;
  std::string ext, router, fip;  // L3
  int requests = 0;
};

// An external network, a router between it and the first subnet, a floating IP on the port.
template <typename Post>
void seed_l3(World& w, Post& post) {
  w.ext = post("network", {{"name", "ext"}, {"router:external", true}});
  post("subnet", {{"network_id", w.ext}, {"ip_version", 4}, {"cidr", "10.10.10.0/24"}});
  w.router = post("router", {{"external_gateway_info", {{"network_id", w.ext}}}});
  ApiRequest r;
  r.method = "PUT";
  r.path = "/v2.0/routers/" + w.router + "/add_router_interface";
  r.body = Json{{"subnet_id", w.subnet}}.dump();
  w.api->handle(r);
  w.fip = post("floatingip", {{"floating_network_id", w.ext}, {"port_id", w.port}});
}

// A fresh store, rebuilt every so often so that what the fuzzer creates does not pile up.
void seed(World& w) {
  w.store = std::move(SqliteStore::open(":memory:").value());
  w.api = std::make_unique<Api>(nt::controller::ServerConfig{}, *w.store);
  w.requests = 0;
  auto post = [&](const std::string& kind, const Json& body) -> std::string {
    ApiRequest r;
    r.method = "POST";
    r.path = "/v2.0/" + kind + "s";
    r.body = Json{{kind, body}}.dump();
    return Json::parse(w.api->handle(r).body)[kind]["id"];
  };
  w.net = post("network", {{"name", "n"}});
  w.subnet = post("subnet", {{"network_id", w.net}, {"ip_version", 4}, {"cidr", "10.0.0.0/24"}});
  post("subnet", {{"network_id", w.net},
                  {"ip_version", 6},
                  {"cidr", "fd00::/64"},
                  {"ipv6_address_mode", "slaac"}});
  w.port = post("port", {{"network_id", w.net}});
  ApiRequest r;
  r.method = "GET";
  r.path = "/v2.0/ports/" + w.port;
  w.sg = Json::parse(w.api->handle(r).body)["port"]["security_groups"][0];
  seed_l3(w, post);
}

void substitute(std::string& s, const World& w) {
  for (const auto& [token, id] : {std::pair<std::string, const std::string&>{"$NET", w.net},
                                  {"$SUBNET", w.subnet},
                                  {"$PORT", w.port},
                                  {"$SG", w.sg},
                                  {"$EXT", w.ext},
                                  {"$ROUTER", w.router},
                                  {"$FIP", w.fip}}) {
    for (size_t at = s.find(token); at != std::string::npos; at = s.find(token, at + id.size())) {
      s.replace(at, token.size(), id);
    }
  }
}

bool allowed(int status) {
  switch (status) {
    case 200:
    case 201:
    case 204:
    case 400:
    case 403:
    case 404:
    case 405:
    case 409:
    case 412:
    case 413:
    case 503:
      return true;
    default:
      return false;
  }
}

std::string_view take_line(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  if (!world.api || ++world.requests > 2000) seed(world);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ApiRequest req;
  req.method = std::string(take_line(in));
  std::string target(take_line(in));
  req.project_id = std::string(take_line(in));
  req.roles = "member";
  req.body = std::string(in);
  substitute(target, world);
  substitute(req.body, world);
  req.base_url = "http://f";
  size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string_view query = std::string_view(target).substr(q + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view kv = query.substr(0, amp);
      size_t eq = kv.find('=');
      req.query.emplace_back(std::string(kv.substr(0, eq)),
                             eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
  }
  // The change feed's long-poll would wait up to a minute: a valid wait becomes 0 (a malformed
  // one still reaches the validation).
  for (auto& [k, v] : req.query) {
    bool number = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
    if (k == "wait" && number) v = "0";
  }
  nt::controller::ApiResponse resp = world.api->handle(req);
  if (!allowed(resp.status)) {
    std::fprintf(stderr, "status %d for %s %s: %s\n", resp.status, req.method.c_str(),
                 target.c_str(), resp.body.c_str());
    std::abort();
  }
  if (!resp.body.empty()) {
    Json j = Json::parse(resp.body, nullptr, false);
    if (j.is_discarded() || (resp.status >= 400 && !j.contains("NeutronError"))) {
      std::fprintf(stderr, "bad body for status %d: %s\n", resp.status, resp.body.c_str());
      std::abort();
    }
  }
  return 0;
}
