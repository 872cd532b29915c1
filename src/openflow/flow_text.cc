// Whole flows: parse_flow() (Open vSwitch's parse_ofp_str() in lib/ofp-flow.c) and its inverse
// format_flow().
#include "openflow/flow_text.h"

#include <string>

#include "common/strings.h"
#include "openflow/match_builder.h"

namespace nt {
namespace {

using oftext::KeyValue;
using oftext::parse_bounded;

struct FlowSplit {
  std::string_view match;
  std::string_view actions;
  bool has_actions = false;
};

// "actions=" (or "action=") at the start of an item, outside quotes: everything after it is the
// action list.
FlowSplit split_actions(std::string_view t) {
  bool at_item_start = true;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '"') {
      size_t close = t.find('"', i + 1);
      if (close == std::string_view::npos) break;
      i = close;
      at_item_start = false;
      continue;
    }
    if (at_item_start && t.substr(i, 6) == "action") {
      size_t j = i + (t.substr(i, 7) == "actions" ? 7 : 6);
      while (j < t.size() && (t[j] == ' ' || t[j] == '\t')) ++j;
      if (j < t.size() && t[j] == '=') return {t.substr(0, i), t.substr(j + 1), true};
    }
    at_item_start = oftext::is_space_or_comma(c);
  }
  return {t, {}, false};
}

Error prefixed(std::string_view prefix, const Error& e) {
  if (e.verbatim) return e;
  return Error{e.code, std::string(prefix) + e.message};
}

using KeyFn = Status (*)(const KeyValue&, FlowTextMode, const PortNamer*, FlowSpec*);

Status parse_table_key(const KeyValue& kv, FlowTextMode mode, const PortNamer*, FlowSpec* s) {
  uint64_t v;
  uint64_t max = mode == FlowTextMode::kAdd ? 254 : 255;  // 255: all tables
  NT_TRY(parse_bounded("table", kv.value, max, &v));
  s->table = v == 255 ? 0 : static_cast<uint8_t>(v);
  s->table_given = v != 255;
  return ok_status();
}

Status parse_priority_key(const KeyValue& kv, FlowTextMode, const PortNamer*, FlowSpec* s) {
  uint64_t v;
  NT_TRY(parse_bounded("priority", kv.value, 65535, &v));
  s->priority = static_cast<uint16_t>(v);
  s->priority_given = true;
  return ok_status();
}

Status parse_cookie_key(const KeyValue& kv, FlowTextMode mode, const PortNamer*, FlowSpec* s) {
  size_t slash = kv.value.find('/');
  uint64_t v;
  NT_TRY(parse_bounded("cookie", kv.value.substr(0, slash), ~uint64_t{0}, &v));
  s->cookie = v;
  if (slash == std::string_view::npos) {
    if (mode != FlowTextMode::kDelete) return ok_status();
    return make_error("cookie: deleting flows selects by cookie=VALUE/MASK (e.g. cookie=0x1/-1)");
  }
  if (mode == FlowTextMode::kAdd) return make_error("cookie: flow additions cannot use a mask");
  std::string_view mask = trim(kv.value.substr(slash + 1));
  if (mask == "-1") {
    v = ~uint64_t{0};
  } else {
    NT_TRY(parse_bounded("cookie mask", mask, ~uint64_t{0}, &v));
  }
  s->cookie_mask = v;
  return ok_status();
}

Status parse_u16_key(const KeyValue& kv, uint16_t* out) {
  uint64_t v;
  NT_TRY(parse_bounded(kv.key, kv.value, 65535, &v));
  *out = static_cast<uint16_t>(v);
  return ok_status();
}

