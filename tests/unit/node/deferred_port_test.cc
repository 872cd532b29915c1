// DeferredNetdev: a port whose device could not be opened drops what it is sent, says why,
// and comes up in place on retry().
#include "node/deferred_port.h"

#include <gtest/gtest.h>

#include "netdev/netdev.h"
#include "netdev/netdev_dummy.h"

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

TEST(DeferredNetdev, DropsWhileDownAndComesUpOnRetry) {
  PortSpec spec;
  spec.name = "d0";
  spec.type = PortType::kDummy;
  DeferredNetdev port(spec, std::nullopt, "d0: not yet");
  port.name = "d0";
  port.odp_port = 7;
  EXPECT_FALSE(port.is_up());
  EXPECT_EQ(port.error(), "d0: not yet");
  EXPECT_EQ(port.rx_fd(), -1);
  EXPECT_FALSE(port.accepts_offload());  // down: the datapath finishes offloads for it

  PacketPool pool(4);
  PacketBatch batch;
  batch.add(pool.get());
  port.send(batch, pool);
  EXPECT_EQ(batch.count, 0u);
  EXPECT_EQ(pool.available(), 4u);
  EXPECT_EQ(port.counter(NetdevCounter::kTxDown), 1u);

  ASSERT_TRUE(port.retry().ok());
  EXPECT_TRUE(port.is_up());
  ASSERT_NE(port.inner(), nullptr);
  EXPECT_GE(port.rx_fd(), 0);
  EXPECT_EQ(port.accepts_offload(), port.inner()->accepts_offload());
  auto* dummy = dynamic_cast<DummyNetdev*>(port.inner());
  ASSERT_NE(dummy, nullptr);
  const uint8_t frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  ASSERT_TRUE(dummy->inject(frame, sizeof frame));
  PacketBatch in;
  EXPECT_EQ(port.receive(pool, in), 1u);
  EXPECT_EQ(in.pkts[0]->in_port, 7u);  // our datapath port number
  EXPECT_EQ(port.rx_packets, 1u);
  port.send(in, pool);
  EXPECT_EQ(port.tx_packets, 1u);
}

TEST(DeferredNetdev, FactoryRejectsUnknownTypes) {
  PortSpec spec;
  spec.name = "z";
  spec.type = PortType::kSink;  // no netdev provider
  EXPECT_FALSE(open_port_or_defer(spec, std::nullopt).ok());
  spec.type = PortType::kDummy;
  auto p = open_port_or_defer(spec, std::nullopt);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(dynamic_cast<DeferredNetdev*>(p->get()), nullptr);
}

}  // namespace
}  // namespace nt
