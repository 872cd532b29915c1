// ARP (RFC 826): answering, resolving, aging; the Host side of arp.h.
#include "netstack/arp.h"

#include "netstack/host.h"
#include "packet/bytes.h"

namespace nt {

namespace {

constexpr uint16_t kArpRequest = 1;
constexpr uint16_t kArpReply = 2;
constexpr size_t kArpFrameLen = kEthHeaderLen + 28;
const MacAddr kBroadcastMac = MacAddr::from_u64(0xffffffffffffULL);

}  // namespace

void Host::arp_input(NicId id, const FlowKey& key) {
  uint16_t op = key.nw_proto;
  if (op != kArpRequest && op != kArpReply) return drop(HostDrop::kArpBadOp);
  uint32_t spa = key.nw_src;
  uint32_t tpa = key.nw_dst;
  MacAddr sha = key.arp_sha;
  if (sha.is_multicast() || sha.is_zero() || (spa != 0 && is_ipv4_martian(spa))) {
    return drop(HostDrop::kArpBadSender);
  }
  bool for_us = false;
  for (const IfAddr& a : nic_mut(id).addrs_) for_us |= a.addr == tpa;
  // RFC 826 "merge": refresh a known sender; learn it when the packet is for us. A probe
  // (spa 0, RFC 5227) teaches nothing.
  bool known = spa != 0 && nic_mut(id).arp_.find(spa) != nullptr;
  if (spa != 0 && (known || for_us) && !is_local_address(spa)) arp_resolved(id, spa, sha);
  if (!for_us) {
    if (!known) drop(HostDrop::kArpOtherTarget);
    return;
  }
  if (op == kArpRequest) arp_send(id, kArpReply, tpa, sha, spa, sha);
}

void Host::arp_send(NicId id, uint16_t op, uint32_t spa, const MacAddr& tha, uint32_t tpa,
                    const MacAddr& eth_dst) {
  uint8_t f[kArpFrameLen];
  const MacAddr& mac = nic_mut(id).mac_;
  store_mac(f, eth_dst);
  store_mac(f + 6, mac);
  store_be16(f + 12, kEthTypeArp);
  uint8_t* a = f + kEthHeaderLen;
  store_be16(a, 1);
  store_be16(a + 2, kEthTypeIp);
  a[4] = 6;
  a[5] = 4;
  store_be16(a + 6, op);
  store_mac(a + 8, mac);
  store_be32(a + 14, spa);
  store_mac(a + 18, tha);
  store_be32(a + 24, tpa);
  nic_transmit(id, f, sizeof f);
}

void Host::arp_request(NicId id, uint32_t target) {
  arp_send(id, kArpRequest, select_source(id, target), MacAddr{}, target, kBroadcastMac);
}

void Host::gratuitous_arp(NicId id, uint32_t addr) {
  const Nic& nic = nic_mut(id);
  if (!nic.up_ || !nic.tx_) return;  // nothing to announce to yet: not a drop
  arp_send(id, kArpRequest, addr, MacAddr{}, addr, kBroadcastMac);
}

void Host::arp_resolved(NicId id, uint32_t ip, const MacAddr& mac) {
  Nic& nic = nic_mut(id);
  bool created = false;
  ArpEntry& e = nic.arp_.get(ip, created);
  nic.arp_.confirm(e, mac, now_us(), arp_config_.reachable);
  MacAddr dst = e.mac;
  std::vector<std::vector<uint8_t>> pending = std::move(e.pending);
  e.pending.clear();
  arp_arm(id);
  // `e` may not survive a transmit (the peer can answer into this cache synchronously).
  for (std::vector<uint8_t>& frame : pending) {
    store_mac(frame.data(), dst);
    nic_transmit(id, frame.data(), frame.size());
  }
}

void Host::arp_enqueue(NicId id, uint32_t next_hop, const uint8_t* frame, size_t len) {
  Nic& nic = nic_mut(id);
  bool created = false;
  ArpEntry& e = nic.arp_.get(next_hop, created);
  bool start = created || e.state == ArpEntry::State::kReachable;  // new, or expired
  if (e.pending.size() >= arp_config_.queue_len) {
    drop(HostDrop::kArpQueueFull);  // the oldest frame makes room, as Linux does
    e.pending.erase(e.pending.begin());
  }
  e.pending.emplace_back(frame, frame + len);
  if (!start) return;
  e.state = ArpEntry::State::kIncomplete;
  e.probes = 1;
  e.deadline = now_us() + arp_config_.retrans;
  arp_arm(id);
  arp_request(id, next_hop);
}

void Host::arp_arm(NicId id) {
  Nic& nic = nic_mut(id);
  // Deadlines only move later on confirmation, so a timer that fires early just re-arms.
  TimeUs t = nic.arp_.deadline();
  if (t == kNever) return nic.arp_timer_.cancel();
  if (t < nic.arp_timer_.deadline()) sched_->arm_at(nic.arp_timer_, t);
}

void Host::arp_sweep(NicId id) {
  Nic& nic = nic_mut(id);
  TimeUs now = now_us();
  std::vector<uint32_t> probe;
  std::vector<std::vector<uint8_t>> failed;
  auto& entries = nic.arp_.entries();
  for (auto it = entries.begin(); it != entries.end();) {
    ArpEntry& e = it->second;
    if (e.state == ArpEntry::State::kPermanent || e.deadline > now) {
      ++it;
    } else if (e.state == ArpEntry::State::kReachable) {
      it = entries.erase(it);  // aged out
    } else if (e.probes < arp_config_.max_probes) {
      ++e.probes;
      e.deadline = now + arp_config_.retrans;
      probe.push_back(it->first);
      ++it;
    } else {
      for (auto& f : e.pending) failed.push_back(std::move(f));
      it = entries.erase(it);
    }
  }
  arp_arm(id);
  for (uint32_t ip : probe) arp_request(id, ip);
  for (std::vector<uint8_t>& f : failed) {
    drop(HostDrop::kArpUnresolved);
    icmp_error_for_frame(f.data(), f.size(), kIcmpDestUnreachable, kIcmpHostUnreachable);
  }
}

}  // namespace nt
