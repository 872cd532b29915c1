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
// Latency: at light load a frame can wait up to the 1 ms block retire timeout in the ring
// (measured: a frame echoed back through the port returns after ~1 ms, so a ping through
// the switch takes ~2 ms). options:rx_mode=mmsg trades the ring for recvmmsg(): up to 32
// frames per system call straight into pool packets (a super-frame's tail into a
// per-message overflow area), woken for every frame, so no added latency (~30 us echo).
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

  enum class RxMode : uint8_t { kRing, kMmsg };

  // options:rx_mode = ring (default) or mmsg.
  static Result<std::unique_ptr<AfPacketNetdev>> open(const PortSpec& spec);
  ~AfPacketNetdev() override;

  std::string_view type() const override { return "system"; }
  void send(PacketBatch& batch, PacketPool& pool) override;
  int rx_fd() const override { return is_up() ? fd_.get() : -1; }
  size_t receive(PacketPool& pool, PacketBatch& out) override;
  bool rx_pending() const override { return !pending_.empty() || pkts_left_ > 0; }
  Status retry() override;

  int ifindex() const { return ifindex_; }
  RxMode rx_mode() const { return mode_; }

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
  size_t receive_ring(PacketPool& pool, PacketBatch& out);
  void take_frame(const tpacket3_hdr* h, PacketPool& pool, PacketBatch& out);
  // Puts back the VLAN tag the kernel kept in metadata (status, tci, tpid as it reports them).
  void restore_vlan(uint32_t status, uint32_t tci, uint16_t tpid, Packet& p);
  // Queues the segments of a super-frame (tag restored) and moves what fits into `out`.
  void take_super_frame(const VnetHdr& hdr, const uint8_t* frame, size_t len, uint32_t status,
                        uint32_t tci, uint16_t tpid, PacketPool& pool, PacketBatch& out);
  // rx_mode=mmsg (netdev_afpacket_mmsg.cc).
  Status setup_mmsg();
  size_t receive_mmsg(PacketPool& pool, PacketBatch& out);
  void take_message(size_t i, PacketPool& pool, PacketBatch& out);
  void check_device();
  void send_msgs(size_t n);

  // Receive buffers of rx_mode=mmsg.
  struct MmsgRx {
    static constexpr size_t kBatch = PacketBatch::kMax;
    mmsghdr msgs[kBatch];
    iovec iovs[kBatch][3];
    VnetHdr hdrs[kBatch];
    alignas(cmsghdr) uint8_t ctrl[kBatch][64];
    Packet* pkts[kBatch];
    std::unique_ptr<uint8_t[]> overflow;  // kBatch * kNetdevMaxFrame, touched only by big frames
    std::unique_ptr<uint8_t[]> scratch;   // one super-frame made contiguous
  };

  RxMode mode_ = RxMode::kRing;
  std::unique_ptr<MmsgRx> mmsg_;
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
