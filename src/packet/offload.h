// Offloads: virtio-net header semantics for packets, and finishing them in software.
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
// A Packet carries that header as its `offload` metadata (all zero: an ordinary frame). What
// makes it fast is not touching it: a super-frame stays ONE packet through the datapath and
// leaves with its header on a port that accepts offloads (DpPort::accepts_offload), so
// neither we nor the kernel ever segment it. Header edits keep the offsets true (Packet shifts
// csum_start and hdr_len when bytes are inserted or removed before them; modify.h updates a
// partial checksum as a partial one). Only where the output cannot take offloads (tunnels,
// dummy ports, a pool without large packets) does this file finish the frame in software: a
// partial checksum is completed in place; a super-frame is cut into gso_size segments, each
// a fresh pool packet with its own IPv4 total length, identification and header checksum (or
// IPv6 payload length), TCP sequence number, flags (FIN/PSH on the last segment only, CWR on
// the first) and full TCP checksum; UDP_L4 (USO) super-frames become separate UDP datagrams.
//
// Segments go into a PacketRing, a fixed queue of packets not yet handed on; nothing here
// allocates.
#pragma once

#include <cstddef>
#include <cstdint>

#include "packet/packet.h"

namespace nt {

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

// Checks that `hdr` describes the frame: offsets inside it, a known gso_type with its headers
// where it says (kBadHeader / kUnsupportedGso otherwise). What a netdev asks before it lets a
// frame through with its offloads.
VnetStatus vnet_check(const uint8_t* frame, size_t len, const VnetHdr& hdr);

// Finishes the offloads of `p` in software: a super-frame is segmented into `ring` (each
// segment keeps p's metadata) and p goes back to the pool; otherwise a partial checksum is
// completed and p itself is pushed. On failure p is freed and nothing of it is pushed except
// the segments made before the failure.
VnetStatus vnet_resolve(Packet* p, PacketPool& pool, PacketRing& ring);

// Fills `hdr` for a frame sent without offloads (all zero: complete checksums, no GSO).
inline void vnet_hdr_none(VnetHdr& hdr) { hdr = VnetHdr{}; }

}  // namespace nt
