// Host: a small event-driven IPv4 host — the IP stack of an emulated instance, of a node's
// NIC (the VTEP address a tunnel sends from) and of the DHCP and router services.
//
// A Host has NICs (a MAC, IPv4 addresses, an MTU and a transmit hook that whoever wires it
// sets, typically a switch port) and takes frames through receive(). Above Ethernet it does
// ARP (arp.h), IPv4 with a routing table (route_table.h) and optional forwarding, ICMP echo
// and errors (icmp.h), UDP sockets (udp.h) and TCP (tcp.h); programs (DhcpClient, Ping, Traceroute)
// sit on those. There is no thread and no polling: all waiting (ARP retransmission and aging, ping
// intervals, DHCP leases) is Timers on the Scheduler the host was given, which many hosts
// share, so a lab of a thousand instances costs only the events that actually happen.
//
// Cheap by construction: a received frame is parsed once by flow_extract() and handled
// in place (a reply is built on the stack, never in a heap buffer); the only per-packet
// allocations are frames parked while ARP resolves. Malformed or unexpected packets never
// crash: each drop is counted under a reason (drops.h).
//
// iptables: netfilter() (netfilter.h) holds a host's filter, nat and mangle tables and their
// connection tracker, created on first use; with nothing loaded each hook costs a pointer test.
//
// Re-entrancy: a transmit hook may deliver synchronously into another host (or this one),
// which may answer at once; the host keeps no pointer into its own tables across a transmit.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "netstack/arp.h"
#include "netstack/drops.h"
#include "netstack/icmp.h"
#include "netstack/ipv4_addr.h"
#include "netstack/route_table.h"
#include "netstack/scheduler.h"
#include "netstack/tcp.h"
#include "netstack/udp.h"
#include "packet/flow_key.h"
#include "packet/parse.h"

namespace nt {

class Netfilter;  // netstack/netfilter.h
struct NfPass;
enum class NfVerdict : uint8_t;

using TransmitFn = std::function<void(const uint8_t* frame, size_t len)>;

inline constexpr uint16_t kMaxMtu = 9000;
inline constexpr uint16_t kMinMtu = 68;
inline constexpr size_t kEthHeaderLen = 14;
inline constexpr size_t kIpv4HeaderLen = 20;
inline constexpr size_t kUdpHeaderLen = 8;
inline constexpr size_t kMaxFrame = kEthHeaderLen + kMaxMtu;
// The ephemeral ports a host picks local ports from (Linux ip_local_port_range).
inline constexpr uint16_t kEphemeralFirst = 32768;
inline constexpr uint16_t kEphemeralLast = 60999;
inline constexpr uint8_t kDefaultTtl = 64;

struct IfAddr {
  uint32_t addr = 0;
  uint8_t prefix_len = 0;
  TimeUs expires = kNever;  // end of a DHCP lease (shown as valid_lft), kNever if static
  Ipv4Prefix prefix() const { return {addr, prefix_len}; }
};

struct NicStats {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
};

class Nic {
 public:
  const std::string& name() const { return name_; }
  const MacAddr& mac() const { return mac_; }
  uint16_t mtu() const { return mtu_; }
  bool up() const { return up_; }
  const std::vector<IfAddr>& addresses() const { return addrs_; }
  uint32_t primary_address() const { return addrs_.empty() ? 0 : addrs_.front().addr; }
  const ArpCache& arp() const { return arp_; }
  const NicStats& stats() const { return stats_; }

