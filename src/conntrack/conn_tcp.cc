// TCP: pf's state machine and sequence-window checks (Guido van Rooij's "Real Stateful TCP
// Packet Filtering in IP Filter"), with the per-peer states Open vSwitch's conntrack-tcp.c
// keeps. Each side has seqlo (highest sequence sent), seqhi (highest it may send: the
// peer's ack + window) and max_win; a segment is valid if it ends inside the peer's window,
// starts no more than a window back and acknowledges within ±(65535 + 1500).
#include <algorithm>

#include "conntrack/conn.h"
#include "packet/bytes.h"

namespace nt::ct {
namespace {

constexpr uint16_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10, kUrg = 0x20;
constexpr int kMaxAckWindow = 0xffff + 1500;
constexpr uint8_t kMaxWscale = 14;

bool seq_gt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }
bool seq_geq(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) >= 0; }

uint16_t flags_of(const Ctx& c) { return c.l4[13] | (c.l4[12] & 1) << 8; }

bool invalid_flags(uint16_t f) {
  if (f & kSyn) {
    if (f & (kRst | kFin)) return true;
  } else if (!(f & (kAck | kRst))) {
    return true;
  }
  if (!(f & kAck) && (f & (kFin | kPsh | kUrg))) return true;
  return false;
}

// The window-scale option, as kWscaleFlag | shift, or 0 without one.
uint8_t get_wscale(const Ctx& c) {
  size_t hlen = (c.l4[12] >> 4) * 4u;
  const uint8_t* o = c.l4 + 20;
  const uint8_t* end = c.l4 + hlen;
  while (o < end) {
    if (*o == 0) break;  // end of options
    if (*o == 1) {       // no-op
      ++o;
      continue;
    }
    if (end - o < 2 || o[1] < 2 || o[1] > end - o) break;
    if (o[0] == 3 && o[1] == 3) return kWscaleFlag | std::min(o[2], kMaxWscale);
    o += o[1];
  }
  return 0;
}

uint32_t payload_len(const Ctx& c) {
  return static_cast<uint32_t>(c.l4_len - (c.l4[12] >> 4) * 4u);
}

void update_timer(Table& t, Conn& c, const TcpPeer& src, const TcpPeer& dst) {
  if (src.state >= kFinWait2 && dst.state >= kFinWait2) {
    t.set_expiration(c, kTcpClosed);
  } else if (src.state >= kClosing && dst.state >= kClosing) {
    t.set_expiration(c, kTcpFinWait);
  } else if (src.state < kEstablished || dst.state < kEstablished) {
    t.set_expiration(c, kTcpOpening);
  } else if (src.state >= kClosing || dst.state >= kClosing) {
    t.set_expiration(c, kTcpClosing);
  } else {
    t.set_expiration(c, kTcpEstablished);
  }
}

void slide(TcpPeer& src, TcpPeer& dst, uint16_t win, uint32_t end, uint32_t ack, uint8_t sws) {
  if (src.max_win < win) src.max_win = win;
  if (seq_gt(end, src.seqlo)) src.seqlo = end;
  uint32_t w = uint32_t{win} << sws;
  if (seq_geq(ack + w, dst.seqhi)) dst.seqhi = ack + std::max<uint32_t>(w, 1);
}

}  // namespace

const char* tcp_state_name(uint8_t s) {
  static const char* const kNames[] = {"CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RECV",
                                       "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1", "CLOSING",
                                       "LAST_ACK",    "FIN_WAIT_2", "TIME_WAIT"};
  return s <= kTimeWait ? kNames[s] : "UNKNOWN";
}

bool tcp_valid_new(const Ctx& ctx) {
  uint16_t f = flags_of(ctx);
  if (invalid_flags(f)) return false;
  return !((f & kSyn) && (f & kAck));  // a SYN-ACK may not open a connection
}

void tcp_new_conn(Table& t, Conn& c, const Ctx& ctx) {
  TcpPeer& src = c.peer[0];
  TcpPeer& dst = c.peer[1];
  uint16_t f = flags_of(ctx);
  src.seqlo = load_be32(ctx.l4 + 4);
  src.seqhi = src.seqlo + payload_len(ctx) + 1;
  if (f & kSyn) {
    src.seqhi++;
    src.wscale = get_wscale(ctx);
  } else {
    src.wscale = dst.wscale = kWscaleUnknown;
  }
  src.max_win = std::max<uint16_t>(load_be16(ctx.l4 + 14), 1);
  if (src.wscale & kWscaleMask) {
    uint8_t sws = src.wscale & kWscaleMask;
    src.max_win = static_cast<uint16_t>((uint32_t{src.max_win} + (1u << sws) - 1) >> sws);
  }
  if (f & kFin) src.seqhi++;
  dst.seqhi = 1;
  dst.max_win = 1;
  src.state = kSynSent;
  dst.state = kClosed;
  t.set_expiration(c, kTcpFirst);
}

