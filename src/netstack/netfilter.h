// Netfilter: the iptables rules of a Host (filter, nat and mangle tables) and the connection
// tracking that makes its NAT connection-based — what a Neutron qrouter namespace runs.
//
// What it is. load() takes a table as `iptables -t T -S` prints it (-P policies, -N chains,
// -A rules) and show() prints it back. The Host calls the hooks below on its IPv4 path:
// PREROUTING (mangle, nat) for every received packet before routing, INPUT (mangle, filter)
// before local delivery, FORWARD (mangle, filter) for forwarded packets, OUTPUT (mangle, nat,
// filter) for locally generated ones and POSTROUTING (mangle, nat) before transmission. Matches:
// -s/-d, -i/-o (a trailing `+` is a prefix wildcard), -p tcp|udp|icmp with --sport/--dport,
// -m conntrack --ctstate (and -m state --state), -m mark --mark, -m connmark --mark,
// -m comment; each may be negated with `!`. Targets: ACCEPT, DROP, RETURN, a user chain, SNAT,
// DNAT, REDIRECT, MARK --set-xmark/--set-mark and CONNMARK (--set-xmark, --save-mark and
// --restore-mark with --nfmask/--ctmask, as Neutron's address scopes use). Anything else is a
// load error naming it.
//
// NAT is connection-based, on Neutrino's own tracker (conntrack/conntrack.h) in one zone: the
// nat table sees only a connection's first packet; DNAT/REDIRECT chosen in PREROUTING or OUTPUT
// is committed there (so routing sees the new destination), SNAT chosen in POSTROUTING is
// committed there, and a connection that got neither is committed without NAT when it leaves
// or is delivered. Every later packet, in either direction, is translated by the tracker alone,
// ICMP errors RELATED to a connection included (their quoted header too). Deviations from
// Linux: a connection carries one NAT kind (a DNATed connection skips the POSTROUTING nat
// chain, so Neutron's hairpin `--ctstate DNAT -j SNAT` rule never applies); a connection is
// committed even if a filter rule later drops the packet; in POSTROUTING, -i matches the
// interface the packet came in on (so the seed's `! -i qg-X ! -o qg-X` means east-west);
// packets a host sends to itself see only OUTPUT; a VTEP's tunnel frames sent by
// Host::output_ip_frame bypass the hooks; IPv4 only; --random-fully means random.
//
// What makes it cheap. With nothing loaded the Host only tests a pointer. When rules are loaded,
// a packet's trip costs one tracker run per hook that needs one, and the frame is copied into a
// scratch Packet allocated once (the tracker works on Packets) and back: nothing allocates per
// packet except a new connection's record. Rules are parsed once into flat structs; matching
// compares integers, and interface names are compared only when a rule names one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "conntrack/conntrack.h"
#include "netstack/route_table.h"
#include "packet/ct_meta.h"
#include "packet/packet.h"

namespace nt {

class Host;

namespace nf {

enum class Target : uint8_t {
  kNone,
  kAccept,
  kDrop,
  kReturn,
  kJump,
  kSnat,
  kDnat,
  kRedirect,
  kMark,
  kConnmark
};

// CONNMARK's three forms: --set-xmark, --save-mark (packet mark -> connection), --restore-mark.
enum class ConnmarkOp : uint8_t { kSet, kSave, kRestore };

struct Rule {
  std::string text;  // the line as loaded (show() prints it back)
  // Matches; a zero mask (or empty name, zero proto) matches anything.
  uint32_t src = 0, src_mask = 0, dst = 0, dst_mask = 0;
  bool src_neg = false, dst_neg = false;
  std::string in_if, out_if;  // without the trailing '+'
  bool in_prefix = false, out_prefix = false, in_neg = false, out_neg = false;
  bool has_in = false, has_out = false;
  uint8_t proto = 0;
  bool proto_neg = false;
  uint16_t sport_min = 0, sport_max = 0xffff, dport_min = 0, dport_max = 0xffff;
  bool has_sport = false, has_dport = false, sport_neg = false, dport_neg = false;
  uint8_t ctstate = 0;  // kCs* bits; 0: no --ctstate
  bool ctstate_neg = false;
  bool has_mark = false, mark_neg = false;
  uint32_t mark = 0, mark_mask = 0;
  bool has_connmark = false, connmark_neg = false;  // -m connmark --mark
  uint32_t connmark = 0, connmark_mask = 0;
  // Target.
  Target target = Target::kNone;
  size_t jump = 0;                      // chain index for kJump
  uint32_t addr_min = 0, addr_max = 0;  // SNAT/DNAT; 0: keep (REDIRECT: the interface's)
  uint16_t port_min = 0, port_max = 0;  // 0: keep
  bool random = false, persistent = false;
  uint32_t set_value = 0, set_mask = 0;       // MARK: mark = (mark & ~mask) ^ value
  ConnmarkOp connmark_op = ConnmarkOp::kSet;  // CONNMARK: set_value/set_mask, or the masks below
  uint32_t nfmask = 0xffffffff, ctmask = 0xffffffff;
};

struct Chain {
  std::string name;
  bool builtin = false;
  bool policy_drop = false;
  std::vector<Rule> rules;
};

struct Table {
  std::vector<Chain> chains;  // built-ins in hook order, then user chains in name order
  bool loaded = false;        // has rules (else every hook passes without looking)
  int find(std::string_view name) const;
};

// Parses `rules` for `table` ("filter", "nat", "mangle") into `out` (netfilter_parse.cc).
Status parse_table(std::string_view table, const std::vector<std::string>& rules, Table& out);
std::string format_table(const Table& t);

}  // namespace nf

// One packet's trip through a host's hooks (on the caller's stack).
struct NfPass {
  NicId in = kNoNic;   // received on (kNoNic: locally generated)
  NicId out = kNoNic;  // leaving on, once routed
  uint32_t mark = 0;
  uint32_t ctmark = 0;        // the connection's mark as this packet sees it
  bool ctmark_dirty = false;  // CONNMARK changed it; written to the tracker by the hook
  CtMeta ct;
  bool committed = false;  // this packet's connection is in the tracker (or needs no commit)
};

enum class NfVerdict : uint8_t { kAccept, kDrop, kCtDrop };

class Netfilter {
 public:
  explicit Netfilter(Host& host);
  ~Netfilter();
  Netfilter(const Netfilter&) = delete;
  Netfilter& operator=(const Netfilter&) = delete;

