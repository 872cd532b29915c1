// AfPacketNetdev's rx_mode=mmsg: recvmmsg() instead of the TPACKET_V3 ring (see the header).
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "netdev/netdev_afpacket.h"

namespace nt {

namespace {

constexpr int kRcvBuf = 4 << 20;

}  // namespace

Status AfPacketNetdev::setup_mmsg() {
  int one = 1;
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) {
    return make_error(netdev_errno_message(name, "PACKET_AUXDATA", errno));
  }
  if (::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kRcvBuf, sizeof kRcvBuf) < 0) {
    (void)::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &kRcvBuf, sizeof kRcvBuf);
  }
  if (!mmsg_) {
    mmsg_ = std::make_unique<MmsgRx>();
    mmsg_->overflow.reset(new uint8_t[MmsgRx::kBatch * kNetdevMaxFrame]);
    mmsg_->scratch.reset(new uint8_t[kNetdevMaxFrame]);
  }
  return ok_status();
}

size_t AfPacketNetdev::receive_mmsg(PacketPool& pool, PacketBatch& out) {
  MmsgRx& m = *mmsg_;
  size_t first = out.count, k = 0;
  for (; k < PacketBatch::kMax - out.count; ++k) {
    Packet* p = pool.get();
    if (!p) break;
    m.pkts[k] = p;
    m.iovs[k][0] = {&m.hdrs[k], kVnetHdrLen};
    m.iovs[k][1] = {p->data(), p->tailroom()};
    m.iovs[k][2] = {m.overflow.get() + k * kNetdevMaxFrame, kNetdevMaxFrame};
    m.msgs[k].msg_hdr = msghdr{nullptr, 0, m.iovs[k], 3, m.ctrl[k], sizeof m.ctrl[k], 0};
  }
  if (k == 0) {
    if (out.count < PacketBatch::kMax) drop(NetdevCounter::kRxNoBuffer);
    return 0;
  }
  int r = ::recvmmsg(fd_.get(), m.msgs, static_cast<unsigned>(k), MSG_DONTWAIT, nullptr);
  if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    drop(NetdevCounter::kRxError);
  }
  size_t n = r > 0 ? static_cast<size_t>(r) : 0;
  for (size_t i = 0; i < n; ++i) take_message(i, pool, out);
  for (size_t i = n; i < k; ++i) pool.put(m.pkts[i]);
  return out.count - first;
}

// One received message: [vnet header][frame start in the packet][rest in the overflow area].
void AfPacketNetdev::take_message(size_t i, PacketPool& pool, PacketBatch& out) {
  MmsgRx& m = *mmsg_;
  Packet* p = m.pkts[i];
  const msghdr& h = m.msgs[i].msg_hdr;
  size_t len = m.msgs[i].msg_len, room = m.iovs[i][1].iov_len;
  tpacket_auxdata aux{};
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
    if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
      std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
    }
  }
  if ((h.msg_flags & MSG_TRUNC) || len < kVnetHdrLen || aux.tp_len > len - kVnetHdrLen) {
    drop(NetdevCounter::kRxTruncated);
    return pool.put(p);
  }
  len -= kVnetHdrLen;
  const VnetHdr& hdr = m.hdrs[i];
  if (hdr.gso_type != kVnetGsoNone) {
    const uint8_t* frame = p->data();
    if (len > room) {  // make it contiguous
      std::memcpy(m.scratch.get(), p->data(), room);
      std::memcpy(m.scratch.get() + room, m.iovs[i][2].iov_base, len - room);
      frame = m.scratch.get();
    }
    take_super_frame(hdr, frame, len, aux.tp_status, aux.tp_vlan_tci, aux.tp_vlan_tpid, pool, out);
    return pool.put(p);
  }
  if (len > room) {
    drop(NetdevCounter::kRxTooBig);
    return pool.put(p);
  }
  p->set_size(len);
  if (!finish_csum(hdr, *p)) return pool.put(p);
  restore_vlan(aux.tp_status, aux.tp_vlan_tci, aux.tp_vlan_tpid, *p);
  // After a super-frame filled the batch, later frames wait behind its segments.
  if (pending_.empty() && out.add(p)) return;
  pending_pool_ = &pool;
  if (pending_.push(p)) return;
  drop(NetdevCounter::kRxQueueFull);
  pool.put(p);
}

}  // namespace nt
