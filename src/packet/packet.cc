#include "packet/packet.h"

#include <cassert>
#include <cstring>

namespace nt {

Packet::Packet(size_t capacity)
    : buf_(new uint8_t[kHeadroom + capacity]()),
      cap_(static_cast<uint32_t>(kHeadroom + capacity)) {}

bool Packet::assign(const uint8_t* bytes, size_t n) {
  head_ = kHeadroom;
  size_t room = cap_ - head_;
  size_t take = n < room ? n : room;
  if (take) std::memmove(buf_.get() + head_, bytes, take);
  len_ = static_cast<uint32_t>(take);
  return take == n;
}

// Slides the frame towards the end of the buffer so that at least n bytes of headroom exist.
// Only used when the headroom has run out (deep tunnel nesting); false if the buffer is full.
static bool recenter(uint8_t* buf, uint32_t cap, uint32_t& head, uint32_t len, size_t n) {
  if (n + len > cap) return false;
  std::memmove(buf + n, buf + head, len);
  head = static_cast<uint32_t>(n);
  return true;
}

// Bytes inserted (grow) or removed at `ofs`: offsets behind them move by n.
void Packet::shift_offload(size_t ofs, size_t n, bool grow) {
  if (!vnet_active(offload)) return;
  auto move = [&](uint16_t& v) {
    if (grow && v >= ofs) v = static_cast<uint16_t>(v + n);
    if (!grow && v >= ofs + n) v = static_cast<uint16_t>(v - n);
  };
  move(offload.csum_start);
  move(offload.hdr_len);
}

uint8_t* Packet::push_front(size_t n) {
  if (n > head_ && !recenter(buf_.get(), cap_, head_, len_, n)) return nullptr;
  shift_offload(0, n, true);
  head_ -= static_cast<uint32_t>(n);
  len_ += static_cast<uint32_t>(n);
  return data();
}

uint8_t* Packet::pull_front(size_t n) {
  if (n > len_) return nullptr;
  shift_offload(0, n, false);
  head_ += static_cast<uint32_t>(n);
  len_ -= static_cast<uint32_t>(n);
  return data();
}

uint8_t* Packet::insert_at(size_t ofs, size_t n) {
  if (ofs > len_) return nullptr;
  if (n > head_ && !recenter(buf_.get(), cap_, head_, len_, n)) return nullptr;
  shift_offload(ofs, n, true);
  uint8_t* old = data();
  std::memmove(old - n, old, ofs);
  head_ -= static_cast<uint32_t>(n);
  len_ += static_cast<uint32_t>(n);
  return data() + ofs;
}

bool Packet::remove_at(size_t ofs, size_t n) {
  if (ofs > len_ || n > len_ - ofs) return false;
  shift_offload(ofs, n, false);
  uint8_t* old = data();
  std::memmove(old + n, old, ofs);
  head_ += static_cast<uint32_t>(n);
  len_ -= static_cast<uint32_t>(n);
  return true;
}

bool Packet::set_size(size_t n) {
  if (n > cap_ - head_) return false;
  len_ = static_cast<uint32_t>(n);
  return true;
}

void Packet::reset() {
  head_ = kHeadroom;
  len_ = 0;
  in_port = 0;
  hash = 0;
  tunnel = TunnelMeta{};
  offload = VnetHdr{};
  ct = CtMeta{};
  recirc_id = 0;
  recirc_depth = 0;
}

PacketPool::PacketPool(size_t count, size_t capacity, size_t large_count, size_t large_capacity)
    : capacity_(capacity), large_capacity_(large_capacity) {
  all_.reserve(count + large_count);
  free_.reserve(count);
  free_large_.reserve(large_count);
  for (size_t i = 0; i < count + large_count; ++i) {
    bool large = i >= count;
    all_.push_back(std::make_unique<Packet>(large ? large_capacity : capacity));
    (large ? free_large_ : free_).push_back(all_.back().get());
  }
  small_total_ = count;
  large_total_ = large_count;
}

namespace {

Packet* take(std::vector<Packet*>& list) {
  if (list.empty()) return nullptr;
  Packet* p = list.back();
  list.pop_back();
  p->reset();
  return p;
}

}  // namespace

Packet* PacketPool::get() { return take(free_); }

Packet* PacketPool::get_large() { return take(free_large_); }

void PacketPool::put(Packet* p) {
  if (!p) return;
  bool large = large_total_ && p->capacity() == large_capacity_ && large_capacity_ != capacity_;
  std::vector<Packet*>& list = large ? free_large_ : free_;
  assert(list.size() < (large ? large_total_ : small_total_));
  if (list.size() >= (large ? large_total_ : small_total_)) return;
  p->reset();
  list.push_back(p);  // never reallocates: capacity reserved for every packet
}

}  // namespace nt
