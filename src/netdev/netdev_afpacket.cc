#include "netdev/netdev_afpacket.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "packet/bytes.h"

namespace nt {

namespace {

constexpr int kSndBuf = 4 << 20;
constexpr int kRcvBuf = 8 << 20;  // the socket queue holds the ring's oversized frames

uint32_t load_status(const tpacket2_hdr* h) {
  return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

}  // namespace

Result<std::unique_ptr<AfPacketNetdev>> AfPacketNetdev::open(const PortSpec& spec) {
  NT_TRY(check_ifname(spec.name));
  std::unique_ptr<AfPacketNetdev> d(new AfPacketNetdev());
  d->name = spec.name;
  if (auto it = spec.options.find("rx_mode"); it != spec.options.end()) {
    if (it->second != "ring" && it->second != "mmsg") {
      return make_error(spec.name + ": options:rx_mode must be ring or mmsg");
    }
    d->mode_ = it->second == "mmsg" ? RxMode::kMmsg : RxMode::kRing;
  }
  std::memset(d->msgs_, 0, sizeof d->msgs_);
  auto st = d->open_device();
  if (!st.ok()) {
    if (st.error().code != ErrorCode::kNotFound) return st.error();
    d->set_down(st.error().message);  // comes up through retry() when the interface appears
  }
  return d;
}

AfPacketNetdev::~AfPacketNetdev() {
  if (pending_pool_) pending_.release(*pending_pool_);
  close_device();
}

Status AfPacketNetdev::retry() {
  if (is_up()) return ok_status();
  close_device();
  auto st = open_device();
  if (!st.ok()) set_down(st.error().message);
  return st;
}

void AfPacketNetdev::close_device() {
  if (ring_) ::munmap(ring_, ring_len_);
  ring_ = nullptr;
  rx_head_ = 0;
  fd_.reset();
}

Status AfPacketNetdev::open_device() {
  auto idx = if_index(name);
  if (!idx.ok()) return idx.error();
  ifindex_ = *idx;
  fd_.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_.valid()) return make_error(netdev_errno_message(name, "AF_PACKET socket", errno));
  NT_TRY(setup_socket());
  NT_TRY(setup_mmsg());
  if (mode_ == RxMode::kRing) NT_TRY(setup_ring());
  NT_TRY(if_set_up(name));  // before bind: binding to a down interface leaves an error pending
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifindex_;
  if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) {
    return make_error(netdev_errno_message(name, "bind AF_PACKET socket", errno));
  }
  packet_mreq mr{};
  mr.mr_ifindex = ifindex_;
  mr.mr_type = PACKET_MR_PROMISC;
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) {
    return make_error(netdev_errno_message(name, "promiscuous mode", errno));
  }
  int err = 0;
  socklen_t len = sizeof err;
  (void)::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len);  // clear a stale one
  set_up();
  return ok_status();
}

Status AfPacketNetdev::setup_socket() {
  int v2 = TPACKET_V2, one = 1;
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_VERSION, &v2, sizeof v2) < 0) {
    return make_error(netdev_errno_message(name, "TPACKET_V2", errno));
  }
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) {
    return make_error(netdev_errno_message(name, "PACKET_VNET_HDR", errno));
  }
  // Optional (older kernels): outgoing frames are also skipped by their packet type.
  (void)::setsockopt(fd_.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  (void)::setsockopt(fd_.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  (void)::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &kSndBuf, sizeof kSndBuf);
  if (::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kRcvBuf, sizeof kRcvBuf) < 0) {
    (void)::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &kRcvBuf, sizeof kRcvBuf);
  }
  return ok_status();
}

Status AfPacketNetdev::setup_ring() {
  int one = 1;
  // Frames larger than a slot are queued whole on the socket (their slot says TP_STATUS_COPY).
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof one) < 0) {
    return make_error(netdev_errno_message(name, "PACKET_COPY_THRESH", errno));
  }
  tpacket_req req{};
  req.tp_block_size = kBlockSize;
  req.tp_block_nr = kBlockCount;
  req.tp_frame_size = kFrameSize;
  req.tp_frame_nr = kFrameCount;
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
    return make_error(netdev_errno_message(name, "PACKET_RX_RING", errno));
  }
  ring_len_ = size_t{kBlockSize} * kBlockCount;
  void* m = ::mmap(nullptr, ring_len_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (m == MAP_FAILED) return make_error(netdev_errno_message(name, "mmap rx ring", errno));
  ring_ = static_cast<uint8_t*>(m);
  return ok_status();
}

