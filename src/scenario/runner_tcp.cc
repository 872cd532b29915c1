// ScenarioRunner: the TCP lines (listen, connect, send, close) on the instances' netstack TCP.
// The syntax and the lines they print are lab_common.h's, shared with the real lab.
#include "netstack/tcp.h"
#include "scenario/lab_common.h"
#include "scenario/runner.h"
#include "scenario/runner_util.h"

namespace nt {
namespace {

namespace si = scenario_internal;

bool can_send(const TcpConnection& c) {
  return c.state() == TcpState::kEstablished || c.state() == TcpState::kCloseWait;
}

}  // namespace

Result<std::string> ScenarioRunner::cmd_tcp(const Args& a) {
  auto t = si::parse_tcp_line(a);
  if (!t.ok()) return t.error();
  std::erase_if(tcp_closing_, [](const auto& c) { return c->state() == TcpState::kClosed; });
  if (a[0] == "listen") return tcp_listen(*t);
  if (a[0] == "connect") return tcp_connect(*t);
  if (a[0] == "send") return tcp_send(*t);
  return tcp_close(*t);
}

Result<std::string> ScenarioRunner::tcp_listen(const si::TcpLineArgs& t) {
  auto inst = instance(t.instance);
  if (!inst.ok()) return inst.error();
  auto l = (*inst)->host->tcp_listen(t.port);
  if (!l.ok()) return make_error("listen: " + l.error().message, l.error().code);
  (*l)->set_echo(true);
  (*inst)->tcp_listeners[t.port] = std::move(*l);
  return std::string();
}

Result<std::string> ScenarioRunner::tcp_connect(const si::TcpLineArgs& t) {
  if (!t.conn.empty() && tcp_conns_.count(t.conn)) {
    return make_error("connect: a connection named " + t.conn + " is open");
  }
  auto inst = instance(t.instance);
  if (!inst.ok()) return inst.error();
  auto c = (*inst)->host->tcp_connect(*ipv4_parse(t.dst), t.port);
  if (!c.ok()) return make_error("connect: " + c.error().message, c.error().code);
  TcpConnection& conn = **c;
  run_until_done([&] { return conn.state() != TcpState::kSynSent; }, t.wait_s * kUsPerSec);
  if (!conn.established()) {
    // Still trying (given up on, as nc -w does) or refused.
    return std::string(conn.error() == TcpError::kRefused ? si::kTcpRefusedLine
                                                          : si::kTcpTimedOutLine);
  }
  if (!t.conn.empty()) {
    tcp_conns_[t.conn] = TcpConn{std::move(*c), 0};
  } else {
    conn.close();
    tcp_closing_.push_back(std::move(*c));
    settle();
  }
  return si::tcp_connected_line(t.dst, t.port);
}

Result<std::string> ScenarioRunner::tcp_send(const si::TcpLineArgs& t) {
  auto it = tcp_conns_.find(t.conn);
  if (it == tcp_conns_.end()) {
    return make_error("send: no connection named " + t.conn + " (connect ... as " + t.conn + ")");
  }
  TcpConn& tc = it->second;
  if (!can_send(*tc.conn) || !tc.conn->send(t.text).ok()) return std::string(si::kTcpClosedLine);
  tc.sent += t.text.size();
  TcpConnection& c = *tc.conn;
  auto done = [&] { return c.bytes_received() >= tc.sent || c.state() == TcpState::kClosed; };
  run_until_done(done, t.wait_s * kUsPerSec);
  if (c.bytes_received() >= tc.sent) return si::tcp_echoed_line(t.text.size());
  return std::string(c.state() == TcpState::kClosed ? si::kTcpClosedLine : si::kTcpTimedOutLine);
}

Result<std::string> ScenarioRunner::tcp_close(const si::TcpLineArgs& t) {
  auto it = tcp_conns_.find(t.conn);
  if (it == tcp_conns_.end()) return make_error("close: no connection named " + t.conn);
  it->second.conn->close();
  tcp_closing_.push_back(std::move(it->second.conn));
  tcp_conns_.erase(it);
  settle();
  return std::string();
}

}  // namespace nt