  // Replaces one table ("filter", "nat", "mangle") with `rules`, lines as `iptables -t T -S`
  // prints them (-P / -N / -A). All or nothing: on error the table is unchanged and the message
  // names the line and what is not understood.
  Status load(std::string_view table, const std::vector<std::string>& rules);
  // `iptables -t T -S`: the loaded lines back, in iptables' order (-P, -N, then -A chain by
  // chain). Empty for an unknown table name.
  std::string show(std::string_view table) const;
  // `conntrack -D -s ADDR` and `-D -d ADDR`: forgets connections with this address in either
  // tuple. Returns how many.
  size_t flush_conntrack(uint32_t addr);
  std::string conntrack_text() const;  // the tracker's entries (dpctl/dump-conntrack format)
  const Conntrack& conntrack() const { return ct_; }

  // --- The host's hooks. `frame` is a writable Ethernet + IPv4 frame of `len` bytes (no VLAN
  // tag); NAT rewrites it in place (same length, checksums kept valid). Each is a no-op when
  // active() is false.
  bool active() const { return active_; }
  NfVerdict prerouting(uint8_t* frame, size_t len, NfPass& p);
  NfVerdict input(uint8_t* frame, size_t len, NfPass& p);
  NfVerdict forward(uint8_t* frame, size_t len, NfPass& p);
  NfVerdict output(uint8_t* frame, size_t len, NfPass& p);
  NfVerdict postrouting(uint8_t* frame, size_t len, NfPass& p);

 private:
  enum TableId : uint8_t { kFilter, kNat, kMangle, kTables };
  struct HostClock final : Clock {
    explicit HostClock(const Host& h) : host(h) {}
    TimeMs now_ms() const override;
    const Host& host;
  };
  struct Packet4;  // the fields rules look at (netfilter.cc)
  struct Walk;

  static int table_id(std::string_view name);
  // Runs the tracker on `frame` with `args`; copies NAT's rewrite back.
  CtDrop track(uint8_t* frame, size_t len, const CtArgs& args, NfPass& p);
  // Traverses one built-in chain: ACCEPT/DROP, and the NAT rule that fired (nat table).
  bool run_chain(TableId t, std::string_view chain, uint8_t* frame, size_t len, NfPass& p,
                 const nf::Rule** nat);
  NfVerdict track_mangle_nat(std::string_view chain, uint8_t* frame, size_t len, NfPass& p);
  NfVerdict nat_hook(std::string_view chain, uint8_t* frame, size_t len, NfPass& p);
  NfVerdict filter_hooks(std::string_view chain, bool filter, uint8_t* frame, size_t len,
                         NfPass& p);
  CtNat nat_for(const nf::Rule& r, const NfPass& p) const;
  void commit(uint8_t* frame, size_t len, NfPass& p);
  // A CONNMARK change goes to the tracker: with the commit of a new connection, or now.
  void take_ctmark(CtArgs& a, NfPass& p) const;
  void sync_ctmark(uint8_t* frame, size_t len, NfPass& p);
  void update_active();

  Host& host_;
  HostClock clock_;
  Conntrack ct_;
  std::unique_ptr<Packet> scratch_;
  nf::Table tables_[kTables];
  bool active_ = false;
  TimeMs last_sweep_ = 0;
};

}  // namespace nt
