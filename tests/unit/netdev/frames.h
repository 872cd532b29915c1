// Frame helpers shared by the real-device netdev tests.
#pragma once

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <vector>

#include "netdev/netdev.h"
#include "netns.h"
#include "packet/build.h"
#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/offload.h"
#include "packet/parse.h"

namespace nt::testing {

inline constexpr uint8_t kTcpSyn = 0x02, kTcpAck = 0x10, kTcpRst = 0x04;

inline std::vector<uint8_t> bytes_of(const Packet& p) {
  return std::vector<uint8_t>(p.data(), p.data() + p.size());
}

// Ethernet + IPv4 + TCP (with an MSS option when `mss` is non-zero), valid checksums.
inline void build_tcp(Packet& p, const MacAddr& src, const MacAddr& dst, uint32_t ip_src,
                      uint32_t ip_dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                      uint8_t flags, uint16_t mss = 0) {
  size_t tcp_len = mss ? 24 : 20;
  p.reset();
  p.set_size(14 + 20 + tcp_len);
  uint8_t* f = p.data();
  std::memset(f, 0, p.size());
  store_mac(f, dst);
  store_mac(f + 6, src);
  store_be16(f + 12, kEthTypeIp);
  uint8_t* ip = f + 14;
  ip[0] = 0x45;
  store_be16(ip + 2, static_cast<uint16_t>(20 + tcp_len));
  ip[8] = 64;
  ip[9] = kIpProtoTcp;
  store_be32(ip + 12, ip_src);
  store_be32(ip + 16, ip_dst);
  uint8_t* t = ip + 20;
  store_be16(t, sport);
  store_be16(t + 2, dport);
  store_be32(t + 4, seq);
  store_be32(t + 8, ack);
  t[12] = static_cast<uint8_t>((tcp_len / 4) << 4);
  t[13] = flags;
  store_be16(t + 14, 65535);
  if (mss) {
    t[20] = 2;
    t[21] = 4;
    store_be16(t + 22, mss);
  }
  recompute_checksums(p);
}

// Receives everything `nd` has now (waiting up to `ms` for the first), calling `fn` on each
// packet; returns how many packets it saw.
template <typename Fn>
size_t drain(Netdev& nd, PacketPool& pool, int ms, Fn&& fn) {
  if (!nd.rx_pending()) {
    pollfd p{nd.rx_fd(), POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return 0;
  }
  size_t seen = 0;
  PacketBatch b;
  while (nd.receive(pool, b) > 0) {
    for (Packet* p : b) {
      fn(*p);
      pool.put(p);
    }
    seen += b.count;
    b.clear();
  }
  return seen;
}

// A plain AF_PACKET socket on the far end of the veth: what the wire sees.
class RawSocket {
 public:
  explicit RawSocket(const std::string& ifname) {
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) == 0;
    ifname_ = ifname;
  }
  ~RawSocket() { ::close(fd_); }
  bool ok() const { return ok_; }
  bool send(const std::vector<uint8_t>& f) {
    if (!running_) running_ = wait_running(5000);
    return ::send(fd_, f.data(), f.size(), 0) == static_cast<ssize_t>(f.size());
  }
  // Incoming frames received within `ms` that `keep` accepts (until `want` of them).
  template <typename Keep>
  std::vector<std::vector<uint8_t>> collect(size_t want, int ms, Keep&& keep) {
    std::vector<std::vector<uint8_t>> got;
    testing::wait_until(ms, [&] {
      testing::wait_readable(fd_, 10);
      uint8_t buf[9000];
      sockaddr_ll from{};
      socklen_t fl = sizeof from;
      ssize_t n;
      while ((n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl)) >
             0) {
        if (from.sll_pkttype != PACKET_OUTGOING && keep(buf, static_cast<size_t>(n))) {
          got.emplace_back(buf, buf + n);
        }
      }
      return got.size() >= want;
    });
    return got;
  }

