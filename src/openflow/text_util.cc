#include "openflow/text_util.h"

#include <array>
#include <cctype>
#include <unordered_map>

#include "common/strings.h"

namespace nt::oftext {
namespace {

constexpr size_t kNpos = std::string_view::npos;

// Index one past the closing quote of the string opening at s[i], or kNpos.
size_t skip_quoted(std::string_view s, size_t i) {
  for (size_t j = i + 1; j < s.size(); ++j) {
    if (s[j] == '\\') {
      ++j;
    } else if (s[j] == '"') {
      return j + 1;
    }
  }
  return kNpos;
}

struct ReservedPort {
  std::string_view name;
  uint32_t port;
};
// Printing order matters only for kNone: it prints as ANY (Open vSwitch's name) and parses
// from ANY or NONE.
constexpr ReservedPort kReservedPorts[] = {
    {"IN_PORT", ofp_port::kInPort}, {"TABLE", ofp_port::kTable},
    {"NORMAL", ofp_port::kNormal},  {"FLOOD", ofp_port::kFlood},
    {"ALL", ofp_port::kAll},        {"CONTROLLER", ofp_port::kController},
    {"LOCAL", ofp_port::kLocal},    {"ANY", ofp_port::kNone},
    {"NONE", ofp_port::kNone},
};

// A port name prints bare when it cannot be mistaken for a number, a reserved port or syntax.
bool is_plain_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (const ReservedPort& r : kReservedPorts) {
    if (iequals(r.name, name)) return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

void append_quoted(std::string& out, std::string_view name) {
  static const char* kDigits = "0123456789abcdef";
  out += '"';
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kDigits[u >> 4];
      out += kDigits[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::nullopt;
  std::string out;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i + 1 >= s.size()) return std::nullopt;
    char c = s[i];
    if (c == 'u') {
      if (i + 4 >= s.size() - 1) return std::nullopt;
      unsigned v = 0;
      for (size_t k = i + 1; k <= i + 4; ++k) {
        int d = hex_digit(s[k]);
        if (d < 0) return std::nullopt;
        v = v * 16 + static_cast<unsigned>(d);
      }
      if (v > 0x7f) return std::nullopt;
      out += static_cast<char>(v);
      i += 4;
    } else if (c == 'n' || c == 't' || c == 'r') {
      out += c == 'n' ? '\n' : c == 't' ? '\t' : '\r';
    } else {
      out += c;
    }
  }
  return out;
}

bool is_cidr32(uint32_t mask) {
  uint32_t inv = ~mask;
  return (inv & (inv + 1)) == 0;
}

int popcount128(u128 v) {
  return __builtin_popcountll(static_cast<uint64_t>(v)) +
         __builtin_popcountll(static_cast<uint64_t>(v >> 64));
}

std::string_view frag_name(u128 value, u128 mask) {
  // mf_format_frag_string(): the first keyword whose value and mask both agree.
  struct Frag {
    std::string_view name;
    uint8_t value, mask;
  };
  static constexpr Frag kFrags[] = {
      {"no", 0, kFragAny | kFragLater},
      {"first", kFragAny, kFragAny | kFragLater},
      {"later", kFragAny | kFragLater, kFragAny | kFragLater},
      {"no", 0, kFragAny},
      {"yes", kFragAny, kFragAny},
      {"not_later", 0, kFragLater},
      {"later", kFragLater, kFragLater},
  };
  for (const Frag& f : kFrags) {
    if ((value & mask) == f.value && mask == f.mask) return f.name;
  }
  return "<error>";
}

}  // namespace

// ---- Tokenizing --------------------------------------------------------------------------------

bool is_space_or_comma(char c) {
  return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

size_t KeyValueScanner::scan_value(size_t from, bool paren) {
  int depth = paren ? 1 : 0;
  for (size_t i = from; i < s_.size();) {
    char c = s_[i];
    if (c == '"') {
      i = skip_quoted(s_, i);
      if (i == kNpos) return kNpos;
      continue;
    }
    if (c == '(') {
      ++depth;
    } else if (c == ')' && depth > 0) {
      if (--depth == 0 && paren) return i;
    } else if (depth == 0 && is_space_or_comma(c)) {
      return i;
    }
    ++i;
  }
  return depth == 0 ? s_.size() : kNpos;
}

KeyValueScanner::Step KeyValueScanner::next(KeyValue* kv) {
  while (pos_ < s_.size() && is_space_or_comma(s_[pos_])) ++pos_;
  if (pos_ >= s_.size()) return Step::kEnd;
  size_t i = pos_;
  while (i < s_.size()) {
    char c = s_[i];
    if (c == ':' || c == '=' || c == '(' || is_space_or_comma(c)) break;
    i = c == '"' ? skip_quoted(s_, i) : i + 1;
    if (i == kNpos) {
      error_ = "missing closing '\"' in '" + std::string(s_.substr(pos_)) + "'";
      return Step::kError;
    }
  }
  kv->key = s_.substr(pos_, i - pos_);
  kv->delim = i < s_.size() && !is_space_or_comma(s_[i]) ? s_[i] : 0;
  kv->value = {};
  if (kv->key.empty()) {
    error_ = "missing keyword before '" + std::string(1, kv->delim) + "'";
    return Step::kError;
  }
  if (kv->delim == 0) {
    pos_ = i;
    return Step::kItem;
  }
  bool paren = kv->delim == '(';
  size_t end = scan_value(i + 1, paren);
  if (end == kNpos) {
    error_ = "'" + std::string(s_.substr(pos_)) + "': unbalanced parentheses or quotes";
    return Step::kError;
  }
  kv->value = s_.substr(i + 1, end - i - 1);
  pos_ = paren ? end + 1 : end;
  if (paren && pos_ < s_.size() && !is_space_or_comma(s_[pos_])) {
    error_ = "unexpected '" + std::string(s_.substr(pos_)) + "' after '" + std::string(kv->key) +
             "(...)'";
    return Step::kError;
  }
  return Step::kItem;
}

// ---- Numbers -----------------------------------------------------------------------------------

std::optional<u128> parse_u128(std::string_view s, int bits) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (hex) s.remove_prefix(2);
  // v * base + d overflows exactly when v > limit, or v == limit and d > max % base; the
  // limits are constants, so no digit costs a 128-bit division.
  constexpr u128 kMax = ~u128{0};
  const unsigned base = hex ? 16 : 10;
  const u128 limit = hex ? kMax / 16 : kMax / 10;
  const unsigned last = hex ? unsigned(kMax % 16) : unsigned(kMax % 10);
  u128 v = 0;
  for (char c : s) {
    int d = hex_digit(c);
    if (d < 0 || (!hex && d > 9)) return std::nullopt;
    auto digit = static_cast<unsigned>(d);
    if (v > limit || (v == limit && digit > last)) return std::nullopt;
    v = v * base + digit;
  }
  if (bits < 128 && (v >> bits) != 0) return std::nullopt;
  return v;
}

void append_hex(std::string& out, u128 v) {
  if (v == 0) {
    out += '0';
    return;
  }
  char buf[34];
  int n = 0;
  for (; v; v >>= 4) buf[n++] = "0123456789abcdef"[static_cast<int>(v & 15)];
  out += "0x";
  while (n) out += buf[--n];
}

std::string hex_u128(u128 v) {
  std::string s;
  append_hex(s, v);
  return s;
}

void append_dec(std::string& out, uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) out += buf[--n];
}

