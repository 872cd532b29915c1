// virtio-net headers: taking offloaded frames from the kernel and finishing them in software.
//
// Tap devices opened with IFF_VNET_HDR and AF_PACKET sockets with PACKET_VNET_HDR put a
// struct virtio_net_hdr (10 bytes, host byte order) before every frame. When we tell the
// kernel we accept offloads (TUNSETOFFLOAD, or simply PACKET_VNET_HDR on a veth whose peer
// does TSO), a frame may arrive as a TCP super-frame of up to 64 KiB whose headers describe
// the whole stream chunk (gso_type TCPV4/TCPV6, gso_size = MSS), or with its transport
// checksum left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM: the field holds the pseudo-header sum
// and the rest must be summed from csum_start on). One read then moves ~45 segments' worth of
// data, which is where most of a userspace switch's TCP throughput comes from.
//
// This file finishes such frames in software before the datapath sees them: a partial
// checksum is completed in place; a super-frame is cut into gso_size segments, each a fresh
// pool packet with its own IPv4 total length, identification and header checksum (or IPv6
// payload length), TCP sequence number, flags (FIN/PSH on the last segment only, CWR on the
// first) and full TCP checksum; UDP_L4 (USO) super-frames become separate UDP datagrams. The
// datapath therefore only ever sees ordinary, correct, MTU-sized frames, and a port without
// offloads never receives a frame larger than its MTU. (Passing offload state through to
// output ports that could take it would need offload fields in Packet; not done.)
//
// Segments go into a PacketRing, the netdev's queue of packets not yet handed to the
// datapath; nothing here allocates.
#pragma once

#include <cstddef>
#include <cstdint>

#include "packet/packet.h"

namespace nt {

// struct virtio_net_hdr (linux/virtio_net.h, whose C++ use the system header does not allow),
// in host byte order as tap and AF_PACKET use it.
struct VnetHdr {
  uint8_t flags = 0;
  uint8_t gso_type = 0;
  uint16_t hdr_len = 0;      // Ethernet + IP + TCP header bytes
  uint16_t gso_size = 0;     // bytes of payload per segment (the MSS)
  uint16_t csum_start = 0;   // where checksumming starts
  uint16_t csum_offset = 0;  // where the checksum goes, from csum_start
};
static_assert(sizeof(VnetHdr) == 10);
inline constexpr size_t kVnetHdrLen = sizeof(VnetHdr);

inline constexpr uint8_t kVnetNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
inline constexpr uint8_t kVnetDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
inline constexpr uint8_t kVnetGsoNone = 0;
inline constexpr uint8_t kVnetGsoTcpv4 = 1;
inline constexpr uint8_t kVnetGsoUdp = 3;  // UFO: IP fragmentation, not supported
inline constexpr uint8_t kVnetGsoTcpv6 = 4;
inline constexpr uint8_t kVnetGsoUdpL4 = 5;
inline constexpr uint8_t kVnetGsoEcn = 0x80;

// A fixed ring of packets waiting to be handed out (no allocation, power-of-two size).
class PacketRing {
 public:
  static constexpr size_t kSize = 512;
  bool push(Packet* p) {
    if (size() == kSize) return false;
    slots_[tail_++ & (kSize - 1)] = p;
    return true;
  }
  Packet* pop() { return empty() ? nullptr : slots_[head_++ & (kSize - 1)]; }
  Packet* at(size_t i) const { return slots_[(head_ + i) & (kSize - 1)]; }  // i < size()
  size_t size() const { return tail_ - head_; }
  size_t room() const { return kSize - size(); }
  bool empty() const { return head_ == tail_; }
  // Moves packets into `out` while it has room; returns how many moved.
  size_t drain_into(PacketBatch& out);
  void release(PacketPool& pool) {
    while (Packet* p = pop()) pool.put(p);
  }

 private:
  Packet* slots_[kSize] = {};
  size_t head_ = 0, tail_ = 0;
};

enum class VnetStatus : uint8_t {
  kOk,
  kBadHeader,       // offsets outside the frame, headers that do not parse
  kUnsupportedGso,  // UFO (IP fragmentation offload) or an unknown gso_type
  kNoBuffer,        // the pool ran dry (the remaining segments are lost)
  kTooBig,          // a segment does not fit a pool packet, or too many segments
};

// Completes a partial transport checksum in place (NEEDS_CSUM). kBadHeader if the offsets
// do not fit the frame.
VnetStatus vnet_complete_csum(uint8_t* frame, size_t len, const VnetHdr& hdr);

// Segments the super-frame `frame` described by `hdr` (gso_type != NONE) into pool packets
// pushed onto `ring`. The frame itself is left untouched (it may be a ring slot or a scratch
// buffer). Returns kOk only if every segment was produced.
VnetStatus vnet_segment(const uint8_t* frame, size_t len, const VnetHdr& hdr, PacketPool& pool,
                        PacketRing& ring);

// Fills `hdr` for a frame sent without offloads (all zero: complete checksums, no GSO).
inline void vnet_hdr_none(VnetHdr& hdr) { hdr = VnetHdr{}; }

}  // namespace nt
