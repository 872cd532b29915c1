// AfPacketNetdev's rx_mode=mmsg: recvmmsg() instead of the TPACKET_V2 ring (see the header);
// also how the ring's oversized frames (TP_STATUS_COPY) are read.
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "netdev/netdev_afpacket.h"

namespace nt {

Status AfPacketNetdev::setup_mmsg() {
  int one = 1;
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) {
    return make_error(netdev_errno_message(name, "PACKET_AUXDATA", errno));
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

void AfPacketNetdev::take_copy(PacketPool& pool, PacketBatch& out, bool discard) {
  MmsgRx& m = *mmsg_;
  Packet* p = pool.get_large();
  if (!p) p = pool.get();
  if (!p) {
    drop(NetdevCounter::kRxNoBuffer);
    (void)::recv(fd_.get(), nullptr, 0, MSG_DONTWAIT | MSG_TRUNC);
    return;
  }
  m.pkts[0] = p;
  m.iovs[0][0] = {&m.hdrs[0], kVnetHdrLen};
  m.iovs[0][1] = {p->data(), p->tailroom()};
  m.iovs[0][2] = {m.overflow.get(), kNetdevMaxFrame};
  m.msgs[0].msg_hdr = msghdr{nullptr, 0, m.iovs[0], 3, m.ctrl[0], sizeof m.ctrl[0], 0};
  ssize_t r = ::recvmsg(fd_.get(), &m.msgs[0].msg_hdr, MSG_DONTWAIT);
  if (r < 0 || discard) {
    if (r < 0) drop(NetdevCounter::kRxError);
    return pool.put(p);
  }
  m.msgs[0].msg_len = static_cast<unsigned>(r);
  take_message(0, pool, out);
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
  RxVlan vlan{aux.tp_status, aux.tp_vlan_tci, aux.tp_vlan_tpid};
  if (len <= room) {
    p->set_size(len);
    return take_packet(p, hdr, vlan, pool, out);
  }
  const uint8_t* tail = static_cast<const uint8_t*>(m.iovs[i][2].iov_base);
  if (Packet* big = pool.get_large()) {  // a large packet takes the whole frame
    big->set_size(len);
    std::memcpy(big->data(), p->data(), room);
    std::memcpy(big->data() + room, tail, len - room);
    pool.put(p);
    return take_packet(big, hdr, vlan, pool, out);
  }
  if (hdr.gso_type != kVnetGsoNone) {  // no large packet: segment from a contiguous copy
    std::memcpy(m.scratch.get(), p->data(), room);
    std::memcpy(m.scratch.get() + room, tail, len - room);
    take_super_frame(hdr, m.scratch.get(), len, vlan, pool, out);
  } else {
    drop(NetdevCounter::kRxTooBig);
  }
  pool.put(p);
}

// A frame whole in `p`: its offloads kept (pool with large packets) or finished here.
void AfPacketNetdev::take_packet(Packet* p, const VnetHdr& hdr, const RxVlan& vlan,
                                 PacketPool& pool, PacketBatch& out) {
  RxOffload o = rx_offload(hdr, p->data(), p->size(), pool);
  if (o == RxOffload::kDrop) return pool.put(p);
  if (o == RxOffload::kPass) return pass(p, hdr, vlan, pool, out);
  if (hdr.gso_type != kVnetGsoNone) {
    take_super_frame(hdr, p->data(), p->size(), vlan, pool, out);
    return pool.put(p);
  }
  if (!finish_csum(hdr, *p)) return pool.put(p);
  restore_vlan(vlan, *p);
  // After a super-frame filled the batch, later frames wait behind its segments.
  deliver(p, pool, out);
}

}  // namespace nt