 private:
  // A veth end whose peer has just come up has its carrier on at once, but the kernel gives it
  // a real queueing discipline only when link-watch runs (asynchronously, later on a busy
  // machine); until then it silently drops what is sent. The same pass sets IFF_RUNNING, so wait
  // for that, then a moment for the qdisc that is attached right after it.
  bool wait_running(int ms) {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, ifname_.c_str(), IFNAMSIZ - 1);
    auto running = [&] {
      return ::ioctl(fd_, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING);
    };
    if (running()) return true;
    bool ok = testing::wait_until(ms, running);
    ::usleep(20000);
    return ok;
  }

  int fd_ = -1;
  bool ok_ = false;
  bool running_ = false;
  std::string ifname_;
};

// verify_checksums, after completing a partial checksum the packet carries as an offload.
inline bool checksums_ok_completed(const Packet& p) {
  if (!(p.offload.flags & kVnetNeedsCsum)) return verify_checksums(p);
  Packet done(p.size());
  done.assign(p.data(), p.size());
  return vnet_complete_csum(done.data(), done.size(), p.offload) == VnetStatus::kOk &&
         verify_checksums(done);
}

// What tcp_first_flight saw.
struct TcpFlight {
  size_t contiguous = 0;  // stream bytes received in order from the start
  size_t max_frame = 0;   // largest data frame
  bool bad_checksum = false;
  bool data_matches = false;  // the contiguous bytes are the ones written
};

// The kernel of the current network namespace (which must route `peer_ip` through `nd` and
// know `peer_mac`) opens a TCP connection to peer_ip:5001 and writes 60 kB; we play the peer
// on `nd`: answer the SYN (MSS `mss`), never acknowledge data, and collect the first flight
// (10 segments) the kernel sends, usually as TSO super-frames.
inline TcpFlight tcp_first_flight(Netdev& nd, PacketPool& pool, const MacAddr& peer_mac,
                                  const MacAddr& kernel_mac, uint32_t kernel_ip, uint32_t peer_ip,
                                  uint16_t mss) {
  TcpFlight r;
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (s < 0) return r;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(5001);
  to.sin_addr.s_addr = htonl(peer_ip);
  ::connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to);
  std::vector<uint8_t> data(60000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i % 251);
  uint32_t isn = 0;
  bool written = false;
  std::map<uint32_t, std::vector<uint8_t>> segs;  // stream offset -> payload
  auto on_frame = [&](const Packet& p) {
    FlowKey k;
    HeaderOffsets ofs;
    if (flow_extract(p, k, &ofs) != ParseError::kOk || k.nw_proto != kIpProtoTcp) return;
    const uint8_t* t = p.data() + ofs.l4;
    if (t[13] & kTcpSyn) {
      isn = load_be32(t + 4);
      PacketBatch b;
      b.add(pool.get());
      build_tcp(*b.pkts[0], peer_mac, kernel_mac, peer_ip, kernel_ip, 5001, k.tp_src, 1000, isn + 1,
                kTcpSyn | kTcpAck, mss);
      nd.send(b, pool);
      return;
    }
    size_t hdr = ofs.l4 + size_t{static_cast<uint8_t>(t[12] >> 4)} * 4;
    if (p.size() <= hdr) return;
    r.max_frame = std::max(r.max_frame, p.size());
    r.bad_checksum |= !checksums_ok_completed(p);
    segs[load_be32(t + 4) - isn - 1].assign(p.data() + hdr, p.data() + p.size());
  };
  auto contiguous = [&] {
    size_t n = 0;
    for (auto& [off, bytes] : segs) {
      if (off != n) break;
      n += bytes.size();
    }
    return n;
  };
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (contiguous() < 10u * mss && std::chrono::steady_clock::now() < end) {
    drain(nd, pool, 20, on_frame);
    pollfd w{s, POLLOUT, 0};
    if (isn && !written && ::poll(&w, 1, 0) == 1 && (w.revents & POLLOUT)) {
      written = ::send(s, data.data(), data.size(), 0) > 0;
    }
  }
  ::close(s);
  r.contiguous = contiguous();
  r.data_matches = r.contiguous > 0;
  for (auto& [off, bytes] : segs) {
    if (off >= r.contiguous) break;
    r.data_matches &= std::equal(bytes.begin(), bytes.end(), data.begin() + off);
  }
  return r;
}

}  // namespace nt::testing
