// The learn(...) action: parsing, formatting (as Open vSwitch's learn_format() in lib/learn.c)
// and checking (as learn_check()).
//
// Syntax, per ovs-actions(7): keywords table=, priority=, idle_timeout=, hard_timeout=,
// fin_idle_timeout=, fin_hard_timeout=, cookie=, send_flow_rem, delete_learned, then specs:
//   FIELD[range]             match the learned flow's FIELD bits to this packet's same bits
//   DST[range]=SRC[range]    ... to this packet's SRC bits
//   DST[range]=VALUE         ... to an integer; FIELD=VALUE takes the field's own syntax
//   load:SRC[range]->DST[range], load:VALUE->DST[range]   actions of the learned flow
//   output:SRC[range]        the learned flow outputs to the port held in SRC
#include <string>

#include "common/strings.h"
#include "openflow/text_util.h"

namespace nt::oftext {
namespace {

using Kind = LearnSpec::Kind;

Error learn_error(const std::string& msg) { return make_error("learn: " + msg); }

Result<Subfield> learn_subfield(std::string_view s) {
  auto sf = parse_subfield_any(s);
  if (!sf.ok()) return learn_error(sf.error().message);
  return sf;
}

Status same_width(const Subfield& src, const Subfield& dst) {
  if (src.n_bits == dst.n_bits) return ok_status();
  return learn_error("bit widths of " + format_subfield(src) + " (" + std::to_string(src.n_bits) +
                     ") and " + format_subfield(dst) + " (" + std::to_string(dst.n_bits) +
                     ") differ");
}

Status fits(u128 value, const Subfield& dst) {
  if (dst.n_bits >= 128 || (value >> dst.n_bits) == 0) return ok_status();
  return learn_error("value " + hex_u128(value) + " does not fit in the " +
                     std::to_string(dst.n_bits) + " bits of " + format_subfield(dst));
}

Result<LearnSpec> parse_load_spec(std::string_view arg) {
  size_t arrow = arg.find("->");
  if (arrow == std::string_view::npos) {
    return learn_error("load:" + std::string(arg) + ": missing '->'");
  }
  std::string_view src_s = trim(arg.substr(0, arrow));
  auto dst = learn_subfield(arg.substr(arrow + 2));
  if (!dst.ok()) return dst.error();
  LearnSpec spec;
  spec.dst = *dst;
  if (auto v = parse_u128(src_s)) {
    NT_TRY(fits(*v, spec.dst));
    spec.kind = Kind::kLoadImmediate;
    spec.value = *v;
    return spec;
  }
  auto src = learn_subfield(src_s);
  if (!src.ok()) return src.error();
  NT_TRY(same_width(*src, spec.dst));
  spec.kind = Kind::kLoadField;
  spec.src = *src;
  return spec;
}

// DST[range], DST[range]=SRC[range] or DST[range]=VALUE.
Result<LearnSpec> parse_match_spec(const KeyValue& kv) {
  auto dst = parse_subfield(kv.key);
  if (!dst.ok()) return learn_error(dst.error().message);
  LearnSpec spec;
  spec.dst = *dst;
  std::string_view v = trim(kv.value);
  bool is_field = v.empty() || v.find('[') != std::string_view::npos || find_field(v);
  if (!is_field) {
    auto imm = parse_u128(v);
    if (!imm) return learn_error(std::string(kv.key) + "=" + std::string(v) + ": bad value");
    NT_TRY(fits(*imm, spec.dst));
    spec.kind = Kind::kMatchImmediate;
    spec.value = *imm;
    return spec;
  }
  spec.kind = Kind::kMatchField;
  spec.src = spec.dst;
  if (!v.empty()) {
    auto src = learn_subfield(v);
    if (!src.ok()) return src.error();
    NT_TRY(same_width(*src, spec.dst));
    spec.src = *src;
  }
  // "X=X" and "X" are the same spec; normalizing keeps parse(format(x)) == x.
  spec.src_is_dst = spec.src == spec.dst;
  return spec;
}

// FIELD=VALUE in the field's own syntax: the learned flow matches the whole field exactly.
Result<LearnSpec> parse_immediate_spec(const FieldInfo& f, const KeyValue& kv) {
  if (kv.delim != '=' || trim(kv.value).empty()) {
    return learn_error(std::string(kv.key) + ": missing value (expected " + std::string(kv.key) +
                       "=VALUE or " + std::string(kv.key) + "[])");
  }
  auto vm = parse_value_masked(f, kv.value, nullptr);
  if (!vm.ok()) return learn_error(vm.error().message);
  if (vm->second != field_ones(f)) {
    return learn_error(std::string(kv.key) + ": a learned match cannot be masked here; use " +
                       std::string(kv.key) + "[RANGE]=VALUE");
  }
  LearnSpec spec;
  spec.kind = Kind::kMatchImmediate;
  spec.dst = Subfield{&f, 0, f.width};
  spec.value = vm->first;
  return spec;
}

Result<LearnSpec> parse_spec(const KeyValue& kv) {
  if (kv.key == "load") return parse_load_spec(kv.value);
  if (kv.key == "output") {
    auto src = learn_subfield(kv.value);
    if (!src.ok()) return src.error();
    LearnSpec spec;
    spec.kind = Kind::kOutput;
    spec.src = *src;
    return spec;
  }
  if (kv.key.find('[') != std::string_view::npos) return parse_match_spec(kv);
  if (const FieldInfo* f = find_field(kv.key)) return parse_immediate_spec(*f, kv);
  return learn_error("unknown keyword '" + std::string(kv.key) + "'");
}

Status parse_u16_arg(const KeyValue& kv, uint16_t* out) {
  uint64_t v;
  Status s = parse_bounded(kv.key, kv.value, 65535, &v);
  if (!s.ok()) return learn_error(s.error().message);
  *out = static_cast<uint16_t>(v);
  return ok_status();
}

// Returns true when `kv` was one of learn's own keywords.
Result<bool> parse_keyword(const KeyValue& kv, LearnAction* l) {
  uint64_t v;
  if (kv.key == "table") {
    Status s = parse_bounded("table", kv.value, 254, &v);
    if (!s.ok()) return learn_error(s.error().message);
    l->table = static_cast<uint8_t>(v);
  } else if (kv.key == "priority") {
    NT_TRY(parse_u16_arg(kv, &l->priority));
  } else if (kv.key == "idle_timeout") {
    NT_TRY(parse_u16_arg(kv, &l->idle_timeout));
  } else if (kv.key == "hard_timeout") {
    NT_TRY(parse_u16_arg(kv, &l->hard_timeout));
  } else if (kv.key == "fin_idle_timeout") {
    NT_TRY(parse_u16_arg(kv, &l->fin_idle_timeout));
  } else if (kv.key == "fin_hard_timeout") {
    NT_TRY(parse_u16_arg(kv, &l->fin_hard_timeout));
  } else if (kv.key == "cookie") {
    Status s = parse_bounded("cookie", kv.value, ~uint64_t{0}, &v);
    if (!s.ok()) return learn_error(s.error().message);
    l->cookie = v;
  } else if (kv.key == "send_flow_rem" && !kv.delim) {
    l->send_flow_rem = true;
  } else if (kv.key == "delete_learned" && !kv.delim) {
    l->delete_learned = true;
  } else {
    return false;
  }
  return true;
}

void append_u16_arg(std::string& out, std::string_view name, uint16_t v, bool show) {
  if (!show) return;
  out += ',';
  out += name;
  out += '=';
  append_dec(out, v);
}

void append_spec(std::string& out, const LearnSpec& spec) {
  switch (spec.kind) {
    case Kind::kMatchImmediate:
      // A whole field prints in its own syntax, except nw_frag values no keyword names.
      if (spec.dst.whole() &&
          (spec.dst.field->format != FieldFormat::kFrag || spec.value != kFragLater)) {
        out += mf_name(*spec.dst.field);
        out += '=';
        append_field_value(out, *spec.dst.field, spec.value, field_ones(*spec.dst.field), nullptr);
      } else {
        out += format_subfield(spec.dst) + "=";
        append_hex(out, spec.value);
      }
      return;
    case Kind::kMatchField:
      out += format_subfield(spec.dst);
      if (spec.src.field != spec.dst.field || spec.src.ofs != spec.dst.ofs) {
        out += "=" + format_subfield(spec.src);
      }
      return;
    case Kind::kLoadImmediate:
      out += "load:";
      append_hex(out, spec.value);
      out += "->" + format_subfield(spec.dst);
      return;
    case Kind::kLoadField:
      out += "load:" + format_subfield(spec.src) + "->" + format_subfield(spec.dst);
      return;
    case Kind::kOutput:
      out += "output:" + format_subfield(spec.src);
      return;
  }
}

Status check_spec(const LearnSpec& spec, const Match& rule, Match* learned) {
  const FlowKey& rv = rule.value;
  const FlowKey& rm = rule.mask;
  switch (spec.kind) {
    case Kind::kMatchField:
      NT_TRY(check_subfield_src("learn", spec.src, rv, rm));
      NT_TRY(check_subfield_src("learn", spec.dst, learned->value, learned->mask));
      return same_width(spec.src, spec.dst);
    case Kind::kMatchImmediate:
      NT_TRY(check_subfield_src("learn", spec.dst, learned->value, learned->mask));
      NT_TRY(fits(spec.value, spec.dst));
      subfield_set(learned->value, spec.dst, spec.value);
      subfield_unwildcard(learned->mask, spec.dst);
      return ok_status();
    case Kind::kLoadField:
      NT_TRY(check_subfield_src("learn", spec.src, rv, rm));
      NT_TRY(check_subfield_dst("learn", spec.dst, learned->value, learned->mask));
      return same_width(spec.src, spec.dst);
    case Kind::kLoadImmediate:
      NT_TRY(check_subfield_dst("learn", spec.dst, learned->value, learned->mask));
      return fits(spec.value, spec.dst);
    case Kind::kOutput:
      return check_subfield_src("learn", spec.src, rv, rm);
  }
  return ok_status();
}

}  // namespace

Result<LearnAction> parse_learn(std::string_view args) {
  LearnAction l;
  KeyValueScanner scanner(args);
  KeyValue kv;
  for (;;) {
    auto step = scanner.next(&kv);
    if (step == KeyValueScanner::Step::kEnd) break;
    if (step == KeyValueScanner::Step::kError) return learn_error(scanner.error());
    auto keyword = parse_keyword(kv, &l);
    if (!keyword.ok()) return keyword.error();
    if (*keyword) continue;
    auto spec = parse_spec(kv);
    if (!spec.ok()) return spec.error();
    l.specs.push_back(*spec);
  }
  return l;
}

void append_learn(std::string& out, const LearnAction& l) {
  out += "learn(table=";
  append_dec(out, l.table);
  append_u16_arg(out, "idle_timeout", l.idle_timeout, l.idle_timeout != 0);
  append_u16_arg(out, "hard_timeout", l.hard_timeout, l.hard_timeout != 0);
  append_u16_arg(out, "fin_idle_timeout", l.fin_idle_timeout, l.fin_idle_timeout != 0);
  append_u16_arg(out, "fin_hard_timeout", l.fin_hard_timeout, l.fin_hard_timeout != 0);
  append_u16_arg(out, "priority", l.priority, l.priority != 32768);
  if (l.send_flow_rem) out += ",send_flow_rem";
  if (l.delete_learned) out += ",delete_learned";
  if (l.cookie) {
    out += ",cookie=";
    append_hex(out, l.cookie);
  }
  for (const LearnSpec& spec : l.specs) {
    out += ',';
    append_spec(out, spec);
  }
  out += ')';
}

Status check_learn(const LearnAction& l, const Match& rule_match) {
  if (l.table == 255) return learn_error("table 255 is not a valid table for learned flows");
  Match learned;
  for (const LearnSpec& spec : l.specs) NT_TRY(check_spec(spec, rule_match, &learned));
  return ok_status();
}

}  // namespace nt::oftext
