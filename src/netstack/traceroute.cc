#include "netstack/traceroute.h"

#include <cstdio>

#include "netstack/ping.h"

namespace nt {

namespace {

constexpr size_t kProbeHeaders = kIpv4HeaderLen + 8;

// Busybox's marks after an unreachable code; `reached`/`unreachable` say what it means.
std::string unreachable_mark(const IcmpError& e, bool& reached, int& unreachable) {
  switch (e.code) {
    case kIcmpPortUnreachable:
      reached = true;
      return e.ttl <= 1 ? " !" : "";
    case kIcmpNetUnreachable:
      ++unreachable;
      return " !N";
    case kIcmpHostUnreachable:
      ++unreachable;
      return " !H";
    case kIcmpProtoUnreachable:
      reached = true;
      return " !P";
    case kIcmpFragNeeded:
      ++unreachable;
      return " !F-" + std::to_string(e.next_hop_mtu);
    default:
      ++unreachable;
      return " !<" + std::to_string(e.code) + ">";
  }
}

}  // namespace

uint32_t TracerouteHop::address() const {
  for (const TracerouteProbe& p : probes) {
    if (p.from) return p.from;
  }
  return 0;
}

std::vector<uint32_t> TracerouteResult::hop_addresses() const {
  std::vector<uint32_t> out;
  for (const TracerouteHop& h : hops) out.push_back(h.address());
  return out;
}

Traceroute::Traceroute(Host& host, uint32_t dst, TracerouteOptions opts)
    : host_(host), dst_(dst), opts_(opts) {
  size_t len = opts_.packet_len > kProbeHeaders ? opts_.packet_len - kProbeHeaders : 0;
  payload_.resize(len);
  timer_.set_callback([this] { on_timer(); });
}

Traceroute::~Traceroute() = default;

Status Traceroute::start() {
  auto sock = host_.udp_open(0, opts_.source);
  if (!sock) return sock.error();
  socket_ = std::move(*sock);
  socket_->on_error([this](const IcmpError& e) { on_error(e); });
  std::string ip = ipv4_to_string(dst_);
  out_ += "traceroute to " + ip + " (" + ip + "), " + std::to_string(opts_.max_hops) +
          " hops max, " + std::to_string(kProbeHeaders + payload_.size()) + " byte packets\n";
  ttl_ = opts_.first_ttl;
  probe_ = 0;
  next_now_ = true;
  host_.scheduler().arm_in(timer_, 0);
  return ok_status();
}

void Traceroute::send_probe() {
  if (probe_ == 0) {
    result_.hops.push_back(TracerouteHop{ttl_, {}});
    char num[8];
    std::snprintf(num, sizeof num, "%2d", ttl_);
    out_ += num;
    last_printed_ = 0;
  }
  result_.hops.back().probes.push_back({});
  // Busybox stores the sequence and TTL in the first data bytes.
  if (payload_.size() >= 2) {
    payload_[0] = static_cast<uint8_t>(seq_);
    payload_[1] = static_cast<uint8_t>(ttl_);
  }
  UdpSendOptions o;
  o.ttl = static_cast<uint8_t>(ttl_);
  uint16_t port = static_cast<uint16_t>(opts_.port + seq_);
  sent_at_ = host_.now_us();
  waiting_ = true;
  next_now_ = false;
  host_.scheduler().arm_in(timer_, opts_.wait);
  Status s = socket_->sendto(dst_, port, payload_.data(), payload_.size(), o);
  if (!s && !done_) {
    result_.error = s.error().message;
    out_ += "\ntraceroute: sendto: " + s.error().message + "\n";
    finish();
  }
}

void Traceroute::on_timer() {
  if (done_) return;
  if (next_now_) return send_probe();
  out_ += "  *";  // no answer within the wait
  probe_finished();
}

void Traceroute::on_error(const IcmpError& e) {
  uint16_t port = static_cast<uint16_t>(opts_.port + seq_);
  if (!waiting_ || done_ || e.orig_dst != dst_ || e.orig_dport != port) return;
  bool in_transit = e.type == kIcmpTimeExceeded && e.code == 0;
  if (!in_transit && e.type != kIcmpDestUnreachable) return;
  TracerouteProbe& p = result_.hops.back().probes.back();
  p.from = e.from;
  p.rtt = host_.now_us() - sent_at_;
  p.icmp_type = e.type;
  p.icmp_code = e.code;
  if (e.from != last_printed_) {
    std::string ip = ipv4_to_string(e.from);
    out_ += opts_.numeric ? "  " + ip : "  " + ip + " (" + ip + ")";
    last_printed_ = e.from;
  }
  out_ += "  " + format_ms(p.rtt) + " ms";
  if (!in_transit) out_ += unreachable_mark(e, got_there_, unreachable_);
  probe_finished();
}

void Traceroute::probe_finished() {
  waiting_ = false;
  ++seq_;
  if (++probe_ < opts_.probes) {
    next_now_ = true;
    return host_.scheduler().arm_in(timer_, 0);
  }
  end_hop_line();
}

void Traceroute::end_hop_line() {
  out_ += "\n";
  bool stop = got_there_ || (unreachable_ > 0 && unreachable_ >= opts_.probes - 1);
  if (got_there_) result_.reached = true;
  if (stop || ttl_ >= opts_.max_hops) return finish();
  ++ttl_;
  probe_ = 0;
  unreachable_ = 0;
  next_now_ = true;
  host_.scheduler().arm_in(timer_, 0);
}

void Traceroute::finish() {
  done_ = true;
  waiting_ = false;
  timer_.cancel();
  if (on_done_) on_done_();
}

}  // namespace nt
