// parse_actions(): the ovs-ofctl action syntax.
//
// Dispatch is one table built from NT_OFPACTS: each row's keyword maps to parse_payload<T> for
// its payload type T. The primary template is deleted, so a new row fails to compile until its
// parser is written. Words that are not keywords are ports ("NORMAL", "LOCAL", "2"), which
// output to that port, as in ovs-ofctl; "drop" stands alone.
#include <arpa/inet.h>

#include <cctype>
#include <string>

#include "common/addr.h"
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
  if (!f->writable) return make_verbatim_error(std::string(f->name) + " is read-only");
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

// ---- ct(...) ------------------------------------------------------------------------------------
// After parse_CT() / parse_NAT() / str_to_nat_range() of Open vSwitch 3.1 (lib/ofp-actions.c),
// with its error messages word for word.

// The names Open vSwitch's ofpact_name() gives each action (what nesting errors name).
constexpr std::string_view kOfpactNames[] = {
#define NT_OFPACT_NAME(name, kw, type) kw,
    NT_OFPACTS(NT_OFPACT_NAME)
#undef NT_OFPACT_NAME
};

std::string_view ofpact_name(const Action& a) {
  if (std::holds_alternative<OutputRegAction>(a)) return "output_reg";
  if (std::holds_alternative<RegLoadAction>(a)) return "set_field";
  if (std::holds_alternative<RegMoveAction>(a)) return "move";
  return a.index() < std::size(kOfpactNames) ? kOfpactNames[a.index()] : "";
}

// The field an action writes, if any (ofpact_get_mf_dst()).
const FieldInfo* action_dst_field(const Action& a) {
  if (auto* sf = std::get_if<SetFieldAction>(&a)) return sf->field;
  if (auto* l = std::get_if<RegLoadAction>(&a)) return l->dst.field;
  if (auto* m = std::get_if<RegMoveAction>(&a)) return m->dst.field;
  return nullptr;
}

// ofpacts_verify_nested() for the actions of exec(...).
Result<std::vector<CtExecAction>> ct_exec_actions(const ActionList& acts) {
  std::vector<CtExecAction> out;
  for (const Action& a : acts) {
    const FieldInfo* f = action_dst_field(a);
    if (!f) {
      return make_verbatim_error("ct action doesn't support nested action " +
                                 std::string(ofpact_name(a)));
    }
    if (!field_requires_ct(*f)) {
      return make_verbatim_error("ct action doesn't support nested modification of " +
                                 std::string(oftext::mf_name(*f)));
    }
    if (auto* sf = std::get_if<SetFieldAction>(&a)) out.push_back(*sf);
    if (auto* l = std::get_if<RegLoadAction>(&a)) out.push_back(*l);
    if (auto* m = std::get_if<RegMoveAction>(&a)) out.push_back(*m);
  }
  return out;
}

// ovs_scan's "%hu": digits, the value truncated to 16 bits as sscanf stores it.
bool scan_port(std::string_view s, size_t* n, uint16_t* port) {
  size_t i = *n;
  uint64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - *n < 19) v = v * 10 + (s[i++] - '0');
  if (i == *n) return false;
  *port = static_cast<uint16_t>(v);
  *n = i;
  return true;
}

// One address of a range: IPv4 (dotted quad) or IPv6 (bare or in brackets).
bool scan_addr(std::string_view s, size_t* n, bool v6, std::array<uint8_t, 16>* out) {
  size_t i = *n;
  std::string text;
  if (!v6) {
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    auto a = ipv4_parse(s.substr(*n, i - *n));
    if (!a) return false;
    out->fill(0);
    for (int b = 0; b < 4; ++b)
      (*out)[static_cast<size_t>(b)] = static_cast<uint8_t>(*a >> (24 - 8 * b));
    *n = i;
    return true;
  }
  bool bracket = i < s.size() && s[i] == '[';
  if (bracket) ++i;
  size_t start = i;
  while (i < s.size() &&
         (std::isxdigit(static_cast<unsigned char>(s[i])) || s[i] == ':' || s[i] == '.')) {
    ++i;
  }
  text = std::string(s.substr(start, i - start));
  if (bracket) {
    if (i >= s.size() || s[i] != ']') return false;
    ++i;
  }
  if (text.empty() || inet_pton(AF_INET6, text.c_str(), out->data()) != 1) return false;
  *n = i;
  return true;
}

