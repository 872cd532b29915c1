// Packet: a frame's bytes with headroom, its datapath metadata, and batches of them.
//
// A Packet owns a fixed buffer allocated once (packets come from a PacketPool and are reused),
// with kHeadroom bytes free in front of the frame so pushing a VLAN tag or a 50-byte VXLAN
// header is a pointer move, never an allocation. Datapath metadata (ingress port, tunnel
// key and outer addresses) travels with the packet. Packets move through the datapath in
// PacketBatch groups of up to 32, as in BESS and OVS's dpif-netdev.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

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

class Packet {
 public:
  static constexpr size_t kHeadroom = 128;
  static constexpr size_t kDefaultCapacity = 2048;

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

 private:
  std::unique_ptr<uint8_t[]> buf_;
  uint32_t cap_;
  uint32_t head_ = kHeadroom;
  uint32_t len_ = 0;
};

// A fixed set of packets allocated up front; get()/put() never allocate.
class PacketPool {
 public:
  explicit PacketPool(size_t count, size_t capacity = Packet::kDefaultCapacity);
  Packet* get();  // nullptr when exhausted
  void put(Packet* p);
  size_t available() const { return free_.size(); }

 private:
  std::vector<std::unique_ptr<Packet>> all_;
  std::vector<Packet*> free_;
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
