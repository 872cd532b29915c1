// system ports: an existing Linux interface (a veth end, a NIC) through an AF_PACKET socket.
//
// Receive uses a TPACKET_V2 ring mapped into our memory: 2,048 slots of 2 KiB, one frame
// each, with a status word per slot, so the kernel wakes poll() for every frame (no block
// retire timeout: TPACKET_V3's 1 ms made a ping through the switch take ~1-2 ms) and one
// wake-up still yields every frame that arrived meanwhile; receiving costs no system call
// and one copy, from the slot into a pool packet. A frame larger than a slot (a 64 KiB TSO
// super-frame, a jumbo frame) is marked TP_STATUS_COPY in its slot and queued whole on the
// socket (PACKET_COPY_THRESH); we recvmsg() it straight into a large pool packet. Every frame
// comes with a virtio-net header (PACKET_VNET_HDR), which lets the kernel give us what a veth
// peer really sent — super-frames and partial checksums — instead of refusing or corrupting
// them; they travel on as one packet (netdev.h). A VLAN tag the kernel took off into metadata
// is put back into the frame. PACKET_IGNORE_OUTGOING keeps our own sends (and anything else
// leaving the interface) out of the ring.
//
// Send is one sendmmsg() per batch (each packet's virtio-net header — its offloads, or all
// zero — and the frame per message, from preallocated arrays) with PACKET_QDISC_BYPASS, so
// the frame goes straight to the driver; a super-frame goes whole (the veth peer takes it as
// it is). The interface is brought up and put in promiscuous mode.
//
// A port may be added before its interface exists: it is then down ("eth9: no such device")
// and retry() opens it once the interface appears. If the interface goes away while we use
// it, the data path marks the port down (error() says so) and retry() reopens it.
//
// options:rx_mode=mmsg trades the ring for recvmmsg(): up to 32 frames per system call
// straight into pool packets (a super-frame's tail into a per-message overflow area).
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
  static constexpr unsigned kFrameSize = 2048;      // a slot: an MTU 1500 frame and headers
  static constexpr unsigned kBlockSize = 1u << 16;  // 32 slots per block
  static constexpr unsigned kBlockCount = 64;       // 2,048 slots, 4 MiB of ring per port
  static constexpr unsigned kFrameCount = kBlockSize / kFrameSize * kBlockCount;

  enum class RxMode : uint8_t { kRing, kMmsg };

  // options:rx_mode = ring (default) or mmsg.
  static Result<std::unique_ptr<AfPacketNetdev>> open(const PortSpec& spec);
  ~AfPacketNetdev() override;

  std::string_view type() const override { return "system"; }
  void send(PacketBatch& batch, PacketPool& pool) override;
  int rx_fd() const override { return is_up() ? fd_.get() : -1; }
  size_t receive(PacketPool& pool, PacketBatch& out) override;
  bool accepts_offload() const override { return true; }
  bool rx_pending() const override { return !pending_.empty(); }
  Status retry() override;
  // PACKET_STATISTICS: frames the kernel dropped because the ring or the socket was full
  // (netdev_rx_kernel_dropped). Reading resets the kernel's count.
  void poll_stats() override;

  int ifindex() const { return ifindex_; }
  RxMode rx_mode() const { return mode_; }

 private:
  AfPacketNetdev() = default;
  // Opens the socket and ring; kNotFound if the interface does not exist.
  Status open_device();
  Status setup_socket();
  Status setup_ring();
  void close_device();
  // What the kernel knows of a received frame beyond its bytes: the VLAN tag it took off.
  struct RxVlan {
    uint32_t status = 0;  // TP_STATUS_VLAN_VALID / TP_STATUS_VLAN_TPID_VALID
    uint32_t tci = 0;
    uint16_t tpid = 0;
  };
  size_t receive_ring(PacketPool& pool, PacketBatch& out);
  void take_frame(const tpacket2_hdr* h, PacketPool& pool, PacketBatch& out);
  // A frame too big for its slot, queued on the socket: read it into a large packet.
  // `discard`: the slot says it is one of our own (outgoing) frames.
  void take_copy(PacketPool& pool, PacketBatch& out, bool discard);
  // Delivers `len` bytes at `frame` with their virtio-net header, in a new pool packet.
  void take_bytes(const VnetHdr& hdr, const uint8_t* frame, size_t len, const RxVlan& vlan,
                  PacketPool& pool, PacketBatch& out);
  // Delivers `p` (holding the frame) with its offloads kept.
  void pass(Packet* p, const VnetHdr& hdr, const RxVlan& vlan, PacketPool& pool, PacketBatch& out);
  // Delivers the frame held whole by `p`: offloads kept, finished, or the frame dropped.
  void take_packet(Packet* p, const VnetHdr& hdr, const RxVlan& vlan, PacketPool& pool,
                   PacketBatch& out);
  // Puts back the VLAN tag the kernel kept in metadata (status, tci, tpid as it reports them).
  void restore_vlan(const RxVlan& vlan, Packet& p);
  // Queues the segments of a super-frame (tag restored) and moves what fits into `out`.
  void take_super_frame(const VnetHdr& hdr, const uint8_t* frame, size_t len, const RxVlan& vlan,
                        PacketPool& pool, PacketBatch& out);
  // Hands `p` to `out`, or queues it behind packets already waiting (keeps the order).
  void deliver(Packet* p, PacketPool& pool, PacketBatch& out);
  // rx_mode=mmsg (netdev_afpacket_mmsg.cc).
  Status setup_mmsg();
  size_t receive_mmsg(PacketPool& pool, PacketBatch& out);
  void take_message(size_t i, PacketPool& pool, PacketBatch& out);
  void check_device();
  void send_msgs(size_t n);

  // Receive buffers of rx_mode=mmsg (and of the ring's oversized frames).
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
  unsigned rx_head_ = 0;  // the ring slot we read next
  PacketRing pending_;
  PacketPool* pending_pool_ = nullptr;
  mmsghdr msgs_[PacketBatch::kMax];
  iovec iovs_[PacketBatch::kMax][2];
};

}  // namespace nt
