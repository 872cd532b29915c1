// TCP for emulated instances: enough of RFC 9293 for a lab to open, use and observe
// connections through switches, firewalls and conntrack.
//
// A TcpListener takes connections on a port (passive open: SYN -> SYN-ACK, ACK -> ESTABLISHED)
// and, as an echo service, sends back whatever a connection receives; a TcpConnection is an
// active open (SYN, SYN-ACK -> ACK) that a program holds. A SYN to a port nobody listens on is
// answered with a RST ("connection refused"). Segments are well formed as conntrack expects
// them: correct checksums, a fixed 65535-byte receive window, an MSS option on the SYN.
// SYN, data and FIN are retransmitted on one Timer per connection (1 s, doubling, a bounded
// number of tries, then the connection is aborted as timed out); there is no RTT estimation,
// no congestion control, no window scaling and no reassembly: a segment beyond the next
// expected byte is answered with a duplicate ACK and dropped, so the sender's retransmission
// fills the gap. Close is the FIN handshake (a TIME-WAIT of 2 s). Malformed segments are
// counted (drops.h) and dropped.
//
// Ownership follows UdpSocket: a program owns its TcpConnection (destroying an open one aborts
// it with a RST), a TcpListener owns the connections it accepted; neither may outlive its Host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "netstack/scheduler.h"

namespace nt {

class Host;

enum class TcpState : uint8_t {
  kClosed,
  kSynSent,
  kSynReceived,
  kEstablished,
  kFinWait1,
  kFinWait2,
  kClosing,
  kTimeWait,
  kCloseWait,
  kLastAck,
};
std::string_view tcp_state_name(TcpState s);

// Why a connection ended without a close handshake.
enum class TcpError : uint8_t { kNone, kRefused, kReset, kTimedOut };

struct TcpOptions {
  TimeUs rto = kUsPerSec;            // first retransmission timeout (doubles per try)
  int max_retries = 6;               // retransmissions of one segment before giving up
  TimeUs time_wait = 2 * kUsPerSec;  // TIME-WAIT (2 MSL, short: a lab's clock)
};

// The four numbers that name a connection (host byte order).
struct TcpTuple {
  uint32_t local_addr = 0;
  uint16_t local_port = 0;
  uint32_t remote_addr = 0;
  uint16_t remote_port = 0;
  auto operator<=>(const TcpTuple&) const = default;
};

// One parsed segment (pointers into the frame, valid during input only).
struct TcpSegment {
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  uint16_t mss = 0;  // from the MSS option, 0 if none
  const uint8_t* data = nullptr;
  size_t len = 0;
};

inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;

class TcpConnection {
 public:
  using ReceiveFn = std::function<void(std::span<const uint8_t> data)>;
  using EventFn = std::function<void()>;

  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  TcpState state() const { return state_; }
  TcpError error() const { return error_; }
  const TcpTuple& tuple() const { return tuple_; }
  bool established() const;  // data can flow (ESTABLISHED or a half-closed state)
  uint64_t bytes_received() const { return bytes_received_; }
  uint64_t retransmissions() const { return retransmissions_; }

  // Queues data and sends what the peer's window allows. Errors once closing or closed.
  Status send(std::span<const uint8_t> data);
  Status send(std::string_view text) {
    return send({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  }
  // Sends a FIN after the queued data (a half close: data still arrives until the peer's FIN).
  void close();
  // Sends a RST and forgets the connection.
  void abort();

  void on_receive(ReceiveFn fn) { on_receive_ = std::move(fn); }
  // Called on every state change (connected, peer closed, refused, reset, timed out).
  void on_state_change(EventFn fn) { on_state_ = std::move(fn); }

 private:
  friend class Host;
  friend class TcpListener;
  TcpConnection(Host& host, const TcpTuple& t, const TcpOptions& o);

  // Life cycle: the SYN leaves, the timer runs; the end is finish() (unregistered, CLOSED).
  void start(TcpState s);
  void start_active();
  void start_passive(const TcpSegment& syn);
  void set_state(TcpState s);
  void finish(TcpError e);
  void enter_time_wait();
  // Input: the state machine.
  void input(const TcpSegment& s);
  void input_syn_sent(const TcpSegment& s);
  bool acceptable(const TcpSegment& s) const;
  bool input_ack(const TcpSegment& s);
  void acked(uint32_t ack);
  bool input_data(const TcpSegment& s);
  void input_fin();
  // Output: segments and the retransmission timer.
  void output();
  void send_syn();
  void send_segment(uint32_t seq, uint8_t flags, std::span<const uint8_t> data = {});
  void send_ack() { send_segment(snd_nxt_, kTcpAck); }
  void arm_retransmit();
  void on_timer();

  Host* host_;
  TcpTuple tuple_;
  TcpOptions opts_;
  TcpState state_ = TcpState::kClosed;
  TcpError error_ = TcpError::kNone;
  bool registered_ = false;
  uint32_t iss_ = 0;
  uint32_t snd_una_ = 0;  // oldest unacknowledged
  uint32_t snd_nxt_ = 0;  // next to send (moves back on a retransmission)
  uint32_t snd_max_ = 0;  // highest sent
  uint32_t snd_wnd_ = 0;
  uint32_t rcv_nxt_ = 0;
  uint32_t last_ack_sent_ = 0;
  uint16_t mss_ = 536;            // the peer's, RFC 9293's default until it says otherwise
  uint16_t own_mss_ = 536;        // the route's MTU less the headers
  std::vector<uint8_t> snd_buf_;  // bytes from snd_una_ on, sent or not
  bool fin_queued_ = false;       // close(): a FIN follows the data, at fin_seq_
  uint32_t fin_seq_ = 0;
  Timer timer_;
  TimeUs rto_ = 0;
  int retries_ = 0;
  uint64_t bytes_received_ = 0;
  uint64_t retransmissions_ = 0;
  ReceiveFn on_receive_;
  EventFn on_state_;
};

class TcpListener {
 public:
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  uint16_t port() const { return port_; }
  uint32_t address() const { return addr_; }
  // Echo service: every accepted connection sends back what it receives and closes when the
  // peer closes.
  void set_echo(bool on) { echo_ = on; }
  // A service: `fn` is given each accepted connection before its SYN-ACK leaves, to set its
  // receive and state handlers (the listener still owns it). Replaces the echo service.
  using AcceptFn = std::function<void(TcpConnection&)>;
  void on_accept(AcceptFn fn) { on_accept_ = std::move(fn); }
  // Connections accepted and not yet closed (SYN-RECEIVED included).
  size_t connection_count() const;
  uint64_t accepted() const { return accepted_; }

 private:
  friend class Host;
  TcpListener(Host& host, uint32_t addr, uint16_t port, const TcpOptions& o)
      : host_(&host), addr_(addr), port_(port), opts_(o) {}
  void accept(const TcpTuple& t, const TcpSegment& syn);
  void reap();

  Host* host_;
  uint32_t addr_;
  uint16_t port_;
  TcpOptions opts_;
  bool echo_ = false;
  AcceptFn on_accept_;
  uint64_t accepted_ = 0;
  std::vector<std::unique_ptr<TcpConnection>> conns_;
};

}  // namespace nt
