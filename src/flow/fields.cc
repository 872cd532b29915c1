#include "flow/fields.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "common/addr.h"
#include "common/strings.h"

namespace nt {
namespace {

#define NT_FIELD_ROW(id, name, aliases, nxm, member, shift, width, maskable, prereq, format, wr) \
  FieldInfo{FieldId::id,                                                                         \
            name,                                                                                \
            aliases,                                                                             \
            nxm,                                                                                 \
            static_cast<uint16_t>(offsetof(FlowKey, member)),                                    \
            static_cast<uint8_t>(sizeof(FlowKey{}.member)),                                      \
            shift,                                                                               \
            width,                                                                               \
            maskable,                                                                            \
            Prereq::prereq,                                                                      \
            FieldFormat::format,                                                                 \
            wr},
const std::array<FieldInfo, kNumFields> kFields = {{NT_FIELDS(NT_FIELD_ROW)}};
#undef NT_FIELD_ROW

// Raw storage access: integers are host order, byte arrays (MAC, IPv6) big-endian.
u128 storage_get(const FlowKey& key, const FieldInfo& f) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(&key) + f.offset;
  switch (f.size) {
    case 1:
      return *p;
    case 2: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case 8: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
    default: {
      u128 v = 0;
      for (int i = 0; i < f.size; ++i) v = v << 8 | p[i];
      return v;
    }
  }
}

void storage_put(FlowKey& key, const FieldInfo& f, u128 v) {
  uint8_t* p = reinterpret_cast<uint8_t*>(&key) + f.offset;
  switch (f.size) {
    case 1:
      *p = static_cast<uint8_t>(v);
      return;
    case 2: {
      uint16_t x = static_cast<uint16_t>(v);
      std::memcpy(p, &x, 2);
      return;
    }
    case 4: {
      uint32_t x = static_cast<uint32_t>(v);
      std::memcpy(p, &x, 4);
      return;
    }
    case 8: {
      uint64_t x = static_cast<uint64_t>(v);
      std::memcpy(p, &x, 8);
      return;
    }
    default:
      for (int i = f.size - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
  }
}

struct PortName {
  std::string_view name;
  uint32_t port;
};
constexpr PortName kPortNames[] = {
    {"IN_PORT", ofp_port::kInPort}, {"TABLE", ofp_port::kTable},
    {"NORMAL", ofp_port::kNormal},  {"FLOOD", ofp_port::kFlood},
    {"ALL", ofp_port::kAll},        {"CONTROLLER", ofp_port::kController},
    {"LOCAL", ofp_port::kLocal},    {"NONE", ofp_port::kNone},
};

bool name_in_list(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    size_t sp = list.find(' ');
    if (list.substr(0, sp) == name) return true;
    if (sp == std::string_view::npos) break;
    list.remove_prefix(sp + 1);
  }
  return false;
}

Result<u128> parse_ipv4(std::string_view s) {
  auto a = ipv4_parse(s);
  if (!a) return make_error("invalid IP address");
  return static_cast<u128>(*a);
}

Result<u128> parse_ipv6(std::string_view s) {
  std::string str(s);
  uint8_t b[16];
  if (inet_pton(AF_INET6, str.c_str(), b) != 1) return make_error("invalid IPv6 address");
  u128 v = 0;
  for (uint8_t x : b) v = v << 8 | x;
  return v;
}

// common/addr.h's grammar: six groups of one or two hex digits (not OVS's sscanf "%hhx",
// which also takes overlong and signed groups such as "001" or "-1").
Result<u128> parse_mac(std::string_view s) {
  auto m = MacAddr::parse(s);
  if (!m) return make_error("invalid Ethernet address");
  return static_cast<u128>(m->to_u64());
}

Result<u128> parse_frag(std::string_view s) {
  // Values with the mask implied by the keyword are handled in parse_field_value_masked.
  if (s == "no") return u128{0};
  if (s == "yes" || s == "first") return u128{kFragAny};
  if (s == "later") return u128{kFragAny | kFragLater};
  if (s == "not_later") return u128{0};
  return make_error("invalid nw_frag (expected no, yes, first, later or not_later)");
}

// A 128-bit integer (ct_label): decimal or 0x hex.
std::optional<u128> parse_wide(std::string_view s) {
  bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (hex) s.remove_prefix(2);
  if (s.empty()) return std::nullopt;
  u128 v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (hex && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (hex && c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    u128 base = hex ? 16 : 10;
    if (v > (~u128{0} - static_cast<u128>(d)) / base) return std::nullopt;  // overflow
    v = v * base + static_cast<u128>(d);
  }
  return v;
}

}  // namespace

const FieldInfo& field_info(FieldId id) { return kFields[static_cast<size_t>(id)]; }

const FieldInfo* field_by_name(std::string_view name) {
  if (name.empty()) return nullptr;
  for (const FieldInfo& f : kFields) {
    if (f.name == name || f.nxm_name == name || name_in_list(f.aliases, name)) return &f;
  }
  return nullptr;
}

u128 ones(int bits) { return bits >= 128 ? ~u128{0} : (u128{1} << bits) - 1; }

u128 field_get(const FlowKey& key, const FieldInfo& f) {
  return (storage_get(key, f) >> f.shift) & ones(f.width);
}

void field_set(FlowKey& key, const FieldInfo& f, u128 v) {
  field_set_masked(key, f, v, ones(f.width));
}

void field_set_masked(FlowKey& key, const FieldInfo& f, u128 v, u128 mask) {
  u128 m = (mask & ones(f.width)) << f.shift;
  u128 raw = storage_get(key, f);
  raw = (raw & ~m) | ((v << f.shift) & m);
  storage_put(key, f, raw);
}

bool prereqs_met(Prereq p, const FlowKey& k) {
  bool ip_any = k.is_ip() || k.is_ipv6();
  switch (p) {
    case Prereq::kNone:
      return true;
    case Prereq::kIp:
      return k.is_ip();
    case Prereq::kIpv6:
      return k.is_ipv6();
    case Prereq::kIpAny:
      return ip_any;
    case Prereq::kArp:
      return k.is_arp();
    case Prereq::kL4:
      return ip_any && (k.nw_proto == kIpProtoTcp || k.nw_proto == kIpProtoUdp);
    case Prereq::kTcp:
      return ip_any && k.nw_proto == kIpProtoTcp;
    case Prereq::kUdp:
      return ip_any && k.nw_proto == kIpProtoUdp;
    case Prereq::kIcmp:
      return k.is_ip() && k.nw_proto == kIpProtoIcmp;
    case Prereq::kIcmpv6:
      return k.is_ipv6() && k.nw_proto == kIpProtoIcmpv6;
    case Prereq::kCt:
      return (k.ct_state & cs::kTrk) && !(k.ct_state & cs::kInv);
    case Prereq::kCtIp:
      return prereqs_met(Prereq::kCt, k) && k.is_ip();
    case Prereq::kCtIpv6:
      return prereqs_met(Prereq::kCt, k) && k.is_ipv6();
  }
  return false;
}

namespace {

// Open vSwitch's is_ct_valid() on a match: a ct_state bit that implies a valid connection is
// required set, or +trk with -inv.
bool ct_valid_in_match(const FlowKey& value, const FlowKey& mask) {
  constexpr uint8_t kValid = cs::kNew | cs::kEst | cs::kRel | cs::kRpl | cs::kSnat | cs::kDnat;
  return (value.ct_state & kValid) || ((value.ct_state & cs::kTrk) && (mask.ct_state & cs::kInv) &&
                                       !(value.ct_state & cs::kInv));
}

}  // namespace

bool prereqs_in_match(Prereq p, const FlowKey& value, const FlowKey& mask) {
  bool type_pinned = mask.dl_type == 0xffff;
  bool proto_pinned = mask.nw_proto == 0xff;
  switch (p) {
    case Prereq::kNone:
      return true;
    case Prereq::kIp:
    case Prereq::kIpv6:
    case Prereq::kIpAny:
    case Prereq::kArp:
      return type_pinned && prereqs_met(p, value);
    case Prereq::kCt:
      return ct_valid_in_match(value, mask);
    case Prereq::kCtIp:
      return ct_valid_in_match(value, mask) && type_pinned && value.is_ip();
    case Prereq::kCtIpv6:
      return ct_valid_in_match(value, mask) && type_pinned && value.is_ipv6();
    default:
      return type_pinned && proto_pinned && prereqs_met(p, value);
  }
}

std::string_view prereq_hint(Prereq p) {
  switch (p) {
    case Prereq::kNone:
      return "";
    case Prereq::kIp:
      return "ip (e.g. 'ip,nw_dst=10.0.0.1')";
    case Prereq::kIpv6:
      return "ipv6 (e.g. 'ipv6,ipv6_dst=fe80::1')";
    case Prereq::kIpAny:
      return "ip or ipv6 (e.g. 'ip,nw_ttl=64')";
    case Prereq::kArp:
      return "arp (e.g. 'arp,arp_tpa=10.0.0.1')";
    case Prereq::kL4:
      return "tcp or udp (e.g. 'tcp,tp_dst=80')";
    case Prereq::kTcp:
      return "tcp (e.g. 'tcp,tcp_dst=80')";
    case Prereq::kUdp:
      return "udp (e.g. 'udp,udp_dst=53')";
    case Prereq::kIcmp:
      return "icmp (e.g. 'icmp,icmp_type=8')";
    case Prereq::kIcmpv6:
      return "icmp6 (e.g. 'icmp6,icmpv6_type=135')";
    case Prereq::kCt:
      return "a ct_state proving a valid connection (e.g. 'ct_state=+trk-inv' or '+est')";
    case Prereq::kCtIp:
      return "ip and a ct_state proving a valid connection (e.g. 'ct_state=+est,ip')";
    case Prereq::kCtIpv6:
      return "ipv6 and a ct_state proving a valid connection (e.g. 'ct_state=+est,ipv6')";
  }
  return "";
}

void prereq_unwildcard(Prereq p, FlowKey& mask) {
  if (p == Prereq::kNone) return;
  if (p == Prereq::kCt || p == Prereq::kCtIp || p == Prereq::kCtIpv6) {
    mask.ct_state |= cs::kTrk | cs::kInv;  // what is_ct_valid() un-wildcards
    if (p != Prereq::kCt) mask.dl_type = 0xffff;
    return;
  }
  mask.dl_type = 0xffff;
  if (p != Prereq::kIp && p != Prereq::kIpv6 && p != Prereq::kIpAny && p != Prereq::kArp) {
    mask.nw_proto = 0xff;
  }
}

std::string format_field_value(const FieldInfo& f, u128 v) {
  char buf[64];
  switch (f.format) {
    case FieldFormat::kDecimal:
      std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
      return buf;
    case FieldFormat::kHex:
      if (v >> 64) {
        std::string h = to_hex(static_cast<uint64_t>(v >> 64));
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
        return h + buf;
      }
      return to_hex(static_cast<uint64_t>(v));
    case FieldFormat::kCtState:
      return format_ct_state(static_cast<uint8_t>(v), 0xff);
    case FieldFormat::kHex16:
      std::snprintf(buf, sizeof buf, "0x%04llx", static_cast<unsigned long long>(v));
      return buf;
    case FieldFormat::kEthType:
      std::snprintf(buf, sizeof buf, "0x%04llx", static_cast<unsigned long long>(v));
      return buf;
    case FieldFormat::kTcpFlags:
      return format_tcp_flags(static_cast<uint16_t>(v), 0x0fff);
    case FieldFormat::kMac:
      return MacAddr::from_u64(static_cast<uint64_t>(v)).to_string();
    case FieldFormat::kIpv4:
      return ipv4_to_string(static_cast<uint32_t>(v));
    case FieldFormat::kIpv6: {
      std::array<uint8_t, 16> a;
      for (int i = 15; i >= 0; --i, v >>= 8) a[i] = static_cast<uint8_t>(v);
      return ipv6_to_string(a);
    }
    case FieldFormat::kPort:
      for (const PortName& pn : kPortNames) {
        if (pn.port == v) return std::string(pn.name);
      }
      std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
      return buf;
    case FieldFormat::kFrag:
      switch (static_cast<int>(v)) {
        case 0:
          return "no";
        case kFragAny:
          return "first";
        case kFragAny | kFragLater:
          return "later";
        default:
          return "<error>";
      }
  }
  return "?";
}

Result<u128> parse_field_value(const FieldInfo& f, std::string_view s) {
  s = trim(s);
  Result<u128> r = make_error("");
  switch (f.format) {
    case FieldFormat::kMac:
      r = parse_mac(s);
      break;
    case FieldFormat::kIpv4:
      r = parse_ipv4(s);
      break;
    case FieldFormat::kIpv6:
      r = parse_ipv6(s);
      break;
    case FieldFormat::kFrag:
      r = parse_frag(s);
      break;
    case FieldFormat::kTcpFlags: {
      auto vm = parse_tcp_flags(s);
      if (!vm.ok()) return vm.error();
      return vm->first;
    }
    case FieldFormat::kCtState: {
      auto vm = parse_ct_state(s);
      if (!vm.ok()) return vm.error();
      return vm->first;
    }
    case FieldFormat::kPort:
      for (const PortName& pn : kPortNames) {
        if (pn.name == s) return u128{pn.port};
      }
      [[fallthrough]];
    default: {
      if (f.width > 64) {
        if (auto w = parse_wide(s)) return *w;
        if (s.size() > 2 && s[0] == '0' && s[1] == 'x' &&
            s.substr(2).find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos) {
          return make_verbatim_error(std::string(s) + ": value too large for " +
                                     std::to_string(f.width / 8) + "-byte field " +
                                     std::string(f.name));
        }
      }
      auto v = parse_uint(s, f.width > 64 ? 64 : f.width);
      if (!v) {
        return make_error(std::string(f.name) + ": '" + std::string(s) +
                          "' is not a valid value (expected an integer of at most " +
                          std::to_string(f.width) + " bits)");
      }
      return u128{*v};
    }
  }
  if (!r.ok()) {
    return make_error(std::string(f.name) + ": '" + std::string(s) + "': " + r.error().message);
  }
  return r;
}

Result<std::pair<u128, u128>> parse_field_value_masked(const FieldInfo& f, std::string_view s) {
  s = trim(s);
  if (f.format == FieldFormat::kTcpFlags) return parse_tcp_flags(s);
  if (f.format == FieldFormat::kCtState) return parse_ct_state(s);
  if (f.format == FieldFormat::kFrag) {
    // nw_frag keywords carry their own masks (ovs-fields(7)).
    struct FragWord {
      std::string_view word;
      uint8_t value, mask;
    };
    // "no" pins both bits, as Open vSwitch's first "no" row (frag_handling in meta-flow.c):
    // it then prints back as "no" and round-trips.
    static constexpr FragWord kWords[] = {{"no", 0, kFragAny | kFragLater},
                                          {"yes", kFragAny, kFragAny},
                                          {"first", kFragAny, kFragAny | kFragLater},
                                          {"later", kFragAny | kFragLater, kFragAny | kFragLater},
                                          {"not_later", 0, kFragLater}};
    for (const FragWord& w : kWords) {
      if (w.word == s) return std::pair<u128, u128>{w.value, w.mask};
    }
    return make_error("nw_frag: '" + std::string(s) +
                      "' is not one of no, yes, first, later, not_later");
  }
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) {
    auto v = parse_field_value(f, s);
    if (!v.ok()) return v.error();
    return std::pair<u128, u128>{*v, field_ones(f)};
  }
  if (!f.maskable) {
    return make_verbatim_error(std::string(s) + ": invalid mask for field " + std::string(f.name));
  }
  auto v = parse_field_value(f, s.substr(0, slash));
  if (!v.ok()) return v.error();
  std::string_view ms = s.substr(slash + 1);
  u128 mask;
  bool prefix_ok = f.format == FieldFormat::kIpv4 || f.format == FieldFormat::kIpv6;
  auto plen = parse_uint(ms, 8);
  if (prefix_ok && plen && ms.find('.') == std::string_view::npos &&
      ms.find(':') == std::string_view::npos && ms.substr(0, 2) != "0x") {
    if (*plen > f.width) {
      return make_error(std::string(f.name) + ": prefix length /" + std::string(ms) +
                        " is longer than " + std::to_string(f.width) + " bits");
    }
    mask = ones(f.width) & ~ones(f.width - static_cast<int>(*plen));
  } else {
    auto m = parse_field_value(f, ms);
    if (!m.ok()) return m.error();
    mask = *m;
  }
  return std::pair<u128, u128>{*v & mask, mask};
}

