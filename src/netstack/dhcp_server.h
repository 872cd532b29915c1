// DhcpServer: an RFC 2131 DHCP server for one subnet on one NIC of a Host — what Neutron's
// dnsmasq (run with --dhcp-authoritative) does for a network's subnet in the emulated lab.
//
// It listens on UDP port 67 of the NIC and hands out addresses from a pool, with static hosts
// (MAC -> address, Neutron's fixed IPs) winning over the pool and never leased to anyone
// else. DISCOVER -> OFFER (the static address, else the client's current lease, else the
// requested address if free in the pool, else the lowest free pool address; an offer holds
// its address for `offer_hold`). REQUEST -> ACK or NAK: SELECTING (server id present: ours,
// else the client chose another server and our offer is dropped), INIT-REBOOT (requested
// address) and RENEWING/REBINDING (ciaddr) are ACKed when the address is the client's or
// free for it (authoritative: a lease forgotten by a restart is granted again), NAKed
// otherwise. RELEASE frees; DECLINE makes the address unusable for `decline_hold`. Leases
// expire on the Scheduler's virtual clock (one Timer at the earliest deadline). Replies go as
// RFC 2131 §4.1 says: NAK broadcast; to ciaddr if set; broadcast if the client set the
// broadcast flag; else unicast to yiaddr at the client's MAC (no ARP).
//
// ACK/OFFER carry options 1, 3, 6, 26, 51, 54, 58, 59 and 121 as configured (all configured
// options, whatever the parameter request list says). A message that is not a parsable
// BOOTREQUEST, or that the server does not handle, is counted under a named drop and ignored.
//
// leases_text() is dnsmasq's lease file, one bound lease per line sorted by address:
// "EXPIRY MAC IP HOSTNAME *" — EXPIRY in whole seconds of the scheduler's clock, HOSTNAME the
// client's option 12 or "*", the client id always "*".
//
// Not done: relays (giaddr), INFORM, BOOTP clients, option 61 client ids, persistence.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "netstack/dhcp_msg.h"
#include "netstack/host.h"
#include "netstack/scheduler.h"

namespace nt {

// X(name, "counter_name")
#define NT_DHCP_SERVER_DROPS(X)                 \
  X(kMalformed, "dhcp_malformed")               \
  X(kNotBootRequest, "dhcp_not_bootrequest")    \
  X(kUnhandledType, "dhcp_unhandled_type")      \
  X(kRelayed, "dhcp_relayed_unsupported")       \
  X(kOtherServer, "dhcp_other_server")          \
  X(kNoAddress, "dhcp_request_without_address") \
  X(kUnknownLease, "dhcp_unknown_lease")        \
  X(kPoolExhausted, "dhcp_pool_exhausted")      \
  X(kNoStaticHost, "dhcp_no_static_host")       \
  X(kReplyFailed, "dhcp_reply_failed")

enum class DhcpServerDrop : uint8_t {
#define NT_DHCP_SERVER_DROP_ENUM(name, str) name,
  NT_DHCP_SERVER_DROPS(NT_DHCP_SERVER_DROP_ENUM)
#undef NT_DHCP_SERVER_DROP_ENUM
      kCount
};
std::string_view dhcp_server_drop_name(DhcpServerDrop d);

struct DhcpStaticHost {
  MacAddr mac;
  uint32_t address = 0;
};

struct DhcpServerConfig {
  uint32_t server_address = 0;  // option 54 and the replies' source; on the NIC already
  uint8_t prefix_len = 24;      // option 1
  uint32_t pool_first = 0;      // inclusive range, inside the subnet
  uint32_t pool_last = 0;
  // dnsmasq's "static" dhcp-range (Neutron's): only the static hosts get addresses; no pool.
  bool static_only = false;
  std::vector<DhcpStaticHost> static_hosts;      // inside the subnet, in or out of the pool
  std::vector<uint32_t> routers;                 // option 3 (never leased)
  std::vector<uint32_t> dns_servers;             // option 6
  uint16_t mtu = 0;                              // option 26; 0: not sent
  std::vector<ClasslessRoute> classless_routes;  // option 121; empty: not sent
  uint32_t lease_secs = 86400;                   // option 51; T1/T2 at 1/2 and 7/8
  TimeUs offer_hold = 60 * kUsPerSec;            // an unanswered OFFER's reservation
  TimeUs decline_hold = 600 * kUsPerSec;         // a DECLINEd address is unusable
};

struct DhcpServerStats {
  uint32_t discovers = 0;
  uint32_t requests = 0;
  uint32_t releases = 0;
  uint32_t declines = 0;
  uint32_t offers = 0;
  uint32_t acks = 0;
  uint32_t naks = 0;
};

struct DhcpServerLease {
  MacAddr mac;
  uint32_t address = 0;
  TimeUs expires = 0;
  bool bound = false;  // false: only offered
  std::string hostname;
};

class DhcpServer {
 public:
  DhcpServer(Host& host, NicId nic, DhcpServerConfig config);
  ~DhcpServer();
  DhcpServer(const DhcpServer&) = delete;
  DhcpServer& operator=(const DhcpServer&) = delete;

