// Netfilter on a Neutron-style router host: the L3 agent's iptables lines loaded as they are,
// SNAT and floating IPs through ping, TCP and traceroute, east-west left alone, load errors,
// conntrack flushes and counted drops. Every frame delivered to an end host has valid checksums.
#include "netstack/netfilter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "netstack/ping.h"
#include "netstack/traceroute.h"
#include "netstack_test_util.h"
#include "packet/checksum.h"
#include "packet/packet.h"

namespace nt::test {
namespace {

constexpr const char* kQr = "qr-cdb08767-c6";
constexpr const char* kQr2 = "qr-5d2f9a41-0b";
constexpr const char* kQg = "qg-070a05ab-ca";

// iptables -t nat -S of a seed-era router with SNAT for 10.0.1.0/28 (plus `extra` -A lines).
std::vector<std::string> nat_rules(const std::vector<std::string>& extra = {}) {
  std::vector<std::string> r = {
      "-P PREROUTING ACCEPT",
      "-P INPUT ACCEPT",
      "-P OUTPUT ACCEPT",
      "-P POSTROUTING ACCEPT",
      "-N neutron-l3-agent-OUTPUT",
      "-N neutron-l3-agent-POSTROUTING",
      "-N neutron-l3-agent-PREROUTING",
      "-N neutron-l3-agent-float-snat",
      "-N neutron-l3-agent-snat",
      "-N neutron-postrouting-bottom",
      "-A PREROUTING -j neutron-l3-agent-PREROUTING",
      "-A OUTPUT -j neutron-l3-agent-OUTPUT",
      "-A POSTROUTING -j neutron-l3-agent-POSTROUTING",
      "-A POSTROUTING -j neutron-postrouting-bottom",
      "-A neutron-l3-agent-POSTROUTING ! -i qg-070a05ab-ca ! -o qg-070a05ab-ca -m conntrack ! "
      "--ctstate DNAT -j ACCEPT",
      "-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j "
      "REDIRECT --to-ports 9697",
  };
  r.insert(r.end(), extra.begin(), extra.end());
  r.push_back("-A neutron-l3-agent-snat -j neutron-l3-agent-float-snat");
  r.push_back("-A neutron-l3-agent-snat -s 10.0.1.0/28 -j SNAT --to-source 192.168.200.150");
  r.push_back(
      "-A neutron-postrouting-bottom -m comment --comment \"Perform source NAT on outgoing "
      "traffic.\" -j neutron-l3-agent-snat");
  return r;
}

// The floating IP 192.168.200.160 <-> 10.0.1.3.
const std::vector<std::string> kFip = {
    "-A neutron-l3-agent-OUTPUT -d 192.168.200.160/32 -j DNAT --to-destination 10.0.1.3",
    "-A neutron-l3-agent-PREROUTING -d 192.168.200.160/32 -j DNAT --to-destination 10.0.1.3",
    "-A neutron-l3-agent-float-snat -s 10.0.1.3/32 -j SNAT --to-source 192.168.200.160 "
    "--random-fully",
};

// A current L3 agent's nat table, exactly as `iptables -t nat -S` prints it.
const std::vector<std::string> kCurrentNat = {
    "-P PREROUTING ACCEPT",
    "-P INPUT ACCEPT",
    "-P OUTPUT ACCEPT",
    "-P POSTROUTING ACCEPT",
    "-N neutron-l3-agent-OUTPUT",
    "-N neutron-l3-agent-POSTROUTING",
    "-N neutron-l3-agent-PREROUTING",
    "-N neutron-l3-agent-float-snat",
    "-N neutron-l3-agent-snat",
    "-N neutron-postrouting-bottom",
    "-A PREROUTING -j neutron-l3-agent-PREROUTING",
    "-A OUTPUT -j neutron-l3-agent-OUTPUT",
    "-A POSTROUTING -j neutron-l3-agent-POSTROUTING",
    "-A POSTROUTING -j neutron-postrouting-bottom",
    "-A neutron-l3-agent-OUTPUT -d 172.24.4.20/32 -j DNAT --to-destination 10.0.0.5",
    "-A neutron-l3-agent-POSTROUTING ! -o qg-070a05ab-ca -m conntrack ! --ctstate DNAT -j ACCEPT",
    "-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j "
    "REDIRECT --to-ports 9697",
    "-A neutron-l3-agent-PREROUTING -d 172.24.4.20/32 -j DNAT --to-destination 10.0.0.5",
    "-A neutron-l3-agent-float-snat -s 10.0.0.5/32 -j SNAT --to-source 172.24.4.20 --random-fully",
    "-A neutron-l3-agent-snat -j neutron-l3-agent-float-snat",
    "-A neutron-l3-agent-snat -o qg-070a05ab-ca -j SNAT --to-source 172.24.4.10 --random-fully",
    "-A neutron-l3-agent-snat -m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT -j SNAT "
    "--to-source 172.24.4.10 --random-fully",
    "-A neutron-postrouting-bottom -m comment --comment \"Perform source NAT on outgoing "
    "traffic.\" -j neutron-l3-agent-snat",
};

const std::vector<std::string> kMangle = {
    "-P PREROUTING ACCEPT",
    "-P INPUT ACCEPT",
    "-P FORWARD ACCEPT",
    "-P OUTPUT ACCEPT",
    "-P POSTROUTING ACCEPT",
    "-N neutron-l3-agent-PREROUTING",
    "-N neutron-l3-agent-mark",
    "-A PREROUTING -j neutron-l3-agent-PREROUTING",
    "-A neutron-l3-agent-PREROUTING -j neutron-l3-agent-mark",
    "-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j "
    "MARK --set-xmark 0x1/0xffff",
    "-A neutron-l3-agent-mark -i qg-070a05ab-ca -j MARK --set-xmark 0x2/0xffff",
};

const std::vector<std::string> kFilter = {
    "-P INPUT ACCEPT",
    "-P FORWARD ACCEPT",
    "-P OUTPUT ACCEPT",
    "-N neutron-filter-top",
    "-N neutron-l3-agent-FORWARD",
    "-N neutron-l3-agent-INPUT",
    "-N neutron-l3-agent-OUTPUT",
    "-N neutron-l3-agent-local",
    "-A INPUT -j neutron-l3-agent-INPUT",
    "-A FORWARD -j neutron-filter-top",
    "-A FORWARD -j neutron-l3-agent-FORWARD",
    "-A OUTPUT -j neutron-filter-top",
    "-A OUTPUT -j neutron-l3-agent-OUTPUT",
    "-A neutron-filter-top -j neutron-l3-agent-local",
    "-A neutron-l3-agent-INPUT -m mark --mark 0x1/0xffff -j ACCEPT",
    "-A neutron-l3-agent-INPUT -p tcp -m tcp --dport 9697 -j DROP",
};

// Source and destination of the IPv4 frames a bridge carried (frames of other kinds skipped).
struct Seen {
  uint32_t src, dst;
  uint8_t proto;
};

class NetfilterTest : public NetstackTest {
 protected:
  NetfilterTest() : lan(sched), lan2(sched), ext_net(sched) {
    router = &add_host("router");
    router->set_forwarding(true);
    NicId qr = router->add_nic(kQr, mac(0x11));
    NicId qr2 = router->add_nic(kQr2, mac(0x12));
    NicId qg = router->add_nic(kQg, mac(0x13));
    lan.attach(*router, qr);
    lan2.attach(*router, qr2);
    ext_net.attach(*router, qg);
    EXPECT_TRUE(router->add_address(qr, "10.0.1.1/28").ok());
    EXPECT_TRUE(router->add_address(qr2, "10.0.2.1/28").ok());
    EXPECT_TRUE(router->add_address(qg, "192.168.200.150/24").ok());
    EXPECT_TRUE(router->add_route("0.0.0.0/0", "192.168.200.1").ok());
    vm = &add_host("vm", lan, "10.0.1.3/28", 3);
    EXPECT_TRUE(vm->set_default_gateway(ip("10.0.1.1")).ok());
    vm2 = &add_host("vm2", lan2, "10.0.2.3/28", 4);
    EXPECT_TRUE(vm2->set_default_gateway(ip("10.0.2.1")).ok());
    // The outside knows nothing of the tenant networks: only NAT brings replies back.
    ext = &add_host("ext", ext_net, "192.168.200.1/24", 5);
    qg_nic = qg;
    run_secs(1);  // gratuitous ARPs
  }