Status parse_nat_range(std::string_view s, CtNatSpec* nat) {
  const Error invalid = make_verbatim_error("invalid nat range \"" + std::string(s) + "\"");
  size_t n = 0;
  nat->af = CtNatSpec::Af::kNone;
  if (scan_addr(s, &n, false, &nat->addr_min)) {
    nat->af = CtNatSpec::Af::kIpv4;
    if (n < s.size() && s[n] == '-') {
      ++n;
      if (!scan_addr(s, &n, false, &nat->addr_max) || nat->addr_max < nat->addr_min) return invalid;
    }
  } else if (scan_addr(s, &n, true, &nat->addr_min)) {
    nat->af = CtNatSpec::Af::kIpv6;
    if (n < s.size() && s[n] == '-') {
      ++n;
      if (!scan_addr(s, &n, true, &nat->addr_max) || nat->addr_max < nat->addr_min) return invalid;
    }
  }
  if (nat->af != CtNatSpec::Af::kNone && n < s.size() && s[n] == ':') {
    ++n;
    if (!scan_port(s, &n, &nat->port_min)) return invalid;
    if (n < s.size() && s[n] == '-') {
      ++n;
      if (!scan_port(s, &n, &nat->port_max) || nat->port_max < nat->port_min) return invalid;
    }
  }
  if (n != s.size()) {
    return make_verbatim_error("garbage (" + std::string(s.substr(n)) + ") after nat range \"" +
                               std::string(s) + "\" (pos: " + std::to_string(n) + ")");
  }
  // Open vSwitch does not encode an all-zero address (nor, then, the ports): "nat(src=0.0.0.0)"
  // comes back from the switch as "nat(src)", which is what it means.
  static constexpr std::array<uint8_t, 16> kZero{};
  if (nat->af != CtNatSpec::Af::kNone && nat->addr_min == kZero && nat->addr_max == kZero) {
    nat->af = CtNatSpec::Af::kNone;
    nat->port_min = nat->port_max = 0;
  }
  return ok_status();
}

Result<CtNatSpec> parse_nat(std::string_view args) {
  CtNatSpec nat;
  bool src = false, dst = false;
  oftext::KeyValueScanner sc(args);
  KeyValue kv;
  for (auto step = sc.next(&kv); step != oftext::KeyValueScanner::Step::kEnd; step = sc.next(&kv)) {
    if (step == oftext::KeyValueScanner::Step::kError) return make_error(sc.error());
    if (kv.key == "src" || kv.key == "dst") {
      (kv.key == "src" ? src : dst) = true;
      NT_TRY(parse_nat_range(kv.value, &nat));
    } else if (kv.key == "persistent") {
      nat.persistent = true;
    } else if (kv.key == "hash") {
      nat.hash = true;
    } else if (kv.key == "random") {
      nat.random = true;
    } else {
      return make_verbatim_error("invalid key \"" + std::string(kv.key) + "\" in \"nat\" argument");
    }
  }
  if (src && dst) return make_verbatim_error("May only specify one of \"src\" or \"dst\".");
  if (!src && !dst) {
    if (nat.persistent || nat.hash || nat.random) {
      return make_verbatim_error("Flags allowed only with \"src\" or \"dst\".");
    }
    if (nat.af != CtNatSpec::Af::kNone) {
      return make_verbatim_error("Range allowed only with \"src\" or \"dst\".");
    }
  }
  if (nat.hash && nat.random) {
    return make_verbatim_error("Both \"hash\" and \"random\" are not allowed.");
  }
  nat.kind = src ? CtNatSpec::Kind::kSrc : dst ? CtNatSpec::Kind::kDst : CtNatSpec::Kind::kReverse;
  return nat;
}