 private:
  friend class Host;
  std::string name_;
  MacAddr mac_;
  uint16_t mtu_ = 1500;
  bool up_ = true;
  std::vector<IfAddr> addrs_;
  TransmitFn tx_;
  ArpCache arp_;
  Timer arp_timer_;
  NicStats stats_;
};

// How to send one IPv4 datagram (Host::send_ip).
struct IpSend {
  uint32_t dst = 0;
  uint32_t src = 0;  // 0: chosen from the route
  uint8_t proto = 0;
  uint8_t ttl = 0;  // 0: the host's default
  uint8_t tos = 0;
  bool dont_fragment = false;
  NicId nic = kNoNic;                // bound device
  const MacAddr* dst_mac = nullptr;  // skip ARP
  bool udp_checksum = false;         // fill the UDP checksum once the source is known
};

// A received IPv4 packet handed to a raw protocol handler (GRE and the like).
struct IpPacketView {
  NicId nic = kNoNic;
  uint32_t src = 0;
  uint32_t dst = 0;
  uint8_t proto = 0;
  uint8_t ttl = 0;
  const uint8_t* payload = nullptr;
  size_t len = 0;
};

class Host {
 public:
  using ProtocolFn = std::function<void(const IpPacketView&)>;

  Host(Scheduler& sched, std::string name);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const std::string& name() const { return name_; }
  Scheduler& scheduler() { return *sched_; }
  TimeUs now_us() const { return sched_->now_us(); }

  // --- Interfaces and addresses (host_config.cc).
  NicId add_nic(std::string name, const MacAddr& mac, uint16_t mtu = 1500);
  size_t nic_count() const { return nics_.size(); }
  const Nic& nic(NicId id) const { return *nics_.at(id); }
  std::optional<NicId> find_nic(std::string_view name) const;
  void set_transmit(NicId id, TransmitFn tx);
  Status set_mtu(NicId id, uint16_t mtu);
  void set_link_up(NicId id, bool up);
  // Adds addr/prefix_len, its connected route, and announces it with a gratuitous ARP.
  // `expires` marks a leased (dynamic) address; the lease holder removes it, not the host.
  Status add_address(NicId id, uint32_t addr, uint8_t prefix_len, TimeUs expires = kNever);
  void set_address_expiry(NicId id, uint32_t addr, TimeUs expires);
  Status add_address(NicId id, std::string_view cidr);
  // Removes the address, its connected route and routes whose gateway is no longer on-link.
  Status del_address(NicId id, uint32_t addr);
  // Routes: a gateway must be on-link (the NIC is then found from it when `nic` is kNoNic).
  Status add_route(Route r);
  Status add_route(std::string_view cidr, std::string_view gateway);
  bool del_route(uint32_t dst, uint8_t prefix_len) { return routes_.remove(dst, prefix_len); }
  Status set_default_gateway(uint32_t gateway);
  const RouteTable& routes() const { return routes_; }
  RouteTable& routes() { return routes_; }
  void set_forwarding(bool on) { forwarding_ = on; }
  bool forwarding() const { return forwarding_; }
  ArpConfig& arp_config() { return arp_config_; }
  Status add_static_arp(NicId id, uint32_t ip, const MacAddr& mac);
  void set_dns_servers(std::vector<uint32_t> servers) { dns_ = std::move(servers); }
  const std::vector<uint32_t>& dns_servers() const { return dns_; }
  bool is_local_address(uint32_t addr) const;

  // --- Data path.
  void receive(NicId id, const uint8_t* frame, size_t len);
  // Sends head+body as the payload of one IPv4 datagram: route, source selection, ARP.
  // Queued behind ARP counts as sent. Errors: no route, too big, no source address.
  Status send_ip(const IpSend& p, std::span<const uint8_t> head,
                 std::span<const uint8_t> body = {});
  void set_protocol_handler(uint8_t proto, ProtocolFn fn);

  // --- Encapsulated traffic (encap.cc): a node's VTEP, what the kernel's vxlan and gre
  // receive paths do for an Open vSwitch tunnel vport. A VXLAN (UDP to `vxlan_port`) or GRE
  // (IP protocol 47) packet addressed to one of this host's unicast addresses goes whole —
  // Ethernet header included, padding excluded — to `fn` instead of the sockets and protocol
  // handlers. An empty `fn` removes the hook.
  using EncapFn = std::function<void(NicId nic, const uint8_t* frame, size_t len)>;
  void set_encap_handler(EncapFn fn, uint16_t vxlan_port = 4789);
  uint64_t encap_received() const { return encap_rx_; }
  // Sends a complete IPv4 packet that follows room for an Ethernet header (a tunnel's outer
  // frame): routed by its destination (a non-zero source must be one of ours; 0 is chosen
  // from the route), ARP-resolved on the outgoing NIC, Ethernet addresses written; the IP
  // header is otherwise kept. Errors, each counted: malformed, bad source, no route, too big.
  Status output_ip_frame(const uint8_t* frame, size_t len);

