#include "netstack/arp.h"

namespace nt {

const MacAddr* ArpCache::lookup(uint32_t ip, TimeUs now) const {
  auto it = entries_.find(ip);
  if (it == entries_.end()) return nullptr;
  const ArpEntry& e = it->second;
  if (e.state == ArpEntry::State::kPermanent) return &e.mac;
  if (e.state == ArpEntry::State::kReachable && now < e.deadline) return &e.mac;
  return nullptr;
}

ArpEntry* ArpCache::find(uint32_t ip) {
  auto it = entries_.find(ip);
  return it == entries_.end() ? nullptr : &it->second;
}

const ArpEntry* ArpCache::find(uint32_t ip) const {
  auto it = entries_.find(ip);
  return it == entries_.end() ? nullptr : &it->second;
}

ArpEntry& ArpCache::get(uint32_t ip, bool& created) {
  auto [it, inserted] = entries_.try_emplace(ip);
  created = inserted;
  return it->second;
}

void ArpCache::confirm(ArpEntry& e, const MacAddr& mac, TimeUs now, TimeUs reachable) {
  if (e.state == ArpEntry::State::kPermanent) return;
  e.state = ArpEntry::State::kReachable;
  e.mac = mac;
  e.probes = 0;
  e.deadline = now + reachable;
}

TimeUs ArpCache::deadline() const {
  TimeUs t = kNever;
  for (const auto& [ip, e] : entries_) {
    if (e.state != ArpEntry::State::kPermanent && e.deadline < t) t = e.deadline;
  }
  return t;
}

std::map<uint32_t, const ArpEntry*> ArpCache::sorted() const {
  std::map<uint32_t, const ArpEntry*> out;
  for (const auto& [ip, e] : entries_) out.emplace(ip, &e);
  return out;
}

}  // namespace nt
