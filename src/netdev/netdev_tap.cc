#include "netdev/netdev_tap.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/strings.h"

namespace nt {

namespace {

// TUN_F_USO4/6 (Linux 6.2) are newer than some system headers.
constexpr unsigned kTunUso4 = 0x20, kTunUso6 = 0x40;
constexpr unsigned kTunOffloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;

}  // namespace

Result<std::unique_ptr<TapNetdev>> TapNetdev::open(const PortSpec& spec) {
  std::unique_ptr<TapNetdev> t(new TapNetdev(std::string(port_type_name(spec.type))));
  t->name = spec.name;
  NT_TRY(t->create(spec));
  t->overflow_.reset(new uint8_t[2 * kNetdevMaxFrame]);
  t->set_up();
  return t;
}

TapNetdev::~TapNetdev() {
  if (pending_pool_) pending_.release(*pending_pool_);
}

Status TapNetdev::create(const PortSpec& spec) {
  NT_TRY(check_ifname(spec.name));
  fd_.reset(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd_.valid()) return make_error(netdev_errno_message(name, "open /dev/net/tun", errno));
  ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::strncpy(ifr.ifr_name, spec.name.c_str(), IFNAMSIZ - 1);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  if (::ioctl(fd_.get(), TUNSETIFF, &ifr) < 0) {
    return make_error(netdev_errno_message(name, "cannot create or attach tap device", errno));
  }
  int hdr_len = static_cast<int>(kVnetHdrLen);
  if (::ioctl(fd_.get(), TUNSETVNETHDRSZ, &hdr_len) < 0) {
    return make_error(netdev_errno_message(name, "TUNSETVNETHDRSZ", errno));
  }
  NT_TRY(set_offloads());
  if (spec.mac) NT_TRY(if_set_mac(spec.name, *spec.mac));
  if (auto it = spec.options.find("mtu_request"); it != spec.options.end()) {
    auto mtu = parse_uint(it->second, 16);
    if (!mtu || *mtu < 68) return make_error(name + ": options:mtu_request must be 68 to 65535");
    NT_TRY(if_set_mtu(spec.name, static_cast<int>(*mtu)));
  }
  return if_set_up(spec.name);
}

// Accepts partial checksums and TCP super-frames; UDP ones too where the kernel knows them.
Status TapNetdev::set_offloads() {
  unsigned want = kTunOffloads | kTunUso4 | kTunUso6;
  if (::ioctl(fd_.get(), TUNSETOFFLOAD, want) < 0) {
    want = kTunOffloads;
    if (::ioctl(fd_.get(), TUNSETOFFLOAD, want) < 0) {
      return make_error(netdev_errno_message(name, "TUNSETOFFLOAD", errno));
    }
  }
  offloads_ = want;
  return ok_status();
}

void TapNetdev::send(PacketBatch& batch, PacketPool& pool) {
  for (Packet* p : batch) {
    iovec iov[2] = {{&p->offload, kVnetHdrLen}, {p->data(), p->size()}};
    ssize_t n = ::writev(fd_.get(), iov, 2);
    if (n == static_cast<ssize_t>(kVnetHdrLen + p->size())) {
      ++tx_packets;
      tx_bytes += p->size();
    } else {
      drop(errno == EIO ? NetdevCounter::kTxDown : NetdevCounter::kTxError);
    }
    pool.put(p);
  }
  batch.clear();
}

const uint8_t* TapNetdev::assemble(Packet& p, size_t room) {
  uint8_t* start = overflow_.get() + kNetdevMaxFrame - room;
  std::memcpy(start, p.data(), room);
  return start;
}

bool TapNetdev::read_one(PacketPool& pool, PacketBatch& out) {
  Packet* p = pool.get();
  if (!p) {
    drop(NetdevCounter::kRxNoBuffer);
    return false;
  }
  VnetHdr hdr;
  size_t room = p->tailroom();
  iovec iov[3] = {
      {&hdr, kVnetHdrLen}, {p->data(), room}, {overflow_.get() + kNetdevMaxFrame, kNetdevMaxFrame}};
  ssize_t n = ::readv(fd_.get(), iov, 3);
  if (n < static_cast<ssize_t>(kVnetHdrLen)) {
    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) drop(NetdevCounter::kRxError);
    pool.put(p);
    return false;
  }
  size_t len = static_cast<size_t>(n) - kVnetHdrLen;
  const uint8_t* frame = len <= room ? p->data() : assemble(*p, room);
  take(hdr, frame, len, p, pool, out);
  return true;
}

// The frame read into `p` (or made contiguous elsewhere when longer than p's room).
void TapNetdev::take(const VnetHdr& hdr, const uint8_t* frame, size_t len, Packet* p,
                     PacketPool& pool, PacketBatch& out) {
  RxOffload o = rx_offload(hdr, frame, len, pool);
  if (o == RxOffload::kDrop) return pool.put(p);
  if (len > p->tailroom()) {  // needs a large packet
    Packet* big = o != RxOffload::kFinish ? pool.get_large() : nullptr;
    pool.put(p);
    if (big) {
      big->assign(frame, len);
      if (o == RxOffload::kPass) return pass(big, hdr, out);
      return (void)out.add(big);
    }
    if (hdr.gso_type != kVnetGsoNone) return take_super_frame(hdr, frame, len, pool, out);
    return drop(NetdevCounter::kRxTooBig);
  }
  p->set_size(len);
  if (o == RxOffload::kPass) return pass(p, hdr, out);
  if (hdr.gso_type != kVnetGsoNone) {
    take_super_frame(hdr, frame, len, pool, out);
    return pool.put(p);
  }
  if (finish_csum(hdr, *p)) return (void)out.add(p);
  pool.put(p);
}

void TapNetdev::pass(Packet* p, const VnetHdr& hdr, PacketBatch& out) {
  p->offload = hdr;
  p->offload.flags &= kVnetNeedsCsum;
  ++rx_offload_passed;
  out.add(p);
}

void TapNetdev::take_super_frame(const VnetHdr& hdr, const uint8_t* frame, size_t len,
                                 PacketPool& pool, PacketBatch& out) {
  pending_pool_ = &pool;
  segment(hdr, frame, len, pool, pending_);
  pending_.drain_into(out);
}

size_t TapNetdev::receive(PacketPool& pool, PacketBatch& out) {
  size_t first = out.count;
  pending_.drain_into(out);
  while (out.count < PacketBatch::kMax && pending_.empty() && read_one(pool, out)) {
  }
  count_rx(out, first);
  return out.count - first;
}

}  // namespace nt