  // --- Sockets.
  // port 0 picks an ephemeral port; addr 0 is any address; `device` binds to one NIC.
  // A port is taken when a socket has the same address and device (or either has none).
  Result<std::unique_ptr<UdpSocket>> udp_open(uint16_t port = 0, uint32_t addr = 0,
                                              NicId device = kNoNic);
  // Registers a ping-like listener and returns its echo identifier.
  uint16_t icmp_open(IcmpEchoListener* listener);
  void icmp_close(uint16_t id) { echo_listeners_.erase(id); }
  // TCP (tcp.cc): a listener on `port` (addr 0: any address), one per port; an active open to
  // dst:dport from an ephemeral port (the SYN leaves at once; watch the connection's state).
  Result<std::unique_ptr<TcpListener>> tcp_listen(uint16_t port, uint32_t addr = 0,
                                                  const TcpOptions& opts = {});
  Result<std::unique_ptr<TcpConnection>> tcp_connect(uint32_t dst, uint16_t dport,
                                                     const TcpOptions& opts = {});

  // --- iptables and conntrack (netstack/netfilter.h): created on first use.
  Netfilter& netfilter();

  // --- State and counters (show.cc).
  uint64_t drops(HostDrop d) const { return drops_[static_cast<size_t>(d)]; }
  uint64_t parse_drops(ParseError e) const { return parse_drops_[static_cast<size_t>(e)]; }
  uint64_t total_drops() const;
  std::string counters_text() const;  // "name: N" per non-zero counter
  std::string ip_addr_text() const;   // `ip addr`
  std::string ip_route_text() const;  // `ip route`
  std::string arp_text() const;       // `arp -n`
  uint32_t random();                  // deterministic per host (DHCP xid, jitter)

 private:
  friend class UdpSocket;
  friend class TcpConnection;
  friend class TcpListener;

  // A received IPv4 packet, parsed once; pointers into the frame.
  struct IpRx {
    NicId nic = kNoNic;
    const uint8_t* ip = nullptr;
    size_t ihl = 0;
    size_t ip_len = 0;  // total length (Ethernet padding excluded)
    const uint8_t* l4 = nullptr;
    size_t l4_len = 0;
    uint32_t src = 0;
    uint32_t dst = 0;
    uint8_t proto = 0;
    uint8_t ttl = 0;
    uint8_t tos = 0;
    bool df = false;
    bool l2_multicast = false;  // arrived as an Ethernet broadcast or multicast
    bool ip_broadcast = false;  // limited or directed broadcast
    bool looped = false;        // sent by this host to itself
    MacAddr src_mac;
  };
  struct OutRoute {
    NicId nic = kNoNic;
    uint32_t next_hop = 0;
    uint32_t src = 0;
    bool local = false;
  };

  void drop(HostDrop d) { ++drops_[static_cast<size_t>(d)]; }
  Nic& nic_mut(NicId id) { return *nics_[id]; }
  void nic_transmit(NicId id, uint8_t* frame, size_t len);
  uint32_t select_source(NicId id, uint32_t next_hop) const;
  bool is_broadcast_on(NicId id, uint32_t addr) const;
  std::optional<MacAddr> l2_destination(NicId id, uint32_t next_hop) const;
  void add_connected_routes(NicId id);

