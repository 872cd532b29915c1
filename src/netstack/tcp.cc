// TCP: demultiplexing, refusal, listeners, the connection state machine, output and
// retransmission.
#include "netstack/tcp.h"

#include <algorithm>

#include "netstack/host.h"
#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt {
namespace {

constexpr size_t kTcpHeaderLen = 20;
constexpr size_t kTcpMssOptionLen = 4;
constexpr uint16_t kRcvWindow = 65535;  // we hand data to the program at once: never full
constexpr uint16_t kDefaultMss = 536;   // RFC 9293 3.7.1, when the peer sends no option
constexpr size_t kIpTcpHeaders = kIpv4HeaderLen + kTcpHeaderLen;
constexpr uint8_t kOptEnd = 0;
constexpr uint8_t kOptNop = 1;
constexpr uint8_t kOptMss = 2;

bool seq_lt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
bool seq_le(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) <= 0; }

// What one outgoing segment carries besides the connection's addresses and ports.
struct SegmentOut {
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  uint16_t mss = 0;  // non-zero: an MSS option
  std::span<const uint8_t> data;
};

// Builds the header (checksum over pseudo header, header and data) and sends the datagram.
void transmit(Host& host, const TcpTuple& t, const SegmentOut& o) {
  uint8_t h[kTcpHeaderLen + kTcpMssOptionLen] = {};
  size_t hlen = o.mss ? sizeof h : kTcpHeaderLen;
  store_be16(h, t.local_port);
  store_be16(h + 2, t.remote_port);
  store_be32(h + 4, o.seq);
  store_be32(h + 8, o.ack);
  h[12] = static_cast<uint8_t>((hlen / 4) << 4);
  h[13] = o.flags;
  store_be16(h + 14, o.window);
  if (o.mss) {
    h[20] = kOptMss;
    h[21] = kTcpMssOptionLen;
    store_be16(h + 22, o.mss);
  }
  auto len = static_cast<uint16_t>(hlen + o.data.size());
  uint32_t sum = ipv4_pseudo_header_sum(t.local_addr, t.remote_addr, kIpProtoTcp, len);
  sum = csum_add(sum, h, hlen);
  sum = csum_add(sum, o.data.data(), o.data.size());
  store_be16(h + 16, csum_finish(sum));
  IpSend p;
  p.dst = t.remote_addr;
  p.src = t.local_addr;
  p.proto = kIpProtoTcp;
  p.dont_fragment = true;
  (void)host.send_ip(p, {h, hlen}, o.data);  // failures are counted by the host
}

// Reads the options; false when they are malformed. Only MSS is understood.
bool parse_options(const uint8_t* p, size_t len, uint16_t& mss) {
  size_t i = 0;
  while (i < len && p[i] != kOptEnd) {
    if (p[i] == kOptNop) {
      ++i;
      continue;
    }
    if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len) return false;
    if (p[i] == kOptMss) {
      if (p[i + 1] != kTcpMssOptionLen) return false;
      mss = load_be16(p + i + 2);
    }
    i += p[i + 1];
  }
  return true;
}

uint32_t seg_len(const TcpSegment& s) {
  return static_cast<uint32_t>(s.len) + ((s.flags & kTcpSyn) ? 1 : 0) +
         ((s.flags & kTcpFin) ? 1 : 0);
}

}  // namespace

std::string_view tcp_state_name(TcpState s) {
  switch (s) {
    case TcpState::kClosed:
      return "CLOSED";
    case TcpState::kSynSent:
      return "SYN-SENT";
    case TcpState::kSynReceived:
      return "SYN-RECEIVED";
    case TcpState::kEstablished:
      return "ESTABLISHED";
    case TcpState::kFinWait1:
      return "FIN-WAIT-1";
    case TcpState::kFinWait2:
      return "FIN-WAIT-2";
    case TcpState::kClosing:
      return "CLOSING";
    case TcpState::kTimeWait:
      return "TIME-WAIT";
    case TcpState::kCloseWait:
      return "CLOSE-WAIT";
    case TcpState::kLastAck:
      return "LAST-ACK";
  }
  return "?";
}

// --- Host: sockets and demultiplexing.

Result<std::unique_ptr<TcpListener>> Host::tcp_listen(uint16_t port, uint32_t addr,
                                                      const TcpOptions& opts) {
  if (port == 0) return make_error("tcp: a listener needs a port");
  if (addr != 0 && !is_local_address(addr)) return make_error("Cannot assign requested address");
  if (tcp_listeners_.count(port)) return make_error("Address already in use", ErrorCode::kConflict);
  std::unique_ptr<TcpListener> l(new TcpListener(*this, addr, port, opts));
  tcp_listeners_[port] = l.get();
  return l;
}