namespace {

// The first packet from a side (src.state < SYN_SENT): its sequence space starts here.
// Returns whether the ack-skew check still applies.
bool first_from_side(const Ctx& ctx, TcpPeer& src, TcpPeer& dst, uint16_t f, uint32_t seq,
                     uint32_t& end, uint16_t& win, uint8_t& sws, uint8_t& dws) {
  end = seq + payload_len(ctx);
  if (f & kSyn) {
    end++;
    if (dst.wscale & kWscaleFlag) {
      src.wscale = get_wscale(ctx);
      if (src.wscale & kWscaleFlag) {
        sws = src.wscale & kWscaleMask;
        win = static_cast<uint16_t>((uint32_t{win} + (1u << sws) - 1) >> sws);
        dws = dst.wscale & kWscaleMask;
      } else {
        dst.max_win = static_cast<uint16_t>(dst.max_win << (dst.wscale & kWscaleMask));
        dst.wscale = 0;
      }
    }
  }
  if (f & kFin) end++;
  src.seqlo = seq;
  src.state = kSynSent;
  bool check_ackskew = true;
  uint32_t w = std::max<uint32_t>(1, uint32_t{dst.max_win} << dws);
  if (src.seqhi == 1 || seq_geq(end + w, src.seqhi)) {
    src.seqhi = end + w;
    check_ackskew = false;  // picking up a connection: be liberal with acks
  }
  if (win > src.max_win) src.max_win = win;
  return check_ackskew;
}

}  // namespace

Update tcp_update(Table& t, Conn& c, const Ctx& ctx, bool reply) {
  TcpPeer& src = c.peer[reply ? 1 : 0];
  TcpPeer& dst = c.peer[reply ? 0 : 1];
  uint16_t f = flags_of(ctx);
  if (invalid_flags(f)) {
    t.count(CtCounter::kTcpFlags);
    return Update::kInvalid;
  }
  if ((f & (kSyn | kAck)) == kSyn) {
    if (dst.state >= kFinWait2 && src.state >= kFinWait2) {
      src.state = dst.state = kClosed;
      return Update::kNew;
    }
    if (src.state <= kSynSent) {
      src.state = kSynSent;
      t.set_expiration(c, kTcpFirst);
      return Update::kValidNew;
    }
  }
  uint8_t sws = 0, dws = 0;
  if (src.wscale & kWscaleFlag && dst.wscale & kWscaleFlag && !(f & kSyn)) {
    sws = src.wscale & kWscaleMask;
    dws = dst.wscale & kWscaleMask;
  } else if (src.wscale & kWscaleUnknown && dst.wscale & kWscaleUnknown && !(f & kSyn)) {
    sws = dws = kMaxWscale;
  }
  uint16_t win = load_be16(ctx.l4 + 14);
  uint32_t seq = load_be32(ctx.l4 + 4), orig_seq = seq;
  uint32_t ack = load_be32(ctx.l4 + 8);
  uint32_t end;
  bool check_ackskew = true;
  if (src.state < kSynSent) {
    check_ackskew = first_from_side(ctx, src, dst, f, seq, end, win, sws, dws);
  } else {
    end = seq + payload_len(ctx) + ((f & kSyn) ? 1 : 0) + ((f & kFin) ? 1 : 0);
  }
  if (!(f & kAck) || (ack == 0 && (f & (kAck | kRst)) == (kAck | kRst))) ack = dst.seqlo;
  if (seq == end) seq = end = src.seqlo;  // no data: ease the sequencing restrictions
  int64_t ackskew = check_ackskew ? static_cast<int32_t>(dst.seqlo - ack) : 0;
  bool in_window = seq_geq(src.seqhi, end) &&
                   seq_geq(seq, src.seqlo - (uint32_t{dst.max_win} << dws)) &&
                   ackskew >= -kMaxAckWindow && ackskew <= (int64_t{kMaxAckWindow} << sws) &&
                   (!(f & kRst) || orig_seq == src.seqlo || orig_seq == src.seqlo + 1 ||
                    orig_seq + 1 == src.seqlo);
  if (in_window || !t.opts.tcp_seq_check) {
    slide(src, dst, win, end, ack, sws);
    if (f & kSyn && src.state < kSynSent) src.state = kSynSent;
    if (f & kFin && src.state < kClosing) src.state = kClosing;
    if (f & kAck) {
      if (dst.state == kSynSent) {
        dst.state = kEstablished;
      } else if (dst.state == kClosing) {
        dst.state = kFinWait2;
      }
    }
    if (f & kRst) src.state = dst.state = kTimeWait;
    update_timer(t, c, src, dst);
    return Update::kValid;
  }
  if ((dst.state < kSynSent || dst.state >= kFinWait2 || src.state >= kFinWait2) &&
      seq_geq(src.seqhi + kMaxAckWindow, end) && seq_geq(seq, src.seqlo - kMaxAckWindow)) {
    // Shotgunned SYNs, a stream picked up mid-way, stray packets after close: accepted
    // without refreshing the timer.
    slide(src, dst, win, end, ack, sws);
    if (f & kFin && src.state < kClosing) src.state = kClosing;
    if (f & kRst) src.state = dst.state = kTimeWait;
    return Update::kValid;
  }
  t.count(CtCounter::kTcpSeq);
  return Update::kInvalid;
}

}  // namespace nt::ct
