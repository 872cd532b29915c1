#include "common/addr.h"

#include <cstdio>

namespace nt {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads up to `max_digits` digits of `base` at `pos` into `value`; false if none.
bool read_group(std::string_view s, size_t& pos, int base, int max_digits, unsigned& value) {
  value = 0;
  int digits = 0;
  while (pos < s.size() && digits <= max_digits) {
    int d = base == 16 ? hex_digit(s[pos]) : (s[pos] >= '0' && s[pos] <= '9' ? s[pos] - '0' : -1);
    if (d < 0) break;
    value = value * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    ++digits;
    ++pos;
  }
  return digits > 0 && digits <= max_digits;
}

// `groups` groups separated by `sep`, each at most `max` and `max_digits` long, nothing after.
template <size_t N>
bool parse_groups(std::string_view s, char sep, int base, int max_digits, unsigned max,
                  std::array<unsigned, N>& out) {
  size_t pos = 0;
  for (size_t g = 0; g < N; ++g) {
    if (g > 0) {
      if (pos >= s.size() || s[pos] != sep) return false;
      ++pos;
    }
    if (!read_group(s, pos, base, max_digits, out[g]) || out[g] > max) return false;
  }
  return pos == s.size();
}

}  // namespace

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
  std::array<unsigned, 6> g;
  if (!parse_groups(text, ':', 16, 2, 0xff, g)) return std::nullopt;
  MacAddr m;
  for (size_t i = 0; i < g.size(); ++i) m.b[i] = static_cast<uint8_t>(g[i]);
  return m;
}

std::string MacAddr::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
                b[5]);
  return buf;
}

std::optional<uint32_t> ipv4_parse(std::string_view text) {
  std::array<unsigned, 4> g;
  if (!parse_groups(text, '.', 10, 3, 255, g)) return std::nullopt;
  return g[0] << 24 | g[1] << 16 | g[2] << 8 | g[3];
}

// By hand: flow text formats an address per flow, and snprintf's format parsing was a tenth of
// writing a large flow table.
std::string ipv4_to_string(uint32_t a) {
  char buf[16];
  char* p = buf;
  for (int shift = 24; shift >= 0; shift -= 8) {
    unsigned octet = (a >> shift) & 255;
    if (octet >= 100) *p++ = static_cast<char>('0' + octet / 100);
    if (octet >= 10) *p++ = static_cast<char>('0' + octet / 10 % 10);
    *p++ = static_cast<char>('0' + octet % 10);
    if (shift) *p++ = '.';
  }
  return std::string(buf, p);
}

}  // namespace nt
