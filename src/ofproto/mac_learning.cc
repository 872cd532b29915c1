#include "ofproto/mac_learning.h"

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>

namespace nt {

namespace {

constexpr size_t kInitialSlots = 64;
constexpr uint16_t kMaxVid = 4095;

// splitmix64's finalizer: every key bit reaches every hash bit.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint32_t clamp_aging(uint32_t sec) {
  return std::clamp(sec, MacLearningTable::kMinAgingSec, MacLearningTable::kMaxAgingSec);
}

size_t clamp_max_entries(size_t n) {
  return std::clamp(n, MacLearningTable::kMinMaxEntries, MacLearningTable::kMaxMaxEntries);
}

// OpenFlow 1.0 reserved port numbers, as ofputil_port_to_string() names them.
struct ReservedPort {
  uint32_t port;
  const char* name;
};
constexpr ReservedPort kReservedPorts[] = {
    {0xfff7, "UNSET"},
    {ofp_port::kInPort, "IN_PORT"},
    {ofp_port::kTable, "TABLE"},
    {ofp_port::kNormal, "NORMAL"},
    {ofp_port::kFlood, "FLOOD"},
    {ofp_port::kAll, "ALL"},
    {ofp_port::kController, "CONTROLLER"},
    {ofp_port::kLocal, "LOCAL"},
    {ofp_port::kNone, "ANY"},
};

}  // namespace

MacLearningTable::MacLearningTable(uint32_t aging_sec, size_t max_entries, uint64_t hash_seed)
    : slots_(kInitialSlots, kNil),
      slot_shift_(64 - std::countr_zero(kInitialSlots)),
      seed_(mix(hash_seed ^ 0x6a09e667f3bcc909ULL)),
      aging_ms_(TimeMs{clamp_aging(aging_sec)} * 1000),
      max_entries_(clamp_max_entries(max_entries)) {}

uint64_t MacLearningTable::make_key(uint16_t vlan, MacAddr mac) {
  return uint64_t{vlan} << 48 | mac.to_u64();
}

size_t MacLearningTable::home_slot(uint64_t key) const {
  return static_cast<size_t>(mix(key ^ seed_) >> slot_shift_);
}

uint32_t MacLearningTable::find(uint64_t key) const {
  const size_t mask = slots_.size() - 1;
  for (size_t s = home_slot(key);; s = (s + 1) & mask) {
    const uint32_t idx = slots_[s];
    if (idx == kNil) return kNil;
    if (entries_[idx].key == key) return idx;
  }
}

bool MacLearningTable::learn(uint16_t vlan, MacAddr mac, uint32_t port, TimeMs now) {
  if (mac.is_multicast() || vlan > kMaxVid) return false;
  const uint64_t key = make_key(vlan, mac);
  uint32_t idx = find(key);
  if (idx != kNil && expired(entries_[idx], now)) {
    // Aged but not yet removed by expire(): remove it now, as OVS would have, and learn anew.
    remove(idx);
    ++stats_.expired;
    idx = kNil;
  }
  if (idx == kNil) {
    if (used_ >= max_entries_) {
      remove(head_);
      ++stats_.evicted;
    }
    insert(key, port, now);
    log_change(key);
    ++stats_.learned;
    ++version_;
    return true;
  }
  Entry& e = entries_[idx];
  e.seen = now;
  list_unlink(idx);
  list_push_back(idx);
  if (e.port == port) return false;
  e.port = port;
  log_change(key);
  ++stats_.moved;
  ++version_;
  return true;
}

std::optional<uint32_t> MacLearningTable::lookup(uint16_t vlan, MacAddr mac, TimeMs now) const {
  if (mac.is_multicast() || vlan > kMaxVid) return std::nullopt;
  const uint32_t idx = find(make_key(vlan, mac));
  if (idx == kNil || expired(entries_[idx], now)) return std::nullopt;
  return entries_[idx].port;
}

