#include "packet/packet.h"

#include <gtest/gtest.h>

#include <numeric>

#include "packet_test_util.h"

namespace nt {
namespace {

using testing::bytes_of;

std::vector<uint8_t> seq(size_t n, uint8_t start = 0) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST(Packet, StartsEmptyWithHeadroom) {
  Packet p(256);
  EXPECT_EQ(p.size(), 0u);
  EXPECT_EQ(p.headroom(), Packet::kHeadroom);
  EXPECT_EQ(p.tailroom(), 256u);
  EXPECT_EQ(p.capacity(), 256u);
}

TEST(Packet, AssignCopiesAndTruncates) {
  Packet p(16);
  auto v = seq(10);
  EXPECT_TRUE(p.assign(v.data(), v.size()));
  EXPECT_EQ(bytes_of(p), v);
  auto big = seq(20);
  EXPECT_FALSE(p.assign(big.data(), big.size()));
  EXPECT_EQ(p.size(), 16u);
  EXPECT_EQ(bytes_of(p), std::vector<uint8_t>(big.begin(), big.begin() + 16));
}

TEST(Packet, PushAndPullFront) {
  Packet p;
  auto v = seq(20);
  p.assign(v.data(), v.size());
  uint8_t* h = p.push_front(4);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h, p.data());
  EXPECT_EQ(p.size(), 24u);
  EXPECT_EQ(p.headroom(), Packet::kHeadroom - 4);
  EXPECT_EQ(p.data()[4], 0);
  uint8_t* pulled = p.pull_front(4);
  EXPECT_EQ(pulled, p.data());
  EXPECT_EQ(bytes_of(p), v);
  EXPECT_EQ(p.pull_front(21), nullptr);
  EXPECT_EQ(p.size(), 20u);
  EXPECT_NE(p.pull_front(20), nullptr);
  EXPECT_EQ(p.size(), 0u);
}

TEST(Packet, PushFrontBeyondHeadroomSlidesTheFrame) {
  Packet p(300);
  auto v = seq(50);
  p.assign(v.data(), v.size());
  ASSERT_NE(p.push_front(Packet::kHeadroom + 10), nullptr);
  EXPECT_EQ(p.size(), 50 + Packet::kHeadroom + 10);
  EXPECT_EQ(std::vector<uint8_t>(p.data() + Packet::kHeadroom + 10, p.data() + p.size()), v);
  // No room at all: fails and leaves the packet alone.
  Packet q(60);
  q.assign(v.data(), v.size());
  EXPECT_EQ(q.push_front(Packet::kHeadroom + 20), nullptr);
  EXPECT_EQ(bytes_of(q), v);
}

TEST(Packet, InsertAndRemoveAt) {
  Packet p;
  auto v = seq(30);
  p.assign(v.data(), v.size());
  uint8_t* gap = p.insert_at(12, 4);
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap, p.data() + 12);
  gap[0] = 0xaa, gap[1] = 0xbb, gap[2] = 0xcc, gap[3] = 0xdd;
  auto b = bytes_of(p);
  ASSERT_EQ(b.size(), 34u);
  EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.begin() + 12), seq(12));
  EXPECT_EQ(b[12], 0xaa);
  EXPECT_EQ(b[15], 0xdd);
  EXPECT_EQ(std::vector<uint8_t>(b.begin() + 16, b.end()), seq(18, 12));
  EXPECT_TRUE(p.remove_at(12, 4));
  EXPECT_EQ(bytes_of(p), v);
  EXPECT_FALSE(p.remove_at(28, 3));
  EXPECT_FALSE(p.remove_at(31, 0));
  EXPECT_EQ(p.insert_at(31, 1), nullptr);
  EXPECT_EQ(bytes_of(p), v);
}

TEST(Packet, SetSizeAndReset) {
  Packet p(100);
  EXPECT_TRUE(p.set_size(100));
  EXPECT_FALSE(p.set_size(101));
  p.in_port = 7;
  p.tunnel.valid = true;
  p.tunnel.tun_id = 5;
  p.push_front(10);
  p.reset();
  EXPECT_EQ(p.size(), 0u);
  EXPECT_EQ(p.headroom(), Packet::kHeadroom);
  EXPECT_EQ(p.in_port, 0u);
  EXPECT_FALSE(p.tunnel.valid);
  EXPECT_EQ(p.tunnel.tun_id, 0u);
}

