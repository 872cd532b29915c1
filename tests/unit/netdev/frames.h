// Frame helpers shared by the real-device netdev tests.
#pragma once

#include <poll.h>

#include <cstring>
#include <vector>

#include "netdev/netdev.h"
#include "packet/build.h"
#include "packet/bytes.h"
#include "packet/checksum.h"
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

}  // namespace nt::testing