  // Checks the config and opens UDP port 67 on the NIC. Error if invalid or the port is taken.
  Status start();
  // A new config (dnsmasq re-reading its files on SIGHUP); the server address and subnet stay.
  // Leases of clients whose static address changed or went (static_only) are forgotten, so
  // their next renewal is NAKed and they ask again.
  Status reconfigure(DhcpServerConfig config);

  const DhcpServerConfig& config() const { return config_; }
  const DhcpServerStats& stats() const { return stats_; }
  uint64_t drops(DhcpServerDrop d) const { return drops_[static_cast<size_t>(d)]; }
  uint64_t total_drops() const;
  std::string counters_text() const;  // "name: N" per non-zero counter
  // The client's unexpired lease (bound or offered), nullptr if none.
  const DhcpServerLease* find_lease(const MacAddr& mac) const;
  std::string leases_text() const;

 private:
  Status check_config() const;
  void index_static_hosts();
  void drop(DhcpServerDrop d) { ++drops_[static_cast<size_t>(d)]; }
  void on_datagram(const UdpDatagram& d);
  void on_discover(const DhcpMessage& m);
  void on_request(const DhcpMessage& m);
  void on_release(const DhcpMessage& m);
  void on_decline(const DhcpMessage& m);
  uint32_t choose_address(const DhcpMessage& m) const;
  bool allocatable(uint32_t addr, const MacAddr& mac) const;
  bool acceptable(uint32_t addr, const MacAddr& mac) const;
  uint32_t static_address(const MacAddr& mac) const;
  void set_lease(const DhcpMessage& m, uint32_t addr, bool bound, TimeUs expires);
  void erase_lease(uint64_t mac);
  void expire();
  void arm_expiry();
  void reply(const DhcpMessage& req, DhcpType type, uint32_t yiaddr);
  DhcpMessage make_reply(const DhcpMessage& req, DhcpType type, uint32_t yiaddr) const;

  Host& host_;
  NicId nic_;
  DhcpServerConfig config_;
  uint32_t network_ = 0;
  std::unique_ptr<UdpSocket> socket_;
  Timer expiry_timer_;
  std::unordered_map<uint64_t, uint32_t> static_by_mac_;
  std::unordered_map<uint32_t, uint64_t> static_by_addr_;
  std::unordered_map<uint64_t, DhcpServerLease> leases_;  // by MAC
  std::unordered_map<uint32_t, uint64_t> owners_;         // address -> MAC
  std::unordered_map<uint32_t, TimeUs> declined_;         // address -> usable again at
  DhcpServerStats stats_;
  std::array<uint64_t, static_cast<size_t>(DhcpServerDrop::kCount)> drops_{};
};

}  // namespace nt
