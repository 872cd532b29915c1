#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <filesystem>

#include "netdev/netdev.h"
#include "netdev/netdev_dummy.h"
#include "packet/pcap.h"

namespace nt {
namespace {

// Dummy netdevs exist only with --enable-dummy (netdev.h); this binary's tests open them, so
// it turns them on for the whole binary, as the daemon does for that option.
class EnableDummyNetdevs : public ::testing::Environment {
 public:
  void SetUp() override { netdev_enable_dummy(true); }
};
[[maybe_unused]] ::testing::Environment* const kEnableDummy =
    ::testing::AddGlobalTestEnvironment(new EnableDummyNetdevs);

std::string temp_path(const std::string& leaf) {
  return (std::filesystem::temp_directory_path() /
          ("nt-netdev-" + std::to_string(getpid()) + "-" + leaf))
      .string();
}

std::vector<uint8_t> frame(uint8_t fill, size_t len) {
  std::vector<uint8_t> f(len, fill);
  for (size_t i = 0; i < 6; ++i) f[i] = 0xff;
  f[12] = 0x08;
  f[13] = 0x00;
  return f;
}

std::vector<std::vector<uint8_t>> read_pcap(const std::string& path) {
  PcapReader r;
  EXPECT_TRUE(r.open(path).ok());
  std::vector<std::vector<uint8_t>> frames;
  PcapRecord rec;
  while (true) {
    auto more = r.next(rec);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    frames.push_back(rec.data);
  }
  return frames;
}

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

PortSpec dummy_spec(const std::string& name) {
  PortSpec s;
  s.name = name;
  s.type = PortType::kDummy;
  return s;
}

TEST(DummyNetdev, OpensThroughTheProviderTable) {
  auto nd = netdev_open(dummy_spec("p1"), std::nullopt);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  EXPECT_EQ((*nd)->type(), "dummy");
  EXPECT_EQ((*nd)->name, "p1");
  EXPECT_TRUE((*nd)->is_up());
  EXPECT_GE((*nd)->rx_fd(), 0);
  EXPECT_TRUE(netdev_type_supported(PortType::kDummy));
  EXPECT_FALSE(netdev_type_supported(PortType::kPatch));
  PortSpec bad = dummy_spec("p2");
  bad.type = PortType::kPatch;  // xlate's business: no device
  auto r = netdev_open(bad, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "p2: unsupported port type 'patch'");
  auto warp = parse_port_type("p2", "warp");  // an unknown name never becomes a PortSpec
  ASSERT_FALSE(warp.ok());
  EXPECT_EQ(warp.error().message, "p2: unsupported port type 'warp'");
}

TEST(DummyNetdev, InjectedFramesAreReceivedInOrderAndRecorded) {
  std::string rx = temp_path("rx.pcap");
  PortSpec spec = dummy_spec("p1");
  spec.options["rx_pcap"] = rx;
  auto nd = DummyNetdev::open(spec);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  DummyNetdev& d = **nd;
  d.odp_port = 7;
  EXPECT_FALSE(readable(d.rx_fd()));
  auto f1 = frame(0x11, 60), f2 = frame(0x22, 100);
  ASSERT_TRUE(d.inject(f1.data(), f1.size()));
  // Written through at once: the capture holds the frame before anyone receives it.
  auto seen = read_pcap(rx);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], f1);
  TunnelMeta tm;
  tm.tun_id = 42;
  tm.valid = true;
  ASSERT_TRUE(d.inject(f2.data(), f2.size(), &tm));
  EXPECT_TRUE(readable(d.rx_fd()));
  EXPECT_TRUE(d.rx_pending());

  PacketPool pool(8);
  PacketBatch b;
  ASSERT_EQ(d.receive(pool, b), 2u);
  EXPECT_EQ(std::vector<uint8_t>(b.pkts[0]->data(), b.pkts[0]->data() + b.pkts[0]->size()), f1);
  EXPECT_EQ(b.pkts[1]->size(), 100u);
  EXPECT_EQ(b.pkts[0]->in_port, 7u);
  EXPECT_FALSE(b.pkts[0]->tunnel.valid);
  EXPECT_TRUE(b.pkts[1]->tunnel.valid);
  EXPECT_EQ(b.pkts[1]->tunnel.tun_id, 42u);
  EXPECT_EQ(d.rx_packets, 2u);
  EXPECT_EQ(d.rx_bytes, 160u);
  EXPECT_FALSE(readable(d.rx_fd()));
  EXPECT_FALSE(d.rx_pending());
  for (Packet* p : b) pool.put(p);
  EXPECT_EQ(read_pcap(rx).size(), 2u);
  std::filesystem::remove(rx);
}

