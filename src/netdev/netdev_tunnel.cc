#include "netdev/netdev_tunnel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/strings.h"
#include "packet/bytes.h"

namespace nt {

namespace {

constexpr size_t kTunnelHdr = 8;  // VXLAN header, or GRE header with key

// in_key, else key, when it is a number; nullopt for "flow" or unset (any key).
Result<std::optional<uint64_t>> parse_in_key(const PortSpec& spec, TunnelKind kind) {
  auto it = spec.options.find("in_key");
  if (it == spec.options.end()) it = spec.options.find("key");
  if (it == spec.options.end() || it->second == "flow") return std::optional<uint64_t>();
  auto k = parse_uint(it->second, kind == TunnelKind::kVxlan ? 24 : 32);
  if (!k) return make_error(spec.name + ": options:in_key must be 'flow' or a number that fits");
  return std::optional<uint64_t>(*k);
}

void write_header(uint8_t* h, TunnelKind kind, uint64_t key) {
  if (kind == TunnelKind::kVxlan) {
    store_be32(h, 0x08000000);  // I flag
    store_be32(h + 4, static_cast<uint32_t>(key & 0xffffff) << 8);
  } else {
    store_be16(h, 0x2000);  // K bit, version 0
    store_be16(h + 2, kEthTypeTeb);
    store_be32(h + 4, static_cast<uint32_t>(key));
  }
}

}  // namespace

Result<std::unique_ptr<TunnelNetdev>> TunnelNetdev::open(const PortSpec& spec,
                                                         const TunnelConfig& cfg) {
  if (cfg.kind != TunnelKind::kVxlan && cfg.kind != TunnelKind::kGre) {
    return make_error(spec.name + ": not a vxlan or gre port", ErrorCode::kUnsupported);
  }
  if (cfg.remote_ip == 0) {
    return make_error(spec.name + ": remote_ip=flow is not supported", ErrorCode::kUnsupported);
  }
  auto in_key = parse_in_key(spec, cfg.kind);
  if (!in_key.ok()) return in_key.error();
  std::unique_ptr<TunnelNetdev> t(new TunnelNetdev());
  t->name = spec.name;
  t->cfg_ = cfg;
  t->in_key_ = *in_key;
  std::memset(t->msgs_, 0, sizeof t->msgs_);
  t->dst_ = sockaddr_in{};
  t->dst_.sin_family = AF_INET;
  t->dst_.sin_addr.s_addr = htonl(cfg.remote_ip);
  t->dst_.sin_port = htons(cfg.kind == TunnelKind::kVxlan ? cfg.dst_port : 0);
  auto st = t->join();
  if (!st.ok()) {
    if (st.error().code != ErrorCode::kNotFound) return st.error();
    t->set_down(st.error().message);  // local_ip not configured yet: retry() later
  }
  return t;
}

TunnelNetdev::~TunnelNetdev() {
  if (sock_) sock_->detach(this);
  if (queue_pool_) queue_.release(*queue_pool_);
}

Status TunnelNetdev::join() {
  TunnelSocket::Endpoint ep{cfg_.kind, cfg_.local_ip,
                            cfg_.kind == TunnelKind::kVxlan ? cfg_.dst_port : uint16_t{0}};
  auto sock = TunnelSocket::acquire(ep, name);
  if (!sock.ok()) return sock.error();
  NT_TRY((*sock)->attach(this));
  int fd = ::fcntl((*sock)->fd(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    (*sock)->detach(this);
    return make_error(netdev_errno_message(name, "dup tunnel socket", errno));
  }
  rx_fd_.reset(fd);
  sock_ = std::move(*sock);
  set_up();
  return ok_status();
}

Status TunnelNetdev::retry() {
  if (is_up()) return ok_status();
  auto st = join();
  if (!st.ok()) set_down(st.error().message);
  return st;
}

bool TunnelNetdev::enqueue(Packet* p, PacketPool& pool) {
  queue_pool_ = &pool;
  if (queue_.push(p)) return true;
  drop(NetdevCounter::kRxQueueFull);
  pool.put(p);
  return false;
}

size_t TunnelNetdev::receive(PacketPool& pool, PacketBatch& out) {
  size_t first = out.count;
  queue_.drain_into(out);
  // Datagrams for other ports only fill their queues; a few rounds, then let them run.
  for (int round = 0; sock_ && round < 4 && out.count < PacketBatch::kMax; ++round) {
    size_t n = sock_->read_batch(pool, *this);
    queue_.drain_into(out);
    if (n < PacketBatch::kMax) break;
  }
  count_rx(out, first);
  return out.count - first;
}

// Puts the tunnel header in each packet's headroom and fills msgs_; packets that cannot take
// it are dropped (and left out of the batch). Returns the number of messages.
size_t TunnelNetdev::build_msgs(PacketBatch& batch) {
  size_t n = 0;
  for (Packet* p : batch) {
    uint8_t* h = p->push_front(kTunnelHdr);
    if (!h) {
      drop(NetdevCounter::kTxNoHeadroom);
      continue;
    }
    write_header(h, cfg_.kind, cfg_.key_flow ? p->tunnel.tun_id : cfg_.key);
    iovs_[n] = {p->data(), p->size()};
    msgs_[n].msg_hdr = msghdr{&dst_, sizeof dst_, &iovs_[n], 1, nullptr, 0, 0};
    ++n;
  }
  return n;
}

void TunnelNetdev::send(PacketBatch& batch, PacketPool& pool) {
  if (!is_up()) {
    drop(NetdevCounter::kTxDown, batch.count);
  } else {
    send_msgs(build_msgs(batch));
  }
  for (Packet* p : batch) pool.put(p);
  batch.clear();
}

// One sendmmsg() for the batch; a message the kernel refuses is counted and skipped.
void TunnelNetdev::send_msgs(size_t n) {
  size_t i = 0;
  while (i < n) {
    int r = ::sendmmsg(sock_->fd(), msgs_ + i, static_cast<unsigned>(n - i), MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    if (r > 0) {
      for (size_t j = i; j < i + static_cast<size_t>(r); ++j) {
        tx_bytes += iovs_[j].iov_len - kTunnelHdr;
      }
      tx_packets += static_cast<unsigned>(r);
      i += static_cast<size_t>(r);
      continue;
    }
    int err = r < 0 ? errno : EIO;
    if (err == EAGAIN || err == ENOBUFS) return drop(NetdevCounter::kTxError, n - i);
    drop(err == EMSGSIZE ? NetdevCounter::kTxTooBig : NetdevCounter::kTxError);
    ++i;
  }
}

}  // namespace nt
