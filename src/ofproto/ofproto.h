// Ofproto: one OpenFlow bridge — its ports, its 255 flow tables and its MAC learning table.
//
// This is the OpenFlow-semantics half of a bridge (Open vSwitch's ofproto.c): flow_mod with
// add / modify / modify-strict / delete / delete-strict as OpenFlow 1.0 and ovs-ofctl define
// them, cookies and cookie masks, counters, idle and hard timeouts driven by a Clock, the
// learn action's add-or-refresh, and dump-flows formatted byte for byte like ovs-ofctl. It
// does not move packets: xlate/ walks these tables for the datapath. Every change that could
// alter a translation bumps version(), which is how cached megaflows know to revalidate.
//
// apply_bundle() is the one transaction: a list of flow_mods applied in order, all or none.
// While it runs, every primitive change (rule inserted, rule removed, rule modified) is logged
// with what it replaced, so a failure undoes exactly the changes made — the very same Rule
// objects go back, counters, ages and insertion order included — at a cost proportional to the
// bundle, not to the table. Outside a bundle nothing is logged. A bundle may carry a commit
// hook (persistence): it runs after every change is staged and before version() publishes it;
// if it fails, the bundle is undone exactly as a failed flow_mod undoes it, so a change whose
// commit failed is never in effect.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "classifier/classifier.h"
#include "common/clock.h"
#include "common/result.h"
#include "datapath/dp_port.h"
#include "ofproto/mac_learning.h"
#include "ofproto/port_spec.h"
#include "ofproto/rule.h"
#include "ofproto/vlan_port.h"
#include "openflow/flow_text.h"

namespace nt {

inline constexpr int kNumTables = 255;

struct OfPort {
  uint32_t ofport = 0;
  std::string name;
  PortType type = PortType::kDummy;
  MacAddr mac;
  PortVlanConfig vlan_config;
  PortVlan vlan;          // compiled from vlan_config
  std::string peer;       // patch: the peer port's name
  uint32_t odp_port = 0;  // datapath port (0: none, e.g. patch ports)
  std::optional<TunnelConfig> tunnel;
  bool no_flood = false;
  uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
};

enum class FlowModCommand { kAdd, kModify, kModifyStrict, kDelete, kDeleteStrict };

// One flow_mod of a bundle (an ovs-ofctl flow file line: "add ...", "delete_strict ...").
struct FlowOp {
  FlowModCommand cmd = FlowModCommand::kAdd;
  FlowSpec spec;
  // OpenFlow 1.0 modify semantics (ovs-ofctl's default protocol): a modify that matches nothing
  // adds the flow, and "cookie=V" without a mask becomes the modified flows' cookie. OpenFlow
  // 1.1 and later (-O OpenFlow13, --bundle) do neither.
  bool of10 = true;
};

// A bundle's commit hook gets the rules the bundle touched, each once, in the order first
// touched: rules now in a table (added or modified) and rules removed (Rule::removed set).
using BundleCommitHook = std::function<Status(const std::vector<RulePtr>& touched)>;

struct DumpOptions {
  bool no_stats = false;
  bool names = false;
  int ofp_version = 1;  // actions printed as this OpenFlow version carries them (wire_form())
  int sort = 0;         // ovs-ofctl --sort (1: ascending priority), --rsort (-1), 0: as stored
};

class Ofproto : public PortNamer {
 public:
  Ofproto(std::string name, const Clock& clock);
  ~Ofproto() override;

  const std::string& name() const { return name_; }
  const Clock& clock() const { return clock_; }

  // Ports. OpenFlow port numbers are assigned from 1 (LOCAL is 65534) unless requested.
  Result<uint32_t> add_port(OfPort port, std::optional<uint32_t> requested = std::nullopt);
  Status del_port(std::string_view name);
  Status set_port_vlan(std::string_view name, const PortVlanConfig& cfg);
  const OfPort* port(uint32_t ofport) const;
  OfPort* port(uint32_t ofport);
  const OfPort* find_port(std::string_view name) const;
  const std::map<uint32_t, OfPort>& ports() const { return ports_; }
  std::optional<uint32_t> port_by_name(std::string_view name) const override;
  std::optional<std::string> name_by_port(uint32_t port) const override;