Status parse_idle_key(const KeyValue& kv, FlowTextMode, const PortNamer*, FlowSpec* s) {
  return parse_u16_key(kv, &s->idle_timeout);
}
Status parse_hard_key(const KeyValue& kv, FlowTextMode, const PortNamer*, FlowSpec* s) {
  return parse_u16_key(kv, &s->hard_timeout);
}
Status parse_importance_key(const KeyValue& kv, FlowTextMode, const PortNamer*, FlowSpec* s) {
  return parse_u16_key(kv, &s->importance);
}
Status parse_send_flow_rem(const KeyValue&, FlowTextMode, const PortNamer*, FlowSpec* s) {
  s->send_flow_rem = true;
  return ok_status();
}
Status parse_reset_counts(const KeyValue&, FlowTextMode, const PortNamer*, FlowSpec* s) {
  s->reset_counts = true;
  return ok_status();
}
Status parse_check_overlap(const KeyValue&, FlowTextMode, const PortNamer*, FlowSpec* s) {
  s->check_overlap = true;
  return ok_status();
}
Status parse_out_port(const KeyValue& kv, FlowTextMode, const PortNamer* names, FlowSpec* s) {
  auto port = oftext::parse_port(kv.value, names);
  if (!port) return oftext::bad_value("out_port", kv.value, "a port number or name");
  s->out_port = *port;
  return ok_status();
}
Status ignore_key(const KeyValue&, FlowTextMode, const PortNamer*, FlowSpec*) {
  return ok_status();
}

enum Modes : uint8_t { kAddOk = 1, kModifyOk = 2, kDeleteOk = 4, kAll = 7 };

struct FlowKeyword {
  std::string_view name;
  uint8_t modes;
  bool takes_value;
  KeyFn fn;
};
constexpr FlowKeyword kFlowKeywords[] = {
    {"table", kAll, true, &parse_table_key},
    {"priority", kAll, true, &parse_priority_key},
    {"cookie", kAll, true, &parse_cookie_key},
    {"idle_timeout", kAddOk | kModifyOk, true, &parse_idle_key},
    {"hard_timeout", kAddOk | kModifyOk, true, &parse_hard_key},
    {"importance", kAddOk, true, &parse_importance_key},
    {"send_flow_rem", kAddOk | kModifyOk, false, &parse_send_flow_rem},
    {"reset_counts", kAddOk | kModifyOk, false, &parse_reset_counts},
    {"check_overlap", kAddOk | kModifyOk, false, &parse_check_overlap},
    {"out_port", kDeleteOk, true, &parse_out_port},
    // Statistics printed by dump-flows, accepted so its output can be pasted back.
    {"duration", kAll, true, &ignore_key},
    {"n_packets", kAll, true, &ignore_key},
    {"n_bytes", kAll, true, &ignore_key},
    {"idle_age", kAll, true, &ignore_key},
    {"hard_age", kAll, true, &ignore_key},
};

std::string_view mode_verb(FlowTextMode mode) {
  switch (mode) {
    case FlowTextMode::kAdd:
      return "adding";
    case FlowTextMode::kModify:
      return "modifying";
    case FlowTextMode::kDelete:
      return "deleting";
  }
  return "";
}

// Returns true when kv was one of the flow's own keywords (not a match item).
Result<bool> parse_flow_keyword(const KeyValue& kv, FlowTextMode mode, const PortNamer* names,
                                FlowSpec* spec) {
  for (const FlowKeyword& k : kFlowKeywords) {
    if (k.name != kv.key) continue;
    uint8_t bit = mode == FlowTextMode::kAdd      ? kAddOk
                  : mode == FlowTextMode::kModify ? kModifyOk
                                                  : kDeleteOk;
    if (!(k.modes & bit)) {
      return make_error(std::string(kv.key) + ": not valid when " + std::string(mode_verb(mode)) +
                        " flows");
    }
    if (k.takes_value && (!kv.delim || trim(kv.value).empty())) {
      return make_error(std::string(kv.key) + ": missing value");
    }
    if (!k.takes_value && kv.delim) return make_error(std::string(kv.key) + ": takes no value");
    NT_TRY(k.fn(kv, mode, names, spec));
    return true;
  }
  return false;
}