Result<std::unique_ptr<TcpConnection>> Host::tcp_connect(uint32_t dst, uint16_t dport,
                                                         const TcpOptions& opts) {
  if (dport == 0) return make_error("tcp: connecting needs a port");
  Result<OutRoute> r = route_output(dst, kNoNic, 0);
  if (!r) return r.error();
  uint16_t port = tcp_ephemeral_port(r->src, dst, dport);
  if (port == 0) return make_error("no free ephemeral port", ErrorCode::kConflict);
  std::unique_ptr<TcpConnection> c(new TcpConnection(*this, {r->src, port, dst, dport}, opts));
  c->start_active();
  return c;
}

uint16_t Host::tcp_ephemeral_port(uint32_t local, uint32_t dst, uint16_t dport) {
  for (int tries = kEphemeralLast - kEphemeralFirst + 1; tries > 0; --tries) {
    uint16_t p = next_tcp_ephemeral_;
    next_tcp_ephemeral_ = p == kEphemeralLast ? kEphemeralFirst : p + 1;
    if (!tcp_conns_.count({local, p, dst, dport}) && !tcp_listeners_.count(p)) return p;
  }
  return 0;
}

void Host::tcp_input(const IpRx& rx) {
  if (rx.l4_len < kTcpHeaderLen) return drop(HostDrop::kTcpMalformed);
  size_t hlen = static_cast<size_t>(rx.l4[12] >> 4) * 4;
  if (hlen < kTcpHeaderLen || hlen > rx.l4_len) return drop(HostDrop::kTcpMalformed);
  uint32_t sum = ipv4_pseudo_header_sum(rx.src, rx.dst, kIpProtoTcp, rx.l4_len);
  if (csum_finish(csum_add(sum, rx.l4, rx.l4_len)) != 0) return drop(HostDrop::kTcpBadChecksum);
  if (rx.ip_broadcast || rx.l2_multicast) return drop(HostDrop::kTcpBroadcast);
  TcpSegment s;
  s.seq = load_be32(rx.l4 + 4);
  s.ack = load_be32(rx.l4 + 8);
  s.flags = rx.l4[13] & 0x3f;
  s.window = load_be16(rx.l4 + 14);
  s.data = rx.l4 + hlen;
  s.len = rx.l4_len - hlen;
  uint16_t sport = load_be16(rx.l4), dport = load_be16(rx.l4 + 2);
  if (sport == 0 || dport == 0 ||
      !parse_options(rx.l4 + kTcpHeaderLen, hlen - kTcpHeaderLen, s.mss))
    return drop(HostDrop::kTcpMalformed);
  if (auto it = tcp_conns_.find({rx.dst, dport, rx.src, sport}); it != tcp_conns_.end()) {
    return it->second->input(s);
  }
  auto l = tcp_listeners_.find(dport);
  if (l != tcp_listeners_.end() && (l->second->addr_ == 0 || l->second->addr_ == rx.dst)) {
    // LISTEN (RFC 9293 3.10.7.2): a RST is ignored, an ACK refused, a SYN accepted.
    if ((s.flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn) {
      return l->second->accept({rx.dst, dport, rx.src, sport}, s);
    }
    drop(HostDrop::kTcpUnacceptable);
    if ((s.flags & kTcpAck) && !(s.flags & kTcpRst)) tcp_refuse(rx, s);
    return;
  }
  drop(HostDrop::kTcpNoSocket);
  if (!(s.flags & kTcpRst)) tcp_refuse(rx, s);
}

// The RST of RFC 9293 3.10.7.1: "connection refused" for a SYN.
void Host::tcp_refuse(const IpRx& rx, const TcpSegment& s) {
  TcpTuple t{rx.dst, load_be16(rx.l4 + 2), rx.src, load_be16(rx.l4)};
  if (s.flags & kTcpAck) return transmit(*this, t, {s.ack, 0, kTcpRst, 0, 0, {}});
  transmit(*this, t, {0, s.seq + seg_len(s), kTcpRst | kTcpAck, 0, 0, {}});
}

// --- Listener.

TcpListener::~TcpListener() {
  conns_.clear();  // aborts the open ones while the host is still there
  if (host_) host_->tcp_listeners_.erase(port_);
}

size_t TcpListener::connection_count() const {
  return std::count_if(conns_.begin(), conns_.end(),
                       [](const auto& c) { return c->state() != TcpState::kClosed; });
}

void TcpListener::reap() {
  std::erase_if(conns_, [](const auto& c) { return c->state() == TcpState::kClosed; });
}

void TcpListener::accept(const TcpTuple& t, const TcpSegment& syn) {
  reap();
  conns_.push_back(std::unique_ptr<TcpConnection>(new TcpConnection(*host_, t, opts_)));
  TcpConnection& c = *conns_.back();
  ++accepted_;
  if (on_accept_) {
    on_accept_(c);
  } else if (echo_) {
    c.on_receive([&c](std::span<const uint8_t> d) { (void)c.send(d); });
    c.on_state_change([&c] {
      if (c.state() == TcpState::kCloseWait) c.close();
    });
  }
  c.start_passive(syn);
}

// --- Connection: life cycle.

TcpConnection::TcpConnection(Host& host, const TcpTuple& t, const TcpOptions& o)
    : host_(&host), tuple_(t), opts_(o), rto_(o.rto) {
  timer_.set_callback([this] { on_timer(); });
}

TcpConnection::~TcpConnection() {
  on_state_ = nullptr;
  on_receive_ = nullptr;
  if (host_ && state_ != TcpState::kClosed) abort();
}

bool TcpConnection::established() const {
  return state_ == TcpState::kEstablished || state_ == TcpState::kCloseWait ||
         state_ == TcpState::kFinWait1 || state_ == TcpState::kFinWait2;
}

void TcpConnection::start(TcpState s) {
  iss_ = host_->random();
  snd_una_ = iss_;
  snd_nxt_ = snd_max_ = iss_ + 1;
  Result<Host::OutRoute> r = host_->route_output(tuple_.remote_addr, kNoNic, tuple_.local_addr);
  uint16_t mtu = r && !r->local ? host_->nic(r->nic).mtu() : 1500;
  own_mss_ = static_cast<uint16_t>(mtu - kIpTcpHeaders);
  host_->tcp_conns_[tuple_] = this;
  registered_ = true;
  state_ = s;
  arm_retransmit();
  send_syn();
}

void TcpConnection::start_active() { start(TcpState::kSynSent); }

void TcpConnection::start_passive(const TcpSegment& syn) {
  rcv_nxt_ = syn.seq + 1;
  snd_wnd_ = syn.window;
  if (syn.mss) mss_ = syn.mss;
  start(TcpState::kSynReceived);
}

void TcpConnection::set_state(TcpState s) {
  state_ = s;
  if (on_state_) on_state_();
}

void TcpConnection::finish(TcpError e) {
  timer_.cancel();
  if (registered_ && host_) host_->tcp_conns_.erase(tuple_);
  registered_ = false;
  error_ = e;
  set_state(TcpState::kClosed);
}

void TcpConnection::enter_time_wait() {
  set_state(TcpState::kTimeWait);
  if (host_) host_->scheduler().arm_in(timer_, opts_.time_wait);
}

Status TcpConnection::send(std::span<const uint8_t> data) {
  bool open = state_ == TcpState::kSynSent || state_ == TcpState::kSynReceived ||
              state_ == TcpState::kEstablished || state_ == TcpState::kCloseWait;
  if (!open || fin_queued_ || !host_) return make_error("Broken pipe");
  snd_buf_.insert(snd_buf_.end(), data.begin(), data.end());
  output();
  return ok_status();
}

void TcpConnection::close() {
  switch (state_) {
    case TcpState::kSynSent:
      return finish(TcpError::kNone);
    case TcpState::kSynReceived:
      return abort();
    case TcpState::kEstablished:
    case TcpState::kCloseWait:
      fin_queued_ = true;
      fin_seq_ = snd_una_ + static_cast<uint32_t>(snd_buf_.size());
      set_state(state_ == TcpState::kEstablished ? TcpState::kFinWait1 : TcpState::kLastAck);
      return output();
    default:
      return;  // already closing
  }
}

void TcpConnection::abort() {
  if (state_ == TcpState::kClosed) return;
  if (host_ && state_ != TcpState::kSynSent && state_ != TcpState::kTimeWait) {
    transmit(*host_, tuple_, {snd_nxt_, rcv_nxt_, kTcpRst | kTcpAck, 0, 0, {}});
  }
  finish(TcpError::kNone);
}

// --- Connection: input (RFC 9293 3.10.7.3 and 3.10.7.4, with RFC 5961's challenge ACKs).

void TcpConnection::input(const TcpSegment& s) {
  if (state_ == TcpState::kSynSent) return input_syn_sent(s);
  if (!acceptable(s)) {
    // The peer's SYN again: our SYN-ACK was lost.
    bool syn_again =
        state_ == TcpState::kSynReceived && s.flags == kTcpSyn && s.seq + 1 == rcv_nxt_;
    if (syn_again) return send_syn();
    host_->drop(HostDrop::kTcpUnacceptable);
    if (!(s.flags & kTcpRst)) send_ack();
    return;
  }
  if (s.flags & kTcpRst) {
    if (s.seq == rcv_nxt_) return finish(TcpError::kReset);
    return send_ack();  // in the window but not exact: challenge
  }
  if (s.flags & kTcpSyn) return send_ack();  // challenge
  if (!(s.flags & kTcpAck)) return host_->drop(HostDrop::kTcpUnacceptable);
  if (!input_ack(s)) return;
  bool in_order = input_data(s);
  if (state_ == TcpState::kClosed) return;
  if (in_order && (s.flags & kTcpFin) && s.seq + s.len == rcv_nxt_) input_fin();
  if (state_ != TcpState::kClosed && last_ack_sent_ != rcv_nxt_) send_ack();
}

void TcpConnection::input_syn_sent(const TcpSegment& s) {
  bool ack = s.flags & kTcpAck;
  if (ack && s.ack != iss_ + 1) {
    host_->drop(HostDrop::kTcpUnacceptable);
    if (!(s.flags & kTcpRst)) transmit(*host_, tuple_, {s.ack, 0, kTcpRst, 0, 0, {}});
    return;
  }
  if (s.flags & kTcpRst) {
    if (ack) return finish(TcpError::kRefused);
    return host_->drop(HostDrop::kTcpUnacceptable);
  }
  // No simultaneous open: a SYN-ACK or nothing.
  if (!(s.flags & kTcpSyn) || !ack) return host_->drop(HostDrop::kTcpUnacceptable);
  rcv_nxt_ = s.seq + 1;
  snd_una_ = iss_ + 1;
  snd_wnd_ = s.window;
  if (s.mss) mss_ = s.mss;
  timer_.cancel();
  retries_ = 0;
  rto_ = opts_.rto;
  set_state(TcpState::kEstablished);
  if (state_ == TcpState::kClosed) return;
  output();
  if (last_ack_sent_ != rcv_nxt_) send_ack();
}

bool TcpConnection::acceptable(const TcpSegment& s) const {
  auto in_window = [&](uint32_t x) {
    return seq_le(rcv_nxt_, x) && seq_lt(x, rcv_nxt_ + kRcvWindow);
  };
  uint32_t len = seg_len(s);
  return in_window(s.seq) || (len > 0 && in_window(s.seq + len - 1));
}

// Returns false when the segment is done with (refused, or the connection is gone).
bool TcpConnection::input_ack(const TcpSegment& s) {
  if (state_ == TcpState::kSynReceived) {
    if (s.ack != iss_ + 1) {
      host_->drop(HostDrop::kTcpUnacceptable);
      transmit(*host_, tuple_, {s.ack, 0, kTcpRst, 0, 0, {}});
      return false;
    }
    snd_una_ = iss_ + 1;
    snd_wnd_ = s.window;
    timer_.cancel();
    retries_ = 0;
    rto_ = opts_.rto;
    set_state(TcpState::kEstablished);
    if (state_ == TcpState::kClosed) return false;
  }
  if (seq_lt(snd_max_, s.ack)) {  // acknowledges what was never sent
    host_->drop(HostDrop::kTcpUnacceptable);
    send_ack();
    return false;
  }
  if (seq_le(snd_una_, s.ack)) snd_wnd_ = s.window;
  if (seq_lt(snd_una_, s.ack)) {
    acked(s.ack);
    if (state_ == TcpState::kClosed) return false;
  }
  output();
  return state_ != TcpState::kClosed;
}

// New data (and maybe our FIN) acknowledged up to `ack`.
void TcpConnection::acked(uint32_t ack) {
  size_t bytes = std::min<size_t>(ack - snd_una_, snd_buf_.size());
  snd_buf_.erase(snd_buf_.begin(), snd_buf_.begin() + static_cast<ptrdiff_t>(bytes));
  snd_una_ = ack;
  if (seq_lt(snd_nxt_, snd_una_)) snd_nxt_ = snd_una_;
  retries_ = 0;
  rto_ = opts_.rto;
  if (snd_una_ == snd_max_) {
    timer_.cancel();
  } else {
    host_->scheduler().arm_in(timer_, rto_);
  }
  if (!fin_queued_ || !seq_lt(fin_seq_, snd_una_)) return;
  if (state_ == TcpState::kFinWait1) return set_state(TcpState::kFinWait2);
  if (state_ == TcpState::kClosing) return enter_time_wait();
  if (state_ == TcpState::kLastAck) return finish(TcpError::kNone);
}

// Delivers the bytes of `s` not seen yet; false when the segment starts beyond them (out of
// order: dropped, the ACK that follows tells the peer what is missing).
bool TcpConnection::input_data(const TcpSegment& s) {
  if (seq_lt(rcv_nxt_, s.seq)) {
    if (s.len > 0) send_ack();
    return false;
  }
  size_t skip = rcv_nxt_ - s.seq;
  if (s.len == 0) return true;
  if (skip >= s.len) {  // a retransmission of what we have: our ACK was lost
    send_ack();
    return skip == s.len;
  }
  bool receiving = state_ == TcpState::kEstablished || state_ == TcpState::kFinWait1 ||
                   state_ == TcpState::kFinWait2;
  if (!receiving) return false;  // data after the peer's FIN
  size_t n = s.len - skip;
  rcv_nxt_ += static_cast<uint32_t>(n);
  bytes_received_ += n;
  if (on_receive_) on_receive_({s.data + skip, n});
  return true;
}

void TcpConnection::input_fin() {
  rcv_nxt_ += 1;
  send_ack();
  switch (state_) {
    case TcpState::kEstablished:
      return set_state(TcpState::kCloseWait);
    case TcpState::kFinWait1:
      return set_state(TcpState::kClosing);  // our FIN is not acknowledged yet
    case TcpState::kFinWait2:
      return enter_time_wait();
    default:
      return;
  }
}

// --- Connection: output and retransmission.

void TcpConnection::output() {
  bool sending = state_ == TcpState::kEstablished || state_ == TcpState::kCloseWait ||
                 state_ == TcpState::kFinWait1 || state_ == TcpState::kClosing ||
                 state_ == TcpState::kLastAck;
  if (!sending || !host_) return;
  uint32_t end = snd_una_ + static_cast<uint32_t>(snd_buf_.size());
  // A closed window still lets one byte through: the probe that learns when it opens.
  uint32_t wnd_end = snd_una_ + std::max<uint32_t>(snd_wnd_, 1);
  uint16_t mss = std::min(mss_, own_mss_);
  while (seq_lt(snd_nxt_, end) && seq_lt(snd_nxt_, wnd_end)) {
    uint32_t seq = snd_nxt_;
    size_t n = std::min<size_t>({mss, end - seq, wnd_end - seq});
    snd_nxt_ += static_cast<uint32_t>(n);
    if (seq_lt(snd_max_, snd_nxt_)) snd_max_ = snd_nxt_;
    arm_retransmit();
    send_segment(seq, kTcpAck | kTcpPsh, {snd_buf_.data() + (seq - snd_una_), n});
  }
  if (fin_queued_ && snd_nxt_ == fin_seq_) {
    snd_nxt_ = fin_seq_ + 1;
    if (seq_lt(snd_max_, snd_nxt_)) snd_max_ = snd_nxt_;
    arm_retransmit();
    send_segment(fin_seq_, kTcpFin | kTcpAck);
  }
}

void TcpConnection::send_syn() {
  uint8_t flags = kTcpSyn | (state_ == TcpState::kSynReceived ? kTcpAck : 0);
  send_segment(iss_, flags);
}

void TcpConnection::send_segment(uint32_t seq, uint8_t flags, std::span<const uint8_t> data) {
  if (!host_) return;
  if (flags & kTcpAck) last_ack_sent_ = rcv_nxt_;
  uint16_t mss = (flags & kTcpSyn) ? own_mss_ : 0;
  transmit(*host_, tuple_, {seq, (flags & kTcpAck) ? rcv_nxt_ : 0, flags, kRcvWindow, mss, data});
}

void TcpConnection::arm_retransmit() {
  if (!timer_.armed() && host_) host_->scheduler().arm_in(timer_, rto_);
}

void TcpConnection::on_timer() {
  if (state_ == TcpState::kTimeWait) return finish(TcpError::kNone);
  if (++retries_ > opts_.max_retries) return finish(TcpError::kTimedOut);
  ++retransmissions_;
  rto_ *= 2;
  host_->scheduler().arm_in(timer_, rto_);
  if (state_ == TcpState::kSynSent || state_ == TcpState::kSynReceived) return send_syn();
  snd_nxt_ = snd_una_;  // go back: resend from the oldest unacknowledged byte
  output();
}

}  // namespace nt
