// tap and internal ports: a Linux tap device named like the port, read and written by us.
//
// The device is created (or, if a persistent tap of that name exists, attached to) with
// IFF_TAP | IFF_NO_PI | IFF_VNET_HDR and brought up; an `internal` port (every bridge's LOCAL
// port) is the same thing under another type name. Every read and write carries a 10-byte
// virtio-net header. We tell the kernel (TUNSETOFFLOAD) that it may hand us frames with
// partial checksums and TCP (and, where the kernel knows it, UDP) super-frames of up to 64 KiB:
// one read() then moves a whole TSO burst, and vnet.h finishes it in software — checksum
// completed, super-frame segmented into MTU-sized pool packets queued in a PacketRing — so the
// datapath sees ordinary frames — unless the pool has large packets: then the frame keeps its
// offloads in one packet (netdev.h). Reads go straight into the pool packet (readv: header, packet
// buffer, and a per-port overflow area used only by frames larger than the packet); a tap has
// no batched read, so receive() loops read() until the batch is full or the device is empty.
// Sends are one writev() per packet with the packet's offloads as its header (all zero for an
// ordinary frame), so a super-frame reaches the kernel whole.
//
// Options: mtu_request=N sets the device MTU. PortSpec::mac, if set, becomes the device MAC.
#pragma once

#include <memory>

#include "netdev/netdev.h"
#include "netdev/sys_util.h"
#include "netdev/vnet.h"

namespace nt {

class TapNetdev final : public Netdev {
 public:
  static Result<std::unique_ptr<TapNetdev>> open(const PortSpec& spec);

  std::string_view type() const override { return type_; }
  void send(PacketBatch& batch, PacketPool& pool) override;
  int rx_fd() const override { return fd_.get(); }
  size_t receive(PacketPool& pool, PacketBatch& out) override;
  bool rx_pending() const override { return !pending_.empty(); }
  bool accepts_offload() const override { return true; }
  ~TapNetdev() override;

  // Offloads we accept from the kernel (the TUN_F_* bits set).
  unsigned offloads() const { return offloads_; }
  Result<MacAddr> mac() const { return if_get_mac(name); }

 private:
  explicit TapNetdev(std::string type) : type_(std::move(type)) {}
  Status create(const PortSpec& spec);
  Status set_offloads();
  // Reads one frame; false when the device has nothing more (or on error).
  bool read_one(PacketPool& pool, PacketBatch& out);
  // A super-frame that did not fit the packet `p`: made contiguous in overflow_.
  const uint8_t* assemble(Packet& p, size_t room);
  // Delivers the frame read (into `p`, or `frame` when it did not fit): offloads kept in a
  // packet (large if need be), finished in software, or dropped.
  void take(const VnetHdr& hdr, const uint8_t* frame, size_t len, Packet* p, PacketPool& pool,
            PacketBatch& out);
  void pass(Packet* p, const VnetHdr& hdr, PacketBatch& out);
  void take_super_frame(const VnetHdr& hdr, const uint8_t* frame, size_t len, PacketPool& pool,
                        PacketBatch& out);

  std::string type_;
  UniqueFd fd_;
  unsigned offloads_ = 0;
  PacketRing pending_;
  PacketPool* pending_pool_ = nullptr;   // where pending_ packets go back on destruction
  std::unique_ptr<uint8_t[]> overflow_;  // 2 * kNetdevMaxFrame
};

}  // namespace nt