Status parse_ct_zone(std::string_view value, CtAction* ct) {
  // str_to_u16() first (decimal, 0x hex or 0 octal), else a subfield.
  if (auto z = oftext::parse_u128(value, 64); z && *z <= 0xffff) {
    ct->zone = static_cast<uint16_t>(*z);
    ct->zone_src = Subfield{};
    return ok_status();
  }
  std::string_view name = value.substr(0, value.find('['));
  if (!oftext::find_field(name)) {
    return make_verbatim_error(std::string(value) + ": unknown field `" + std::string(name) + "'");
  }
  auto sf = oftext::parse_subfield_any(value);
  if (!sf.ok()) return make_verbatim_error(std::string(value) + ": " + sf.error().message);
  ct->zone_src = *sf;
  ct->zone = 0;
  return ok_status();
}

template <>
Result<Action> parse_payload<CtAction>(const ParseCtx& ctx, const KeyValue& kv) {
  CtAction ct;
  oftext::KeyValueScanner sc(kv.delim == '(' ? kv.value : std::string_view{});
  KeyValue arg;
  for (auto step = sc.next(&arg); step != oftext::KeyValueScanner::Step::kEnd;
       step = sc.next(&arg)) {
    if (step == oftext::KeyValueScanner::Step::kError) return make_error(sc.error());
    if (arg.key == "commit") {
      ct.commit = true;
    } else if (arg.key == "force") {
      ct.force = true;
    } else if (arg.key == "table") {
      auto t =
          !arg.value.empty() && arg.value.find_first_not_of("0123456789") == std::string_view::npos
              ? oftext::parse_u128(arg.value, 64)
              : std::nullopt;
      if (!t || *t > 255) return make_verbatim_error("unknown table " + std::string(arg.value));
      if (*t == CtAction::kNoTable) return make_verbatim_error("invalid table 0xff");
      ct.table = static_cast<uint8_t>(*t);
    } else if (arg.key == "zone") {
      NT_TRY(parse_ct_zone(trim(arg.value), &ct));
    } else if (arg.key == "alg") {
      if (arg.value == "ftp") {
        ct.alg = CtAction::kAlgFtp;
      } else if (arg.value == "tftp") {
        ct.alg = CtAction::kAlgTftp;
      } else {
        return make_verbatim_error("invalid conntrack helper \"" + std::string(arg.value) + "\"");
      }
    } else if (arg.key == "nat") {
      auto nat = parse_nat(arg.delim == '(' ? arg.value : std::string_view{});
      if (!nat.ok()) return nat.error();
      ct.nat = *nat;
    } else if (arg.key == "exec") {
      auto acts = parse_actions(arg.delim == '(' ? arg.value : std::string_view{}, ctx.names,
                                /*inside_ct=*/true);
      if (!acts.ok()) return acts.error();
      auto exec = ct_exec_actions(*acts);
      if (!exec.ok()) return exec.error();
      ct.exec = std::move(*exec);
    } else {
      return make_verbatim_error("invalid argument to \"ct\" action: `" + std::string(arg.key) +
                                 "'");
    }
  }
  if (ct.force && !ct.commit) {
    return make_verbatim_error("\"force\" flag requires \"commit\" flag.");
  }
  return Action(std::move(ct));
}

// ofpacts_verify_nested() outside ct(): ct_mark and ct_label are written only by ct(exec(...)).
Status check_ct_fields_outside_ct(const ActionList& acts) {
  for (const Action& a : acts) {
    const FieldInfo* f = action_dst_field(a);
    if (f && field_requires_ct(*f)) {
      return make_verbatim_error("cannot set CT fields outside of ct action");
    }
  }
  return ok_status();
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
  return parse_actions(s, names, false);
}

Result<ActionList> parse_actions(std::string_view s, const PortNamer* names, bool inside_ct) {
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
  if (!inside_ct) NT_TRY(check_ct_fields_outside_ct(out));
  return out;
}

}  // namespace nt
