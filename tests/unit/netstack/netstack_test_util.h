// Test-only plumbing for netstack tests: a shared virtual clock, a learning bridge with
// latency that wires hosts back to back, and a tiny DHCP server. Not for production use;
// the real DHCP service lives in the services layer.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "netstack/dhcp_msg.h"
#include "netstack/host.h"
#include "netstack/scheduler.h"
#include "packet/bytes.h"
#include "packet/parse.h"

namespace nt::test {

inline uint32_t ip(const char* text) { return *parse_ipv4(text); }
inline MacAddr mac(uint64_t low) { return MacAddr::from_u64(0xfa163e000000ULL | low); }

// A learning bridge: frames from a port are copied and delivered `latency` later to the port
// the destination MAC was learned on, or flooded. Every frame is also kept in `log`.
class TestBridge {
 public:
  TestBridge(Scheduler& sched, TimeUs latency = 100) : sched_(sched), latency_(latency) {}

  size_t attach(Host& host, NicId nic) {
    size_t port = ports_.size();
    ports_.push_back({&host, nic});
    host.set_transmit(nic, [this, port](const uint8_t* f, size_t n) { transmit(port, f, n); });
    return port;
  }

  void transmit(size_t from, const uint8_t* f, size_t n) {
    std::vector<uint8_t> frame(f, f + n);
    log.push_back(frame);
    if (cut || (drop_if && drop_if(frame))) return;
    if (n >= 12) learned_[load_mac(f + 6).to_u64()] = from;
    auto it = n >= 6 ? learned_.find(load_mac(f).to_u64()) : learned_.end();
    for (size_t p = 0; p < ports_.size(); ++p) {
      bool out = it != learned_.end() ? p == it->second : p != from;
      if (!out || p == from) continue;
      Port dst = ports_[p];
      sched_.post_in(latency_,
                     [dst, frame] { dst.host->receive(dst.nic, frame.data(), frame.size()); });
    }
  }

  // Frames of one ethertype (and IP protocol, when given) seen so far.
  size_t count(uint16_t ethertype, uint8_t proto = 0) const {
    size_t n = 0;
    for (const auto& f : log) {
      FlowKey k;
      if (flow_extract(f.data(), f.size(), k) != ParseError::kOk || k.dl_type != ethertype)
        continue;
      if (proto == 0 || k.nw_proto == proto) ++n;
    }
    return n;
  }

  std::vector<std::vector<uint8_t>> log;
  bool cut = false;  // drop everything (a dead link)
  // Drops (after logging) the frames it returns true for: a lossy link.
  std::function<bool(const std::vector<uint8_t>&)> drop_if;

 private:
  struct Port {
    Host* host;
    NicId nic;
  };
  Scheduler& sched_;
  TimeUs latency_;
  std::vector<Port> ports_;
  std::unordered_map<uint64_t, size_t> learned_;
};

// Shared clock + scheduler + hosts.
class NetstackTest : public ::testing::Test {
 protected:
  NetstackTest() : sched(clock) {}

  Host& add_host(const std::string& name) {
    hosts.push_back(std::make_unique<Host>(sched, name));
    return *hosts.back();
  }
  // A host with eth0 (MAC fa:16:3e:00:00:<n>) at `cidr` on `bridge`.
  Host& add_host(const std::string& name, TestBridge& bridge, const char* cidr, uint64_t n) {
    Host& h = add_host(name);
    NicId nic = h.add_nic("eth0", mac(n));
    bridge.attach(h, nic);
    EXPECT_TRUE(h.add_address(nic, cidr).ok());
    return h;
  }
  void run_for(TimeUs us) { sched.run_until_us(sched.now_us() + us); }
  void run_secs(double s) { run_for(static_cast<TimeUs>(s * kUsPerSec)); }

