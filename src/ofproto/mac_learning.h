// MacLearningTable: the forwarding database behind the NORMAL action.
//
// One entry per (VLAN, MAC): the port on which that source address was last seen, and when.
// The translator calls learn() with each frame's source and lookup() with its destination;
// an entry that has not been refreshed for the aging time (other_config:mac-aging-time,
// default 300 s) is a miss, and when the table holds its maximum (other_config:mac-table-size,
// default 8192) learning a new address evicts the least recently refreshed one. Both limits are
// forced into Open vSwitch's ranges (15..3600 s, 10..1,000,000 entries). Multicast and broadcast
// addresses are never learned and never found. `ovs-appctl fdb/show` output is reproduced
// byte for byte by format_fdb_show(), in the same least-recently-used-first order.
//
// What makes it fast: entries live in one vector and are found through an open-addressing
// index of 32-bit entry numbers (linear probing, load factor at most 1/2, deletions by backward
// shift so there are no tombstones), keyed by the VLAN and MAC packed into one 64-bit word and
// hashed with a per-table seed. lookup() is a hash, a few probes and a compare, with no
// allocation. The entries are also threaded on an intrusive doubly linked list in refresh
// order, so eviction takes the head and expire() stops at the first live entry: O(1) per
// removed entry. learn() allocates only when the table grows past its previous high-water
// mark.
//
// Time: every call that needs the time takes a TimeMs, so tests drive aging by hand; the
// table never reads a clock. Times passed to learn() must not go backwards.
//
// version() increases whenever lookups can start answering differently (an entry learned,
// moved, removed, or the aging time changed), so cached translations that depended on the
// table can be revalidated. Refreshing an entry on the same port does not bump it, nor does an
// entry silently becoming a miss by aging: call expire() periodically (OVS does it every main
// loop iteration) and it bumps the version for what it removes. Besides the version, the table
// logs which (VLAN, MAC) keys changed (take_changes()), so a switch can revalidate only the
// cached translations that looked those keys up; a change that touches every entry (flush, a
// new aging time) or more keys than the log holds says "everything".
//
// Not thread-safe; the owner serializes access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "packet/flow_key.h"

namespace nt {

struct MacLearningStats {
  uint64_t learned = 0;  // entries created
  uint64_t expired = 0;  // entries removed by aging or by lowering the maximum size
  uint64_t evicted = 0;  // entries removed to make room for a new one
  uint64_t moved = 0;    // entries whose port changed
};

class MacLearningTable {
 public:
  static constexpr uint32_t kDefaultAgingSec = 300;
  static constexpr uint32_t kMinAgingSec = 15;
  static constexpr uint32_t kMaxAgingSec = 3600;
  static constexpr size_t kDefaultMaxEntries = 8192;
  static constexpr size_t kMinMaxEntries = 10;
  static constexpr size_t kMaxMaxEntries = 1'000'000;

  // `hash_seed` randomizes the index against crafted source addresses; any value works.
  explicit MacLearningTable(uint32_t aging_sec = kDefaultAgingSec,
                            size_t max_entries = kDefaultMaxEntries, uint64_t hash_seed = 0);

  // Records that a frame from `mac` arrived on `port` in `vlan` at `now`. Returns true when
  // lookups change because of it: a new entry (possibly evicting the oldest) or `mac` moved to
  // another port. Refreshing a known entry returns false. Multicast/broadcast sources and
  // VLANs above 4095 are ignored (false).
  bool learn(uint16_t vlan, MacAddr mac, uint32_t port, TimeMs now);
  // The port on which `mac` was last seen in `vlan`, unless unknown, aged out or multicast.
  std::optional<uint32_t> lookup(uint16_t vlan, MacAddr mac, TimeMs now) const;

  // Removes entries not refreshed for the aging time; returns how many.
  size_t expire(TimeMs now);
  void flush();
  size_t flush_port(uint32_t port);  // returns how many entries were removed
  size_t flush_vlan(uint16_t vlan);

  // Clamped to [kMinAgingSec, kMaxAgingSec]; applies to existing entries too, as in OVS.
  void set_aging_sec(uint32_t aging_sec);
  // Clamped to [kMinMaxEntries, kMaxMaxEntries]; evicts the oldest entries if now over it.
  void set_max_entries(size_t max_entries);
  uint32_t aging_sec() const { return static_cast<uint32_t>(aging_ms_ / 1000); }
  size_t max_entries() const { return max_entries_; }

  // Entries stored, including any that have aged but were not yet removed by expire().
  size_t size() const { return used_; }
  uint64_t version() const { return version_; }
  // The keys (key_of) learned, moved or removed since the last call, appended to `keys`;
  // false if the log cannot tell (every entry may have changed): then `keys` is left as it was.
  bool take_changes(std::vector<uint64_t>& keys);
  static uint64_t key_of(uint16_t vlan, MacAddr mac) { return make_key(vlan, mac); }
  const MacLearningStats& stats() const { return stats_; }
  void clear_stats() { stats_ = {}; }

  // `ovs-appctl fdb/show BRIDGE`: the header " port  VLAN  MAC                Age", then one
  // line per live entry, least recently refreshed first. `port_name` maps a port number to the
  // first column; by default the OpenFlow number, or LOCAL etc. for reserved ports.
  std::string format_fdb_show(TimeMs now,
                              const std::function<std::string(uint32_t)>& port_name = {}) const;
  // `ovs-appctl fdb/stats-show BRIDGE`.
  std::string format_fdb_stats_show(std::string_view bridge) const;

  // How fdb/show names a port when no port_name is given: "7", "LOCAL", "CONTROLLER", ...
  static std::string default_port_name(uint32_t port);

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  static constexpr size_t kMaxChangeLog = 4096;  // beyond that, "everything changed"

  struct Entry {
    uint64_t key = 0;  // vlan << 48 | mac
    TimeMs seen = 0;   // last learn() of this entry
    uint32_t port = 0;
    uint32_t prev = kNil;  // refresh-order list, oldest at head_
    uint32_t next = kNil;
  };

  static uint64_t make_key(uint16_t vlan, MacAddr mac);
  size_t home_slot(uint64_t key) const;
  uint32_t find(uint64_t key) const;  // entry index or kNil
  bool expired(const Entry& e, TimeMs now) const { return now - e.seen >= aging_ms_; }

  void log_change(uint64_t key);
  void insert(uint64_t key, uint32_t port, TimeMs now);
  void remove(uint32_t idx);
  void erase_slot(size_t slot);
  void grow_index();
  void list_push_back(uint32_t idx);
  void list_unlink(uint32_t idx);
  template <typename Pred>
  size_t remove_if(Pred pred);

  std::vector<Entry> entries_;   // storage; indices stay valid while an entry lives
  std::vector<uint32_t> free_;   // unused indices in entries_
  std::vector<uint32_t> slots_;  // open-addressing index: entry index or kNil
  uint32_t head_ = kNil;
  uint32_t tail_ = kNil;
  size_t used_ = 0;
  int slot_shift_ = 0;  // 64 - log2(slots_.size())
  uint64_t seed_;
  TimeMs aging_ms_;
  size_t max_entries_;
  uint64_t version_ = 0;
  std::vector<uint64_t> changes_;  // keys changed since take_changes()
  bool all_changed_ = false;
  MacLearningStats stats_;
};

}  // namespace nt
