#include "netstack/ping.h"

#include <algorithm>
#include <cstdio>

#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt {

namespace {

constexpr size_t kIcmpHeader = 8;
constexpr size_t kStampLen = 4;  // busybox keeps a 32-bit microsecond stamp

}  // namespace

std::string format_ms(TimeUs us) {
  char buf[32];
  uint64_t u = us < 0 ? 0 : static_cast<uint64_t>(us);
  std::snprintf(buf, sizeof buf, "%llu.%03llu", static_cast<unsigned long long>(u / 1000),
                static_cast<unsigned long long>(u % 1000));
  return buf;
}

Ping::Ping(Host& host, uint32_t dst, PingOptions opts)
    : host_(host),
      dst_(dst),
      opts_(opts),
      packet_(kIcmpHeader + std::min(opts.size, size_t{kMaxMtu})) {
  timer_.set_callback([this] { on_timer(); });
}

Ping::~Ping() {
  if (started_) host_.icmp_close(id_);
}

void Ping::start() {
  if (started_) return;
  started_ = true;
  id_ = host_.icmp_open(this);
  packet_[0] = kIcmpEchoRequest;
  store_be16(packet_.data() + 4, id_);
  std::string ip = ipv4_to_string(dst_);
  out_ += "PING " + ip + " (" + ip + "): " + std::to_string(opts_.size) + " data bytes\n";
  send_one();
}

void Ping::send_one() {
  uint16_t seq = static_cast<uint16_t>(result_.transmitted);
  uint16_t bit = seq % kDupWindow;
  seen_[bit / 64] &= ~(uint64_t{1} << (bit % 64));  // the slot is reused every 1024 requests
  store_be16(packet_.data() + 6, seq);
  if (opts_.size >= kStampLen) {
    store_be32(packet_.data() + kIcmpHeader, static_cast<uint32_t>(host_.now_us()));
  }
  store_be16(packet_.data() + 2, 0);
  store_be16(packet_.data() + 2, inet_checksum(packet_.data(), packet_.size()));
  IpSend p;
  p.dst = dst_;
  p.src = opts_.source;
  p.proto = kIpProtoIcmp;
  p.ttl = opts_.ttl;
  ++result_.transmitted;
  Status s = host_.send_ip(p, packet_);
  if (!s) {
    --result_.transmitted;
    result_.send_error = s.error().message;
    out_ += "ping: sendto: " + s.error().message + "\n";
    done_ = true;
    timer_.cancel();
    if (on_done_) on_done_();
    return;
  }
  if (done_) return;  // the reply came back synchronously and completed the run
  if (opts_.count == 0 || result_.transmitted < opts_.count) {
    return host_.scheduler().arm_in(timer_, opts_.interval);
  }
  // All sent: wait -W with no reply, else about 2 * the slowest RTT (busybox: tmax / 512k
  // seconds, at least 1).
  TimeUs wait = opts_.timeout;
  if (result_.received) wait = std::max<TimeUs>(result_.rtt_max / (512 * 1024), 1) * kUsPerSec;
  host_.scheduler().arm_in(timer_, wait);
}

void Ping::on_timer() {
  if (opts_.count == 0 || result_.transmitted < opts_.count) return send_one();
  finish();
}

bool Ping::seen(uint16_t seq) const {
  uint16_t bit = seq % kDupWindow;
  return seen_[bit / 64] >> (bit % 64) & 1;
}

void Ping::on_echo_reply(const IcmpEchoReply& r) {
  if (done_) return;
  PingReply rep{r.seq, r.from, r.ttl, kIcmpHeader + r.data_len, -1, seen(r.seq)};
  if (opts_.size >= kStampLen && r.data_len >= kStampLen) {
    uint32_t sent = load_be32(r.data);
    rep.rtt = static_cast<uint32_t>(static_cast<uint32_t>(host_.now_us()) - sent);
  }
  uint16_t bit = r.seq % kDupWindow;
  seen_[bit / 64] |= uint64_t{1} << (bit % 64);
  rep.dup ? ++result_.duplicates : ++result_.received;
  std::string line = std::to_string(rep.bytes) + " bytes from " + ipv4_to_string(r.from) +
                     ": seq=" + std::to_string(r.seq) + " ttl=" + std::to_string(r.ttl);
  if (rep.rtt >= 0) {
    line += " time=" + format_ms(rep.rtt) + " ms";
    result_.rtt_min = timed_ == 0 ? rep.rtt : std::min(result_.rtt_min, rep.rtt);
    result_.rtt_max = std::max(result_.rtt_max, rep.rtt);
    rtt_sum_ += rep.rtt;
    ++timed_;
  }
  out_ += line + (rep.dup ? " (DUP!)\n" : "\n");
  result_.replies.push_back(rep);
  if (opts_.count && result_.received >= opts_.count) finish();
}

void Ping::on_icmp_error(const IcmpError& e) {
  if (!done_) result_.errors.push_back(e);
}

void Ping::stop() {
  if (started_ && !done_) finish();
}

void Ping::finish() {
  done_ = true;
  timer_.cancel();
  PingResult& r = result_;
  if (timed_) r.rtt_avg = rtt_sum_ / timed_;
  r.loss_percent = r.transmitted ? (r.transmitted - r.received) * 100 / r.transmitted : 0;
  out_ += "\n--- " + ipv4_to_string(dst_) + " ping statistics ---\n";
  out_ += std::to_string(r.transmitted) + " packets transmitted, " + std::to_string(r.received) +
          " packets received, ";
  if (r.duplicates) out_ += std::to_string(r.duplicates) + " duplicates, ";
  out_ += std::to_string(r.loss_percent) + "% packet loss\n";
  if (timed_) {
    out_ += "round-trip min/avg/max = " + format_ms(r.rtt_min) + "/" + format_ms(r.rtt_avg) + "/" +
            format_ms(r.rtt_max) + " ms\n";
  }
  if (on_done_) on_done_();
}

}  // namespace nt
