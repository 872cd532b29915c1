// Packet: a frame's bytes with headroom, its datapath metadata, and batches of them.
//
// A Packet owns a fixed buffer allocated once (packets come from a PacketPool and are reused),
// with kHeadroom bytes free in front of the frame so pushing a VLAN tag or a 50-byte VXLAN
// header is a pointer move, never an allocation. Datapath metadata (ingress port, tunnel
// key and outer addresses) travels with the packet. Packets move through the datapath in
// PacketBatch groups of up to 32, as in BESS and OVS's dpif-netdev. A packet may also carry
// offload state (a TSO super-frame of up to 64 KiB, a partial checksum) in `offload`, kept
// true across header insertions and removals; a pool can hold a few large packets for those
// next to its ordinary ones, so the common case keeps small buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "packet/ct_meta.h"
#include "packet/flow_key.h"

namespace nt {

// Outer-header facts of a tunnelled packet (set on decap, read on encap).
struct TunnelMeta {
  uint64_t tun_id = 0;
  uint32_t ip_src = 0;  // host order
  uint32_t ip_dst = 0;
  uint8_t ip_tos = 0;
  uint8_t ip_ttl = 64;
  uint16_t tp_dst = 0;  // UDP destination port (VXLAN); 0 for GRE
  bool valid = false;
};

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
// True if `h` asks for anything (a partial checksum or segmentation).
inline bool vnet_active(const VnetHdr& h) { return h.flags & kVnetNeedsCsum || h.gso_type; }

class Packet {
 public:
  static constexpr size_t kHeadroom = 128;
  static constexpr size_t kDefaultCapacity = 2048;
  // A 64 KiB TSO/GSO super-frame with its headers and room for tags.
  static constexpr size_t kLargeCapacity = 65536 + 256;

  // `capacity` is the largest frame the packet can hold; the buffer is kHeadroom + capacity.
  explicit Packet(size_t capacity = kDefaultCapacity);
  Packet(const Packet&) = delete;
  Packet& operator=(const Packet&) = delete;

  uint8_t* data() { return buf_.get() + head_; }
  const uint8_t* data() const { return buf_.get() + head_; }
  size_t size() const { return len_; }
  size_t tailroom() const { return cap_ - head_ - len_; }
  size_t headroom() const { return head_; }

  // Replaces the contents with `n` bytes (truncated to what fits; returns false if it did not).
  bool assign(const uint8_t* bytes, size_t n);
  // Grows the frame at the front by n bytes and returns the new start (nullptr if no room).
  uint8_t* push_front(size_t n);
  // Drops n bytes from the front (nullptr if the frame is shorter).
  uint8_t* pull_front(size_t n);
  // The four edits below keep `offload` true: csum_start and hdr_len move with the bytes
  // behind them.
  // Inserts n bytes at offset `ofs` by moving the first `ofs` bytes forward into the headroom
  // (how a VLAN tag is pushed after the MAC addresses). Returns the gap or nullptr.
  uint8_t* insert_at(size_t ofs, size_t n);
  // Removes n bytes at offset `ofs` (how a VLAN tag is popped). False if out of range.
  bool remove_at(size_t ofs, size_t n);
  bool set_size(size_t n);  // truncate or extend within tailroom
  size_t capacity() const { return cap_ - kHeadroom; }
  void reset();  // empty, headroom restored, metadata cleared

  // Datapath metadata.
  uint32_t in_port = 0;  // datapath (odp) port number the packet arrived on
  uint32_t hash = 0;     // flow hash computed on receive (tunnel source ports reuse it)
  TunnelMeta tunnel;
  VnetHdr offload;  // virtio-net header semantics; all zero for an ordinary frame
  // Connection tracking: what the last ct() found, and the recirculation this pass is in
  // (0: the first pass; the key's recirc_id and ct_* fields are taken from here).
  CtMeta ct;
  uint32_t recirc_id = 0;
  uint8_t recirc_depth = 0;  // recirculations so far (bounded, as OVS's MAX_RECIRC_DEPTH)

 private:
  void shift_offload(size_t ofs, size_t n, bool grow);

  std::unique_ptr<uint8_t[]> buf_;
  uint32_t cap_;
  uint32_t head_ = kHeadroom;
  uint32_t len_ = 0;
};

// A fixed set of packets allocated up front; get()/put() never allocate. `large_count`
// packets of `large_capacity` bytes (default none) hold offloaded super-frames; put() sends
// each packet back to the list it came from.
class PacketPool {
 public:
  explicit PacketPool(size_t count, size_t capacity = Packet::kDefaultCapacity,
                      size_t large_count = 0, size_t large_capacity = Packet::kLargeCapacity);
  Packet* get();        // nullptr when exhausted
  Packet* get_large();  // nullptr when there is none left (or none at all)
  // An ordinary packet if `n` bytes fit one, else a large one.
  Packet* get_for(size_t n) { return n <= capacity_ ? get() : get_large(); }
  void put(Packet* p);
  size_t available() const { return free_.size(); }
  size_t large_available() const { return free_large_.size(); }
  size_t capacity() const { return capacity_; }
  // Capacity of the large packets; 0 if the pool has none (then offloads are finished in
  // software where packets enter, see offload.h).
  size_t large_capacity() const { return large_total_ ? large_capacity_ : 0; }

 private:
  std::vector<std::unique_ptr<Packet>> all_;
  std::vector<Packet*> free_;
  std::vector<Packet*> free_large_;
  size_t capacity_;
  size_t large_capacity_;
  size_t small_total_ = 0, large_total_ = 0;
};

struct PacketBatch {
  static constexpr size_t kMax = 32;
  Packet* pkts[kMax];
  size_t count = 0;

  bool add(Packet* p) {
    if (count == kMax) return false;
    pkts[count++] = p;
    return true;
  }
  void clear() { count = 0; }
  Packet** begin() { return pkts; }
  Packet** end() { return pkts + count; }
};

}  // namespace nt
