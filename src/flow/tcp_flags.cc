// The tcp_flags match syntax of ovs-fields(7): "+syn-ack" (each flag set or clear, the rest
// wildcarded), "syn|ack" (exactly these flags), or a number with an optional mask
// ("0x012/0x0ff"). Formatting follows Open vSwitch: all 12 bits pinned print "syn|ack" ("0"
// for none), a partial mask prints "+syn-ack" in bit order, unnamed bits as "[200]".
#include <cstdio>

#include "common/strings.h"
#include "flow/fields.h"

namespace nt {
namespace {

constexpr uint16_t kTcpFlagsMask = 0x0fff;
constexpr std::string_view kFlagNames[] = {"fin", "syn", "rst", "psh",   "ack",   "urg",
                                           "ece", "cwr", "ns",  "[200]", "[400]", "[800]"};

int flag_bit(std::string_view name) {
  for (size_t i = 0; i < std::size(kFlagNames); ++i) {
    if (kFlagNames[i] == name) return static_cast<int>(i);
  }
  return -1;
}

Error unknown(std::string_view s) { return make_error(std::string(s) + ": unknown TCP flag(s)"); }

// "+syn-ack": returns {flags, mask}.
Result<std::pair<u128, u128>> parse_signed(std::string_view s) {
  uint16_t v = 0, m = 0;
  while (!s.empty()) {
    bool set = s[0] == '+';
    if (s[0] != '+' && s[0] != '-') return unknown(s);
    size_t end = s.find_first_of("+-", 1);
    std::string_view name = s.substr(1, end == std::string_view::npos ? end : end - 1);
    int bit = flag_bit(name);
    if (bit < 0) return unknown(name);
    uint16_t b = static_cast<uint16_t>(1u << bit);
    if (m & b) return make_error(std::string(name) + ": Each TCP flag can be specified only once");
    m |= b;
    if (set) v |= b;
    s = end == std::string_view::npos ? std::string_view{} : s.substr(end);
  }
  return std::pair<u128, u128>{v, m};
}

// "syn|ack": exactly these flags set.
Result<std::pair<u128, u128>> parse_names(std::string_view s) {
  uint16_t v = 0;
  for (std::string_view rest = s; !rest.empty();) {
    size_t bar = rest.find('|');
    std::string_view name = rest.substr(0, bar);
    int bit = flag_bit(name);
    if (bit < 0) return unknown(name);
    v |= static_cast<uint16_t>(1u << bit);
    rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
  }
  return std::pair<u128, u128>{v, kTcpFlagsMask};
}

}  // namespace

Result<std::pair<u128, u128>> parse_tcp_flags(std::string_view s) {
  s = trim(s);
  if (s.empty()) return unknown(s);
  if (s[0] == '+' || s[0] == '-') return parse_signed(s);
  if (s[0] < '0' || s[0] > '9') return parse_names(s);
  size_t slash = s.find('/');
  auto v = parse_uint(s.substr(0, slash), 64);
  auto m = slash == std::string_view::npos ? std::optional<uint64_t>{kTcpFlagsMask}
                                           : parse_uint(s.substr(slash + 1), 64);
  if (!v || !m) return unknown(s);
  if ((*v | *m) & ~uint64_t{kTcpFlagsMask}) return unknown(s);
  return std::pair<u128, u128>{*v & *m, *m};
}

std::string format_tcp_flags(uint16_t v, uint16_t m) {
  std::string s;
  m &= kTcpFlagsMask;
  if (m == kTcpFlagsMask) {
    for (size_t i = 0; i < std::size(kFlagNames); ++i) {
      if (!(v >> i & 1)) continue;
      if (!s.empty()) s += '|';
      s += kFlagNames[i];
    }
    return s.empty() ? "0" : s;
  }
  if (!m) return "0/0";
  for (size_t i = 0; i < std::size(kFlagNames); ++i) {
    if (!(m >> i & 1)) continue;
    s += (v >> i & 1) ? '+' : '-';
    s += kFlagNames[i];
  }
  return s;
}

}  // namespace nt
