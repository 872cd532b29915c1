// DhcpClient: RFC 2131 address configuration for one NIC of a Host.
//
// The state machine of RFC 2131 §4.4 (figure 5): INIT -> SELECTING (DISCOVER, broadcast) ->
// REQUESTING (REQUEST for the first OFFER) -> BOUND (ACK applied) -> RENEWING at T1 (REQUEST
// unicast to the server) -> REBINDING at T2 (REQUEST broadcast) -> back to INIT when the lease
// expires or a NAK arrives. Retransmissions back off 4, 8, 16, 32, 64 s with ±1 s of jitter
// drawn from the host's deterministic generator, so a lab replays identically. While
// renewing or rebinding it retransmits after half the remaining time (at least
// `min_renew_retrans`, 60 s per the RFC).
//
// Applying a lease configures the host: the address and its prefix (subnet mask option),
// the MTU (option 26), DNS servers (6), and routes: classless static routes (option 121,
// RFC 3442) when present — in which case the router option is ignored, as RFC 3442 requires
// — else a default route via the first router (3). Routes it installs are RouteOrigin::kDhcp
// and leave with the lease. It costs one Timer and one UDP socket; nothing runs between
// events. Not done: ARP probing of the offered address (DECLINE), INFORM, relays.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netstack/dhcp_msg.h"
#include "netstack/host.h"

namespace nt {

enum class DhcpState : uint8_t {
  kStopped,
  kInit,
  kSelecting,
  kRequesting,
  kBound,
  kRenewing,
  kRebinding,
};
std::string_view dhcp_state_name(DhcpState s);

struct DhcpClientConfig {
  TimeUs initial_backoff = 4 * kUsPerSec;
  TimeUs max_backoff = 64 * kUsPerSec;
  bool jitter = true;         // ±1 s on every retransmission
  int max_request_tries = 4;  // REQUESTs in REQUESTING before starting over
  TimeUs min_renew_retrans = 60 * kUsPerSec;
  TimeUs restart_delay = 1 * kUsPerSec;  // after a NAK, a lease expiry or a failed REQUEST
  std::string hostname;                  // option 12, if not empty
};

struct DhcpLease {
  uint32_t address = 0;
  uint8_t prefix_len = 0;
  uint32_t server_id = 0;
  std::vector<uint32_t> routers;
  std::vector<uint32_t> dns;
  std::string domain_name;
  uint16_t mtu = 0;
  std::vector<ClasslessRoute> classless_routes;
  uint32_t lease_secs = 0;
  TimeUs obtained = 0;  // when the REQUEST that got it was sent
  TimeUs t1 = 0;
  TimeUs t2 = 0;
  TimeUs expires = 0;
};

struct DhcpClientStats {
  uint32_t discovers = 0;
  uint32_t requests = 0;
  uint32_t offers = 0;
  uint32_t acks = 0;
  uint32_t naks = 0;
  uint32_t ignored = 0;  // unparsable, or not for our transaction
};

class DhcpClient {
 public:
  DhcpClient(Host& host, NicId nic, DhcpClientConfig config = {});
  ~DhcpClient();
  DhcpClient(const DhcpClient&) = delete;
  DhcpClient& operator=(const DhcpClient&) = delete;

  // Opens UDP port 68 on the NIC and starts from INIT. Error if the port is taken.
  Status start();
  // Sends a RELEASE (if bound), removes the configuration and stops.
  void release();

  DhcpState state() const { return state_; }
  const std::optional<DhcpLease>& lease() const { return lease_; }
  const DhcpClientStats& stats() const { return stats_; }
  // What udhcpc prints: "Sending discover...", "Lease of 10.0.0.3 obtained, lease time 86400".
  const std::string& log() const { return log_; }
  // Called after every ACK that (re)binds (must not destroy the client).
  void on_bound(std::function<void(const DhcpLease&)> fn) { on_bound_ = std::move(fn); }

 private:
  void enter_init(TimeUs delay);
  void on_timer();
  void on_datagram(const UdpDatagram& d);
  void on_offer(const DhcpMessage& m);
  void on_ack(const DhcpMessage& m);
  void on_nak();
  void send_discover();
  void send_request();
  void send(const DhcpMessage& m, uint32_t dst);
  DhcpMessage base_message(DhcpType type) const;
  TimeUs backoff();
  void arm_renew_retrans(TimeUs boundary);
  void apply(const DhcpLease& lease);
  void unconfigure();
  void install_routes(const DhcpLease& lease);

  Host& host_;
  NicId nic_;
  DhcpClientConfig config_;
  std::unique_ptr<UdpSocket> socket_;
  Timer timer_;
  DhcpState state_ = DhcpState::kStopped;
  uint32_t xid_ = 0;
  int tries_ = 0;
  TimeUs started_ = 0;       // of the current exchange (the secs field)
  TimeUs request_sent_ = 0;  // first REQUEST of the current exchange
  DhcpMessage offer_;
  std::optional<DhcpLease> lease_;
  uint16_t original_mtu_ = 0;
  DhcpClientStats stats_;
  std::string log_;
  std::function<void(const DhcpLease&)> on_bound_;
};

}  // namespace nt
