// Conntrack: a userspace connection tracker with NAT, with Open vSwitch's semantics.
//
// What it is. Conntrack follows connections per zone (IPv4 and IPv6): TCP with a pf-style
// state machine and window checks (van Rooij's algorithm, as OVS's conntrack-tcp.c), UDP and
// other protocols with first/multiple/bidirectional states, ICMP/ICMPv6 echo keyed by id, and
// ICMP errors RELATED to a connection (their embedded header translated by NAT too). A
// committed connection may carry SNAT or DNAT; the reply direction is un-NATed automatically.
// execute() is what the datapath's ct() runs; dump()/flush()/stats_show() are the dpctl/*
// commands and print what ovs-appctl prints (neutron-services.md §1.5).
//
// What makes it fast. One open-addressing hash table (linear probing, 8-byte slots: a 32-bit
// hash and a connection index + direction bit) holds both directions' keys of every
// connection, so one probe finds the connection and says whether the packet is a reply.
// Connections live in a slab of fixed-size records allocated in chunks: a packet of an
// existing connection never allocates; only a commit takes a record (and, rarely, grows the
// slab or doubles the table). Expiry keeps one intrusive list per timeout class, ordered by
// the time a connection entered it; a refresh within the class only stores the new
// expiration (no other record is touched), and sweep() looks at the heads of the lists,
// freeing expired ones and putting refreshed ones back in order. A packet already tracked in the
// same zone (CtMeta::conn) skips the lookup, as OVS's process_one_fast().
//
// Invariants. A key is in the table at most once; a connection's two keys are both in it or
// neither; count() never exceeds max_conns(). Expired connections are invisible to lookups
// even before sweep() frees them.
//
// Checksums are verified as OVS's userspace tracker does (IPv4 header, TCP/UDP/ICMP/ICMPv6;
// a zero UDP checksum passes; a packet whose transport checksum is an offload partial one,
// or marked valid by the NIC, is not checked).
//
// Fragments (a deviation): Open vSwitch reassembles IPv4/IPv6 fragments per zone before
// tracking them (lib/ipf.c). This tracker does not reassemble: every fragment is +trk+inv and
// counted as conntrack_fragment_unsupported. Zone limits (ct-set-limits) are not implemented;
// only the global max_conns limit is.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "packet/ct_meta.h"
#include "packet/flow_key.h"
#include "packet/packet.h"
#include "packet/parse.h"