  ManualClock clock;
  Scheduler sched;
  std::vector<std::unique_ptr<Host>> hosts;
};

// A minimal DHCP server for tests: hands out pool addresses in order, answers DISCOVER with
// an OFFER and REQUEST with an ACK (unicast to the client's MAC, as a server does for a
// client without the broadcast flag), or a NAK when told to. Knows nothing of relays,
// reservations or persistence.
class MiniDhcpServer {
 public:
  MiniDhcpServer(Host& host, NicId nic, uint32_t server, uint32_t pool_start)
      : host_(host), nic_(nic), server_(server), next_(pool_start) {
    auto s = host.udp_open(kDhcpServerPort, 0, nic);
    EXPECT_TRUE(s.ok());
    sock_ = std::move(*s);
    sock_->on_receive([this](const UdpDatagram& d) { on_datagram(d); });
  }

  // What the server puts in its replies.
  uint8_t prefix_len = 24;
  uint32_t lease_time = 3600;
  std::vector<uint32_t> routers;
  std::vector<uint32_t> dns;
  uint16_t mtu = 0;
  std::vector<ClasslessRoute> classless;
  bool has_classless = false;
  // Behaviour switches.
  bool silent = false;           // receive but never answer
  bool nak_all = false;          // answer every REQUEST with a NAK
  bool ignore_requests = false;  // offer, then never acknowledge
  std::vector<DhcpMessage> received;
  std::vector<TimeUs> received_at;
  std::vector<uint32_t> received_dst;  // IP destination of each request

  size_t count(DhcpType t) const {
    size_t n = 0;
    for (const auto& m : received) n += m.type == t;
    return n;
  }

 private:
  void on_datagram(const UdpDatagram& d) {
    auto m = dhcp_parse(d.data, d.len);
    if (!m.ok() || m->op != 1) return;
    received.push_back(*m);
    received_at.push_back(host_.now_us());
    received_dst.push_back(d.dst);
    if (silent) return;
    if (m->type == DhcpType::kDiscover) reply(*m, DhcpType::kOffer, lease_for(m->chaddr));
    if (m->type == DhcpType::kRequest && !ignore_requests) on_request(*m);
  }

  void on_request(const DhcpMessage& m) {
    uint32_t want = m.requested_ip ? m.requested_ip : m.ciaddr;
    if (nak_all || want != lease_for(m.chaddr)) return reply(m, DhcpType::kNak, 0);
    reply(m, DhcpType::kAck, want);
  }

  uint32_t lease_for(const MacAddr& client) {
    auto [it, fresh] = leases_.try_emplace(client.to_u64(), next_);
    if (fresh) ++next_;
    return it->second;
  }

  void reply(const DhcpMessage& req, DhcpType type, uint32_t yiaddr) {
    DhcpMessage r;
    r.op = 2;
    r.type = type;
    r.xid = req.xid;
    r.chaddr = req.chaddr;
    r.ciaddr = req.ciaddr;
    r.yiaddr = yiaddr;
    r.server_id = server_;
    if (type != DhcpType::kNak) {
      r.lease_time = lease_time;
      r.subnet_mask = prefix_mask(prefix_len);
      r.has_subnet_mask = true;
      r.routers = routers;
      r.dns = dns;
      r.mtu = mtu;
      r.classless_routes = classless;
      r.has_classless_routes = has_classless;
    }
    uint8_t buf[kDhcpMaxMessage];
    auto len = dhcp_encode(r, buf, sizeof buf);
    ASSERT_TRUE(len.ok());
    UdpSendOptions o;
    o.src = server_;
    if (type == DhcpType::kNak) {
      (void)sock_->sendto(kIpv4Broadcast, kDhcpClientPort, buf, *len, o);
    } else if (req.ciaddr) {
      (void)sock_->sendto(req.ciaddr, kDhcpClientPort, buf, *len, o);  // renewing: unicast
    } else {
      o.dst_mac = &req.chaddr;  // the client has no address yet: straight to its MAC
      (void)sock_->sendto(yiaddr, kDhcpClientPort, buf, *len, o);
    }
  }

  Host& host_;
  NicId nic_;
  uint32_t server_;
  uint32_t next_;
  std::unique_ptr<UdpSocket> sock_;
  std::unordered_map<uint64_t, uint32_t> leases_;
};

}  // namespace nt::test
