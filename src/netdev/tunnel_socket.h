// TunnelSocket: one kernel socket shared by every tunnel port with the same local endpoint.
//
// VXLAN ports are UDP sockets bound to (local_ip, dst_port) and GRE ports raw IPPROTO_GRE
// sockets bound to local_ip; the kernel routes the outer packets and reassembles fragments.
// A node has one tunnel port per remote node but only one local endpoint, so every vxlan port
// on (local_ip, 4789) shares one socket: a registry hands out the socket for an endpoint and
// closes it with its last port. Reading is batched (recvmmsg into pool packets, 32 datagrams
// per call, no allocation); each datagram is checked (VXLAN I flag; GRE version 0, no routing,
// Transparent Ethernet Bridging), its outer facts recorded in Packet::tunnel, its outer
// headers stripped with a pointer move, and it is queued on the port whose remote_ip is the
// sender (and whose in_key accepts the key). Whichever port's receive() reads the socket
// does this for all of them; the others find their packets queued (Netdev::rx_pending).
// Datagrams from a sender no port knows are dropped and counted on the port that read them.
//
// Not supported: remote_ip=flow (one port receiving from any remote), IPv6 underlays, GRE
// sequence numbers and checksums on send. Note that where the kernel's ip_gre module is loaded
// in our namespace, the kernel also sees the GRE packets we read and answers those no kernel
// tunnel claims with ICMP port unreachable (rate-limited); the packets still reach us.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <compare>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "netdev/sys_util.h"
#include "packet/packet.h"
#include "packet/tunnel.h"

namespace nt {

class TunnelNetdev;

class TunnelSocket {
 public:
  struct Endpoint {
    TunnelKind kind = TunnelKind::kVxlan;
    uint32_t local_ip = 0;  // host order; 0 = any
    uint16_t port = 0;      // UDP port (VXLAN); 0 for GRE
    uint64_t netns = 0;     // the network namespace (sockets are never shared across them)
    auto operator<=>(const Endpoint&) const = default;
  };

  // The shared socket for `ep`, opened (and bound) on first use. `who` names the asking port
  // in error messages; an endpoint whose local address does not exist yet is kNotFound.
  static Result<std::shared_ptr<TunnelSocket>> acquire(const Endpoint& ep, const std::string& who);
  ~TunnelSocket();
  TunnelSocket(const TunnelSocket&) = delete;
  TunnelSocket& operator=(const TunnelSocket&) = delete;

  int fd() const { return fd_.get(); }
  const Endpoint& endpoint() const { return ep_; }
  // Adds a port; kConflict if another port already takes the same remote and keys.
  Status attach(TunnelNetdev* port);
  void detach(TunnelNetdev* port);
  // Reads up to a batch of datagrams and queues each on its port; returns how many it read.
  size_t read_batch(PacketPool& pool, TunnelNetdev& reader);

 private:
  explicit TunnelSocket(const Endpoint& ep) : ep_(ep) {}
  Status open(const std::string& who);
  void dispatch(Packet* p, size_t i, PacketPool& pool, TunnelNetdev& reader);
  TunnelNetdev* find(uint32_t remote, uint64_t key) const;
  bool decap_vxlan(Packet& p, uint64_t& key);
  bool decap_gre(Packet& p, uint64_t& key, TunnelMeta& meta);
  void read_meta(const msghdr& m, const sockaddr_in& from, TunnelMeta& meta) const;

  Endpoint ep_;
  UniqueFd fd_;
  std::unordered_map<uint32_t, std::vector<TunnelNetdev*>> by_remote_;
  static constexpr size_t kBatch = PacketBatch::kMax;
  mmsghdr msgs_[kBatch];
  iovec iovs_[kBatch];
  sockaddr_in names_[kBatch];
  alignas(cmsghdr) uint8_t ctrl_[kBatch][96];
  Packet* pkts_[kBatch];
};

// "10.0.0.1:4789" / "10.0.0.1".
std::string format_endpoint(uint32_t ip, uint16_t port);

}  // namespace nt