Error bad_value(std::string_view name, std::string_view value, std::string_view expected) {
  return make_error(std::string(name) + ": '" + std::string(value) +
                    "' is not a valid value (expected " + std::string(expected) + ")");
}

Status parse_bounded(std::string_view name, std::string_view value, uint64_t max, uint64_t* out) {
  auto v = parse_u128(value, 64);
  if (!v || *v > max) {
    return bad_value(name, value, "an integer 0.." + std::to_string(max));
  }
  *out = static_cast<uint64_t>(*v);
  return ok_status();
}

// ---- Ports -------------------------------------------------------------------------------------

std::optional<uint32_t> parse_port(std::string_view s, const PortNamer* names) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    if (auto v = parse_u128(s, 16)) return static_cast<uint32_t>(*v);
  }
  if (s[0] != '"') {
    for (const ReservedPort& r : kReservedPorts) {
      if (iequals(r.name, s)) return r.port;
    }
  }
  if (!names) return std::nullopt;
  if (s[0] == '"') {
    auto name = unquote(s);
    if (!name) return std::nullopt;
    return names->port_by_name(*name);
  }
  return names->port_by_name(s);
}

void append_port(std::string& out, uint32_t port, const PortNamer* names) {
  for (const ReservedPort& r : kReservedPorts) {
    if (r.port == port) {
      out += r.name;
      return;
    }
  }
  if (names) {
    if (auto name = names->name_by_port(port)) {
      if (is_plain_name(*name)) {
        out += *name;
      } else {
        append_quoted(out, *name);
      }
      return;
    }
  }
  append_dec(out, port);
}

