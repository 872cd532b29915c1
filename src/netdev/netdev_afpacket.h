// system ports: an existing Linux interface (a veth end, a NIC) through an AF_PACKET socket.
//
// Receive uses a TPACKET_V3 ring mapped into our memory: the kernel copies each frame into
// the current block of the ring and hands whole blocks over (when full, or after a 1 ms
// retire timeout), so one poll wake-up yields many frames and receiving costs no system call
// at all; we copy each frame once, from the ring into a pool packet. PACKET_VNET_HDR puts a
// virtio-net header before every frame, which lets the kernel give us what a veth peer
// really sent — 64 KiB TSO super-frames and partial checksums — instead of refusing or
// corrupting them; vnet.h completes and segments those in software (a 256 KiB block holds
// the largest super-frame). A VLAN tag the kernel took off into metadata is put back into
// the frame. PACKET_IGNORE_OUTGOING keeps our own sends (and anything else leaving the
// interface) out of the ring.
//
// Send is one sendmmsg() per batch (a zero virtio-net header and the frame per message,
// from preallocated arrays) with PACKET_QDISC_BYPASS, so the frame goes straight to the
// driver. The interface is brought up and put in promiscuous mode.
//
// A port may be added before its interface exists: it is then down ("eth9: no such device")
// and retry() opens it once the interface appears. If the interface goes away while we use
// it, the data path marks the port down (error() says so) and retry() reopens it.
//
// Latency: at light load a frame can wait up to the 1 ms block retire timeout in the ring.
#pragma once

#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <memory>

#include "netdev/netdev.h"
#include "netdev/sys_util.h"
#include "netdev/vnet.h"

namespace nt {

class AfPacketNetdev final : public Netdev {
 public:
  static constexpr unsigned kBlockSize = 1u << 18;  // 256 KiB: fits a 64 KiB super-frame
  static constexpr unsigned kBlockCount = 16;       // 4 MiB of ring per port
  static constexpr unsigned kRetireMs = 1;

  static Result<std::unique_ptr<AfPacketNetdev>> open(const PortSpec& spec);
  ~AfPacketNetdev() override;

  std::string_view type() const override { return "system"; }
  void send(PacketBatch& batch, PacketPool& pool) override;
  int rx_fd() const override { return is_up() ? fd_.get() : -1; }
  size_t receive(PacketPool& pool, PacketBatch& out) override;
  bool rx_pending() const override { return !pending_.empty() || pkts_left_ > 0; }
  Status retry() override;

  int ifindex() const { return ifindex_; }

 private:
  AfPacketNetdev() = default;
  // Opens the socket and ring; kNotFound if the interface does not exist.
  Status open_device();
  Status setup_socket();
  Status setup_ring();
  void close_device();
  // Takes the next block the kernel has handed over; false if there is none.
  bool next_block();
  void release_block();
  void take_frame(const tpacket3_hdr* h, PacketPool& pool, PacketBatch& out);
  void restore_vlan(const tpacket3_hdr* h, Packet& p);
  void check_device();
  void send_msgs(size_t n);

  UniqueFd fd_;
  int ifindex_ = -1;
  uint8_t* ring_ = nullptr;
  size_t ring_len_ = 0;
  unsigned block_ = 0;  // index of the block we read next
  tpacket_block_desc* cur_ = nullptr;
  const uint8_t* next_pkt_ = nullptr;
  uint32_t pkts_left_ = 0;
  PacketRing pending_;
  PacketPool* pending_pool_ = nullptr;
  mmsghdr msgs_[PacketBatch::kMax];
  iovec iovs_[PacketBatch::kMax][2];
};

}  // namespace nt
