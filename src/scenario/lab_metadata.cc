#include "scenario/lab_metadata.h"

#include "agent/http_message.h"
#include "common/addr.h"

namespace nt::scenario_internal {
namespace {

void send_and_close(TcpConnection& c, const agent::MetadataResponse& r) {
  (void)c.send(agent::format_http_response(r));
  c.close();
}

}  // namespace

LabMetadataProxy::LabMetadataProxy(agent::MetadataProxyTarget target,
                                   const MetadataHandler* handler)
    : target_(std::move(target)),
      set_header_(agent::http_header_key(target_.set_header())),
      dropped_header_(agent::http_header_key(target_.dropped_header())),
      handler_(handler) {}

Result<std::unique_ptr<LabMetadataProxy>> LabMetadataProxy::start(
    Host& host, const agent::MetadataProxyTarget& target, const MetadataHandler* handler) {
  auto bind = ipv4_parse(target.bind_address);
  if (!bind || target.port <= 0 || target.port > 65535) {
    return make_error("metadata proxy: cannot listen on " + target.bind_address + ":" +
                      std::to_string(target.port));
  }
  auto p = std::unique_ptr<LabMetadataProxy>(new LabMetadataProxy(target, handler));
  auto l = host.tcp_listen(static_cast<uint16_t>(target.port), *bind);
  if (!l) return make_error("metadata proxy: " + l.error().message, l.error().code);
  p->listener_ = std::move(*l);
  LabMetadataProxy* self = p.get();
  p->listener_->on_accept([self](TcpConnection& c) { self->accept(c); });
  return p;
}

void LabMetadataProxy::accept(TcpConnection& c) {
  buffers_[&c];
  c.on_receive([this, &c](std::span<const uint8_t> d) { receive(c, d); });
  c.on_state_change([this, &c] {
    if (c.state() == TcpState::kCloseWait) c.close();  // the peer gave up before answering
    if (c.state() == TcpState::kClosed) buffers_.erase(&c);
  });
}

void LabMetadataProxy::receive(TcpConnection& c, std::span<const uint8_t> data) {
  auto it = buffers_.find(&c);
  if (it == buffers_.end()) return;  // answered already
  it->second.append(reinterpret_cast<const char*>(data.data()), data.size());
  agent::MetadataRequest req;
  auto parsed = agent::parse_http_request(it->second, req);
  if (parsed && *parsed == agent::HttpParse::kIncomplete) return;
  buffers_.erase(it);
  if (!parsed) {
    send_and_close(c, {400, "text/html",
                       "<html><body><h1>400 Bad request</h1>\n"
                       "Your browser sent an invalid request.\n</body></html>\n"});
    return;
  }
  send_and_close(c, answer(c, std::move(req)));
}

agent::MetadataResponse LabMetadataProxy::answer(TcpConnection& c, agent::MetadataRequest r) {
  ++requests_;
  if (!handler_ || !*handler_) {
    return {503, "text/html",
            "<html><body><h1>503 Service Unavailable</h1>\n"
            "No server is available to handle this request.\n</body></html>\n"};
  }
  r.headers.erase(dropped_header_);
  r.headers[set_header_] = target_.id;
  r.headers["x-forwarded-for"] = ipv4_to_string(c.tuple().remote_addr);
  return (*handler_)(r);
}

Status converge_metadata_proxy(std::unique_ptr<LabMetadataProxy>& proxy, Host& host,
                               const std::optional<agent::MetadataProxyTarget>& want,
                               const MetadataHandler* handler) {
  if (proxy && want && proxy->target() == *want) return ok_status();
  proxy.reset();
  if (!want) return ok_status();
  auto p = LabMetadataProxy::start(host, *want, handler);
  if (!p) return p.error();
  proxy = std::move(*p);
  return ok_status();
}

Status MetadataFetch::start(Host& host, const std::string& path) {
  if (path.empty() || path[0] != '/') return make_error("'" + path + "' is not an absolute path");
  if (conn_) return make_error("metadata: a fetch is already running");
  auto c = host.tcp_connect(*ipv4_parse(kMetadataAddress), 80);
  if (!c) return c.error();
  conn_ = std::move(*c);
  TcpConnection* conn = conn_.get();
  std::string request = agent::format_http_request({"GET", path, {}}, kMetadataAddress);
  conn_->on_receive([this](std::span<const uint8_t> d) {
    received_.append(reinterpret_cast<const char*>(d.data()), d.size());
  });
  conn_->on_state_change([conn, request] {
    if (conn->state() == TcpState::kEstablished) (void)conn->send(request);
    if (conn->state() == TcpState::kCloseWait) conn->close();
  });
  return ok_status();
}

bool MetadataFetch::done() const {
  if (!conn_) return true;
  TcpState s = conn_->state();
  return s == TcpState::kClosed || s == TcpState::kTimeWait || s == TcpState::kLastAck ||
         s == TcpState::kCloseWait;
}

Result<std::string> MetadataFetch::result() const {
  const std::string where =
      std::string("wget: can't connect to remote host (") + kMetadataAddress + "): ";
  if (!conn_) return make_error(where + "not started");
  if (conn_->error() == TcpError::kRefused) return make_error(where + "Connection refused");
  if (conn_->error() == TcpError::kTimedOut) return make_error(where + "Connection timed out");
  if (!done()) return make_error("wget: download timed out");
  agent::MetadataResponse r;
  auto parsed = agent::parse_http_response(received_, done(), r);
  if (!parsed || *parsed != agent::HttpParse::kComplete) {
    return make_error("wget: " + (parsed ? std::string("no answer") : parsed.error().message));
  }
  if (r.status != 200) {
    return make_error("wget: server returned error: HTTP/1.1 " + std::to_string(r.status) + " " +
                      agent::http_reason(r.status));
  }
  return r.body;
}

Result<MetadataLine> parse_metadata_line(const std::vector<std::string>& a) {
  if (a.size() != 3) return make_error("usage: metadata NAME PATH (/latest/meta-data/...)");
  if (a[2].empty() || a[2][0] != '/' ||
      a[2].find_first_of(" \t\r\n'\"\\;&|$`") != std::string::npos) {
    return make_error("metadata: '" + a[2] + "' is not a path such as /latest/meta-data/");
  }
  return MetadataLine{a[1], a[2]};
}

std::string metadata_output(std::string body) {
  if (body.empty() || body.back() != '\n') body += '\n';
  return body;
}

}  // namespace nt::scenario_internal
