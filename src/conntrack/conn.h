// Internals of the connection tracker shared by its files (not part of the layer's API).
//
// ConnKey is one direction's tuple (OVS's struct conn_key); Conn a tracked connection with
// both keys (key[0] original, key[1] reply = reverse of the original with NAT applied);
// Table the slab + hash table + expiry lists. Lookup contexts (Ctx) carry what extraction
// found in a packet. Timeout classes follow OVS's ct_timeout names and defaults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "conntrack/conntrack.h"

namespace nt::ct {

struct ConnKey {
  CtAddr src, dst;
  uint16_t sport = 0, dport = 0;  // ICMP: the id in both
  uint16_t zone = 0;
  uint8_t proto = 0;
  uint8_t ipv6 = 0;
  uint8_t stype = 0, dtype = 0;  // ICMP: type, and the type a reply has
  uint8_t code = 0;
  uint8_t pad = 0;
  bool operator==(const ConnKey& o) const { return std::memcmp(this, &o, sizeof o) == 0; }
};
static_assert(sizeof(ConnKey) == 44);

ConnKey reverse(const ConnKey& k);
uint32_t hash_key(const ConnKey& k);
bool is_icmp(uint8_t proto, bool ipv6);
uint8_t reverse_icmp_type(uint8_t type, bool ipv6);

// OVS's ct_dpif_tcp_state.
enum TcpState : uint8_t {
  kClosed,
  kListen,
  kSynSent,
  kSynRecv,
  kEstablished,
  kCloseWait,
  kFinWait1,
  kClosing,
  kLastAck,
  kFinWait2,
  kTimeWait
};
const char* tcp_state_name(uint8_t s);

struct TcpPeer {
  uint32_t seqlo = 0, seqhi = 0;
  uint16_t max_win = 0;
  uint8_t wscale = 0;
  uint8_t state = kClosed;
};
inline constexpr uint8_t kWscaleFlag = 0x80, kWscaleUnknown = 0x40, kWscaleMask = 0x0f;

// Timeout classes (OVS's CT_TM_*), X(name, "ovs name", default seconds).
#define NT_CT_TIMEOUTS(X)                      \
  X(kTcpFirst, "tcp_syn_sent", 30)             \
  X(kTcpOpening, "tcp_syn_recv", 30)           \
  X(kTcpEstablished, "tcp_established", 86400) \
  X(kTcpClosing, "tcp_fin_wait", 900)          \
  X(kTcpFinWait, "tcp_time_wait", 45)          \
  X(kTcpClosed, "tcp_close", 30)               \
  X(kOtherFirst, "udp_first", 60)              \
  X(kOtherMultiple, "udp_single", 60)          \
  X(kOtherBidir, "udp_multiple", 30)           \
  X(kIcmpFirst, "icmp_first", 60)              \
  X(kIcmpReply, "icmp_reply", 30)

enum Tm : uint8_t {
#define NT_CT_TM_ENUM(name, str, secs) name,
  NT_CT_TIMEOUTS(NT_CT_TM_ENUM)
#undef NT_CT_TM_ENUM
      kTmCount
};
int64_t timeout_ms(Tm tm);

enum OtherState : uint8_t { kOthersFirst, kOthersMultiple, kOthersBidir };
enum IcmpState : uint8_t { kIcmpsFirst, kIcmpsReply };

inline constexpr uint32_t kNil = 0xffffffff;

// Laid out so that a packet of an established connection reads only the first two cache
// lines: both keys, the expiration, the class/flags and the TCP peers.
struct Conn {
  ConnKey key[2];
  int64_t expiration = 0;
  uint8_t tm = 0;     // timeout class (which expiry list)
  uint8_t state = 0;  // OtherState / IcmpState
  uint8_t nat = 0;    // kCsSnat, kCsDnat or 0
  bool in_use = false;
  uint32_t idx = kNil;  // this record's slab index
  TcpPeer peer[2];
  // Colder: changed by commits with exec(), sweeps and list moves.
  u128 label = 0;
  uint32_t mark = 0;
  uint32_t prev = kNil, next = kNil;  // expiry list (or free list through next)
  int64_t queued_exp = 0;             // the expiration when last put in its expiry list
};
static_assert(offsetof(Conn, peer) + sizeof(TcpPeer) * 2 <= 128);

// What one ct() needs to know about its packet after extraction.
struct Ctx {
  ConnKey key;  // the packet's direction (for +rel: the error's direction)
  uint32_t hash = 0;
  bool related = false;         // ICMP error: key comes from the embedded header
  uint8_t* l3 = nullptr;        // outer IP header
  uint8_t* l4 = nullptr;        // outer transport header
  size_t l4_len = 0;            // transport header + payload (by the IP lengths)
  uint8_t* inner_l3 = nullptr;  // related: the embedded IP header
  uint8_t* inner_l4 = nullptr;
  size_t inner_l4_len = 0;  // bytes present after the embedded IP header
};

struct Table {
  explicit Table(const Clock& c, ConntrackOptions o) : clock(c), opts(o) {
    for (int i = 0; i < kTmCount; ++i) head[i] = tail[i] = kNil;
  }