Status parse_flow_items(std::string_view text, FlowTextMode mode, const PortNamer* names,
                        FlowSpec* spec) {
  oftext::MatchBuilder builder(names);
  oftext::KeyValueScanner scanner(text);
  KeyValue kv;
  for (;;) {
    auto step = scanner.next(&kv);
    if (step == oftext::KeyValueScanner::Step::kEnd) break;
    if (step == oftext::KeyValueScanner::Step::kError) return make_error(scanner.error());
    auto keyword = parse_flow_keyword(kv, mode, names, spec);
    if (!keyword.ok()) return keyword.error();
    if (*keyword) continue;
    auto applied = builder.apply(kv);
    if (!applied.ok()) return applied.error();
    if (!*applied) return make_error("unknown field '" + std::string(kv.key) + "'");
  }
  auto match = builder.finish();
  if (!match.ok()) return match.error();
  spec->match = *match;
  return ok_status();
}

void put_key(std::string& s, std::string_view key, uint64_t v, bool hex = false) {
  if (!s.empty()) s += ',';
  s += key;
  s += '=';
  if (hex) {
    oftext::append_hex(s, v);
  } else {
    oftext::append_dec(s, v);
  }
}

}  // namespace

Status parse_flow_into(std::string_view text, FlowTextMode mode, const PortNamer* names,
                       FlowSpec* spec) {
  // A NUL is no separator: text that holds one is refused whole (it cannot come from a file
  // line or a shell word, only from a crafted request).
  if (text.find('\0') != std::string_view::npos) {
    return make_error("flow text contains a NUL byte");
  }
  FlowSplit split = split_actions(text);
  if (mode == FlowTextMode::kDelete && split.has_actions) {
    return make_error("actions: not valid when deleting flows");
  }
  if (mode != FlowTextMode::kDelete && !split.has_actions) {
    return make_error("must specify actions (e.g. 'actions=drop')");
  }
  NT_TRY(parse_flow_items(split.match, mode, names, spec));
  if (!split.has_actions) return ok_status();
  auto acts = parse_actions(split.actions, names);
  if (!acts.ok()) return prefixed("actions: ", acts.error());
  if (ofpacts_size(*acts) > kMaxOfpactsSize) return make_error("input too big");
  spec->actions = std::move(*acts);
  spec->actions_given = true;
  Status checked = check_actions(spec->actions, spec->match, spec->table);
  if (!checked.ok()) return prefixed("actions: ", checked.error());
  return ok_status();
}

Result<FlowSpec> parse_flow(std::string_view text, FlowTextMode mode, const PortNamer* names) {
  FlowSpec spec;
  NT_TRY(parse_flow_into(text, mode, names, &spec));
  return spec;
}

std::string format_flow(const FlowSpec& spec, FlowTextMode mode, const PortNamer* names) {
  std::string s;
  bool masked_cookie = spec.cookie_mask != 0 || mode == FlowTextMode::kDelete;
  if (spec.cookie || spec.cookie_mask) {
    put_key(s, "cookie", spec.cookie, true);
    if (masked_cookie) s += "/" + oftext::hex_u128(spec.cookie_mask);
  }
  if (spec.table_given) put_key(s, "table", spec.table);
  if (spec.idle_timeout) put_key(s, "idle_timeout", spec.idle_timeout);
  if (spec.hard_timeout) put_key(s, "hard_timeout", spec.hard_timeout);
  if (spec.importance) put_key(s, "importance", spec.importance);
  if (spec.send_flow_rem) s += s.empty() ? "send_flow_rem" : ",send_flow_rem";
  if (spec.reset_counts) s += s.empty() ? "reset_counts" : ",reset_counts";
  if (spec.check_overlap) s += s.empty() ? "check_overlap" : ",check_overlap";
  if (spec.out_port != ofp_port::kNone) {
    s += s.empty() ? "out_port=" : ",out_port=";
    oftext::append_port(s, spec.out_port, names);
  }
  if (spec.priority_given && spec.priority == kDefaultPriority) put_key(s, "priority", 32768);
  std::string match = format_match(spec.match, spec.priority, names);
  if (!match.empty()) s += (s.empty() ? "" : ",") + match;
  if (spec.actions_given)
    s += (s.empty() ? "actions=" : " actions=") + format_actions(spec.actions, names);
  return s;
}

}  // namespace nt
