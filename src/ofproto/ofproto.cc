#include "ofproto/ofproto.h"

#include <algorithm>

#include "common/memory.h"
#include "common/parallel.h"

namespace nt {

Ofproto::Ofproto(std::string name, const Clock& clock)
    : name_(std::move(name)), clock_(clock), tables_(kNumTables) {}

Ofproto::~Ofproto() = default;

Result<uint32_t> Ofproto::add_port(OfPort port, std::optional<uint32_t> requested) {
  if (find_port(port.name)) {
    return make_error("port '" + port.name + "' already exists on " + name_, ErrorCode::kConflict);
  }
  uint32_t no = 0;
  if (requested) {
    no = *requested;
    if (no == 0 || (no >= ofp_port::kMax && no != ofp_port::kLocal) || ports_.count(no)) {
      return make_error("ofport " + std::to_string(no) + " is not available on " + name_,
                        ErrorCode::kConflict);
    }
  } else {
    for (no = 1; ports_.count(no); ++no) {
    }
  }
  port.ofport = no;
  port.vlan = PortVlan::resolve(port.vlan_config);
  ports_.emplace(no, std::move(port));
  ++version_;
  return no;
}

Status Ofproto::del_port(std::string_view name) {
  for (auto it = ports_.begin(); it != ports_.end(); ++it) {
    if (it->second.name == name) {
      mac_table_.flush_port(it->first);
      ports_.erase(it);
      ++version_;
      return ok_status();
    }
  }
  return make_error("no port named '" + std::string(name) + "' on " + name_, ErrorCode::kNotFound);
}

Status Ofproto::set_port_vlan(std::string_view name, const PortVlanConfig& cfg) {
  auto no = port_by_name(name);
  if (!no) return make_error("no port named '" + std::string(name) + "'", ErrorCode::kNotFound);
  auto compiled = PortVlan::create(cfg);
  if (!compiled.ok()) return compiled.error();
  OfPort& p = ports_.at(*no);
  p.vlan_config = cfg;
  p.vlan = *compiled;
  mac_table_.flush_port(*no);
  ++version_;
  return ok_status();
}

const OfPort* Ofproto::port(uint32_t ofport) const {
  auto it = ports_.find(ofport);
  return it == ports_.end() ? nullptr : &it->second;
}

OfPort* Ofproto::port(uint32_t ofport) {
  auto it = ports_.find(ofport);
  return it == ports_.end() ? nullptr : &it->second;
}

const OfPort* Ofproto::find_port(std::string_view name) const {
  for (const auto& [no, p] : ports_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::optional<uint32_t> Ofproto::port_by_name(std::string_view name) const {
  const OfPort* p = find_port(name);
  if (!p) return std::nullopt;
  return p->ofport;
}

std::optional<std::string> Ofproto::name_by_port(uint32_t no) const {
  const OfPort* p = port(no);
  if (!p) return std::nullopt;
  return p->name;
}

Rule* Ofproto::lookup(uint8_t table, const FlowKey& key, FlowKey* wc) const {
  const Table& t = tables_[table];
  ClsRule* r = t.cls.lookup(key, wc);
  return r ? t.rules.find(r)->second.get() : nullptr;
}

RulePtr Ofproto::lookup_shared(const Rule* rule) const {
  const Table& t = tables_[rule->table_id];
  auto it = t.rules.find(&rule->cls);
  return it == t.rules.end() ? nullptr : it->second;
}

size_t Ofproto::n_rules(uint8_t table) const { return tables_[table].cls.size(); }

size_t Ofproto::n_rules() const {
  size_t n = 0;
  for (const Table& t : tables_) n += t.cls.size();
  return n;
}

void set_conjunctions(Rule& rule) {
  rule.cls.conjs.clear();
  for (const Action& a : rule.actions) {
    if (const auto* c = std::get_if<ConjunctionAction>(&a)) {
      rule.cls.conjs.push_back(ClsConjunction{c->id, c->clause, c->n_clauses});
    }
  }
}

void Ofproto::insert_rule(RulePtr rule) {
  Table& t = tables_[rule->table_id];
  rule->seq = ++next_seq_;
  if (undo_) undo_->push_back({Undo::Kind::kInserted, rule, {}, 0, 0});
  set_conjunctions(*rule);
  t.cls.insert(&rule->cls);
  if (rule->idle_timeout || rule->hard_timeout) timed_.insert(rule.get());
  t.rules.emplace(&rule->cls, std::move(rule));
  ++version_;
}

void Ofproto::remove_rule(Rule* rule) {
  Table& t = tables_[rule->table_id];
  if (undo_) undo_->push_back({Undo::Kind::kRemoved, t.rules.at(&rule->cls), {}, 0, 0});
  t.cls.remove(&rule->cls);
  rule->removed = true;
  if (rule->idle_timeout || rule->hard_timeout) timed_.erase(rule);
  t.rules.erase(&rule->cls);  // cached megaflows may still hold a reference
  ++version_;
}

// As remove_rule(old) then insert_rule(rule), with the undo log the same two entries, but the
// classifier's node and the rule map's node are reused: a replace-flows that changes every
// flow makes no classifier node.
void Ofproto::replace_rule(ClsRule* old_cls, RulePtr rule) {
  Table& t = tables_[rule->table_id];
  auto node = t.rules.extract(old_cls);
  Rule* old = node.mapped().get();
  if (undo_) undo_->push_back({Undo::Kind::kRemoved, node.mapped(), {}, 0, 0});
  old->removed = old->superseded = true;
  if (old->idle_timeout || old->hard_timeout) timed_.erase(old);  // fixed when inserted
  rule->seq = ++next_seq_;
  if (undo_) undo_->push_back({Undo::Kind::kInserted, rule, {}, 0, 0});
  set_conjunctions(*rule);
  t.cls.replace(&old->cls, &rule->cls);
  if (rule->idle_timeout || rule->hard_timeout) timed_.insert(rule.get());
  node.key() = &rule->cls;
  node.mapped() = std::move(rule);
  t.rules.insert(std::move(node));
  version_ += 2;
}

// Sizes the tables' rule maps for the rules `ops` add, so a large bundle inserts without a
// cascade of rehashes (the classifier's subtables grow by doubling on their own).
void Ofproto::reserve_for(const std::vector<FlowOp>& ops) {
  std::vector<size_t> adds(kNumTables, 0);
  for (const FlowOp& op : ops) {
    if (op.cmd == FlowModCommand::kAdd) ++adds[op.spec.table];
  }
  for (int t = 0; t < kNumTables; ++t) {
    if (adds[t] > 64) tables_[t].rules.reserve(tables_[t].rules.size() + adds[t]);
  }
}

// The rules a bundle's log names, each once, in the order first touched. Rules carry the mark
// of the last bundle that listed them, so this is one pass with no lookup table.
std::vector<RulePtr> Ofproto::touched_rules(const std::vector<Undo>& log) {
  std::vector<RulePtr> touched;
  touched.reserve(log.size());
  advise_huge_pages_for(touched);
  uint64_t mark = ++next_mark_;
  for (const Undo& u : log) {
    if (u.rule->bundle_mark == mark) continue;
    u.rule->bundle_mark = mark;
    touched.push_back(u.rule);
  }
  return touched;
}

// A bundle with kShareMinItems adds or more makes their rules in shares first: allocating a
// rule, copying its match and actions and checking them depend on nothing but the op, so only
// linking the rules into the tables is left to the serial pass.
Ofproto::MadeRules Ofproto::make_rules(const std::vector<FlowOp>& ops) const {
  MadeRules made;
  size_t adds = std::count_if(ops.begin(), ops.end(),
                              [](const FlowOp& op) { return op.cmd == FlowModCommand::kAdd; });
  if (adds < kShareMinItems) return made;
  made.rules.resize(ops.size());
  made.checks.resize(ops.size(), ok_status());
  run_ranges(ops.size(), parallel_shares(), [&](size_t, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const FlowSpec& spec = ops[i].spec;
      if (ops[i].cmd != FlowModCommand::kAdd) continue;
      made.checks[i] = check_actions(spec.actions, spec.match, spec.table);
      if (made.checks[i].ok()) made.rules[i] = make_rule(spec);
    }
  });
  return made;
}

// Op i of a bundle: an add whose rule was made ahead is linked in (or fails as its check did);
// any other op is an ordinary flow_mod.
Status Ofproto::apply_op(const FlowOp& op, MadeRules& made, size_t i) {
  if (made.rules.empty() || op.cmd != FlowModCommand::kAdd) {
    return flow_mod(op.spec, op.cmd, op.of10);
  }
  if (!made.rules[i]) return made.checks[i];
  return add_rule(op.spec, std::move(made.rules[i]));
}

Status Ofproto::apply_bundle(const std::vector<FlowOp>& ops, size_t* failed,
                             const BundleCommitHook& commit) {
  MadeRules made = make_rules(ops);
  std::vector<Undo> log;
  log.reserve(2 * ops.size());  // an add that replaces a rule logs its removal and insertion
  advise_huge_pages_for(log);
  if (ops.size() > 64) reserve_for(ops);
  uint64_t version = version_, seq = next_seq_;
  undo_ = &log;
  for (size_t i = 0; i < ops.size(); ++i) {
    Status st = apply_op(ops[i], made, i);
    if (st.ok()) continue;
    undo_bundle(log, version, seq);
    if (failed) *failed = i;
    return st;
  }
  undo_ = nullptr;
  if (commit && !log.empty()) {
    if (Status st = commit(touched_rules(log)); !st.ok()) {
      undo_bundle(log, version, seq);
      if (failed) *failed = ops.size();
      return st;
    }
  }
  version_ = version + (log.empty() ? 0 : 1);
  return ok_status();
}

void Ofproto::undo_bundle(std::vector<Undo>& log, uint64_t version, uint64_t seq) {
  undo_ = nullptr;
  rollback(log);
  version_ = version;
  next_seq_ = seq;
}

// Undoes a bundle's changes, newest first, with the very Rule objects it removed or changed.
void Ofproto::rollback(std::vector<Undo>& log) {
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    Rule& r = *it->rule;
    Table& t = tables_[r.table_id];
    switch (it->kind) {
      case Undo::Kind::kInserted:
        t.cls.remove(&r.cls);
        timed_.erase(&r);
        t.rules.erase(&r.cls);
        r.removed = true;
        break;
      case Undo::Kind::kRemoved:
        r.removed = r.superseded = false;
        t.cls.insert(&r.cls);
        if (r.idle_timeout || r.hard_timeout) timed_.insert(&r);
        t.rules.emplace(&r.cls, it->rule);
        break;
      case Undo::Kind::kModified:
        r.actions = std::move(it->actions);
        set_conjunctions(r);  // the clauses the classifier reads come from the actions
        r.cookie = it->cookie;
        r.modified = it->modified;
        break;
    }
  }
  log.clear();
}

}  // namespace nt