size_t AfPacketNetdev::receive(PacketPool& pool, PacketBatch& out) {
  size_t first = out.count;
  pending_.drain_into(out);
  if (fd_.valid() && pending_.empty()) {
    mode_ == RxMode::kRing ? receive_ring(pool, out) : receive_mmsg(pool, out);
    if (out.count == first && pending_.empty()) check_device();
  }
  count_rx(out, first);
  return out.count - first;
}

// Slots are handed over one by one (status TP_STATUS_USER) and given back as soon as read.
size_t AfPacketNetdev::receive_ring(PacketPool& pool, PacketBatch& out) {
  size_t first = out.count;
  while (ring_ && out.count < PacketBatch::kMax && pending_.empty()) {
    auto* h = reinterpret_cast<tpacket2_hdr*>(ring_ + size_t{rx_head_} * kFrameSize);
    if (!(load_status(h) & TP_STATUS_USER)) break;
    take_frame(h, pool, out);
    __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    rx_head_ = rx_head_ + 1 == kFrameCount ? 0 : rx_head_ + 1;
  }
  return out.count - first;
}

void AfPacketNetdev::take_frame(const tpacket2_hdr* h, PacketPool& pool, PacketBatch& out) {
  const auto* sll = reinterpret_cast<const sockaddr_ll*>(reinterpret_cast<const uint8_t*>(h) +
                                                         TPACKET_ALIGN(sizeof(tpacket2_hdr)));
  uint32_t status = h->tp_status;
  bool outgoing = sll->sll_pkttype == PACKET_OUTGOING;
  if (status & TP_STATUS_COPY) return take_copy(pool, out, outgoing);  // dequeue it regardless
  if (outgoing) return;
  if (h->tp_snaplen < h->tp_len || h->tp_mac < kVnetHdrLen) {
    drop(NetdevCounter::kRxTruncated);
    return;
  }
  const uint8_t* frame = reinterpret_cast<const uint8_t*>(h) + h->tp_mac;
  VnetHdr hdr;
  std::memcpy(&hdr, frame - kVnetHdrLen, kVnetHdrLen);
  take_bytes(hdr, frame, h->tp_snaplen, RxVlan{status, h->tp_vlan_tci, h->tp_vlan_tpid}, pool, out);
}

void AfPacketNetdev::take_bytes(const VnetHdr& hdr, const uint8_t* frame, size_t len,
                                const RxVlan& vlan, PacketPool& pool, PacketBatch& out) {
  RxOffload o = rx_offload(hdr, frame, len, pool);
  if (o == RxOffload::kDrop) return;
  Packet* p = pool.get_for(len);
  bool gso = hdr.gso_type != kVnetGsoNone;
  if (gso && (o == RxOffload::kFinish || !p)) {  // no large packet: segment now
    if (p) pool.put(p);
    return take_super_frame(hdr, frame, len, vlan, pool, out);
  }
  if (!p)
    return drop(len > pool.capacity() ? NetdevCounter::kRxTooBig : NetdevCounter::kRxNoBuffer);
  if (!p->assign(frame, len)) {
    pool.put(p);
    return drop(NetdevCounter::kRxTooBig);
  }
  if (o == RxOffload::kPass) return pass(p, hdr, vlan, pool, out);
  if (!finish_csum(hdr, *p)) return pool.put(p);
  restore_vlan(vlan, *p);
  deliver(p, pool, out);
}

void AfPacketNetdev::pass(Packet* p, const VnetHdr& hdr, const RxVlan& vlan, PacketPool& pool,
                          PacketBatch& out) {
  p->offload = hdr;
  p->offload.flags &= kVnetNeedsCsum;  // DATA_VALID means nothing on the way out
  ++rx_offload_passed;
  restore_vlan(vlan, *p);  // moves csum_start past the tag
  deliver(p, pool, out);
}