  // Flow tables.
  Status flow_mod(const FlowSpec& spec, FlowModCommand cmd, bool of10 = true);
  // Applies `ops` in order as one transaction (an OpenFlow 1.4 atomic, ordered bundle): either
  // all succeed and version() moves once, or the first failure is returned (its index in
  // *failed) and the tables are exactly as before — same rules, counters, ages and version.
  // With `commit`, it runs once every op is staged; if it fails, the bundle is undone the same
  // way and its error returned (*failed = ops.size()).
  Status apply_bundle(const std::vector<FlowOp>& ops, size_t* failed = nullptr,
                      const BundleCommitHook& commit = nullptr);
  // Every rule of every table, in no particular order.
  void for_each_rule(const std::function<void(const RulePtr&)>& f) const;
  // Rules selected as dump-flows / del-flows select them (non-strict unless `strict`).
  std::vector<RulePtr> select(const FlowSpec& filter, bool strict) const;
  // ovs-ofctl dump-flows body: one line per rule, ordered by table then priority (high first).
  std::string dump_flows(const FlowSpec* filter, const DumpOptions& opts) const;
  std::string format_rule(const Rule& rule, const DumpOptions& opts) const;
  // Highest-priority rule in `table` matching `key`; ORs consulted bits into `wc`.
  Rule* lookup(uint8_t table, const FlowKey& key, FlowKey* wc) const;
  // The owning reference of a rule that is in a table (xlate caches keep these).
  RulePtr lookup_shared(const Rule* rule) const;
  size_t n_rules(uint8_t table) const;
  size_t n_rules() const;
  // A table's lookups and how many found a rule (dump-tables). Packets are credited when
  // their megaflow's statistics are pushed, for every lookup its translation made.
  struct TableStats {
    uint64_t lookups = 0, matched = 0;
  };
  const TableStats& table_stats(uint8_t table) const { return tables_[table].stats; }
  void count_lookups(uint8_t table, bool matched, uint64_t packets) {
    tables_[table].stats.lookups += packets;
    if (matched) tables_[table].stats.matched += packets;
  }

  // learn: adds the flow, or refreshes an identical one (its hard timeout restarts at `when`,
  // the time the packet that learned it was seen; now if not given).
  void learn(const FlowSpec& spec, std::optional<TimeMs> when = std::nullopt);
  // Removes rules whose idle or hard timeout has passed. Returns how many. Visits only rules
  // that have a timeout (kept in a set as they enter and leave the tables), so a large table of
  // permanent flows costs nothing per tick.
  size_t expire();

  MacLearningTable& mac_table() { return mac_table_; }
  const MacLearningTable& mac_table() const { return mac_table_; }
  // Bumped on every change that can alter a translation (flows, ports, VLANs).
  uint64_t version() const { return version_ + mac_table_.version(); }
  // The part of version() that is not the MAC table's: flows, ports, VLANs.
  uint64_t flow_version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  struct Table {
    Classifier cls;
    std::unordered_map<const ClsRule*, RulePtr> rules;
    TableStats stats;
  };
  Status add_flow(const FlowSpec& spec);
  RulePtr make_rule(const FlowSpec& spec) const;
  Status add_rule(const FlowSpec& spec, RulePtr rule);
  // A large bundle's adds made into rules in shares before it is applied: made[i] is op i's
  // rule, or null with checks[i] its actions' error (empty vectors for a small bundle).
  struct MadeRules {
    std::vector<RulePtr> rules;
    std::vector<Status> checks;
  };
  MadeRules make_rules(const std::vector<FlowOp>& ops) const;
  Status apply_op(const FlowOp& op, MadeRules& made, size_t i);
  Status modify_flows(const FlowSpec& spec, bool strict, bool of10);
  Status delete_flows(const FlowSpec& spec, bool strict);
  // What a bundle changed, so that a failure can put it back (newest first).
  struct Undo {
    enum class Kind { kInserted, kRemoved, kModified } kind;
    RulePtr rule;
    ActionList actions;  // kModified: the rule's previous actions, cookie and modified time
    uint64_t cookie = 0;
    TimeMs modified = 0;
  };
  void insert_rule(RulePtr rule);
  void remove_rule(Rule* rule);
  // An add of the same identity: `rule` takes `old`'s place (old is removed and superseded).
  void replace_rule(ClsRule* old, RulePtr rule);
  void reserve_for(const std::vector<FlowOp>& ops);
  std::vector<RulePtr> touched_rules(const std::vector<Undo>& log);
  void rollback(std::vector<Undo>& log);
  void undo_bundle(std::vector<Undo>& log, uint64_t version, uint64_t seq);
  bool selected(const Rule& r, const FlowSpec& f) const;

  std::string name_;
  const Clock& clock_;
  std::map<uint32_t, OfPort> ports_;
  std::vector<Table> tables_;
  MacLearningTable mac_table_;
  uint64_t version_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t next_mark_ = 0;             // Rule::bundle_mark of the latest commit
  std::vector<Undo>* undo_ = nullptr;  // set while apply_bundle() runs
  std::unordered_set<Rule*> timed_;    // rules in a table with an idle or hard timeout
};

// Builds the flow a learn action adds for a packet whose (current) key is `flow`.
FlowSpec learned_flow(const LearnAction& learn, const FlowKey& flow);
// ovs-ofctl's duration format: seconds, fraction with trailing zeros trimmed ("2688.94s").
std::string format_duration(TimeMs ms);

}  // namespace nt
