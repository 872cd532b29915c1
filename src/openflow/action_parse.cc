// parse_actions(): the ovs-ofctl action syntax.
//
// Dispatch is one table built from NT_OFPACTS: each row's keyword maps to parse_payload<T> for
// its payload type T. The primary template is deleted, so a new row fails to compile until its
// parser is written. Words that are not keywords are ports ("NORMAL", "LOCAL", "2"), which
// output to that port, as in ovs-ofctl; "drop" stands alone.
#include <string>

#include "common/strings.h"
#include "openflow/actions.h"
#include "openflow/text_util.h"

namespace nt {
namespace {

using oftext::bad_value;
using oftext::KeyValue;
using oftext::parse_bounded;

struct ParseCtx {
  const PortNamer* names;
};
using ParseFn = Result<Action> (*)(const ParseCtx&, const KeyValue&);

Error fail(const KeyValue& kv, const std::string& msg) {
  return make_error(std::string(kv.key) + ": " + msg);
}

Status no_argument(const KeyValue& kv) {
  if (kv.delim) return fail(kv, "takes no argument");
  return ok_status();
}

// "A->B" split at the arrow.
Result<std::pair<std::string_view, std::string_view>> split_arrow(const KeyValue& kv) {
  size_t arrow = kv.value.find("->");
  if (arrow == std::string_view::npos) {
    return fail(kv, "'" + std::string(kv.value) + "': missing '->' (expected " +
                        std::string(kv.key) + ":SOURCE->DESTINATION)");
  }
  return std::pair{trim(kv.value.substr(0, arrow)), trim(kv.value.substr(arrow + 2))};
}

Result<uint8_t> parse_table(const KeyValue& kv, std::string_view s) {
  auto t = oftext::parse_u128(s, 64);
  if (!t) return fail(kv, "'" + std::string(s) + "' is not a valid table number");
  if (*t > 254) {
    return fail(kv,
                "table " + std::to_string(static_cast<uint64_t>(*t)) + " out of range (0..254)");
  }
  return static_cast<uint8_t>(*t);
}

OutputAction output_to(uint32_t port, uint16_t controller_max_len) {
  return OutputAction{port, port == ofp_port::kController ? controller_max_len : uint16_t{0}};
}

template <class T>
Result<Action> parse_payload(const ParseCtx&, const KeyValue&) = delete;

template <>
Result<Action> parse_payload<OutputAction>(const ParseCtx& ctx, const KeyValue& kv) {
  if (trim(kv.value).empty()) return fail(kv, "missing port (e.g. output:2)");
  if (auto port = oftext::parse_port(kv.value, ctx.names)) return Action(output_to(*port, 65535));
  auto sf = oftext::parse_subfield_any(kv.value);
  if (sf.ok()) return Action(OutputRegAction{*sf});
  return fail(kv, "'" + std::string(kv.value) +
                      "' is neither a port nor a field (e.g. output:2, output:LOCAL, "
                      "output:NXM_NX_REG0[0..15])");
}

template <>
Result<Action> parse_payload<OutputRegAction>(const ParseCtx& ctx, const KeyValue& kv) {
  return parse_payload<OutputAction>(ctx, kv);
}

struct Reason {
  std::string_view name;
  uint8_t code;
};
constexpr Reason kReasons[] = {{"no_match", 0},   {"action", 1}, {"invalid_ttl", 2},
                               {"action_set", 3}, {"group", 4},  {"packet_out", 5}};

Status parse_controller_arg(const KeyValue& arg, uint16_t* max_len, uint8_t* reason) {
  if (arg.key == "max_len") {
    uint64_t v;
    NT_TRY(parse_bounded("controller: max_len", arg.value, 65535, &v));
    *max_len = static_cast<uint16_t>(v);
    return ok_status();
  }
  if (arg.key == "reason") {
    for (const Reason& r : kReasons) {
      if (r.name == arg.value) {
        *reason = r.code;
        return ok_status();
      }
    }
    return make_error("controller: unknown reason '" + std::string(arg.value) + "'");
  }
  return make_error("controller: unsupported argument '" + std::string(arg.key) + "'");
}

// Default reason: an output to CONTROLLER (Open vSwitch's parse_CONTROLLER() does the same);
// any other reason: the controller action proper.
template <>
Result<Action> parse_payload<ControllerAction>(const ParseCtx&, const KeyValue& kv) {
  uint16_t max_len = 65535;
  uint8_t reason = 1;
  std::string_view v = trim(kv.value);
  if (!v.empty() && v.find_first_not_of("0123456789") == std::string_view::npos) {
    uint64_t n;
    NT_TRY(parse_bounded("controller: max_len", v, 65535, &n));
    max_len = static_cast<uint16_t>(n);
  } else if (!v.empty()) {
    oftext::KeyValueScanner sc(v);
    KeyValue arg;
    for (auto step = sc.next(&arg); step != oftext::KeyValueScanner::Step::kEnd;
         step = sc.next(&arg)) {
      if (step == oftext::KeyValueScanner::Step::kError) return fail(kv, sc.error());
      NT_TRY(parse_controller_arg(arg, &max_len, &reason));
    }
  }
  if (reason == 1) return Action(OutputAction{ofp_port::kController, max_len});
  return Action(ControllerAction{max_len, reason});
}

template <>
Result<Action> parse_payload<ResubmitAction>(const ParseCtx& ctx, const KeyValue& kv) {
  ResubmitAction r;
  std::string_view port_s = trim(kv.value);
  std::string_view table_s;
  if (kv.delim == '(') {
    size_t comma = kv.value.find(',');
    port_s = trim(kv.value.substr(0, comma));
    if (comma != std::string_view::npos) table_s = trim(kv.value.substr(comma + 1));
    if (table_s.find(',') != std::string_view::npos) {
      return fail(kv, "'" + std::string(kv.value) + "': expected resubmit(PORT,TABLE)");
    }
  }
  if (!port_s.empty()) {
    auto port = oftext::parse_port(port_s, ctx.names);
    if (!port) return fail(kv, "'" + std::string(port_s) + "' is not a valid port");
    r.in_port = *port;
  }
  if (!table_s.empty()) {
    auto t = oftext::parse_u128(table_s, 64);
    if (!t) return fail(kv, "'" + std::string(table_s) + "' is not a valid table number");
    if (*t > 255) {
      return fail(kv,
                  "table " + std::to_string(static_cast<uint64_t>(*t)) + " out of range (0..254)");
    }
    r.table = static_cast<uint8_t>(*t);
  }
  if (r.in_port == ofp_port::kInPort && r.table == 255) {
    return fail(kv, "give a port, a table or both (resubmit:PORT, resubmit(,TABLE))");
  }
  return Action(r);
}

template <>
Result<Action> parse_payload<GotoTableAction>(const ParseCtx&, const KeyValue& kv) {
  auto t = parse_table(kv, kv.value);
  if (!t.ok()) return t.error();
  return Action(GotoTableAction{*t});
}

template <>
Result<Action> parse_payload<SetVlanVidAction>(const ParseCtx&, const KeyValue& kv) {
  uint64_t v;
  NT_TRY(parse_bounded(kv.key, kv.value, kVlanVidMask, &v));
  return Action(SetVlanVidAction{static_cast<uint16_t>(v)});
}

template <>
Result<Action> parse_payload<SetVlanPcpAction>(const ParseCtx&, const KeyValue& kv) {
  uint64_t v;
  NT_TRY(parse_bounded(kv.key, kv.value, 7, &v));
  return Action(SetVlanPcpAction{static_cast<uint8_t>(v)});
}

template <>
Result<Action> parse_payload<StripVlanAction>(const ParseCtx&, const KeyValue& kv) {
  NT_TRY(no_argument(kv));
  return Action(StripVlanAction{});
}

template <>
Result<Action> parse_payload<PopVlanAction>(const ParseCtx&, const KeyValue& kv) {
  NT_TRY(no_argument(kv));
  return Action(PopVlanAction{});
}

template <>
Result<Action> parse_payload<PushVlanAction>(const ParseCtx&, const KeyValue& kv) {
  auto v = oftext::parse_u128(kv.value, 16);
  if (!v || (*v != kEthTypeVlan && *v != kEthTypeQinQ)) {
    return bad_value(kv.key, kv.value, "a VLAN ethertype, 0x8100 or 0x88a8");
  }
  return Action(PushVlanAction{static_cast<uint16_t>(*v)});
}

template <>
Result<Action> parse_payload<SetFieldAction>(const ParseCtx& ctx, const KeyValue& kv) {
  auto parts = split_arrow(kv);
  if (!parts.ok()) return parts.error();
  auto [value_s, field_s] = *parts;
  const FieldInfo* f = oftext::find_field(field_s);
  if (!f) return fail(kv, "unknown field '" + std::string(field_s) + "'");
  if (!f->writable) return fail(kv, std::string(f->name) + " is read-only");
  auto vm = oftext::parse_value_masked(*f, value_s, ctx.names);
  if (!vm.ok()) return fail(kv, vm.error().message);
  if (f->id == FieldId::kNwTos && (vm->first & 3)) {
    return fail(kv, "nw_tos value must have the low 2 (ECN) bits clear; use nw_ecn for ECN");
  }
  return Action(SetFieldAction{f, vm->first, vm->second});
}

template <>
Result<Action> parse_payload<RegLoadAction>(const ParseCtx&, const KeyValue& kv) {
  auto parts = split_arrow(kv);
  if (!parts.ok()) return parts.error();
  auto dst = oftext::parse_subfield_any(parts->second);
  if (!dst.ok()) return fail(kv, dst.error().message);
  if (!dst->field->writable) return fail(kv, std::string(dst->field->name) + " is read-only");
  auto v = oftext::parse_u128(parts->first);
  if (!v) return fail(kv, "'" + std::string(parts->first) + "' is not an integer");
  if (dst->n_bits < 128 && (*v >> dst->n_bits) != 0) {
    return fail(kv, "value " + oftext::hex_u128(*v) + " does not fit in the " +
                        std::to_string(dst->n_bits) + " bits of " + format_subfield(*dst));
  }
  return Action(RegLoadAction{*dst, *v});
}

template <>
Result<Action> parse_payload<RegMoveAction>(const ParseCtx&, const KeyValue& kv) {
  auto parts = split_arrow(kv);
  if (!parts.ok()) return parts.error();
  auto src = oftext::parse_subfield_any(parts->first);
  if (!src.ok()) return fail(kv, src.error().message);
  auto dst = oftext::parse_subfield_any(parts->second);
  if (!dst.ok()) return fail(kv, dst.error().message);
  if (src->n_bits != dst->n_bits) {
    return fail(kv, "bit widths of " + format_subfield(*src) + " (" + std::to_string(src->n_bits) +
                        ") and " + format_subfield(*dst) + " (" + std::to_string(dst->n_bits) +
                        ") differ");
  }
  if (!dst->field->writable) return fail(kv, std::string(dst->field->name) + " is read-only");
  return Action(RegMoveAction{*src, *dst});
}

Result<MacAddr> parse_mac_arg(const KeyValue& kv) {
  auto v = parse_field_value(field_info(FieldId::kDlSrc), kv.value);
  if (!v.ok()) return bad_value(kv.key, kv.value, "an Ethernet address");
  return MacAddr::from_u64(static_cast<uint64_t>(*v));
}

Result<uint32_t> parse_ip_arg(const KeyValue& kv) {
  auto v = parse_field_value(field_info(FieldId::kNwSrc), kv.value);
  if (!v.ok()) return bad_value(kv.key, kv.value, "an IPv4 address");
  return static_cast<uint32_t>(*v);
}

template <>
Result<Action> parse_payload<SetEthSrcAction>(const ParseCtx&, const KeyValue& kv) {
  auto m = parse_mac_arg(kv);
  if (!m.ok()) return m.error();
  return Action(SetEthSrcAction{*m});
}

template <>
Result<Action> parse_payload<SetEthDstAction>(const ParseCtx&, const KeyValue& kv) {
  auto m = parse_mac_arg(kv);
  if (!m.ok()) return m.error();
  return Action(SetEthDstAction{*m});
}

template <>
Result<Action> parse_payload<SetIpv4SrcAction>(const ParseCtx&, const KeyValue& kv) {
  auto ip = parse_ip_arg(kv);
  if (!ip.ok()) return ip.error();
  return Action(SetIpv4SrcAction{*ip});
}

template <>
Result<Action> parse_payload<SetIpv4DstAction>(const ParseCtx&, const KeyValue& kv) {
  auto ip = parse_ip_arg(kv);
  if (!ip.ok()) return ip.error();
  return Action(SetIpv4DstAction{*ip});
}

template <>
Result<Action> parse_payload<SetL4SrcAction>(const ParseCtx&, const KeyValue& kv) {
  uint64_t v;
  NT_TRY(parse_bounded(kv.key, kv.value, 65535, &v));
  return Action(SetL4SrcAction{static_cast<uint16_t>(v)});
}

template <>
Result<Action> parse_payload<SetL4DstAction>(const ParseCtx&, const KeyValue& kv) {
  uint64_t v;
  NT_TRY(parse_bounded(kv.key, kv.value, 65535, &v));
  return Action(SetL4DstAction{static_cast<uint16_t>(v)});
}

template <>
Result<Action> parse_payload<DecTtlAction>(const ParseCtx&, const KeyValue& kv) {
  if (kv.delim) return fail(kv, "controller ids are not supported (use plain dec_ttl)");
  return Action(DecTtlAction{});
}

template <>
Result<Action> parse_payload<SetTunnelAction>(const ParseCtx&, const KeyValue& kv) {
  uint64_t v;
  NT_TRY(parse_bounded(kv.key, kv.value, ~uint64_t{0}, &v));
  // Like Open vSwitch: a value wider than 32 bits needs (and prints as) set_tunnel64.
  return Action(SetTunnelAction{v, v > 0xffffffffu || oftext::iequals(kv.key, "set_tunnel64")});
}

template <>
Result<Action> parse_payload<WriteMetadataAction>(const ParseCtx&, const KeyValue& kv) {
  WriteMetadataAction w;
  size_t slash = kv.value.find('/');
  uint64_t v;
  NT_TRY(parse_bounded(kv.key, kv.value.substr(0, slash), ~uint64_t{0}, &v));
  w.value = v;
  if (slash != std::string_view::npos) {
    NT_TRY(parse_bounded(kv.key, kv.value.substr(slash + 1), ~uint64_t{0}, &v));
    w.mask = v;
  }
  return Action(w);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// note:HEX bytes, two digits each, optionally separated by dots: "note:01.02.03", "note:0102".
template <>
Result<Action> parse_payload<NoteAction>(const ParseCtx&, const KeyValue& kv) {
  NoteAction n;
  std::string_view s = kv.value;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '.') {
      ++i;
      continue;
    }
    int hi = hex_digit(s[i]);
    int lo = i + 1 < s.size() ? hex_digit(s[i + 1]) : -1;
    if (hi < 0 || lo < 0) {
      return bad_value(kv.key, kv.value, "hex bytes such as 01.02.03");
    }
    n.data.push_back(static_cast<uint8_t>(hi << 4 | lo));
    i += 2;
  }
  return Action(n);
}

template <>
Result<Action> parse_payload<LearnAction>(const ParseCtx&, const KeyValue& kv) {
  if (kv.delim != '(') return fail(kv, "expected learn(...)");
  auto l = oftext::parse_learn(kv.value);
  if (!l.ok()) return l.error();
  return Action(std::move(*l));
}

// mod_nw_tos:TOS, TOS a multiple of 4 below 256 (errors worded as ovs-ofctl's).
template <>
Result<Action> parse_payload<SetIpDscpAction>(const ParseCtx&, const KeyValue& kv) {
  auto v = oftext::parse_u128(kv.value, 64);
  if (!v || *v > 255) return make_error("invalid TOS \"" + std::string(kv.value) + "\"");
  if (*v & 3) return make_error(std::string(kv.value) + ": not a valid TOS");
  return Action(SetIpDscpAction{static_cast<uint8_t>(*v)});
}

// mod_nw_ecn:ECN is stored (and printed) as Open vSwitch stores it for OpenFlow 1.0:
// load:ECN->NXM_NX_IP_ECN[].
Result<Action> parse_mod_nw_ecn(const ParseCtx&, const KeyValue& kv) {
  auto v = oftext::parse_u128(kv.value, 64);
  if (!v || *v > 255) return make_error("invalid ECN \"" + std::string(kv.value) + "\"");
  if (*v > 3) return make_error(std::string(kv.value) + ": not a valid ECN");
  const FieldInfo& ecn = field_info(FieldId::kNwEcn);
  return Action(RegLoadAction{Subfield{&ecn, 0, ecn.width}, *v});
}

// ct_clear takes no argument; like ovs-ofctl, one given anyway is ignored.
template <>
Result<Action> parse_payload<CtClearAction>(const ParseCtx&, const KeyValue&) {
  return Action(CtClearAction{});
}

// conjunction(ID,K/N): ID a 32-bit number, 1 <= K <= N, 2 <= N <= 64.
template <>
Result<Action> parse_payload<ConjunctionAction>(const ParseCtx&, const KeyValue& kv) {
  const Error syntax = make_error("\"conjunction\" syntax is \"conjunction(id,i/n)\"");
  size_t comma = kv.value.find(',');
  size_t slash = kv.value.find('/');
  if (kv.delim != '(' || comma == std::string_view::npos || slash == std::string_view::npos ||
      slash < comma) {
    return syntax;
  }
  auto id = oftext::parse_u128(trim(kv.value.substr(0, comma)), 64);
  auto k = oftext::parse_u128(trim(kv.value.substr(comma + 1, slash - comma - 1)), 64);
  auto n = oftext::parse_u128(trim(kv.value.substr(slash + 1)), 64);
  if (!id || !k || !n) return syntax;
  if (*id > 0xffffffffu) {
    return make_error("conjunction: id " + std::string(trim(kv.value.substr(0, comma))) +
                      " does not fit in 32 bits");
  }
  if (*n < 2) return make_error("conjunction must have at least 2 clauses");
  if (*n > 64) return make_error("conjunction must have at most 64 clauses");
  if (*k < 1) return make_error("clause index must be positive");
  if (*k > *n) return make_error("clause index must be less than or equal to number of clauses");
  return Action(ConjunctionAction{static_cast<uint32_t>(*id), static_cast<uint8_t>(*k),
                                  static_cast<uint8_t>(*n)});
}

struct Keyword {
  std::string_view name;
  ParseFn fn;
};
constexpr Keyword kKeywords[] = {
#define NT_OFPACT_KEYWORD(name, kw, type) {kw, &parse_payload<type>},
    NT_OFPACTS(NT_OFPACT_KEYWORD)
#undef NT_OFPACT_KEYWORD
        {"set_tunnel64", &parse_payload<SetTunnelAction>},
    {"mod_nw_ecn", &parse_mod_nw_ecn},
};

Result<Action> parse_one(const ParseCtx& ctx, const KeyValue& kv) {
  for (const Keyword& k : kKeywords) {
    if (oftext::iequals(k.name, kv.key)) return k.fn(ctx, kv);
  }
  if (kv.delim == 0) {
    if (auto port = oftext::parse_port(kv.key, ctx.names)) return Action(output_to(*port, 65535));
  }
  return make_error("unknown action '" + std::string(kv.key) + "'");
}

}  // namespace

Result<ActionList> parse_actions(std::string_view s, const PortNamer* names) {
  ActionList out;
  bool drop = false;
  ParseCtx ctx{names};
  oftext::KeyValueScanner scanner(s);
  KeyValue kv;
  for (;;) {
    auto step = scanner.next(&kv);
    if (step == oftext::KeyValueScanner::Step::kEnd) break;
    if (step == oftext::KeyValueScanner::Step::kError) return make_error(scanner.error());
    if (kv.delim == 0 && oftext::iequals(kv.key, "drop")) {
      drop = true;
      continue;
    }
    auto a = parse_one(ctx, kv);
    if (!a.ok()) return a.error();
    out.push_back(std::move(*a));
  }
  if (drop && !out.empty()) return make_error("'drop' must not be combined with other actions");
  NT_TRY(oftext::check_instruction_order(out));
  NT_TRY(oftext::check_conjunction_company(out));
  return out;
}

}  // namespace nt