TEST(PacketPool, GetPutNeverExceedsCount) {
  PacketPool pool(3, 512);
  EXPECT_EQ(pool.available(), 3u);
  Packet* a = pool.get();
  Packet* b = pool.get();
  Packet* c = pool.get();
  ASSERT_TRUE(a && b && c);
  EXPECT_NE(a, b);
  EXPECT_EQ(pool.get(), nullptr);
  EXPECT_EQ(a->capacity(), 512u);
  a->in_port = 9;
  a->set_size(40);
  pool.put(a);
  EXPECT_EQ(pool.available(), 1u);
  Packet* d = pool.get();
  EXPECT_EQ(d, a);
  EXPECT_EQ(d->size(), 0u);
  EXPECT_EQ(d->in_port, 0u);
  pool.put(b);
  pool.put(c);
  pool.put(d);
  EXPECT_EQ(pool.available(), 3u);
}

TEST(PacketPool, LargePacketsAreASeparateListAndGoBackToIt) {
  PacketPool pool(2, 512, 1, 4096);
  EXPECT_EQ(pool.large_capacity(), 4096u);
  EXPECT_EQ(PacketPool(2, 512).large_capacity(), 0u);  // none: offloads finished on receive
  Packet* small = pool.get_for(512);
  Packet* big = pool.get_for(513);
  ASSERT_TRUE(small && big);
  EXPECT_EQ(small->capacity(), 512u);
  EXPECT_EQ(big->capacity(), 4096u);
  EXPECT_EQ(pool.get_large(), nullptr);
  EXPECT_EQ(pool.large_available(), 0u);
  big->offload.gso_type = kVnetGsoTcpv4;
  pool.put(big);
  pool.put(small);
  EXPECT_EQ(pool.available(), 2u);
  EXPECT_EQ(pool.large_available(), 1u);
  Packet* again = pool.get_large();
  ASSERT_EQ(again, big);
  EXPECT_EQ(again->offload.gso_type, kVnetGsoNone);  // reset clears the offload state
  pool.put(again);
}

// csum_start and hdr_len follow the bytes they point at when a tag is pushed or popped (or
// an outer header is pushed / pulled); offsets in front of the edit stay.
TEST(Packet, OffloadOffsetsMoveWithInsertedAndRemovedBytes) {
  Packet p(256);
  p.assign(seq(100).data(), 100);
  p.offload.flags = kVnetNeedsCsum;
  p.offload.csum_start = 34;
  p.offload.csum_offset = 16;
  p.offload.hdr_len = 54;
  ASSERT_NE(p.insert_at(12, 4), nullptr);
  EXPECT_EQ(p.offload.csum_start, 38);
  EXPECT_EQ(p.offload.hdr_len, 58);
  EXPECT_EQ(p.offload.csum_offset, 16);
  ASSERT_TRUE(p.remove_at(12, 4));
  EXPECT_EQ(p.offload.csum_start, 34);
  EXPECT_EQ(p.offload.hdr_len, 54);
  ASSERT_NE(p.push_front(50), nullptr);
  EXPECT_EQ(p.offload.csum_start, 84);
  ASSERT_NE(p.pull_front(50), nullptr);
  EXPECT_EQ(p.offload.csum_start, 34);
  ASSERT_NE(p.insert_at(60, 4), nullptr);  // behind csum_start: no move
  EXPECT_EQ(p.offload.csum_start, 34);
  // A packet without offloads keeps its (meaningless) fields untouched.
  Packet q(256);
  q.assign(seq(100).data(), 100);
  q.offload.csum_start = 34;
  ASSERT_NE(q.insert_at(12, 4), nullptr);
  EXPECT_EQ(q.offload.csum_start, 34);
}

TEST(PacketBatch, HoldsUpTo32) {
  PacketPool pool(33);
  PacketBatch batch;
  for (size_t i = 0; i < PacketBatch::kMax; ++i) EXPECT_TRUE(batch.add(pool.get()));
  EXPECT_FALSE(batch.add(pool.get()));
  size_t n = 0;
  for (Packet* p : batch) n += p != nullptr;
  EXPECT_EQ(n, 32u);
  batch.clear();
  EXPECT_EQ(batch.count, 0u);
}

}  // namespace
}  // namespace nt
