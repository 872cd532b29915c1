// The ct_state match syntax of ovs-fields(7), parsed and printed as Open vSwitch 3.1's
// parse_flags() / format_flags_masked() do for it (lib/flow.c, lib/match.c):
//   "+trk-inv"   named flags set (+) or clear (-), the others wildcarded;
//   "new|trk"    exactly these flags (all bits pinned);
//   "0x22/0x26"  a number and a mask.
// Printing: all 8 bits pinned -> "est|rpl|trk" ("0" for none); else the masked bits in bit
// order, each with its sign: "+est-rel+trk".
#include <cstdio>

#include "common/strings.h"
#include "flow/fields.h"

namespace nt {
namespace {

constexpr std::string_view kNames[] = {"new", "est", "rel", "rpl", "inv", "trk", "snat", "dnat"};
constexpr uint32_t kSupported = 0xff;

Error unknown(std::string_view s) {
  return make_verbatim_error(std::string(s) + ": unknown ct_state flag(s)");
}

// The flag whose name `s` starts with, followed by one of `ends` or the end of `s`.
int flag_at(std::string_view s, std::string_view ends) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    std::string_view n = kNames[i];
    if (s.substr(0, n.size()) != n) continue;
    if (s.size() == n.size() || ends.find(s[n.size()]) != std::string_view::npos) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// strtoul-like "%i": decimal, 0x hex or 0 octal prefix; returns the characters used.
size_t scan_int(std::string_view s, uint64_t* out) {
  size_t i = 0;
  int base = 10;
  if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  } else if (!s.empty() && s[0] == '0') {
    base = 8;
  }
  size_t start = i;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    int d;
    char c = s[i];
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      break;
    }
    if (d >= base) break;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  if (i == start) return 0;
  *out = v;
  return i;
}

}  // namespace

std::string_view ct_state_name(uint8_t bit) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (bit == (1u << i)) return kNames[i];
  }
  return "";
}

Result<std::pair<u128, u128>> parse_ct_state(std::string_view s) {
  s = trim(s);
  // "VALUE/MASK" in numbers.
  if (size_t slash = s.find('/');
      slash != std::string_view::npos && !s.empty() && s[0] >= '0' && s[0] <= '9') {
    uint64_t v = 0, m = 0;
    size_t nv = scan_int(s, &v);
    if (nv == slash) {
      size_t nm = scan_int(s.substr(slash + 1), &m);
      if (nm && slash + 1 + nm == s.size()) {
        if ((v | m) & ~uint64_t{kSupported}) return unknown(s);
        return std::pair<u128, u128>{v & m, m};
      }
    }
  }
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    uint32_t v = 0, m = 0;
    while (!s.empty()) {
      bool set = s[0] == '+';
      if (s[0] != '+' && s[0] != '-') {
        return make_verbatim_error(std::string(s) +
                                   ": ct_state must be preceded by '+' (for SET) or '-' (NOT SET)");
      }
      s.remove_prefix(1);
      int bit = flag_at(s, "+-");
      if (bit < 0) return unknown(s);
      uint32_t b = 1u << bit;
      if (m & b) {
        return make_verbatim_error(std::string(s) +
                                   ": Each ct_state flag can be specified only once");
      }
      m |= b;
      if (set) v |= b;
      s.remove_prefix(kNames[static_cast<size_t>(bit)].size());
    }
    return std::pair<u128, u128>{v, m};
  }
  // Unmasked: names and numbers joined by '|', all bits pinned.
  uint64_t v = 0;
  size_t n = 0;
  while (n < s.size()) {
    std::string_view rest = s.substr(n);
    uint64_t num;
    if (size_t used = scan_int(rest, &num)) {
      if (num & ~uint64_t{kSupported}) return unknown(rest);
      v |= num;
      n += used + (n + used < s.size() && s[n + used] == '|');
      continue;
    }
    int bit = flag_at(rest, "|");
    if (bit < 0) return unknown(rest);
    v |= 1u << bit;
    size_t len = kNames[static_cast<size_t>(bit)].size();
    n += len + (n + len < s.size() && s[n + len] == '|');
  }
  if (s.empty()) return unknown(s);
  return std::pair<u128, u128>{v, kSupported};
}

std::string format_ct_state(uint8_t value, uint8_t mask) {
  std::string s;
  if (mask == 0xff) {
    if (!value) return "0";
    for (size_t i = 0; i < std::size(kNames); ++i) {
      if (!(value >> i & 1)) continue;
      if (!s.empty()) s += '|';
      s += kNames[i];
    }
    return s;
  }
  if (!mask) return "0/0";
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (!(mask >> i & 1)) continue;
    s += (value >> i & 1) ? '+' : '-';
    s += kNames[i];
  }
  return s;
}

}  // namespace nt