namespace nt {

using u128 = unsigned __int128;  // the same alias as flow/fields.h

// ct_state bits (kCs*), CtAddr and CtMeta, which packets carry, are in packet/ct_meta.h.

struct CtNat {  // the nat(...) argument of ct()
  enum class Kind : uint8_t { kNone, kReverseOnly /* bare `nat` */, kSrc, kDst };
  Kind kind = Kind::kNone;
  bool ipv6 = false;
  CtAddr addr_min, addr_max;            // range (max == min for one address); zero = `nat(src)`
  uint16_t port_min = 0, port_max = 0;  // 0/0: keep the port unless it collides
  bool persistent = false, random = false, hash = false;
  bool operator==(const CtNat&) const = default;
};

struct CtArgs {  // one ct() as the datapath executes it
  uint16_t zone = 0;
  bool commit = false, force = false;
  bool set_mark = false;
  uint32_t mark = 0, mark_mask = 0;
  bool set_label = false;
  u128 label = 0, label_mask = 0;
  CtNat nat;
  bool operator==(const CtArgs&) const = default;
};

struct ConntrackOptions {
  size_t max_conns = 3'000'000;
  bool tcp_seq_check = true;
};

// Drops the datapath must count (X(name, "counter name")). Everything else a tracker can
// say about a packet (+inv) is a state, not a drop: the pipeline decides.
#define NT_CT_DROPS(X)            \
  X(kNone, "none")                \
  X(kFull, "drop_conntrack_full") \
  X(kNatExhausted, "drop_conntrack_nat_exhausted")

enum class CtDrop : uint8_t {
#define NT_CT_DROP_ENUM(name, str) name,
  NT_CT_DROPS(NT_CT_DROP_ENUM)
#undef NT_CT_DROP_ENUM
      kCount
};
std::string_view ct_drop_name(CtDrop d);

// Named event counters (coverage/show style), X(name, "counter name").
#define NT_CT_COUNTERS(X)                        \
  X(kFull, "conntrack_full")                     \
  X(kNatExhausted, "conntrack_nat_exhausted")    \
  X(kInvalid, "conntrack_invalid")               \
  X(kMalformed, "conntrack_l3_l4_malformed")     \
  X(kL3Csum, "conntrack_l3csum_err")             \
  X(kL4Csum, "conntrack_l4csum_err")             \
  X(kTcpFlags, "conntrack_invalid_tcp_flags")    \
  X(kTcpSeq, "conntrack_tcp_seq_chk_failed")     \
  X(kNoNew, "conntrack_invalid_new")             \
  X(kRelatedNoConn, "conntrack_related_no_conn") \
  X(kFragment, "conntrack_fragment_unsupported") \
  X(kNotIp, "conntrack_not_ip")                  \
  X(kCommitted, "conntrack_committed")           \
  X(kExpired, "conntrack_expired")               \
  X(kFastPath, "conntrack_fast_path")

enum class CtCounter : uint8_t {
#define NT_CT_COUNTER_ENUM(name, str) name,
  NT_CT_COUNTERS(NT_CT_COUNTER_ENUM)
#undef NT_CT_COUNTER_ENUM
      kCount
};

namespace ct {
struct Table;  // conntrack.cc
}

class Conntrack {
 public:
  explicit Conntrack(const Clock& clock, ConntrackOptions = {});
  ~Conntrack();
  Conntrack(const Conntrack&) = delete;
  Conntrack& operator=(const Conntrack&) = delete;

  // Tracks one packet (parsed by flow_extract into `key` with offsets `ofs`) in args.zone:
  // fills `meta`, applies NAT to the packet bytes AND to `key` (addresses/ports, checksums
  // updated incrementally), commits when asked. Never allocates for a packet of an existing
  // connection. Returns a drop reason or kNone (the datapath drops and counts on non-kNone).
  CtDrop execute(Packet& pkt, FlowKey& key, const HeaderOffsets& ofs, const CtArgs& args,
                 CtMeta& meta);
  // Expires connections whose timeout passed (the datapath calls it from its run loop).
  void sweep();
  // dpctl/dump-conntrack [-m] [-s] [zone=N]: OVS's text, one connection per line ("\n").
  std::string dump(std::optional<uint16_t> zone, bool more = false, bool stats = false) const;
  // dpctl/flush-conntrack [zone=N] ['ct_nw_src=..,ct_nw_proto=..,ct_tp_dst=..' tuple]:
  // without a tuple, every connection (of the zone); with one, the connection that has that
  // tuple in either direction (kNotFound if none). Returns how many were removed.
  Result<size_t> flush(std::optional<uint16_t> zone, std::string_view tuple = {});
  // `conntrack -D -s ADDR` and `-D -d ADDR` together: removes every connection (of any zone)
  // with `addr` as the source or destination of either direction's tuple. Returns how many.
  size_t flush_address(const CtAddr& addr, bool ipv6);
  std::string stats_show(bool more = false) const;  // dpctl/ct-stats-show [-m]
  void set_max_conns(size_t n);                     // ct-set-maxconns
  size_t max_conns() const;                         // ct-get-maxconns
  void set_tcp_seq_check(bool on);                  // ct-enable/disable-tcp-seq-chk
  bool tcp_seq_check() const;
  size_t count() const;
  // Named counters, "name  total:N" lines as coverage/show (non-zero ones only).
  std::string format_coverage() const;
  uint64_t counter(CtCounter c) const;
  // Bytes held by the connection records and the hash table (what 1M connections cost).
  size_t memory_bytes() const;

 private:
  std::unique_ptr<ct::Table> t_;
};

}  // namespace nt