  void load_router(const std::vector<std::string>& nat) {
    ASSERT_TRUE(router->netfilter().load("nat", nat).ok());
    ASSERT_TRUE(router->netfilter().load("mangle", kMangle).ok());
    ASSERT_TRUE(router->netfilter().load("filter", kFilter).ok());
  }

  void add_fip() {
    ASSERT_TRUE(router->add_address(qg_nic, ip("192.168.200.160"), 32).ok());
    load_router(nat_rules(kFip));
  }

  // IPv4 frames on `b` from `first` on, every one checked for valid checksums.
  std::vector<Seen> ipv4_frames(const TestBridge& b, size_t first = 0) {
    std::vector<Seen> out;
    Packet pkt(kEthHeaderLen + kMaxMtu);
    for (size_t i = first; i < b.log.size(); ++i) {
      const auto& f = b.log[i];
      FlowKey k;
      if (flow_extract(f.data(), f.size(), k) != ParseError::kOk || k.dl_type != kEthTypeIp) {
        continue;
      }
      pkt.assign(f.data(), f.size());
      EXPECT_TRUE(verify_checksums(pkt)) << "bad checksum in frame " << i;
      out.push_back({k.nw_src, k.nw_dst, k.nw_proto});
    }
    return out;
  }

  bool any(const std::vector<Seen>& v, uint32_t src, uint32_t dst) {
    for (const Seen& s : v) {
      if (s.src == src && s.dst == dst) return true;
    }
    return false;
  }

