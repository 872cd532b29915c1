// The connection table: slab of records, one open-addressing hash table for both
// directions' keys, expiry lists per timeout class (see conntrack.h).
#include <cassert>

#include "conntrack/conn.h"

namespace nt::ct {
namespace {

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

uint64_t make_ref(uint32_t idx, int dir) { return (uint64_t{idx} << 1 | uint64_t(dir)) + 1; }

}  // namespace

uint32_t hash_key(const ConnKey& k) {
  uint64_t w[6] = {};
  std::memcpy(w, &k, sizeof k);
  uint64_t h = 0x243f6a8885a308d3ull;
  for (uint64_t x : w) h = (h ^ x) * 0x100000001b3ull + (h >> 29);
  return static_cast<uint32_t>(mix(h));
}

ConnKey reverse(const ConnKey& k) {
  ConnKey r = k;
  r.src = k.dst;
  r.dst = k.src;
  r.sport = k.dport;
  r.dport = k.sport;
  r.stype = k.dtype;
  r.dtype = k.stype;
  return r;
}

int64_t timeout_ms(Tm tm) {
  static constexpr int64_t kSecs[] = {
#define NT_CT_TM_SECS(name, str, secs) secs,
      NT_CT_TIMEOUTS(NT_CT_TM_SECS)
#undef NT_CT_TM_SECS
  };
  return kSecs[tm] * 1000;
}

uint32_t Table::alloc() {
  if (free_head == kNil) {
    uint32_t base = static_cast<uint32_t>(chunks.size()) * kChunk;
    chunks.push_back(std::make_unique<Conn[]>(kChunk));
    for (uint32_t i = kChunk; i-- > 0;) {
      chunks.back()[i].next = free_head;
      free_head = base + i;
    }
  }
  uint32_t idx = free_head;
  Conn& c = at(idx);
  free_head = c.next;
  c = Conn{};
  c.idx = idx;
  ++n_records;
  return idx;
}

void Table::grow_slots() {
  std::vector<uint64_t> old;
  old.swap(slots);
  size_t n = old.empty() ? 1024 : old.size() * 2;
  slots.assign(n, 0);
  mask = n - 1;
  n_slots_used = 0;
  for (uint64_t s : old) {
    if (s) slot_insert(static_cast<uint32_t>(s >> 32), s & 0xffffffffu);
  }
}

void Table::slot_insert(uint32_t hash, uint64_t ref) {
  if ((n_slots_used + 1) * 2 > slots.size()) grow_slots();
  uint64_t i = hash & mask;
  while (slots[i]) i = (i + 1) & mask;
  slots[i] = uint64_t{hash} << 32 | ref;
  ++n_slots_used;
}

// Linear-probing deletion by backward shift: no tombstones, probes stay short.
void Table::slot_erase(uint32_t hash, uint64_t ref) {
  uint64_t want = uint64_t{hash} << 32 | ref;
  uint64_t i = hash & mask;
  while (slots[i] != want) {
    if (!slots[i]) return;
    i = (i + 1) & mask;
  }
  uint64_t hole = i;
  for (uint64_t j = (i + 1) & mask; slots[j]; j = (j + 1) & mask) {
    uint64_t home = (slots[j] >> 32) & mask;
    // Move j into the hole unless its home lies cyclically in (hole, j].
    bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      slots[hole] = slots[j];
      hole = j;
    }
  }
  slots[hole] = 0;
  --n_slots_used;
}

Conn* Table::lookup(const ConnKey& k, uint32_t hash, bool* reply) {
  if (slots.empty()) return nullptr;
  for (uint64_t i = hash & mask; slots[i]; i = (i + 1) & mask) {
    uint64_t s = slots[i];
    if (static_cast<uint32_t>(s >> 32) != hash) continue;
    uint64_t ref = (s & 0xffffffffu) - 1;
    uint32_t idx = static_cast<uint32_t>(ref >> 1);
    int dir = static_cast<int>(ref & 1);
    Conn& c = at(idx);
    if (!(c.key[dir] == k)) continue;
    if (c.expiration <= now()) {
      remove(idx);
      count(CtCounter::kExpired);
      return nullptr;
    }
    if (reply) *reply = dir == 1;
    return &c;
  }
  return nullptr;
}

