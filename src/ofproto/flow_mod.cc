// flow_mod semantics: add, modify[-strict], delete[-strict], learn and timeouts.
#include <algorithm>

#include "ofproto/ofproto.h"

namespace nt {
namespace {

bool outputs_to(const ActionList& acts, uint32_t port) {
  for (const Action& a : acts) {
    if (const auto* o = std::get_if<OutputAction>(&a); o && o->port == port) return true;
    if (const auto* c = std::get_if<ControllerAction>(&a); c && port == ofp_port::kController) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool Ofproto::selected(const Rule& r, const FlowSpec& f) const {
  if (f.table_given && r.table_id != f.table) return false;
  if ((r.cookie & f.cookie_mask) != (f.cookie & f.cookie_mask)) return false;
  if (f.out_port != ofp_port::kNone && !outputs_to(r.actions, f.out_port)) return false;
  return true;
}

namespace {

// Orders selected rules by table, then priority (high first), then insertion, on compact keys
// (sorting the shared pointers themselves chased every rule at each comparison: most of a
// 20,000-flow dump-flows snapshot).
void sort_for_dump(std::vector<RulePtr>& rules) {
  struct Key {
    uint32_t order;  // dump_order()
    uint32_t index;
    uint64_t seq;
  };
  std::vector<Key> keys;
  keys.reserve(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& r = *rules[i];
    keys.push_back({dump_order(r), static_cast<uint32_t>(i), r.seq});
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    if (a.order != b.order) return a.order < b.order;
    if (a.seq != b.seq) return a.seq < b.seq;
    return a.index < b.index;
  });
  std::vector<RulePtr> sorted;
  sorted.reserve(rules.size());
  for (const Key& k : keys) sorted.push_back(std::move(rules[k.index]));
  rules = std::move(sorted);
}

}  // namespace

void Ofproto::for_each_rule(const std::function<void(const RulePtr&)>& f) const {
  for (const Table& t : tables_) {
    for (const auto& [cls, rule] : t.rules) f(rule);
  }
}

std::vector<RulePtr> Ofproto::select(const FlowSpec& f, bool strict) const {
  std::vector<RulePtr> out;
  for (int t = 0; t < kNumTables; ++t) {
    if (f.table_given && t != f.table) continue;
    const Table& table = tables_[t];
    if (strict) {
      ClsRule* c = table.cls.find_exact(f.match, f.priority);
      if (c) {
        const RulePtr& r = table.rules.at(c);
        if (selected(*r, f)) out.push_back(r);
      }
      continue;
    }
    table.cls.for_each_loose(f.match, [&](ClsRule* c) {
      const RulePtr& r = table.rules.at(c);
      if (selected(*r, f)) out.push_back(r);
    });
  }
  sort_for_dump(out);
  return out;
}

Status Ofproto::flow_mod(const FlowSpec& spec, FlowModCommand cmd, bool of10) {
  switch (cmd) {
    case FlowModCommand::kAdd:
      return add_flow(spec);
    case FlowModCommand::kModify:
      return modify_flows(spec, false, of10);
    case FlowModCommand::kModifyStrict:
      return modify_flows(spec, true, of10);
    case FlowModCommand::kDelete:
      return delete_flows(spec, false);
    case FlowModCommand::kDeleteStrict:
      return delete_flows(spec, true);
  }
  return make_error("unknown flow_mod command", ErrorCode::kInternal);
}

Status Ofproto::add_flow(const FlowSpec& spec) {
  NT_TRY(check_actions(spec.actions, spec.match, spec.table));
  return add_rule(spec, make_rule(spec));
}

// The rule an add makes, not yet in any table. It reads nothing of the tables, so a bundle's
// rules can be made side by side (apply_bundle).
RulePtr Ofproto::make_rule(const FlowSpec& spec) const {
  auto r = std::make_shared<Rule>();
  r->cls.match = spec.match;
  r->cls.priority = spec.priority;
  r->table_id = spec.table;
  r->cookie = spec.cookie;
  r->idle_timeout = spec.idle_timeout;
  r->hard_timeout = spec.hard_timeout;
  r->importance = spec.importance;
  r->send_flow_rem = spec.send_flow_rem;
  r->reset_counts = spec.reset_counts;
  r->actions = spec.actions;
  r->created = r->modified = r->used = clock_.now_ms();
  return r;
}

// Puts a made rule (its actions checked) in its table, in place of the rule of the same
// identity if there is one.
Status Ofproto::add_rule(const FlowSpec& spec, RulePtr r) {
  Table& t = tables_[spec.table];
  if (spec.check_overlap && t.cls.find_overlap(spec.match, spec.priority)) {
    return make_error("flow overlaps an existing flow of the same priority (check_overlap)",
                      ErrorCode::kConflict);
  }
  if (ClsRule* old = t.cls.find_exact(spec.match, spec.priority)) {
    replace_rule(old, std::move(r));
  } else {
    insert_rule(std::move(r));
  }
  return ok_status();
}

Status Ofproto::modify_flows(const FlowSpec& spec, bool strict, bool of10) {
  NT_TRY(check_actions(spec.actions, spec.match, spec.table));
  std::vector<RulePtr> rules = select(spec, strict);
  if (rules.empty()) {
    // OpenFlow 1.0 (ovs-ofctl's default): a modify that matches nothing adds the flow,
    // unless a cookie mask was given. OpenFlow 1.1+ never does.
    if (spec.cookie_mask || !of10) return ok_status();
    return add_flow(spec);
  }
  // "cookie=V" without a mask is the modified flows' new cookie (ovs-ofctl mod-flows). FlowSpec
  // cannot tell "cookie=0" from no cookie, so only a non-zero one is applied.
  bool set_cookie = of10 && !spec.cookie_mask && spec.cookie;
  for (const RulePtr& r : rules) {
    if (undo_) undo_->push_back({Undo::Kind::kModified, r, r->actions, r->cookie, r->modified});
    r->actions = spec.actions;
    set_conjunctions(*r);  // the classifier reads them at lookup time
    if (set_cookie) r->cookie = spec.cookie;
    r->modified = clock_.now_ms();
  }
  ++version_;
  return ok_status();
}

Status Ofproto::delete_flows(const FlowSpec& spec, bool strict) {
  for (const RulePtr& r : select(spec, strict)) remove_rule(r.get());
  return ok_status();
}

void Ofproto::learn(const FlowSpec& spec, std::optional<TimeMs> when) {
  Table& t = tables_[spec.table];
  if (ClsRule* old = t.cls.find_exact(spec.match, spec.priority)) {
    Rule& r = *t.rules.at(old);
    if (r.actions == spec.actions && r.cookie == spec.cookie &&
        r.idle_timeout == spec.idle_timeout && r.hard_timeout == spec.hard_timeout) {
      r.modified = std::max(r.modified, when.value_or(clock_.now_ms()));  // refresh
      return;
    }
  }
  (void)add_flow(spec);  // learned flows were checked when the learn action was
  if (ClsRule* added = t.cls.find_exact(spec.match, spec.priority)) {
    t.rules.at(added)->learned = true;
  }
}

size_t Ofproto::expire() {
  TimeMs now = clock_.now_ms();
  std::vector<Rule*> dead;
  for (Rule* r : timed_) {
    bool hard = r->hard_timeout && now - r->modified > r->hard_timeout * TimeMs{1000};
    bool idle = r->idle_timeout && now - r->used > r->idle_timeout * TimeMs{1000};
    if (hard || idle) dead.push_back(r);
  }
  // Removed in dump order (table, then insertion), as the walk over the tables did.
  std::sort(dead.begin(), dead.end(), [](const Rule* a, const Rule* b) {
    return a->table_id != b->table_id ? a->table_id < b->table_id : a->seq < b->seq;
  });
  for (Rule* r : dead) remove_rule(r);
  mac_table_.expire(now);
  return dead.size();
}

FlowSpec learned_flow(const LearnAction& l, const FlowKey& flow) {
  FlowSpec s;
  s.table = l.table;
  s.table_given = true;
  s.priority = l.priority;
  s.idle_timeout = l.idle_timeout;
  s.hard_timeout = l.hard_timeout;
  s.cookie = l.cookie;
  s.send_flow_rem = l.send_flow_rem;
  s.actions_given = true;
  for (const LearnSpec& sp : l.specs) {
    switch (sp.kind) {
      case LearnSpec::Kind::kMatchField:
      case LearnSpec::Kind::kMatchImmediate: {
        u128 v = sp.kind == LearnSpec::Kind::kMatchField ? subfield_get(flow, sp.src) : sp.value;
        subfield_set(s.match.value, sp.dst, v);
        subfield_unwildcard(s.match.mask, sp.dst);
        break;
      }
      case LearnSpec::Kind::kLoadField:
      case LearnSpec::Kind::kLoadImmediate: {
        u128 v = sp.kind == LearnSpec::Kind::kLoadField ? subfield_get(flow, sp.src) : sp.value;
        s.actions.push_back(RegLoadAction{sp.dst, v});
        break;
      }
      case LearnSpec::Kind::kOutput:
        s.actions.push_back(OutputAction{static_cast<uint32_t>(subfield_get(flow, sp.src)), 0});
        break;
    }
  }
  key_and(s.match.value, s.match.mask);
  return s;
}

}  // namespace nt