  const Clock& clock;
  ConntrackOptions opts;
  // Slab: chunks of kChunk records, indices stable for a record's life.
  static constexpr uint32_t kChunk = 4096;
  std::vector<std::unique_ptr<Conn[]>> chunks;
  uint32_t free_head = kNil;
  uint32_t n_records = 0;
  size_t n_conns = 0;
  // Hash table: slot = (hash << 32) | ((index << 1 | dir) + 1); 0 = empty.
  std::vector<uint64_t> slots;
  uint64_t mask = 0;
  size_t n_slots_used = 0;
  // Expiry lists, one per timeout class: head (oldest) and tail.
  uint32_t head[kTmCount], tail[kTmCount];
  uint64_t counters[static_cast<size_t>(CtCounter::kCount)] = {};
  uint64_t rng = 0x9e3779b97f4a7c15ull;

  Conn& at(uint32_t i) { return chunks[i / kChunk][i % kChunk]; }
  const Conn& at(uint32_t i) const { return chunks[i / kChunk][i % kChunk]; }
  void count(CtCounter c) { ++counters[static_cast<size_t>(c)]; }
  int64_t now() const { return clock.now_ms(); }

  // Finds a live (not expired) connection with key `k` (either direction); frees an expired
  // one it meets. `reply` says which of its keys matched.
  Conn* lookup(const ConnKey& k, uint32_t hash, bool* reply);
  uint32_t alloc();            // a free record (grows the slab); kNil never happens
  void insert(uint32_t idx);   // both keys into the hash table, conn into its expiry list
  void remove(uint32_t idx);   // both keys out, record freed
  void release(uint32_t idx);  // frees a record that was never inserted
  void set_expiration(Conn& c, Tm tm);
  void append(Conn& c);
  void requeue(Conn& c);
  void sweep();
  void unlink(Conn& c);
  void grow_slots();
  void slot_insert(uint32_t hash, uint64_t ref);
  void slot_erase(uint32_t hash, uint64_t ref);
};

// Extraction and validation (extract.cc): false = +inv (counters already bumped).
bool extract(Table& t, Packet& pkt, const FlowKey& key, const HeaderOffsets& ofs, uint16_t zone,
             Ctx& ctx);

// Per-protocol state (conn_tcp.cc, conn_other.cc).
enum class Update : uint8_t { kValid, kInvalid, kNew, kValidNew };
bool tcp_valid_new(const Ctx& ctx);
void tcp_new_conn(Table& t, Conn& c, const Ctx& ctx);
Update tcp_update(Table& t, Conn& c, const Ctx& ctx, bool reply);
bool other_valid_new(const Ctx& ctx);
void other_new_conn(Table& t, Conn& c, const Ctx& ctx);
Update other_update(Table& t, Conn& c, const Ctx& ctx, bool reply);

// NAT (nat.cc): picks the reply key of a new connection; rewrites packets.
bool nat_select(Table& t, Conn& c, const CtNat& nat);
void nat_packet(Packet& pkt, FlowKey& key, const Ctx& ctx, const Conn& c, bool reply);

}  // namespace nt::ct