void MacLearningTable::insert(uint64_t key, uint32_t port, TimeMs now) {
  if ((used_ + 1) * 2 > slots_.size()) grow_index();
  uint32_t idx;
  if (!free_.empty()) {
    idx = free_.back();
    free_.pop_back();
  } else {
    idx = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  entries_[idx] = Entry{key, now, port, kNil, kNil};
  const size_t mask = slots_.size() - 1;
  size_t s = home_slot(key);
  while (slots_[s] != kNil) s = (s + 1) & mask;
  slots_[s] = idx;
  list_push_back(idx);
  ++used_;
}

void MacLearningTable::log_change(uint64_t key) {
  if (all_changed_) return;
  if (changes_.size() == kMaxChangeLog) {
    all_changed_ = true;
    changes_.clear();
    return;
  }
  changes_.push_back(key);
}

bool MacLearningTable::take_changes(std::vector<uint64_t>& keys) {
  bool known = !all_changed_;
  if (known) keys.insert(keys.end(), changes_.begin(), changes_.end());
  changes_.clear();
  all_changed_ = false;
  return known;
}

void MacLearningTable::remove(uint32_t idx) {
  const uint64_t key = entries_[idx].key;
  log_change(key);
  const size_t mask = slots_.size() - 1;
  size_t s = home_slot(key);
  while (slots_[s] != idx) s = (s + 1) & mask;
  erase_slot(s);
  list_unlink(idx);
  free_.push_back(idx);
  --used_;
}

// Backward-shift deletion: pull later members of the probe run into the hole, so that every
// entry stays reachable from its home slot without tombstones.
void MacLearningTable::erase_slot(size_t hole) {
  const size_t mask = slots_.size() - 1;
  for (size_t s = (hole + 1) & mask; slots_[s] != kNil; s = (s + 1) & mask) {
    const size_t home = home_slot(entries_[slots_[s]].key);
    // The entry at s may move to the hole unless its home lies cyclically in (hole, s].
    const bool home_after_hole =
        ((home - hole) & mask) != 0 && ((home - hole) & mask) <= ((s - hole) & mask);
    if (!home_after_hole) {
      slots_[hole] = slots_[s];
      hole = s;
    }
  }
  slots_[hole] = kNil;
}

void MacLearningTable::grow_index() {
  const size_t n = slots_.size() * 2;
  slots_.assign(n, kNil);
  slot_shift_ = 64 - std::countr_zero(n);
  const size_t mask = n - 1;
  for (uint32_t idx = head_; idx != kNil; idx = entries_[idx].next) {
    size_t s = home_slot(entries_[idx].key);
    while (slots_[s] != kNil) s = (s + 1) & mask;
    slots_[s] = idx;
  }
}

void MacLearningTable::list_push_back(uint32_t idx) {
  Entry& e = entries_[idx];
  e.prev = tail_;
  e.next = kNil;
  if (tail_ != kNil) {
    entries_[tail_].next = idx;
  } else {
    head_ = idx;
  }
  tail_ = idx;
}

void MacLearningTable::list_unlink(uint32_t idx) {
  Entry& e = entries_[idx];
  (e.prev != kNil ? entries_[e.prev].next : head_) = e.next;
  (e.next != kNil ? entries_[e.next].prev : tail_) = e.prev;
  e.prev = e.next = kNil;
}

template <typename Pred>
size_t MacLearningTable::remove_if(Pred pred) {
  size_t n = 0;
  for (uint32_t idx = head_; idx != kNil;) {
    const uint32_t next = entries_[idx].next;
    if (pred(entries_[idx])) {
      remove(idx);
      ++n;
    }
    idx = next;
  }
  if (n) ++version_;
  return n;
}

size_t MacLearningTable::expire(TimeMs now) {
  size_t n = 0;
  // Refresh order is time order, so the aged entries are exactly a prefix of the list.
  while (head_ != kNil && expired(entries_[head_], now)) {
    remove(head_);
    ++n;
  }
  stats_.expired += n;
  if (n) ++version_;
  return n;
}

void MacLearningTable::flush() {
  if (used_ == 0) return;
  entries_.clear();
  free_.clear();
  std::fill(slots_.begin(), slots_.end(), kNil);
  head_ = tail_ = kNil;
  used_ = 0;
  all_changed_ = true;
  changes_.clear();
  ++version_;
}

size_t MacLearningTable::flush_port(uint32_t port) {
  return remove_if([port](const Entry& e) { return e.port == port; });
}

size_t MacLearningTable::flush_vlan(uint16_t vlan) {
  return remove_if([vlan](const Entry& e) { return e.key >> 48 == vlan; });
}

void MacLearningTable::set_aging_sec(uint32_t aging_sec) {
  const TimeMs ms = TimeMs{clamp_aging(aging_sec)} * 1000;
  if (ms == aging_ms_) return;
  aging_ms_ = ms;
  all_changed_ = true;
  changes_.clear();
  ++version_;
}

void MacLearningTable::set_max_entries(size_t max_entries) {
  max_entries_ = clamp_max_entries(max_entries);
  size_t n = 0;
  while (used_ > max_entries_) {
    remove(head_);
    ++n;
  }
  stats_.expired += n;  // OVS's mac_learning_run() counts these as expired
  if (n) ++version_;
}

std::string MacLearningTable::default_port_name(uint32_t port) {
  for (const ReservedPort& r : kReservedPorts) {
    if (r.port == port) return r.name;
  }
  return std::to_string(port);
}

std::string MacLearningTable::format_fdb_show(
    TimeMs now, const std::function<std::string(uint32_t)>& port_name) const {
  std::string out = " port  VLAN  MAC                Age\n";
  char rest[64];
  for (uint32_t idx = head_; idx != kNil; idx = entries_[idx].next) {
    const Entry& e = entries_[idx];
    if (expired(e, now)) continue;  // OVS removes these before anyone can see them
    const std::string name = port_name ? port_name(e.port) : default_port_name(e.port);
    const MacAddr mac = MacAddr::from_u64(e.key & 0xffffffffffffULL);
    const long long age = std::max<TimeMs>(0, now - e.seen) / 1000;
    std::snprintf(rest, sizeof rest, "  %4u  %s  %3lld\n", static_cast<unsigned>(e.key >> 48),
                  mac.to_string().c_str(), age);
    if (name.size() < 5) out.append(5 - name.size(), ' ');  // "%5s"
    out += name;
    out += rest;
  }
  return out;
}

std::string MacLearningTable::format_fdb_stats_show(std::string_view bridge) const {
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "  Current/maximum MAC entries in the table: %zu/%zu\n"
                "  Total number of learned MAC entries     : %" PRIu64
                "\n"
                "  Total number of expired MAC entries     : %" PRIu64
                "\n"
                "  Total number of evicted MAC entries     : %" PRIu64
                "\n"
                "  Total number of port moved MAC entries  : %" PRIu64 "\n",
                used_, max_entries_, stats_.learned, stats_.expired, stats_.evicted, stats_.moved);
  return "Statistics for bridge \"" + std::string(bridge) + "\":\n" + buf;
}

}  // namespace nt