TEST(DummyNetdev, ReceiveStopsAtTheBatchRoomAndKeepsTheRest) {
  auto nd = DummyNetdev::open(dummy_spec("p1"));
  ASSERT_TRUE(nd.ok());
  auto f = frame(0x33, 64);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE((*nd)->inject(f.data(), f.size()));
  PacketPool pool(64);
  PacketBatch b;
  Packet* pre = pool.get();
  b.add(pre);
  EXPECT_EQ((*nd)->receive(pool, b), PacketBatch::kMax - 1);
  EXPECT_EQ(b.count, PacketBatch::kMax);
  EXPECT_EQ((*nd)->queued(), 9u);
  EXPECT_TRUE(readable((*nd)->rx_fd()));
  for (Packet* p : b) pool.put(p);
  b.clear();
  EXPECT_EQ((*nd)->receive(pool, b), 9u);
  for (Packet* p : b) pool.put(p);
}

TEST(DummyNetdev, PoolExhaustionAndOversizeAreCountedDrops) {
  auto nd = DummyNetdev::open(dummy_spec("p1"));
  ASSERT_TRUE(nd.ok());
  auto small = frame(0x44, 64);
  auto big = frame(0x55, Packet::kDefaultCapacity + 1);
  ASSERT_TRUE((*nd)->inject(big.data(), big.size()));
  ASSERT_TRUE((*nd)->inject(small.data(), small.size()));
  ASSERT_TRUE((*nd)->inject(small.data(), small.size()));
  PacketPool pool(1);
  PacketBatch b;
  EXPECT_EQ((*nd)->receive(pool, b), 1u);
  EXPECT_EQ((*nd)->counter(NetdevCounter::kRxTooBig), 1u);
  EXPECT_EQ((*nd)->counter(NetdevCounter::kRxNoBuffer), 1u);
  EXPECT_EQ((*nd)->rx_dropped, 2u);
  EXPECT_EQ(netdev_counter_name(NetdevCounter::kRxNoBuffer), "netdev_rx_no_buffer");
  pool.put(b.pkts[0]);
}

TEST(DummyNetdev, SentFramesGoToTheHookAndTheTxPcap) {
  std::string tx = temp_path("tx.pcap");
  PortSpec spec = dummy_spec("p1");
  spec.options["tx_pcap"] = tx;
  auto nd = DummyNetdev::open(spec);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  std::vector<std::vector<uint8_t>> hooked;
  (*nd)->on_send = [&](const uint8_t* d, size_t n) { hooked.emplace_back(d, d + n); };
  PacketPool pool(4);
  PacketBatch b;
  auto f1 = frame(0x66, 60), f2 = frame(0x77, 1514);
  Packet* p1 = pool.get();
  Packet* p2 = pool.get();
  p1->assign(f1.data(), f1.size());
  p2->assign(f2.data(), f2.size());
  b.add(p1);
  b.add(p2);
  (*nd)->send(b, pool);
  EXPECT_EQ(b.count, 0u);
  EXPECT_EQ(pool.available(), 4u);
  EXPECT_EQ((*nd)->tx_packets, 2u);
  EXPECT_EQ((*nd)->tx_bytes, 1574u);
  ASSERT_EQ(hooked.size(), 2u);
  EXPECT_EQ(hooked[1], f2);
  auto seen = read_pcap(tx);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], f1);
  EXPECT_EQ(seen[1], f2);
  std::filesystem::remove(tx);
}

TEST(DummyNetdev, ReconfigureStartsAndStopsCaptures) {
  auto nd = DummyNetdev::open(dummy_spec("p1"));
  ASSERT_TRUE(nd.ok());
  std::string tx = temp_path("tx2.pcap");
  PortSpec spec = dummy_spec("p1");
  spec.options["tx_pcap"] = tx;
  ASSERT_TRUE((*nd)->reconfigure(spec, std::nullopt).ok());
  PacketPool pool(2);
  PacketBatch b;
  auto f = frame(0x88, 80);
  b.add(pool.get());
  b.pkts[0]->assign(f.data(), f.size());
  (*nd)->send(b, pool);
  EXPECT_EQ(read_pcap(tx).size(), 1u);
  spec.options.clear();
  ASSERT_TRUE((*nd)->reconfigure(spec, std::nullopt).ok());
  b.add(pool.get());
  b.pkts[0]->assign(f.data(), f.size());
  (*nd)->send(b, pool);
  EXPECT_EQ(read_pcap(tx).size(), 1u);
  std::filesystem::remove(tx);
  spec.options["rx_pcap"] = "/nonexistent-dir/x.pcap";
  auto r = (*nd)->reconfigure(spec, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent-dir/x.pcap"), std::string::npos);
}

}  // namespace
}  // namespace nt