void Table::unlink(Conn& c) {
  if (c.prev != kNil)
    at(c.prev).next = c.next;
  else
    head[c.tm] = c.next;
  if (c.next != kNil)
    at(c.next).prev = c.prev;
  else
    tail[c.tm] = c.prev;
  c.prev = c.next = kNil;
}

// Appends `c` to the list of its class; the list stays sorted by queued_exp.
void Table::append(Conn& c) {
  Tm tm = static_cast<Tm>(c.tm);
  c.prev = tail[tm];
  c.next = kNil;
  if (tail[tm] != kNil) {
    at(tail[tm]).next = c.idx;
  } else {
    head[tm] = c.idx;
  }
  tail[tm] = c.idx;
}

// A refresh within the same timeout class only stores the new expiration: no list move,
// no other record touched (sweep() requeues refreshed records lazily). A class change moves
// the record to the tail of its new list.
void Table::set_expiration(Conn& c, Tm tm) {
  c.expiration = now() + timeout_ms(tm);
  if (c.in_use && c.tm == tm) return;
  if (c.in_use) unlink(c);
  c.tm = tm;
  c.queued_exp = c.expiration;
  if (c.in_use) append(c);  // else insert() links it
}

// Puts a refreshed (not expired) head back in queued_exp order, walking back from the tail
// a few steps; past that it goes last with the tail's queued_exp, which only delays its
// reclaim (lookups already treat an expired record as absent).
void Table::requeue(Conn& c) {
  Tm tm = static_cast<Tm>(c.tm);
  unlink(c);
  uint32_t after = tail[tm];
  for (int i = 0; i < 32 && after != kNil && at(after).queued_exp > c.expiration; ++i) {
    after = at(after).prev;
  }
  if (after != kNil && at(after).queued_exp > c.expiration) {
    c.queued_exp = at(tail[tm]).queued_exp;
    append(c);
    return;
  }
  c.queued_exp = c.expiration;
  c.prev = after;
  c.next = after == kNil ? head[tm] : at(after).next;
  if (c.prev != kNil) {
    at(c.prev).next = c.idx;
  } else {
    head[tm] = c.idx;
  }
  if (c.next != kNil) {
    at(c.next).prev = c.idx;
  } else {
    tail[tm] = c.idx;
  }
}

void Table::sweep() {
  int64_t t = now();
  for (int tm = 0; tm < kTmCount; ++tm) {
    while (head[tm] != kNil) {
      Conn& c = at(head[tm]);
      if (c.expiration <= t) {
        remove(c.idx);
        count(CtCounter::kExpired);
      } else if (c.queued_exp <= t) {
        requeue(c);
      } else {
        break;  // everything behind was queued later
      }
    }
  }
}

void Table::insert(uint32_t idx) {
  Conn& c = at(idx);
  slot_insert(hash_key(c.key[0]), make_ref(idx, 0));
  slot_insert(hash_key(c.key[1]), make_ref(idx, 1));
  c.in_use = true;
  append(c);
  ++n_conns;
  count(CtCounter::kCommitted);
}

void Table::remove(uint32_t idx) {
  Conn& c = at(idx);
  if (!c.in_use) return;
  slot_erase(hash_key(c.key[0]), make_ref(idx, 0));
  slot_erase(hash_key(c.key[1]), make_ref(idx, 1));
  unlink(c);
  c.in_use = false;
  c.next = free_head;
  free_head = idx;
  --n_conns;
  --n_records;
}

void Table::release(uint32_t idx) {
  Conn& c = at(idx);
  c.in_use = false;
  c.next = free_head;
  free_head = idx;
  --n_records;
}

}  // namespace nt::ct
