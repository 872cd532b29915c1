// vxlan and gre ports over kernel sockets: the kernel routes the outer packet.
//
// A tunnel port sends each frame of a batch as one datagram to its remote_ip — VXLAN: UDP to
// dst_port (default 4789) carrying an 8-byte VXLAN header with the I flag and the VNI; GRE: IP
// protocol 47 carrying a 4-byte GRE header with the K bit and protocol 0x6558 plus the 4-byte
// key (RFC 2890) — written into the packet's headroom, so the frame is never copied, and all
// sent with one sendmmsg(). The key is the packet's tunnel.tun_id (set by the datapath's
// set(tunnel) action) when out_key/key is "flow", else the configured number. The outer
// source address is local_ip (or whatever the kernel's route picks when it is unset); the
// VXLAN source port is the bound dst_port, since one socket serves all flows.
//
// Receiving goes through the TunnelSocket the port shares with every port on the same local
// endpoint (see tunnel_socket.h): packets come back as inner Ethernet frames with
// tunnel = {tun_id, ip_src = remote, ip_dst = local address, tos, ttl, tp_dst, valid}. A port
// whose in_key (or key) is a number drops frames with another key (netdev_rx_bad_tunnel_key).
// rx_fd() is the port's own dup of the shared socket, so every port can sit in one epoll set.
//
// If local_ip is not (yet) an address of this host the port is down and retry() binds later;
// any other bind failure is an error at open ("cannot bind 10.0.0.1:4789: Address already in
// use" when, e.g., the kernel's own vxlan device holds the port).
#pragma once

#include <memory>
#include <optional>

#include "netdev/netdev.h"
#include "netdev/tunnel_socket.h"
#include "netdev/vnet.h"

namespace nt {

class TunnelNetdev final : public Netdev {
 public:
  static Result<std::unique_ptr<TunnelNetdev>> open(const PortSpec& spec, const TunnelConfig& cfg);
  ~TunnelNetdev() override;

  std::string_view type() const override { return tunnel_kind_name(cfg_.kind); }
  void send(PacketBatch& batch, PacketPool& pool) override;
  int rx_fd() const override { return is_up() ? rx_fd_.get() : -1; }
  size_t receive(PacketPool& pool, PacketBatch& out) override;
  bool rx_pending() const override { return !queue_.empty(); }
  Status retry() override;

  const TunnelConfig& config() const { return cfg_; }
  // The key received frames must carry, or nullopt for in_key=flow (any key).
  std::optional<uint64_t> in_key() const { return in_key_; }

  // For TunnelSocket: queue a received packet on this port (false, counted, if full).
  bool enqueue(Packet* p, PacketPool& pool);
  void count_drop(NetdevCounter c) { drop(c); }

 private:
  TunnelNetdev() = default;
  Status join();
  size_t build_msgs(PacketBatch& batch);
  void send_msgs(size_t n);

  TunnelConfig cfg_;
  std::optional<uint64_t> in_key_;
  std::shared_ptr<TunnelSocket> sock_;
  UniqueFd rx_fd_;
  PacketRing queue_;
  PacketPool* queue_pool_ = nullptr;
  static constexpr size_t kBatch = PacketBatch::kMax;
  mmsghdr msgs_[kBatch];
  iovec iovs_[kBatch];
  sockaddr_in dst_;
};

}  // namespace nt