void AfPacketNetdev::deliver(Packet* p, PacketPool& pool, PacketBatch& out) {
  if (pending_.empty() && out.add(p)) return;
  pending_pool_ = &pool;
  if (pending_.push(p)) return;
  drop(NetdevCounter::kRxQueueFull);
  pool.put(p);
}

void AfPacketNetdev::take_super_frame(const VnetHdr& hdr, const uint8_t* frame, size_t len,
                                      const RxVlan& vlan, PacketPool& pool, PacketBatch& out) {
  size_t before = pending_.size();
  pending_pool_ = &pool;
  segment(hdr, frame, len, pool, pending_);
  for (size_t i = before; i < pending_.size(); ++i) restore_vlan(vlan, *pending_.at(i));
  pending_.drain_into(out);
}

// The kernel keeps an 802.1Q/802.1ad tag it parsed in metadata; the datapath wants it back.
void AfPacketNetdev::restore_vlan(const RxVlan& vlan, Packet& p) {
  if (!(vlan.status & TP_STATUS_VLAN_VALID)) return;
  uint16_t tpid = vlan.status & TP_STATUS_VLAN_TPID_VALID ? vlan.tpid : kEthTypeVlan;
  uint8_t* tag = p.insert_at(12, 4);
  if (!tag) return drop(NetdevCounter::kRxTooBig);
  store_be16(tag, tpid);
  store_be16(tag + 2, static_cast<uint16_t>(vlan.tci));
}

void AfPacketNetdev::poll_stats() {
  if (!fd_.valid()) return;
  tpacket_stats st{};
  socklen_t len = sizeof st;
  if (::getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0 && st.tp_drops) {
    drop(NetdevCounter::kRxKernelDropped, st.tp_drops);
  }
}

// Nothing to read although we were asked: see whether the interface went away.
void AfPacketNetdev::check_device() {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err == 0) return;
  if (err == ENETDOWN || err == ENXIO || err == ENODEV) {
    if (::if_nametoindex(name.c_str()) != static_cast<unsigned>(ifindex_)) mark_lost();
  }
}

void AfPacketNetdev::send(PacketBatch& batch, PacketPool& pool) {
  if (!is_up()) {
    drop(NetdevCounter::kTxDown, batch.count);
  } else {
    for (size_t i = 0; i < batch.count; ++i) {
      Packet* p = batch.pkts[i];
      iovs_[i][0] = {&p->offload, kVnetHdrLen};
      iovs_[i][1] = {p->data(), p->size()};
      msghdr& m = msgs_[i].msg_hdr;
      m.msg_iov = iovs_[i];
      m.msg_iovlen = 2;
      tx_bytes += p->size();
    }
    send_msgs(batch.count);
  }
  for (Packet* p : batch) pool.put(p);
  batch.clear();
}

// Sends msgs_[0, n): one system call for the batch unless a message fails, which is
// counted and skipped. tx_bytes was counted up front; failures take theirs back.
void AfPacketNetdev::send_msgs(size_t n) {
  size_t i = 0;
  while (i < n) {
    int r = ::sendmmsg(fd_.get(), msgs_ + i, static_cast<unsigned>(n - i), MSG_DONTWAIT);
    if (r > 0) {
      tx_packets += static_cast<unsigned>(r);
      i += static_cast<unsigned>(r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    int err = r < 0 ? errno : EIO;
    if (err == EAGAIN || err == ENOBUFS) {  // the socket is full: the rest cannot go now
      drop(NetdevCounter::kTxError, n - i);
      for (; i < n; ++i) tx_bytes -= iovs_[i][1].iov_len;
      return;
    }
    tx_bytes -= iovs_[i][1].iov_len;
    ++i;
    if (err == EMSGSIZE) {
      drop(NetdevCounter::kTxTooBig);
    } else if (err == ENXIO || err == ENETDOWN || err == ENODEV) {
      drop(NetdevCounter::kTxDown);
      if (::if_nametoindex(name.c_str()) != static_cast<unsigned>(ifindex_)) mark_lost();
    } else {
      drop(NetdevCounter::kTxError);
    }
  }
}

}  // namespace nt