  // arp.cc
  void arp_input(NicId id, const FlowKey& key);
  void arp_send(NicId id, uint16_t op, uint32_t spa, const MacAddr& tha, uint32_t tpa,
                const MacAddr& eth_dst);
  void arp_request(NicId id, uint32_t target);
  void arp_resolved(NicId id, uint32_t ip, const MacAddr& mac);
  void arp_enqueue(NicId id, uint32_t next_hop, const uint8_t* frame, size_t len);
  void arp_arm(NicId id);
  void arp_sweep(NicId id);
  void gratuitous_arp(NicId id, uint32_t addr);

  // ipv4.cc
  void ipv4_input(NicId id, const uint8_t* frame, const FlowKey& key, const HeaderOffsets& ofs);
  IpRx parse_ip_rx(NicId id, const uint8_t* frame, size_t l3) const;
  void ip_local_deliver(const IpRx& rx);
  void ip_forward(const IpRx& rx, NfPass* nf = nullptr);
  // The netfilter path of ipv4_input: hooks around the routing decision on a copy of the frame.
  void ipv4_input_nf(const IpRx& rx, const uint8_t* frame);
  bool nf_ok(NfVerdict v);  // counts a drop unless the verdict accepts
  Result<OutRoute> route_output(uint32_t dst, NicId bound, uint32_t src) const;
  Result<OutRoute> nf_output(uint8_t* frame, size_t len, const IpSend& p, OutRoute r);
  void eth_output_ip(NicId id, uint32_t next_hop, uint8_t* frame, size_t len,
                     const MacAddr* dst_mac);
  void deliver_locally(NicId id, const uint8_t* frame, size_t len);

  // icmp.cc
  void icmp_input(const IpRx& rx);
  void icmp_echo_reply(const IpRx& rx);
  void icmp_error_input(const IpRx& rx);
  void icmp_send_error(const IpRx& orig, uint8_t type, uint8_t code, uint16_t mtu = 0);
  void icmp_error_for_frame(const uint8_t* frame, size_t len, uint8_t type, uint8_t code);

  // encap.cc
  bool encap_input(const IpRx& rx);

  // udp.cc
  void udp_input(const IpRx& rx, bool unconfigured);
  UdpSocket* udp_lookup(const IpRx& rx, uint16_t port, bool unconfigured) const;
  void udp_unbind(UdpSocket* s);
  Status udp_send(const UdpSocket& s, uint32_t dst, uint16_t dport, const uint8_t* data, size_t len,
                  const UdpSendOptions& o);
  bool udp_wants_unconfigured(const IpRx& rx) const;

  // tcp.cc
  void tcp_input(const IpRx& rx);
  void tcp_refuse(const IpRx& rx, const TcpSegment& s);
  uint16_t tcp_ephemeral_port(uint32_t local, uint32_t dst, uint16_t dport);

  Scheduler* sched_;
  std::string name_;
  std::vector<std::unique_ptr<Nic>> nics_;
  RouteTable routes_;
  ArpConfig arp_config_;
  bool forwarding_ = false;
  uint16_t ip_id_ = 0;
  uint64_t rng_;
  std::vector<uint32_t> dns_;
  std::unordered_map<uint16_t, std::vector<UdpSocket*>> udp_sockets_;
  uint16_t next_ephemeral_ = 32768;
  std::unordered_map<uint16_t, IcmpEchoListener*> echo_listeners_;
  std::map<TcpTuple, TcpConnection*> tcp_conns_;
  std::unordered_map<uint16_t, TcpListener*> tcp_listeners_;
  uint16_t next_tcp_ephemeral_ = 32768;
  uint16_t next_echo_id_;
  std::vector<std::pair<uint8_t, ProtocolFn>> protocols_;
  EncapFn encap_;
  uint16_t encap_vxlan_port_ = 4789;
  uint64_t encap_rx_ = 0;
  std::unique_ptr<Netfilter> nf_;
  std::array<uint64_t, static_cast<size_t>(HostDrop::kCount)> drops_{};
  std::array<uint64_t, static_cast<size_t>(ParseError::kCount)> parse_drops_{};
};

}  // namespace nt
