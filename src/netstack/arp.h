// ArpCache: one NIC's IPv4 -> MAC neighbour table (RFC 826), with aging and pending packets.
//
// An entry is either kIncomplete (a request is out; up to `queue_len` frames wait for the
// answer, retransmitted every `retrans` up to `max_probes` times, then the frames are dropped
// and their senders told "host unreachable"), kReachable (valid until `reachable` after the
// last confirmation, then forgotten) or kPermanent (configured, never ages).
//
// Cost: the resolved path is one hash lookup per transmitted packet, no allocation. Aging
// needs no per-entry timer: the owning Host keeps one Timer per NIC armed at the earliest
// deadline in the table (deadline()), and sweeps when it fires. Pending frames are the only
// allocation, on the slow path (an address being resolved).
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "netstack/scheduler.h"
#include "packet/flow_key.h"

namespace nt {

struct ArpConfig {
  TimeUs reachable = 60 * kUsPerSec;  // lifetime of a confirmed entry
  TimeUs retrans = 1 * kUsPerSec;     // between requests for an unresolved address
  uint8_t max_probes = 3;             // requests before giving up
  uint8_t queue_len = 3;              // frames held per unresolved address
};

struct ArpEntry {
  enum class State : uint8_t { kIncomplete, kReachable, kPermanent };
  State state = State::kIncomplete;
  MacAddr mac;
  TimeUs deadline = kNever;  // next retransmission (incomplete) or expiry (reachable)
  uint8_t probes = 0;        // requests sent so far
  std::vector<std::vector<uint8_t>> pending;  // whole frames, destination MAC still unset
};

class ArpCache {
 public:
  // The MAC for `ip` if resolved and not expired at `now`.
  const MacAddr* lookup(uint32_t ip, TimeUs now) const;
  ArpEntry* find(uint32_t ip);
  const ArpEntry* find(uint32_t ip) const;
  // The entry for `ip`, created kIncomplete if absent; `created` says which.
  ArpEntry& get(uint32_t ip, bool& created);
  // Records a confirmed mapping (kPermanent entries keep their MAC and state).
  void confirm(ArpEntry& e, const MacAddr& mac, TimeUs now, TimeUs reachable);
  void erase(uint32_t ip) { entries_.erase(ip); }
  void clear() { entries_.clear(); }
  // Earliest deadline over all entries (kNever if none).
  TimeUs deadline() const;
  size_t size() const { return entries_.size(); }
  // Entries by address, for `arp -n`.
  std::map<uint32_t, const ArpEntry*> sorted() const;
  std::unordered_map<uint32_t, ArpEntry>& entries() { return entries_; }

 private:
  std::unordered_map<uint32_t, ArpEntry> entries_;
};

}  // namespace nt
