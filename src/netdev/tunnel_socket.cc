#include "netdev/tunnel_socket.h"

#include <arpa/inet.h>
#include <netinet/ip.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "netdev/netdev.h"
#include "netdev/netdev_tunnel.h"
#include "packet/bytes.h"

namespace nt {

namespace {

constexpr uint8_t kVxlanFlagI = 0x08;
constexpr size_t kVxlanHdr = 8, kEthLen = 14;
constexpr uint16_t kGreC = 0x8000, kGreR = 0x4000, kGreK = 0x2000, kGreS = 0x1000;
constexpr uint16_t kGreVersion = 0x0007;
constexpr int kSockBuf = 4 << 20;

std::mutex registry_mu;
std::map<TunnelSocket::Endpoint, std::weak_ptr<TunnelSocket>> registry;

void set_buffers(int fd) {
  for (int opt : {SO_RCVBUF, SO_SNDBUF}) {
    int force = opt == SO_RCVBUF ? SO_RCVBUFFORCE : SO_SNDBUFFORCE;
    if (::setsockopt(fd, SOL_SOCKET, force, &kSockBuf, sizeof kSockBuf) < 0) {
      (void)::setsockopt(fd, SOL_SOCKET, opt, &kSockBuf, sizeof kSockBuf);
    }
  }
}

}  // namespace

std::string format_endpoint(uint32_t ip, uint16_t port) {
  std::string s = ipv4_to_string(ip);
  if (port) s += ":" + std::to_string(port);
  return s;
}

Result<std::shared_ptr<TunnelSocket>> TunnelSocket::acquire(const Endpoint& ep,
                                                            const std::string& who) {
  Endpoint key = ep;
  struct stat st;
  if (::stat("/proc/thread-self/ns/net", &st) == 0) key.netns = st.st_ino;
  std::shared_ptr<TunnelSocket> s;  // on failure, destroyed after the lock is released
  std::lock_guard<std::mutex> lock(registry_mu);
  if (auto shared = registry[key].lock()) return shared;
  s.reset(new TunnelSocket(key));
  auto opened = s->open(who);
  if (!opened.ok()) return opened.error();
  registry[key] = s;
  return s;
}

TunnelSocket::~TunnelSocket() {
  std::lock_guard<std::mutex> lock(registry_mu);
  auto it = registry.find(ep_);
  if (it != registry.end() && it->second.expired()) registry.erase(it);
}

Status TunnelSocket::open(const std::string& who) {
  bool vxlan = ep_.kind == TunnelKind::kVxlan;
  int type = vxlan ? SOCK_DGRAM : SOCK_RAW, proto = vxlan ? 0 : IPPROTO_GRE;
  fd_.reset(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto));
  if (!fd_.valid()) return make_error(netdev_errno_message(who, "tunnel socket", errno));
  // Outer packets carry DF, as Open vSwitch's tunnels do by default (options:df_default=true),
  // without the socket itself refusing frames above a learned path MTU; an unconnected socket
  // sending with DF leaves the IP ID 0, as the kernel datapath's tunnels do.
  int one = 1, pmtu = IP_PMTUDISC_PROBE;
  (void)::setsockopt(fd_.get(), IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
  if (vxlan) {
    (void)::setsockopt(fd_.get(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    (void)::setsockopt(fd_.get(), IPPROTO_IP, IP_RECVTOS, &one, sizeof one);
    (void)::setsockopt(fd_.get(), IPPROTO_IP, IP_RECVTTL, &one, sizeof one);
    // Outer UDP checksum 0, as Open vSwitch sends VXLAN over IPv4 unless options:csum=true
    // (RFC 7348 §5: SHOULD be zero); tcpdump on the underlay shows "[no cksum]", as in the seed.
    (void)::setsockopt(fd_.get(), SOL_SOCKET, SO_NO_CHECK, &one, sizeof one);
  }
  set_buffers(fd_.get());
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(ep_.local_ip);
  sa.sin_port = htons(ep_.port);
  if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    int err = errno;
    return make_error(
        netdev_errno_message(who, "cannot bind " + format_endpoint(ep_.local_ip, ep_.port), err),
        err == EADDRNOTAVAIL ? ErrorCode::kNotFound : ErrorCode::kInternal);
  }
  std::memset(msgs_, 0, sizeof msgs_);
  return ok_status();
}

Status TunnelSocket::attach(TunnelNetdev* port) {
  auto& v = by_remote_[port->config().remote_ip];
  for (TunnelNetdev* other : v) {
    if (!other->in_key() || !port->in_key() || *other->in_key() == *port->in_key()) {
      return make_error(port->name + ": " + other->name + " already receives from remote_ip " +
                            ipv4_to_string(port->config().remote_ip) + " on " +
                            format_endpoint(ep_.local_ip, ep_.port) + " with the same key",
                        ErrorCode::kConflict);
    }
  }
  v.push_back(port);
  return ok_status();
}

void TunnelSocket::detach(TunnelNetdev* port) {
  auto it = by_remote_.find(port->config().remote_ip);
  if (it == by_remote_.end()) return;
  std::erase(it->second, port);
  if (it->second.empty()) by_remote_.erase(it);
}

size_t TunnelSocket::read_batch(PacketPool& pool, TunnelNetdev& reader) {
  size_t k = 0;
  for (; k < kBatch; ++k) {
    Packet* p = pool.get();
    if (!p) break;
    pkts_[k] = p;
    iovs_[k] = {p->data(), p->tailroom()};
    msghdr& m = msgs_[k].msg_hdr;
    m = msghdr{&names_[k], sizeof names_[k], &iovs_[k], 1, ctrl_[k], sizeof ctrl_[k], 0};
  }
  if (k == 0) {
    reader.count_drop(NetdevCounter::kRxNoBuffer);
    return 0;
  }
  int r = ::recvmmsg(fd_.get(), msgs_, static_cast<unsigned>(k), MSG_DONTWAIT, nullptr);
  if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    reader.count_drop(NetdevCounter::kRxError);
  }
  size_t n = r > 0 ? static_cast<size_t>(r) : 0;
  for (size_t i = 0; i < n; ++i) dispatch(pkts_[i], i, pool, reader);
  for (size_t i = n; i < k; ++i) pool.put(pkts_[i]);
  return n;
}

void TunnelSocket::dispatch(Packet* p, size_t i, PacketPool& pool, TunnelNetdev& reader) {
  const msghdr& m = msgs_[i].msg_hdr;
  p->set_size(msgs_[i].msg_len);
  TunnelMeta meta;
  uint64_t key = 0;
  if (m.msg_flags & MSG_TRUNC) {
    reader.count_drop(NetdevCounter::kRxTooBig);
    return pool.put(p);
  }
  bool ok = ep_.kind == TunnelKind::kVxlan ? decap_vxlan(*p, key) : decap_gre(*p, key, meta);
  if (!ok || p->size() < kEthLen) {
    reader.count_drop(NetdevCounter::kRxBadTunnel);
    return pool.put(p);
  }
  if (ep_.kind == TunnelKind::kVxlan) read_meta(m, names_[i], meta);
  TunnelNetdev* port = find(meta.ip_src, key);
  if (!port) {
    reader.count_drop(NetdevCounter::kRxUnknownRemote);
    return pool.put(p);
  }
  if (port->in_key() && *port->in_key() != key) {
    port->count_drop(NetdevCounter::kRxBadKey);
    return pool.put(p);
  }
  meta.tun_id = key;
  meta.valid = true;
  p->tunnel = meta;
  port->enqueue(p, pool);
}

// The port for datagrams from `remote` with `key`: the one whose in_key is the key, else the
// one that takes any key, else (to count the bad key there) any port of that remote.
TunnelNetdev* TunnelSocket::find(uint32_t remote, uint64_t key) const {
  auto it = by_remote_.find(remote);
  if (it == by_remote_.end()) return nullptr;
  TunnelNetdev* any = nullptr;
  for (TunnelNetdev* port : it->second) {
    if (port->in_key() == key) return port;
    if (!port->in_key()) any = port;
  }
  return any ? any : it->second.front();
}

bool TunnelSocket::decap_vxlan(Packet& p, uint64_t& key) {
  if (p.size() < kVxlanHdr + kEthLen || !(p.data()[0] & kVxlanFlagI)) return false;
  key = load_be32(p.data() + 4) >> 8;
  return p.pull_front(kVxlanHdr) != nullptr;
}

// A raw GRE socket delivers the IPv4 header too.
bool TunnelSocket::decap_gre(Packet& p, uint64_t& key, TunnelMeta& meta) {
  const uint8_t* ip = p.data();
  if (p.size() < 20 || (ip[0] >> 4) != 4) return false;
  size_t ihl = size_t{ip[0] & 0x0fu} * 4;
  if (ihl < 20 || p.size() < ihl + 4) return false;
  const uint8_t* gre = ip + ihl;
  uint16_t flags = load_be16(gre);
  if ((flags & (kGreR | kGreVersion)) || load_be16(gre + 2) != kEthTypeTeb) return false;
  size_t key_at = 4 + ((flags & kGreC) ? 4 : 0);
  size_t len = key_at + ((flags & kGreK) ? 4 : 0) + ((flags & kGreS) ? 4 : 0);
  if (p.size() < ihl + len) return false;
  key = (flags & kGreK) ? load_be32(gre + key_at) : 0;
  meta.ip_src = load_be32(ip + 12);
  meta.ip_dst = load_be32(ip + 16);
  meta.ip_tos = ip[1];
  meta.ip_ttl = ip[8];
  meta.tp_dst = 0;
  return p.pull_front(ihl + len) != nullptr;
}

// Outer facts of a VXLAN datagram: the sender, and from control messages the address it was
// sent to, its TOS and TTL.
void TunnelSocket::read_meta(const msghdr& m, const sockaddr_in& from, TunnelMeta& meta) const {
  meta.ip_src = ntohl(from.sin_addr.s_addr);
  meta.ip_dst = ep_.local_ip;
  meta.tp_dst = ep_.port;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&m), c)) {
    if (c->cmsg_level != IPPROTO_IP) continue;
    if (c->cmsg_type == IP_PKTINFO) {
      in_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      meta.ip_dst = ntohl(pi.ipi_addr.s_addr);
    } else if (c->cmsg_type == IP_TOS) {
      meta.ip_tos = *CMSG_DATA(c);
    } else if (c->cmsg_type == IP_TTL) {
      int ttl;
      std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      meta.ip_ttl = static_cast<uint8_t>(ttl);
    }
  }
}

}  // namespace nt