  uint32_t ping(Host& from, const char* to, uint32_t count = 2) {
    Ping p(from, ip(to), PingOptions{.count = count, .timeout = kUsPerSec});
    p.start();
    run_secs(count + 2);
    return p.result().received;
  }

  // Opens a TCP connection from `from` to an echo listener on `server`, sends and reads back.
  bool tcp_echo(Host& from, Host& server, const char* to, uint16_t port) {
    auto l = server.tcp_listen(port);
    EXPECT_TRUE(l.ok());
    (*l)->set_echo(true);
    auto c = from.tcp_connect(ip(to), port);
    EXPECT_TRUE(c.ok());
    if (!c.ok()) return false;
    run_secs(1);
    if (!(*c)->established()) return false;
    EXPECT_TRUE((*c)->send("hello through the router").ok());
    run_secs(1);
    bool ok = (*c)->bytes_received() == 24;
    (*c)->close();
    run_secs(1);
    return ok;
  }

  TestBridge lan, lan2, ext_net;
  Host* router;
  Host* vm;
  Host* vm2;
  Host* ext;
  NicId qg_nic = kNoNic;
};

TEST_F(NetfilterTest, NothingLoadedForwardsAsPlainRouter) {
  EXPECT_EQ(ping(*vm, "10.0.2.3"), 2u);
  EXPECT_EQ(ping(*vm, "192.168.200.1"), 0u);  // the outside has no route back
  EXPECT_FALSE(router->netfilter().active());
  EXPECT_EQ(router->netfilter().conntrack_text(), "");
}

TEST_F(NetfilterTest, SnatPingAndTcpLeaveAsTheGatewayAddress) {
  load_router(nat_rules());
  size_t mark = ext_net.log.size();
  EXPECT_EQ(ping(*vm, "192.168.200.1"), 2u);
  EXPECT_TRUE(tcp_echo(*vm, *ext, "192.168.200.1", 7));
  auto out = ipv4_frames(ext_net, mark);
  EXPECT_TRUE(any(out, ip("192.168.200.150"), ip("192.168.200.1")));
  EXPECT_TRUE(any(out, ip("192.168.200.1"), ip("192.168.200.150")));
  EXPECT_FALSE(any(out, ip("10.0.1.3"), ip("192.168.200.1")));  // nothing leaks un-NATed
  auto in = ipv4_frames(lan);
  EXPECT_TRUE(any(in, ip("192.168.200.1"), ip("10.0.1.3")));
  std::string ct = router->netfilter().conntrack_text();
  EXPECT_NE(ct.find("icmp,orig=(src=10.0.1.3,dst=192.168.200.1"), std::string::npos) << ct;
  EXPECT_NE(ct.find("tcp,orig=(src=10.0.1.3,dst=192.168.200.1"), std::string::npos) << ct;
  EXPECT_NE(ct.find("reply=(src=192.168.200.1,dst=192.168.200.150"), std::string::npos) << ct;
  EXPECT_EQ(router->drops(HostDrop::kNetfilterDrop), 0u);
}

TEST_F(NetfilterTest, FloatingIpDnatInAndSnatOut) {
  add_fip();
  size_t mark_in = lan.log.size(), mark_ext = ext_net.log.size();
  EXPECT_EQ(ping(*ext, "192.168.200.160"), 2u);
  EXPECT_TRUE(tcp_echo(*ext, *vm, "192.168.200.160", 22));
  // The instance sees the outside host's real address; the outside sees only the FIP.
  auto in = ipv4_frames(lan, mark_in);
  EXPECT_TRUE(any(in, ip("192.168.200.1"), ip("10.0.1.3")));
  EXPECT_TRUE(any(in, ip("10.0.1.3"), ip("192.168.200.1")));
  auto out = ipv4_frames(ext_net, mark_ext);
  EXPECT_TRUE(any(out, ip("192.168.200.160"), ip("192.168.200.1")));
  EXPECT_FALSE(any(out, ip("10.0.1.3"), ip("192.168.200.1")));
  // The instance's own connections leave as its floating IP, not the router's address.
  mark_ext = ext_net.log.size();
  EXPECT_EQ(ping(*vm, "192.168.200.1"), 2u);
  EXPECT_TRUE(tcp_echo(*vm, *ext, "192.168.200.1", 80));
  out = ipv4_frames(ext_net, mark_ext);
  EXPECT_TRUE(any(out, ip("192.168.200.160"), ip("192.168.200.1")));
  EXPECT_FALSE(any(out, ip("192.168.200.150"), ip("192.168.200.1")));
  // The router itself reaches the instance through the FIP (nat OUTPUT's DNAT).
  EXPECT_EQ(ping(*router, "192.168.200.160"), 2u);
}

TEST_F(NetfilterTest, EastWestIsNotNated) {
  load_router(nat_rules());
  size_t mark = lan2.log.size();
  EXPECT_EQ(ping(*vm, "10.0.2.3"), 2u);
  EXPECT_TRUE(tcp_echo(*vm, *vm2, "10.0.2.3", 5000));
  auto seen = ipv4_frames(lan2, mark);
  EXPECT_TRUE(any(seen, ip("10.0.1.3"), ip("10.0.2.3")));
  EXPECT_FALSE(any(seen, ip("192.168.200.150"), ip("10.0.2.3")));
  // Without the POSTROUTING ACCEPT the seed's SNAT rule (no -o) would catch it.
  auto rules = nat_rules();
  std::erase_if(rules, [](const std::string& l) { return l.find("--ctstate DNAT") != l.npos; });
  load_router(rules);
  mark = lan2.log.size();
  EXPECT_EQ(ping(*vm, "10.0.2.3", 1), 1u);
  EXPECT_TRUE(any(ipv4_frames(lan2, mark), ip("192.168.200.150"), ip("10.0.2.3")));
}

TEST_F(NetfilterTest, TracerouteShowsTheRouterThenTheOutside) {
  load_router(nat_rules());
  Traceroute tr(*vm, ip("192.168.200.1"), TracerouteOptions{.wait = kUsPerSec, .numeric = true});
  ASSERT_TRUE(tr.start().ok());
  run_secs(20);
  ASSERT_TRUE(tr.done());
  EXPECT_TRUE(tr.result().reached) << tr.output();
  EXPECT_EQ(tr.result().hop_addresses(),
            (std::vector<uint32_t>{ip("10.0.1.1"), ip("192.168.200.1")}))
      << tr.output();
  ipv4_frames(lan);  // the un-NATed ICMP errors (and their quoted headers) check out
}

TEST_F(NetfilterTest, LoadErrorsLeaveTheTableAndShowRoundTrips) {
  Netfilter& nf = router->netfilter();
  ASSERT_TRUE(nf.load("nat", kCurrentNat).ok());
  std::string shown = nf.show("nat");
  std::string want;
  for (const auto& l : kCurrentNat) want += l + "\n";
  EXPECT_EQ(shown, want);
  ASSERT_TRUE(nf.load("mangle", kMangle).ok());
  ASSERT_TRUE(nf.load("filter", kFilter).ok());
  want.clear();
  for (const auto& l : kFilter) want += l + "\n";
  EXPECT_EQ(nf.show("filter"), want);
  struct Bad {
    std::string line, what;
  } bad[] = {
      {"-A neutron-l3-agent-snat -j MASQUERADE", "unknown target \"MASQUERADE\""},
      {"-A neutron-l3-agent-snat -s 10.0.300.0/24 -j ACCEPT", "bad address \"10.0.300.0/24\""},
      {"-A neutron-l3-agent-snat -j neutron-l3-agent-nowhere",
       "jump to undefined chain \"neutron-l3-agent-nowhere\""},
      {"-A nowhere -j ACCEPT", "no chain \"nowhere\""},
      {"-A neutron-l3-agent-snat -m set --match-set x src -j ACCEPT", "unknown match \"set\""},
      {"-A neutron-l3-agent-snat -j SNAT", "SNAT needs --to-source"},
      {"-A neutron-l3-agent-snat -p tcp --dport 80 -j ACCEPT", "--dport needs -m tcp"},
  };
  for (const Bad& b : bad) {
    auto r = nat_rules();
    r.push_back(b.line);
    Status s = nf.load("nat", r);
    ASSERT_FALSE(s.ok()) << b.line;
    EXPECT_NE(s.error().message.find("line " + std::to_string(r.size())), std::string::npos)
        << s.error().message;
    EXPECT_NE(s.error().message.find(b.what), std::string::npos) << s.error().message;
    EXPECT_EQ(nf.show("nat"), shown);
  }
  EXPECT_FALSE(nf.load("raw", {}).ok());
  EXPECT_FALSE(nf.load("filter", {"-A INPUT -j MARK --set-xmark 0x1/0xffff"}).ok());
  EXPECT_FALSE(nf.load("filter", {"-P neutron-filter-top DROP"}).ok());
  // Lines in another order come back in iptables' order.
  ASSERT_TRUE(nf.load("filter", {"-A neutron-b -j RETURN", "-N neutron-b", "-N neutron-a",
                                 "-A INPUT -j neutron-b", "-P FORWARD DROP"})
                  .ok());
  EXPECT_EQ(nf.show("filter"),
            "-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-N neutron-a\n-N neutron-b\n"
            "-A INPUT -j neutron-b\n-A neutron-b -j RETURN\n");
  EXPECT_FALSE(nf.load("filter", {"-N a", "-N b", "-A a -j b", "-A b -j a"}).ok());
}

TEST_F(NetfilterTest, FlushConntrackAfterRemovingAFip) {
  add_fip();
  Ping p(*ext, ip("192.168.200.160"), PingOptions{.count = 0, .timeout = kUsPerSec});
  p.start();
  run_secs(2.5);
  uint32_t before = p.result().received;
  EXPECT_GE(before, 2u);
  // The agent removes the FIP: rules first, then the address, then the connections.
  load_router(nat_rules());
  ASSERT_TRUE(router->del_address(qg_nic, ip("192.168.200.160")).ok());
  run_secs(2);
  EXPECT_GT(p.result().received, before);  // the tracked connection still translates
  EXPECT_GE(router->netfilter().flush_conntrack(ip("192.168.200.160")), 1u);
  EXPECT_EQ(router->netfilter().conntrack_text().find("192.168.200.160"), std::string::npos);
  uint32_t after = p.result().received;
  size_t mark = lan.log.size();
  run_secs(3);
  p.stop();
  EXPECT_EQ(p.result().received, after);  // no longer translated: nothing reaches the vm
  EXPECT_FALSE(any(ipv4_frames(lan, mark), ip("192.168.200.1"), ip("10.0.1.3")));
}

TEST_F(NetfilterTest, DropRulesAndPoliciesAreCounted) {
  load_router(nat_rules());
  // filter INPUT drops the metadata proxy's port unless the packet was marked on a qr- port.
  auto l = router->tcp_listen(9697);
  ASSERT_TRUE(l.ok());
  (*l)->set_echo(true);
  auto c = ext->tcp_connect(ip("192.168.200.150"), 9697);
  ASSERT_TRUE(c.ok());
  run_secs(1);
  EXPECT_FALSE((*c)->established());
  EXPECT_GE(router->drops(HostDrop::kNetfilterDrop), 1u);
  (*c)->abort();
  // The metadata address from the instance is REDIRECTed to the proxy (marked 0x1: accepted).
  auto m = vm->tcp_connect(ip("169.254.169.254"), 80);
  ASSERT_TRUE(m.ok());
  run_secs(1);
  EXPECT_TRUE((*m)->established());
  EXPECT_EQ((*m)->tuple().remote_addr, ip("169.254.169.254"));  // replies un-DNATed
  EXPECT_TRUE((*m)->send("GET /").ok());
  run_secs(1);
  EXPECT_EQ((*m)->bytes_received(), 5u);
  // A FORWARD policy of DROP stops routing; the drops are counted.
  auto filter = kFilter;
  filter[1] = "-P FORWARD DROP";
  ASSERT_TRUE(router->netfilter().load("filter", filter).ok());
  uint64_t drops = router->drops(HostDrop::kNetfilterDrop);
  EXPECT_EQ(ping(*vm, "10.0.2.3"), 0u);
  EXPECT_EQ(router->drops(HostDrop::kNetfilterDrop), drops + 2);
  EXPECT_NE(router->counters_text().find("netfilter_drop: "), std::string::npos);
  // An explicit DROP rule for one source.
  filter[1] = "-P FORWARD ACCEPT";
  filter.push_back("-A neutron-l3-agent-local -s 10.0.1.3/32 -d 10.0.2.0/28 -j DROP");
  ASSERT_TRUE(router->netfilter().load("filter", filter).ok());
  EXPECT_EQ(ping(*vm, "10.0.2.3", 1), 0u);
  EXPECT_EQ(ping(*vm2, "10.0.2.1", 1), 1u);
}

TEST_F(NetfilterTest, AddressScopeMarksRideOnTheConnection) {
  // Neutron's address-scope rules: packets from qr- get a scope mark, saved on the connection
  // when they leave by qg-; replies get it back (CONNMARK --restore-mark) and FORWARD drops
  // what enters a scoped qr- without it.
  std::vector<std::string> mangle = {
      "-N neutron-l3-agent-POSTROUTING",
      "-N neutron-l3-agent-PREROUTING",
      "-N neutron-l3-agent-mark",
      "-N neutron-l3-agent-scope",
      "-A PREROUTING -j neutron-l3-agent-PREROUTING",
      "-A POSTROUTING -j neutron-l3-agent-POSTROUTING",
      "-A neutron-l3-agent-POSTROUTING -o qg-070a05ab-ca -m connmark --mark 0x0/0xffff0000 -j "
      "CONNMARK --save-mark --nfmask 0xffff0000 --ctmask 0xffff0000",
      "-A neutron-l3-agent-PREROUTING -j neutron-l3-agent-mark",
      "-A neutron-l3-agent-PREROUTING -j neutron-l3-agent-scope",
      "-A neutron-l3-agent-PREROUTING -m connmark ! --mark 0x0/0xffff0000 -j CONNMARK "
      "--restore-mark --nfmask 0xffff0000 --ctmask 0xffff0000",
      "-A neutron-l3-agent-mark -i qg-070a05ab-ca -j MARK --set-xmark 0x2/0xffff",
      "-A neutron-l3-agent-scope -i qr-cdb08767-c6 -j MARK --set-xmark 0x4000000/0xffff0000",
  };
  std::vector<std::string> filter = {
      "-N neutron-l3-agent-FORWARD",
      "-N neutron-l3-agent-scope",
      "-A FORWARD -j neutron-l3-agent-FORWARD",
      "-A neutron-l3-agent-FORWARD -j neutron-l3-agent-scope",
      "-A neutron-l3-agent-scope -o qr-cdb08767-c6 -m mark ! --mark 0x4000000/0xffff0000 -j DROP",
  };
  Netfilter& nf = router->netfilter();
  ASSERT_TRUE(router->add_address(qg_nic, ip("192.168.200.160"), 32).ok());
  ASSERT_TRUE(nf.load("nat", nat_rules(kFip)).ok());
  ASSERT_TRUE(nf.load("mangle", mangle).ok());
  ASSERT_TRUE(nf.load("filter", filter).ok());
  EXPECT_EQ(ping(*vm, "192.168.200.1"), 2u);  // replies restored to the scope's mark
  EXPECT_NE(nf.conntrack_text().find(",mark=67108864"), std::string::npos) << nf.conntrack_text();
  EXPECT_EQ(router->drops(HostDrop::kNetfilterDrop), 0u);
  EXPECT_EQ(ping(*ext, "192.168.200.160"), 0u);  // unmarked, into the scoped network
  EXPECT_EQ(router->drops(HostDrop::kNetfilterDrop), 2u);
  EXPECT_FALSE(nf.load("mangle", {"-A PREROUTING -j CONNMARK --nfmask 0x1"}).ok());
}

}  // namespace
}  // namespace nt::test