bool valid_output_port(uint32_t port) {
  switch (port) {
    case ofp_port::kInPort:
    case ofp_port::kTable:
    case ofp_port::kNormal:
    case ofp_port::kFlood:
    case ofp_port::kAll:
    case ofp_port::kController:
    case ofp_port::kLocal:
      return true;
    default:
      return port < ofp_port::kMax;
  }
}

// ---- Fields ------------------------------------------------------------------------------------

const FieldInfo* find_field(std::string_view name) {
  static const auto* const kByName = [] {
    auto* m = new std::unordered_map<std::string_view, const FieldInfo*>();
    for (size_t i = 0; i < kNumFields; ++i) {
      const FieldInfo& f = field_info(static_cast<FieldId>(i));
      m->emplace(f.name, &f);
      if (!f.nxm_name.empty()) m->emplace(f.nxm_name, &f);
      std::string_view list = f.aliases;
      while (!list.empty()) {
        size_t sp = list.find(' ');
        if (sp != 0) m->emplace(list.substr(0, sp), &f);
        if (sp == kNpos) break;
        list.remove_prefix(sp + 1);
      }
    }
    return m;
  }();
  auto it = kByName->find(name);
  return it == kByName->end() ? nullptr : it->second;
}

std::string_view mf_name(const FieldInfo& f) {
  switch (f.id) {
    case FieldId::kDlSrc:
      return "eth_src";
    case FieldId::kDlDst:
      return "eth_dst";
    case FieldId::kDlType:
      return "eth_type";
    case FieldId::kNwSrc:
      return "ip_src";
    case FieldId::kNwDst:
      return "ip_dst";
    case FieldId::kNwFrag:
      return "ip_frag";
    case FieldId::kDlVlanPcp:
      return "vlan_pcp";
    default:
      return f.name;
  }
}

Result<Subfield> parse_subfield_any(std::string_view s) {
  s = trim(s);
  if (s.find('[') != kNpos) return parse_subfield(s);
  const FieldInfo* f = find_field(s);
  if (!f) return make_error("unknown field '" + std::string(s) + "'");
  return Subfield{f, 0, f->width};
}

Result<std::pair<u128, u128>> parse_value_masked(const FieldInfo& f, std::string_view s,
                                                 const PortNamer* names) {
  if (f.format != FieldFormat::kPort) return parse_field_value_masked(f, s);
  auto port = parse_port(s, names);
  if (!port) {
    return bad_value(f.name, s, "a port number, a reserved port such as LOCAL, or a port name");
  }
  return std::pair<u128, u128>{*port, field_ones(f)};
}

void append_ipv4_masked(std::string& out, uint32_t ip, uint32_t mask) {
  out += ipv4_to_string(ip);
  if (mask == 0xffffffffu) return;
  out += '/';
  if (is_cidr32(mask)) {
    append_dec(out, static_cast<uint64_t>(__builtin_popcount(mask)));
  } else {
    out += ipv4_to_string(mask);
  }
}

void append_ipv6_masked(std::string& out, u128 ip, u128 mask) {
  auto to_bytes = [](u128 v) {
    std::array<uint8_t, 16> a;
    for (int i = 15; i >= 0; --i, v >>= 8) a[i] = static_cast<uint8_t>(v);
    return a;
  };
  out += ipv6_to_string(to_bytes(ip));
  if (mask == ~u128{0}) return;
  out += '/';
  u128 inv = ~mask;
  if ((inv & (inv + 1)) == 0) {
    append_dec(out, static_cast<uint64_t>(popcount128(mask)));
  } else {
    out += ipv6_to_string(to_bytes(mask));
  }
}

