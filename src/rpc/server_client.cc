#include "rpc/server_client.h"

#include <httplib.h>

#include <cctype>
#include <nlohmann/json.hpp>

namespace nt::rpc {
namespace {

using Json = nlohmann::json;

void set_timeout(httplib::Client& c, double seconds, bool read) {
  auto sec = static_cast<time_t>(seconds);
  auto usec = static_cast<time_t>((seconds - static_cast<double>(sec)) * 1e6);
  if (read) {
    c.set_read_timeout(sec, usec);
  } else {
    c.set_connection_timeout(sec, usec);
  }
}

// Neutron's error body: {"NeutronError": {"type", "message", "detail"}}.
std::string error_text(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_object()) {
    auto e = j.find("NeutronError");
    if (e != j.end() && e->is_object()) {
      return e->value("type", "") + ": " + e->value("message", "");
    }
  }
  return body.substr(0, 200);
}

std::vector<std::string> strings_of(const Json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& s : *it) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

// A path segment with everything but unreserved characters percent-encoded.
std::string path_escape(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

ServerClient::ServerClient(std::string url, ServerClientOptions options)
    : url_(std::move(url)), options_(options), http_(std::make_unique<httplib::Client>(url_)) {
  http_->set_keep_alive(true);
  http_->set_tcp_nodelay(true);
  set_timeout(*http_, options_.connect_timeout, false);
  set_timeout(*http_, options_.read_timeout, true);
}

ServerClient::~ServerClient() = default;

void ServerClient::cancel() { http_->stop(); }

Result<ServerClient::Reply> ServerClient::call(const char* method, const std::string& path,
                                               const std::string& body, double extra_read_seconds) {
  if (!http_->is_valid()) return make_error("server " + url_ + ": not a valid URL");
  set_timeout(*http_, options_.read_timeout + extra_read_seconds, true);
  std::string m(method);
  httplib::Result r = m == "GET"    ? http_->Get(path)
                      : m == "POST" ? http_->Post(path, body, "application/json")
                                    : http_->Put(path, body, "application/json");
  if (!r) {
    return make_error("server " + url_ + ": " + httplib::to_string(r.error()),
                      ErrorCode::kInternal);
  }
  return Reply{r->status, r->body};
}

Result<std::string> ServerClient::expect_ok(Result<Reply> r, const std::string& what) {
  if (!r) return r.error();
  if (r->status >= 200 && r->status < 300) return std::move(r->body);
  ErrorCode code = r->status == 404   ? ErrorCode::kNotFound
                   : r->status >= 500 ? ErrorCode::kInternal
                                      : ErrorCode::kInvalidArgument;
  return make_error(what + ": " + std::to_string(r->status) + " " + error_text(r->body), code);
}

Result<HostState> ServerClient::host_state(const std::string& host) {
  std::string path = "/v2.0/neutrino/hosts/" + path_escape(host) + "/state";
  auto body = expect_ok(call("GET", path, ""), "GET " + path);
  if (!body) return body.error();
  return parse_host_state(*body);
}

Result<FeedPage> ServerClient::changes(uint64_t since, int wait_seconds) {
  std::string path = "/v2.0/neutrino/changes?since=" + std::to_string(since) +
                     "&wait=" + std::to_string(wait_seconds);
  auto body = expect_ok(call("GET", path, "", wait_seconds), "GET " + path);
  if (!body) return body.error();
  return parse_feed_page(*body);
}

Result<std::string> ServerClient::report_state(const AgentReport& report) {
  Json conf = Json::parse(report.configurations, nullptr, false);
  if (!conf.is_object()) return make_error("agent report: configurations is not a JSON object");
  Json state = {{"agent_type", report.agent_type},
                {"binary", report.binary},
                {"host", report.host},
                {"topic", report.topic},
                {"configurations", conf},
                {"start_flag", report.start_flag}};
  if (!report.availability_zone.empty()) state["availability_zone"] = report.availability_zone;
  const std::string path = "/v2.0/neutrino/agent-report";
  auto body = expect_ok(call("POST", path, Json{{"agent_state", state}}.dump()), "POST " + path);
  if (!body) return body.error();
  Json j = Json::parse(*body, nullptr, false);
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object()) {
    for (const char* key : {"state", "status", "result"}) {
      auto it = j.find(key);
      if (it != j.end() && it->is_string()) return it->get<std::string>();
    }
    return std::string("alive");
  }
  return make_error("POST " + path + ": unexpected answer " + body->substr(0, 100));
}

Result<DeviceStatus> ServerClient::update_devices(const std::string& host,
                                                  const std::vector<std::string>& up,
                                                  const std::vector<std::string>& down) {
  const std::string path = "/v2.0/neutrino/device-status";
  Json req = {{"host", host}, {"devices_up", up}, {"devices_down", down}};
  auto body = expect_ok(call("POST", path, req.dump()), "POST " + path);
  if (!body) return body.error();
  Json j = Json::parse(*body, nullptr, false);
  if (!j.is_object()) return make_error("POST " + path + ": malformed answer");
  return DeviceStatus{strings_of(j, "devices_up"), strings_of(j, "devices_down"),
                      strings_of(j, "failed_devices_up"), strings_of(j, "failed_devices_down")};
}

Result<std::vector<std::string>> ServerClient::update_floatingip_statuses(
    const std::string& router_id, const std::map<std::string, std::string>& statuses) {
  const std::string path = "/v2.0/neutrino/floatingip-status";
  Json req = {{"router_id", router_id}, {"fip_statuses", statuses}};
  auto body = expect_ok(call("POST", path, req.dump()), "POST " + path);
  if (!body) return body.error();
  Json j = Json::parse(*body, nullptr, false);
  if (!j.is_object()) return make_error("POST " + path + ": malformed answer");
  return strings_of(j, "updated");
}

Result<PortInfo> ServerClient::bind_port(const std::string& port_id, const std::string& host) {
  std::string path = "/v2.0/ports/" + path_escape(port_id);
  Json req = {{"port", {{"binding:host_id", host}}}};
  auto body = expect_ok(call("PUT", path, req.dump()), "PUT " + path);
  if (!body) return body.error();
  return parse_port(*body);
}

Result<PortInfo> ServerClient::get_port(const std::string& port_id) {
  std::string path = "/v2.0/ports/" + path_escape(port_id);
  auto body = expect_ok(call("GET", path, ""), "GET " + path);
  if (!body) return body.error();
  return parse_port(*body);
}

Result<std::vector<PortInfo>> ServerClient::list_ports(
    const std::vector<std::pair<std::string, std::string>>& filters) {
  std::string path = "/v2.0/ports";
  for (size_t i = 0; i < filters.size(); ++i) {
    path +=
        (i == 0 ? "?" : "&") + path_escape(filters[i].first) + "=" + path_escape(filters[i].second);
  }
  auto body = expect_ok(call("GET", path, ""), "GET " + path);
  if (!body) return body.error();
  return parse_ports(*body);
}

}  // namespace nt::rpc
