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

uint8_t* Packet::push_front(size_t n) {
  if (n > head_ && !recenter(buf_.get(), cap_, head_, len_, n)) return nullptr;
  head_ -= static_cast<uint32_t>(n);
  len_ += static_cast<uint32_t>(n);
  return data();
}

uint8_t* Packet::pull_front(size_t n) {
  if (n > len_) return nullptr;
  head_ += static_cast<uint32_t>(n);
  len_ -= static_cast<uint32_t>(n);
  return data();
}

uint8_t* Packet::insert_at(size_t ofs, size_t n) {
  if (ofs > len_) return nullptr;
  if (n > head_ && !recenter(buf_.get(), cap_, head_, len_, n)) return nullptr;
  uint8_t* old = data();
  std::memmove(old - n, old, ofs);
  head_ -= static_cast<uint32_t>(n);
  len_ += static_cast<uint32_t>(n);
  return data() + ofs;
}

bool Packet::remove_at(size_t ofs, size_t n) {
  if (ofs > len_ || n > len_ - ofs) return false;
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
}

PacketPool::PacketPool(size_t count, size_t capacity) {
  all_.reserve(count);
  free_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    all_.push_back(std::make_unique<Packet>(capacity));
    free_.push_back(all_.back().get());
  }
}

Packet* PacketPool::get() {
  if (free_.empty()) return nullptr;
  Packet* p = free_.back();
  free_.pop_back();
  p->reset();
  return p;
}

void PacketPool::put(Packet* p) {
  assert(free_.size() < all_.size());
  if (!p || free_.size() >= all_.size()) return;
  p->reset();
  free_.push_back(p);  // never reallocates: capacity reserved for every packet
}

}  // namespace nt