void append_mac_masked(std::string& out, uint64_t mac, uint64_t mask) {
  out += MacAddr::from_u64(mac).to_string();
  if (mask == 0xffffffffffffULL) return;
  out += '/';
  out += MacAddr::from_u64(mask).to_string();
}

void append_field_value(std::string& out, const FieldInfo& f, u128 value, u128 mask,
                        const PortNamer* names) {
  bool full = mask == field_ones(f);
  switch (f.format) {
    case FieldFormat::kMac:
      return append_mac_masked(out, static_cast<uint64_t>(value), static_cast<uint64_t>(mask));
    case FieldFormat::kIpv4:
      return append_ipv4_masked(out, static_cast<uint32_t>(value), static_cast<uint32_t>(mask));
    case FieldFormat::kIpv6:
      return append_ipv6_masked(out, value, mask);
    case FieldFormat::kFrag:
      out += frag_name(value, mask);
      return;
    case FieldFormat::kPort:
      if (full) return append_port(out, static_cast<uint32_t>(value), names);
      append_dec(out, static_cast<uint64_t>(value));
      break;
    case FieldFormat::kDecimal:
      append_dec(out, static_cast<uint64_t>(value));
      break;
    case FieldFormat::kTcpFlags:
      out += format_tcp_flags(static_cast<uint16_t>(value), static_cast<uint16_t>(mask));
      return;
    case FieldFormat::kCtState:
      out += format_ct_state(static_cast<uint8_t>(value), static_cast<uint8_t>(mask));
      return;
    case FieldFormat::kHex:
    case FieldFormat::kHex16:
    case FieldFormat::kEthType:
      append_hex(out, value);
      break;
  }
  if (!full) {
    out += '/';
    append_hex(out, mask);
  }
}

bool field_prereqs_ok(const FieldInfo& f, const FlowKey& value, const FlowKey& mask) {
  bool type_pinned = mask.dl_type == 0xffff;
  switch (f.id) {
    case FieldId::kNwSrc:
    case FieldId::kNwDst:
      return type_pinned && (value.is_ip() || value.is_arp());
    case FieldId::kNwProto:
      return type_pinned && (value.is_ip() || value.is_ipv6() || value.is_arp());
    case FieldId::kIcmpType:
    case FieldId::kIcmpCode:
      return prereqs_in_match(Prereq::kIcmp, value, mask) ||
             prereqs_in_match(Prereq::kIcmpv6, value, mask);
    default:
      return prereqs_in_match(f.prereq, value, mask);
  }
}

std::string_view field_prereq_hint(const FieldInfo& f) {
  switch (f.id) {
    case FieldId::kIcmpType:
    case FieldId::kIcmpCode:
      return "icmp or icmp6 (e.g. 'icmp,icmp_type=8')";
    case FieldId::kNwProto:
      return "ip, ipv6 or arp (e.g. 'ip,nw_proto=6')";
    default:
      return prereq_hint(f.prereq);
  }
}

// ---- checks ------------------------------------------------------------------------------------

Status check_subfield_src(std::string_view what, const Subfield& sf, const FlowKey& value,
                          const FlowKey& mask) {
  if (!sf.field) return make_error(std::string(what) + ": missing field");
  if (sf.n_bits == 0 || sf.ofs + sf.n_bits > sf.field->width) {
    return make_error(std::string(what) + ": " + format_subfield(sf) + " lies outside the " +
                      std::to_string(sf.field->width) + "-bit field " +
                      std::string(sf.field->name));
  }
  if (!field_prereqs_ok(*sf.field, value, mask)) {
    return make_error(std::string(what) + ": " + std::string(sf.field->name) +
                          " needs its prerequisites in the match; add " +
                          std::string(field_prereq_hint(*sf.field)),
                      ErrorCode::kPrerequisite);
  }
  return ok_status();
}

Status check_subfield_dst(std::string_view what, const Subfield& sf, const FlowKey& value,
                          const FlowKey& mask) {
  NT_TRY(check_subfield_src(what, sf, value, mask));
  if (!sf.field->writable) {
    return make_error(std::string(what) + ": " + std::string(sf.field->name) + " is read-only");
  }
  return ok_status();
}

}  // namespace nt::oftext
