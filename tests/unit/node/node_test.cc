// The node core: nvs-vsctl words -> vsctl engine -> Reconciler -> Switch, and a host IP stack
// attached to a bridge's internal port running on the real clock.
#include "node/node.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "netstack/host.h"
#include "node/host_port.h"
#include "packet/build.h"

namespace nt {
namespace {

const MacAddr kPeerMac = MacAddr::from_u64(0x020000000002);
const MacAddr kHostMac = MacAddr::from_u64(0x020000000001);
constexpr uint32_t kHostIp = 0x0a000001;  // 10.0.0.1
constexpr uint32_t kPeerIp = 0x0a000002;  // 10.0.0.2

class NodeCoreTest : public ::testing::Test {
 protected:
  NodeCoreTest() { (void)host_.vlog().apply_spec("any:any:off"); }
  ControlReply vsctl(const std::vector<std::string>& argv) { return node_.vsctl(argv); }

  SystemClock clock_;
  Switch sw_{clock_, 64};
  CommandHost host_{sw_};
  NodeCore node_{host_};
};

TEST_F(NodeCoreTest, VsctlWordsConfigureTheSwitch) {
  ASSERT_EQ(vsctl({"add-br", "br0"}).status, 0);
  ASSERT_EQ(vsctl({"add-port", "br0", "p1", "tag=5"}).status, 0);
  Ofproto* br = sw_.bridge("br0");
  ASSERT_NE(br, nullptr);
  const OfPort* p = br->find_port("p1");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->vlan_config.tag == 5);
  // Runtime columns written back from the switch.
  const Interface* iface = node_.db().find_interface("p1");
  ASSERT_NE(iface, nullptr);
  EXPECT_TRUE(iface->ofport == static_cast<int64_t>(p->ofport));
  EXPECT_TRUE(iface->link_state == std::string("up"));
  // A change in place, then a refused transaction that changes nothing.
  ASSERT_EQ(vsctl({"set", "Port", "p1", "tag=7"}).status, 0);
  EXPECT_TRUE(sw_.bridge("br0")->find_port("p1")->vlan_config.tag == 7);
  ControlReply bad = vsctl({"add-port", "br9", "p2"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err, "nvs-vsctl: no bridge named br9\n");
  EXPECT_EQ(sw_.bridge("br0")->find_port("p2"), nullptr);
  ASSERT_EQ(vsctl({"del-br", "br0"}).status, 0);
  EXPECT_EQ(sw_.bridge("br0"), nullptr);
  // The three tools by name, and an unknown one.
  EXPECT_EQ(node_.execute("ofctl", {"dump-flows", "br0"}).status, 1);
  EXPECT_EQ(node_.execute("appctl", {"coverage/show"}).status, 0);
  EXPECT_EQ(node_.execute("nope", {}).status, 1);
}

bool is_arp_reply(const std::vector<uint8_t>& f) {
  return f.size() >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2;
}
bool is_echo_reply(const std::vector<uint8_t>& f) {
  return f.size() >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 1 && f[34] == 0;
}

// Runs the real-clock scheduler (as the daemon's loop does) until `done` or 2 s have passed.
bool run_until(Scheduler& sched, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    sched.run_due();
  }
  return true;
}

TEST_F(NodeCoreTest, HostOnAnInternalPortAnswersOnTheRealClock) {
  Scheduler sched(clock_);
  ASSERT_EQ(vsctl({"add-br", "br0", "--", "add-port", "br0", "svc", "--", "set", "Interface", "svc",
                   "type=internal", "--", "add-port", "br0", "p1"})
                .status,
            0);
  Host host(sched, "svc");
  NicId nic = host.add_nic("svc", kHostMac);
  ASSERT_TRUE(attach_host_port(sw_, sched, "br0", "svc", host, nic).ok());
  ASSERT_TRUE(host.add_address(nic, "10.0.0.1/24").ok());
  EXPECT_FALSE(attach_host_port(sw_, sched, "br0", "nosuch", host, nic).ok());

  auto p1 = memory_port(sw_, "br0", "p1");
  ASSERT_TRUE(p1.ok());
  RecordingPort& peer = **p1;
  auto saw = [&](bool (*what)(const std::vector<uint8_t>&)) {
    for (const auto& f : peer.sent) {
      if (what(f)) return true;
    }
    return false;
  };
  Packet arp;
  ASSERT_TRUE(build_arp_request(arp, kPeerMac, kPeerIp, kHostIp));
  ASSERT_TRUE(sw_.receive("br0", "p1", arp.data(), arp.size()).ok());
  EXPECT_TRUE(run_until(sched, [&] { return saw(is_arp_reply); }));

  Packet echo;
  ASSERT_TRUE(build_icmp_echo(echo, kPeerMac, kHostMac, kPeerIp, kHostIp, false, 7, 1));
  ASSERT_TRUE(sw_.receive("br0", "p1", echo.data(), echo.size()).ok());
  EXPECT_TRUE(run_until(sched, [&] { return saw(is_echo_reply); }));
  detach_host_port(sw_, "br0", "svc");
}

}  // namespace
}  // namespace nt

namespace nt {
namespace {

// Changing ofport_request of an existing port renumbers it, as Open vSwitch does; the
// database reports the new number.
TEST_F(NodeCoreTest, ChangingOfportRequestRenumbersThePort) {
  ASSERT_EQ(vsctl({"add-br", "br0", "--", "add-port", "br0", "p1", "--", "set", "Interface", "p1",
                   "ofport_request=3"})
                .status,
            0);
  ASSERT_EQ(*sw_.bridge("br0")->port_by_name("p1"), 3u);
  ASSERT_EQ(vsctl({"set", "Interface", "p1", "ofport_request=9"}).status, 0);
  EXPECT_EQ(*sw_.bridge("br0")->port_by_name("p1"), 9u);
  EXPECT_EQ(sw_.bridge("br0")->port(3), nullptr);
  EXPECT_TRUE(node_.db().find_interface("p1")->ofport == int64_t{9});
}

// Names are checked at the node's front door too: nothing reaches the switch.
TEST_F(NodeCoreTest, BadNamesAndMacsAreRefused) {
  ControlReply r = vsctl({"add-br", ""});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "nvs-vsctl: invalid bridge name \"\": name must not be empty\n");
  r = vsctl({"add-br", "br0", "--", "set", "Interface", "br0", "mac=zz"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "nvs-vsctl: interface br0: mac \"zz\" is not an Ethernet address "
            "(xx:xx:xx:xx:xx:xx)\n");
  EXPECT_TRUE(sw_.bridges().empty());
  r = vsctl({"add-br", "br0", "--", "set", "Interface", "br0", "mac=\"02:00:00:00:00:09\""});
  EXPECT_EQ(r.status, 0) << r.err;
}

}  // namespace
}  // namespace nt
