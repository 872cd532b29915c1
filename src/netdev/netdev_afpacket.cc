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

constexpr unsigned kFrameSize = 2048;  // nominal for V3 (frames are packed into blocks)
constexpr int kSndBuf = 4 << 20;

uint32_t load_status(const tpacket_block_desc* b) {
  return __atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
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
  cur_ = nullptr;
  pkts_left_ = 0;
  block_ = 0;
  fd_.reset();
}

Status AfPacketNetdev::open_device() {
  auto idx = if_index(name);
  if (!idx.ok()) return idx.error();
  ifindex_ = *idx;
  fd_.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_.valid()) return make_error(netdev_errno_message(name, "AF_PACKET socket", errno));
  NT_TRY(setup_socket());
  NT_TRY(mode_ == RxMode::kRing ? setup_ring() : setup_mmsg());
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
  int v3 = TPACKET_V3, one = 1;
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_VERSION, &v3, sizeof v3) < 0) {
    return make_error(netdev_errno_message(name, "TPACKET_V3", errno));
  }
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) {
    return make_error(netdev_errno_message(name, "PACKET_VNET_HDR", errno));
  }
  // Optional (older kernels): outgoing frames are also skipped by their packet type.
  (void)::setsockopt(fd_.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  (void)::setsockopt(fd_.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  (void)::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &kSndBuf, sizeof kSndBuf);
  return ok_status();
}

Status AfPacketNetdev::setup_ring() {
  tpacket_req3 req{};
  req.tp_block_size = kBlockSize;
  req.tp_block_nr = kBlockCount;
  req.tp_frame_size = kFrameSize;
  req.tp_frame_nr = kBlockSize / kFrameSize * kBlockCount;
  req.tp_retire_blk_tov = kRetireMs;
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
    return make_error(netdev_errno_message(name, "PACKET_RX_RING", errno));
  }
  ring_len_ = size_t{kBlockSize} * kBlockCount;
  void* m = ::mmap(nullptr, ring_len_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (m == MAP_FAILED) return make_error(netdev_errno_message(name, "mmap rx ring", errno));
  ring_ = static_cast<uint8_t*>(m);
  return ok_status();
}

bool AfPacketNetdev::next_block() {
  auto* b = reinterpret_cast<tpacket_block_desc*>(ring_ + size_t{block_} * kBlockSize);
  if (!(load_status(b) & TP_STATUS_USER)) return false;
  cur_ = b;
  pkts_left_ = b->hdr.bh1.num_pkts;
  next_pkt_ = reinterpret_cast<const uint8_t*>(b) + b->hdr.bh1.offset_to_first_pkt;
  return true;
}

void AfPacketNetdev::release_block() {
  __atomic_store_n(&cur_->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
  cur_ = nullptr;
  block_ = (block_ + 1) % kBlockCount;
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

size_t AfPacketNetdev::receive_ring(PacketPool& pool, PacketBatch& out) {
  size_t first = out.count;
  while (ring_ && out.count < PacketBatch::kMax && pending_.empty()) {
    if (!cur_ && !next_block()) break;
    while (pkts_left_ > 0 && out.count < PacketBatch::kMax && pending_.empty()) {
      const auto* h = reinterpret_cast<const tpacket3_hdr*>(next_pkt_);
      next_pkt_ += h->tp_next_offset;
      --pkts_left_;
      take_frame(h, pool, out);
    }
    if (pkts_left_ == 0) release_block();
  }
  return out.count - first;
}

void AfPacketNetdev::take_frame(const tpacket3_hdr* h, PacketPool& pool, PacketBatch& out) {
  const auto* sll = reinterpret_cast<const sockaddr_ll*>(reinterpret_cast<const uint8_t*>(h) +
                                                         TPACKET_ALIGN(sizeof(tpacket3_hdr)));
  if (sll->sll_pkttype == PACKET_OUTGOING) return;
  if (h->tp_snaplen < h->tp_len || h->tp_mac < kVnetHdrLen) {
    drop(NetdevCounter::kRxTruncated);
    return;
  }
  const uint8_t* frame = reinterpret_cast<const uint8_t*>(h) + h->tp_mac;
  VnetHdr hdr;
  std::memcpy(&hdr, frame - kVnetHdrLen, kVnetHdrLen);
  if (hdr.gso_type != kVnetGsoNone) {
    return take_super_frame(hdr, frame, h->tp_snaplen, h->tp_status, h->hv1.tp_vlan_tci,
                            h->hv1.tp_vlan_tpid, pool, out);
  }
  Packet* p = pool.get();
  if (!p) return drop(NetdevCounter::kRxNoBuffer);
  if (!p->assign(frame, h->tp_snaplen)) {
    pool.put(p);
    return drop(NetdevCounter::kRxTooBig);
  }
  if (!finish_csum(hdr, *p)) return pool.put(p);
  restore_vlan(h->tp_status, h->hv1.tp_vlan_tci, h->hv1.tp_vlan_tpid, *p);
  out.add(p);
}

void AfPacketNetdev::take_super_frame(const VnetHdr& hdr, const uint8_t* frame, size_t len,
                                      uint32_t status, uint32_t tci, uint16_t tpid,
                                      PacketPool& pool, PacketBatch& out) {
  size_t before = pending_.size();
  pending_pool_ = &pool;
  segment(hdr, frame, len, pool, pending_);
  for (size_t i = before; i < pending_.size(); ++i)
    restore_vlan(status, tci, tpid, *pending_.at(i));
  pending_.drain_into(out);
}

// The kernel keeps an 802.1Q/802.1ad tag it parsed in metadata; the datapath wants it back.
void AfPacketNetdev::restore_vlan(uint32_t status, uint32_t tci, uint16_t tpid, Packet& p) {
  if (!(status & TP_STATUS_VLAN_VALID)) return;
  if (!(status & TP_STATUS_VLAN_TPID_VALID)) tpid = kEthTypeVlan;
  uint8_t* tag = p.insert_at(12, 4);
  if (!tag) return drop(NetdevCounter::kRxTooBig);
  store_be16(tag, tpid);
  store_be16(tag + 2, static_cast<uint16_t>(tci));
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
  static const VnetHdr kNoOffload{};
  if (!is_up()) {
    drop(NetdevCounter::kTxDown, batch.count);
  } else {
    for (size_t i = 0; i < batch.count; ++i) {
      Packet* p = batch.pkts[i];
      iovs_[i][0] = {const_cast<VnetHdr*>(&kNoOffload), kVnetHdrLen};
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