Result<Subfield> parse_subfield(std::string_view s) {
  s = trim(s);
  size_t lb = s.find('[');
  if (lb == std::string_view::npos || s.back() != ']') {
    return make_error("'" + std::string(s) + "': expected FIELD[] or FIELD[START..END]");
  }
  std::string_view name = s.substr(0, lb);
  const FieldInfo* f = field_by_name(name);
  if (!f) return make_error("unknown field '" + std::string(name) + "'");
  std::string_view range = s.substr(lb + 1, s.size() - lb - 2);
  Subfield sf{f, 0, f->width};
  if (!range.empty()) {
    size_t dots = range.find("..");
    auto a = parse_uint(range.substr(0, dots), 8);
    auto b = dots == std::string_view::npos ? a : parse_uint(range.substr(dots + 2), 8);
    if (!a || !b || *b < *a || *b >= f->width) {
      return make_error("'" + std::string(s) + "': bit range out of bounds for " +
                        std::string(f->name) + " (" + std::to_string(f->width) + " bits)");
    }
    sf.ofs = static_cast<uint8_t>(*a);
    sf.n_bits = static_cast<uint8_t>(*b - *a + 1);
  }
  return sf;
}

std::string format_subfield(const Subfield& sf) {
  std::string s(sf.field->nxm_name.empty() ? sf.field->name : sf.field->nxm_name);
  if (sf.whole()) return s + "[]";
  if (sf.n_bits == 1) return s + "[" + std::to_string(sf.ofs) + "]";
  return s + "[" + std::to_string(sf.ofs) + ".." + std::to_string(sf.ofs + sf.n_bits - 1) + "]";
}

u128 subfield_get(const FlowKey& key, const Subfield& sf) {
  return (field_get(key, *sf.field) >> sf.ofs) & ones(sf.n_bits);
}

void subfield_set(FlowKey& key, const Subfield& sf, u128 v) {
  field_set_masked(key, *sf.field, v << sf.ofs, ones(sf.n_bits) << sf.ofs);
}

void subfield_unwildcard(FlowKey& mask, const Subfield& sf) {
  field_set_masked(mask, *sf.field, ~u128{0}, ones(sf.n_bits) << sf.ofs);
}

}  // namespace nt
