// Match text: parse_match() through MatchBuilder, and format_match() in the order and spelling
// of Open vSwitch's match_format() (lib/match.c).
#include <cstdio>
#include <string>

#include "common/strings.h"
#include "openflow/flow_text.h"
#include "openflow/match_builder.h"

namespace nt {
namespace oftext {
namespace {

struct Protocol {
  std::string_view name;
  uint16_t dl_type;
  uint8_t nw_proto;  // 0: none
};
constexpr uint8_t kIpProtoIgmp = 2;
constexpr uint8_t kIpProtoSctp = 132;
constexpr uint16_t kEthTypeRarp = 0x8035;
constexpr uint16_t kEthTypeMpls = 0x8847;
constexpr uint16_t kEthTypeMplsMcast = 0x8848;
constexpr Protocol kProtocols[] = {
    {"ip", kEthTypeIp, 0},
    {"ipv6", kEthTypeIpv6, 0},
    {"icmp", kEthTypeIp, kIpProtoIcmp},
    {"icmp6", kEthTypeIpv6, kIpProtoIcmpv6},
    {"tcp", kEthTypeIp, kIpProtoTcp},
    {"tcp6", kEthTypeIpv6, kIpProtoTcp},
    {"udp", kEthTypeIp, kIpProtoUdp},
    {"udp6", kEthTypeIpv6, kIpProtoUdp},
    {"sctp", kEthTypeIp, kIpProtoSctp},
    {"sctp6", kEthTypeIpv6, kIpProtoSctp},
    {"igmp", kEthTypeIp, kIpProtoIgmp},
    {"arp", kEthTypeArp, 0},
    {"rarp", kEthTypeRarp, 0},
    {"mpls", kEthTypeMpls, 0},
    {"mplsm", kEthTypeMplsMcast, 0},
};

const Protocol* find_protocol(std::string_view name) {
  for (const Protocol& p : kProtocols) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string item_text(const KeyValue& kv) {
  std::string s(kv.key);
  if (kv.delim == '(') return s + "(" + std::string(kv.value) + ")";
  if (kv.delim) s += kv.delim;
  return s + std::string(kv.value);
}

// Fields whose match syntax is not raw bits (see match_builder.h).
bool is_special(FieldId id) {
  switch (id) {
    case FieldId::kDlVlan:
    case FieldId::kDlVlanPcp:
    case FieldId::kNwTos:
    case FieldId::kIcmpType:
    case FieldId::kIcmpCode:
    case FieldId::kIcmpv6Type:
    case FieldId::kIcmpv6Code:
      return true;
    default:
      return false;
  }
}

}  // namespace

Status MatchBuilder::merge(const FieldInfo& f, u128 value, u128 mask, const KeyValue& kv) {
  u128 old_mask = field_get(match_.mask, f);
  u128 old_value = field_get(match_.value, f);
  if (((old_value ^ value) & old_mask & mask) != 0) {
    return make_error("'" + item_text(kv) + "' conflicts with an earlier value of " +
                      std::string(f.name) + " in the same match");
  }
  field_set_masked(match_.mask, f, ~u128{0}, mask);
  field_set_masked(match_.value, f, value & mask, mask);
  return ok_status();
}

Status MatchBuilder::apply_field(const FieldInfo& f, const KeyValue& kv) {
  const FieldInfo& tci = field_info(FieldId::kVlanTci);
  uint64_t v = 0;
  switch (f.id) {
    case FieldId::kDlVlan:
      NT_TRY(parse_bounded(kv.key, kv.value, 0xffff, &v));
      if (v == 0xffff) return merge(tci, 0, 0xffff, kv);
      if (v > kVlanVidMask) {
        return bad_value(kv.key, kv.value, "a VLAN ID 0..4095, or 0xffff for untagged packets");
      }
      return merge(tci, v | kVlanCfi, kVlanVidMask | kVlanCfi, kv);
    case FieldId::kDlVlanPcp:
      NT_TRY(parse_bounded(kv.key, kv.value, 7, &v));
      return merge(tci, v << 13 | kVlanCfi, kVlanPcpMask | kVlanCfi, kv);
    case FieldId::kNwTos:
      NT_TRY(parse_bounded(kv.key, kv.value, 255, &v));
      if (v & 3) {
        return bad_value(kv.key, kv.value,
                         "a DSCP value with the low 2 (ECN) bits zero; use nw_ecn for ECN");
      }
      return merge(f, v, 0xfc, kv);
    case FieldId::kIcmpType:
    case FieldId::kIcmpv6Type:
    case FieldId::kIcmpCode:
    case FieldId::kIcmpv6Code: {
      NT_TRY(parse_bounded(kv.key, kv.value, 255, &v));
      bool type = f.id == FieldId::kIcmpType || f.id == FieldId::kIcmpv6Type;
      return merge(field_info(type ? FieldId::kTpSrc : FieldId::kTpDst), v, 0xffff, kv);
    }
    default: {
      auto vm = parse_value_masked(f, kv.value, names_);
      if (!vm.ok()) return vm.error();
      return merge(f, vm->first, vm->second, kv);
    }
  }
}

Status MatchBuilder::apply_subfield(const KeyValue& kv) {
  auto sf = parse_subfield(kv.key);
  if (!sf.ok()) return sf.error();
  const FieldInfo& f = *sf->field;
  if (sf->whole() && is_special(f.id)) return apply_field(f, kv);
  if (f.format == FieldFormat::kFrag) {
    return make_error(std::string(kv.key) +
                      ": match nw_frag with nw_frag=no|yes|first|later|not_later");
  }
  if (!sf->whole() && !f.maskable) {
    return make_error(std::string(kv.key) + ": " + std::string(f.name) +
                      " does not support matching part of its bits");
  }
  auto v = parse_u128(kv.value, sf->n_bits);
  if (!v) {
    return bad_value(kv.key, kv.value,
                     "an integer of at most " + std::to_string(sf->n_bits) + " bits");
  }
  return merge(f, *v << sf->ofs, ones(sf->n_bits) << sf->ofs, kv);
}

Result<bool> MatchBuilder::apply(const KeyValue& kv) {
  if (const Protocol* p = find_protocol(kv.key)) {
    if (kv.delim) return make_error(std::string(kv.key) + ": a protocol keyword takes no value");
    NT_TRY(merge(field_info(FieldId::kDlType), p->dl_type, 0xffff, kv));
    if (p->nw_proto) NT_TRY(merge(field_info(FieldId::kNwProto), p->nw_proto, 0xff, kv));
    return true;
  }
  const FieldInfo* f = nullptr;
  if (kv.key.find('[') != std::string_view::npos) {
    auto sf = parse_subfield(kv.key);
    if (!sf.ok()) return sf.error();
    f = sf->field;
  } else if (!(f = find_field(kv.key))) {
    return false;
  }
  if (kv.delim != '=' && kv.delim != ':') {
    return make_error(std::string(kv.key) + ": missing value (expected " + std::string(kv.key) +
                      "=VALUE)");
  }
  if (trim(kv.value).empty()) return make_error(std::string(kv.key) + ": missing value");
  used_.set(static_cast<size_t>(f->id));
  NT_TRY(kv.key.find('[') != std::string_view::npos ? apply_subfield(kv) : apply_field(*f, kv));
  return true;
}

Result<Match> MatchBuilder::finish() const {
  for (size_t i = 0; i < kNumFields; ++i) {
    if (!used_.test(i)) continue;
    const FieldInfo& f = field_info(static_cast<FieldId>(i));
    if (!field_prereqs_ok(f, match_.value, match_.mask)) {
      return make_error(
          std::string(f.name) + ": prerequisites not met; add " + std::string(field_prereq_hint(f)),
          ErrorCode::kPrerequisite);
    }
  }
  return match_;
}

// ---- Formatting ---------------------------------------------------------------------------------

namespace {

void put_name(std::string& s, std::string_view name) {
  s += name;
  s += '=';
}

// format_uint32_masked() / format_be64_masked(): "%#x" value, "/%#x" mask unless exact.
void put_hex_masked(std::string& s, std::string_view name, uint64_t v, uint64_t m, uint64_t full) {
  if (!m) return;
  put_name(s, name);
  append_hex(s, v);
  if (m != full) {
    s += '/';
    append_hex(s, m);
  }
  s += ',';
}

// format_be16_masked(): decimal when exact, else "0x%x/0x%x".
void put_u16_masked(std::string& s, std::string_view name, uint16_t v, uint16_t m) {
  if (!m) return;
  put_name(s, name);
  if (m == 0xffff) {
    append_dec(s, v);
  } else {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%x/0x%x", v, m);
    s += buf;
  }
  s += ',';
}

void put_dec(std::string& s, std::string_view name, uint64_t v) {
  put_name(s, name);
  append_dec(s, v);
  s += ',';
}

void put_ipv4(std::string& s, std::string_view name, uint32_t v, uint32_t m) {
  if (!m) return;
  put_name(s, name);
  append_ipv4_masked(s, v, m);
  s += ',';
}

void put_mac(std::string& s, std::string_view name, const MacAddr& v, const MacAddr& m) {
  if (m.is_zero()) return;
  put_name(s, name);
  append_mac_masked(s, v.to_u64(), m.to_u64());
  s += ',';
}

void put_ipv6(std::string& s, std::string_view name, FieldId id, const Match& m) {
  const FieldInfo& f = field_info(id);
  u128 mask = m.get_mask(f);
  if (!mask) return;
  put_name(s, name);
  append_ipv6_masked(s, m.get_value(f), mask);
  s += ',';
}

struct ProtoSkip {
  bool type = false;
  bool proto = false;
};

std::string_view ip_proto_name(uint8_t proto, bool v6) {
  switch (proto) {
    case kIpProtoIcmp:
      return v6 ? "" : "icmp";
    case kIpProtoIcmpv6:
      return v6 ? "icmp6" : "";
    case kIpProtoIgmp:
      return v6 ? "" : "igmp";
    case kIpProtoTcp:
      return v6 ? "tcp6" : "tcp";
    case kIpProtoUdp:
      return v6 ? "udp6" : "udp";
    case kIpProtoSctp:
      return v6 ? "sctp6" : "sctp";
    default:
      return "";
  }
}

ProtoSkip put_protocol(std::string& s, const FlowKey& f, const FlowKey& w) {
  ProtoSkip skip;
  if (!w.dl_type) return skip;
  skip.type = true;
  if (f.dl_type == kEthTypeIp || f.dl_type == kEthTypeIpv6) {
    bool v6 = f.dl_type == kEthTypeIpv6;
    std::string_view name = w.nw_proto ? ip_proto_name(f.nw_proto, v6) : "";
    skip.proto = !name.empty();
    s += name.empty() ? (v6 ? "ipv6" : "ip") : name;
  } else if (f.dl_type == kEthTypeArp) {
    s += "arp";
  } else if (f.dl_type == kEthTypeRarp) {
    s += "rarp";
  } else if (f.dl_type == kEthTypeMpls) {
    s += "mpls";
  } else if (f.dl_type == kEthTypeMplsMcast) {
    s += "mplsm";
  } else {
    skip.type = false;
    return skip;
  }
  s += ',';
  return skip;
}

void put_metadata(std::string& s, const FlowKey& f, const FlowKey& w, const PortNamer* names) {
  for (int i = 0; i < 16; ++i) {
    const FieldInfo& reg = field_info(static_cast<FieldId>(static_cast<int>(FieldId::kReg0) + i));
    put_hex_masked(s, reg.name, f.regs[i], w.regs[i], 0xffffffffu);
  }
  put_hex_masked(s, "tun_id", f.tun_id, w.tun_id, ~uint64_t{0});
  put_ipv4(s, "tun_src", f.tun_src, w.tun_src);
  put_ipv4(s, "tun_dst", f.tun_dst, w.tun_dst);
  put_hex_masked(s, "metadata", f.metadata, w.metadata, ~uint64_t{0});
  if (w.in_port) {
    s += "in_port=";
    append_port(s, f.in_port, names);
    s += ',';
  }
}

void put_vlan(std::string& s, uint16_t tci, uint16_t mask) {
  if (!mask) return;
  uint16_t vid_mask = mask & kVlanVidMask;
  uint16_t pcp_mask = mask & kVlanPcpMask;
  bool cfi = (mask & kVlanCfi) && (tci & kVlanCfi);
  if (cfi && (!vid_mask || vid_mask == kVlanVidMask) && (!pcp_mask || pcp_mask == kVlanPcpMask) &&
      (vid_mask || pcp_mask)) {
    if (vid_mask) put_dec(s, "dl_vlan", tci & kVlanVidMask);
    if (pcp_mask) put_dec(s, "dl_vlan_pcp", tci >> 13);
    return;
  }
  char buf[32];
  if (mask == 0xffff) {
    std::snprintf(buf, sizeof buf, "vlan_tci=0x%04x,", tci);
  } else {
    std::snprintf(buf, sizeof buf, "vlan_tci=0x%04x/0x%04x,", tci, mask);
  }
  s += buf;
}

void put_l3(std::string& s, const Match& m, ProtoSkip skip) {
  const FlowKey& f = m.value;
  const FlowKey& w = m.mask;
  bool arp = f.dl_type == kEthTypeArp || f.dl_type == kEthTypeRarp;
  if (f.dl_type == kEthTypeIpv6) {
    put_ipv6(s, "ipv6_src", FieldId::kIpv6Src, m);
    put_ipv6(s, "ipv6_dst", FieldId::kIpv6Dst, m);
  } else {
    put_ipv4(s, arp ? "arp_spa" : "nw_src", f.nw_src, w.nw_src);
    put_ipv4(s, arp ? "arp_tpa" : "nw_dst", f.nw_dst, w.nw_dst);
  }
  if (!skip.proto && w.nw_proto) put_dec(s, arp ? "arp_op" : "nw_proto", f.nw_proto);
  if (arp) {
    put_mac(s, "arp_sha", f.arp_sha, w.arp_sha);
    put_mac(s, "arp_tha", f.arp_tha, w.arp_tha);
  }
  if (w.nw_tos & 0xfc) put_dec(s, "nw_tos", f.nw_tos & 0xfc);
  if (w.nw_tos & 0x03) put_dec(s, "nw_ecn", f.nw_tos & 0x03);
  if (w.nw_ttl) put_dec(s, "nw_ttl", f.nw_ttl);
}

void put_frag(std::string& s, uint8_t v, uint8_t m) {
  const char* word = nullptr;
  switch (m) {
    case kFragAny | kFragLater:
      word =
          v & kFragAny ? (v & kFragLater ? "later" : "first") : (v & kFragLater ? "<error>" : "no");
      break;
    case kFragAny:
      word = v & kFragAny ? "yes" : "no";
      break;
    case kFragLater:
      word = v & kFragLater ? "later" : "not_later";
      break;
    default:
      return;
  }
  s += "nw_frag=";
  s += word;
  s += ',';
}

void put_l4(std::string& s, const FlowKey& f, const FlowKey& w) {
  bool ip = f.dl_type == kEthTypeIp;
  const char* type = "tp_src";
  const char* code = "tp_dst";
  if ((ip && f.nw_proto == kIpProtoIcmp) ||
      (f.dl_type == kEthTypeIpv6 && f.nw_proto == kIpProtoIcmpv6)) {
    type = "icmp_type";
    code = "icmp_code";
  } else if (ip && f.nw_proto == kIpProtoIgmp) {
    type = "igmp_type";
    code = "igmp_code";
  }
  put_u16_masked(s, type, f.tp_src, w.tp_src);
  put_u16_masked(s, code, f.tp_dst, w.tp_dst);
  bool tcp = (ip || f.dl_type == kEthTypeIpv6) && f.nw_proto == kIpProtoTcp;
  if (tcp && w.tcp_flags) {
    put_name(s, "tcp_flags");
    s += format_tcp_flags(f.tcp_flags, w.tcp_flags);
    s += ',';
  }
}

// The conntrack fields, in match_format()'s order (after conj_id, before the protocol).
void put_ct(std::string& s, const Match& m) {
  const FlowKey& f = m.value;
  const FlowKey& w = m.mask;
  if (w.ct_state) {
    put_name(s, "ct_state");
    s += format_ct_state(f.ct_state, w.ct_state);
    s += ',';
  }
  if (w.ct_zone) put_dec(s, "ct_zone", f.ct_zone);
  put_hex_masked(s, "ct_mark", f.ct_mark, w.ct_mark, 0xffffffffu);
  const FieldInfo& label = field_info(FieldId::kCtLabel);
  if (u128 lm = m.get_mask(label)) {
    put_name(s, "ct_label");
    append_hex(s, m.get_value(label));
    if (lm != ~u128{0}) {
      s += '/';
      append_hex(s, lm);
    }
    s += ',';
  }
  put_ipv4(s, "ct_nw_src", f.ct_nw_src, w.ct_nw_src);
  put_ipv4(s, "ct_nw_dst", f.ct_nw_dst, w.ct_nw_dst);
  put_ipv6(s, "ct_ipv6_src", FieldId::kCtIpv6Src, m);
  put_ipv6(s, "ct_ipv6_dst", FieldId::kCtIpv6Dst, m);
  if (w.ct_nw_proto) put_dec(s, "ct_nw_proto", f.ct_nw_proto);
  put_u16_masked(s, "ct_tp_src", f.ct_tp_src, w.ct_tp_src);
  put_u16_masked(s, "ct_tp_dst", f.ct_tp_dst, w.ct_tp_dst);
}

}  // namespace
}  // namespace oftext

Result<Match> parse_match(std::string_view text, const PortNamer* names) {
  if (text.find('\0') != std::string_view::npos) {
    return make_error("flow text contains a NUL byte");
  }
  oftext::MatchBuilder builder(names);
  oftext::KeyValueScanner scanner(text);
  oftext::KeyValue kv;
  for (;;) {
    auto step = scanner.next(&kv);
    if (step == oftext::KeyValueScanner::Step::kEnd) break;
    if (step == oftext::KeyValueScanner::Step::kError) return make_error(scanner.error());
    auto applied = builder.apply(kv);
    if (!applied.ok()) return applied.error();
    if (!*applied) return make_error("unknown field '" + std::string(kv.key) + "'");
  }
  return builder.finish();
}

std::string format_match(const Match& match, uint16_t priority, const PortNamer* names) {
  using namespace oftext;
  const FlowKey& f = match.value;
  const FlowKey& w = match.mask;
  std::string s;
  s.reserve(128);
  if (priority != kDefaultPriority) put_dec(s, "priority", priority);
  // recirc_id is no OpenFlow field: only megaflows and traces have it in their masks. Every
  // megaflow pins it; a first pass (0) is left unprinted, so only recirculated passes say so.
  if (f.recirc_id) put_hex_masked(s, "recirc_id", f.recirc_id, w.recirc_id, 0xffffffffu);
  if (w.conj_id) put_dec(s, "conj_id", f.conj_id);  // before the protocol, as OVS prints it
  put_ct(s, match);
  ProtoSkip skip = put_protocol(s, f, w);
  put_metadata(s, f, w, names);
  put_vlan(s, f.vlan_tci, w.vlan_tci);
  put_mac(s, "dl_src", f.dl_src, w.dl_src);
  put_mac(s, "dl_dst", f.dl_dst, w.dl_dst);
  if (!skip.type && w.dl_type) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "dl_type=0x%04x,", f.dl_type);
    s += buf;
  }
  put_l3(s, match, skip);
  put_frag(s, f.nw_frag, w.nw_frag);
  put_l4(s, f, w);
  if (!s.empty()) s.pop_back();
  return s;
}

}  // namespace nt
