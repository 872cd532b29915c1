#include "netstack/ipv4_addr.h"

#include <charconv>

#include "common/addr.h"
#include "packet/flow_key.h"

namespace nt {

std::optional<uint8_t> mask_to_prefix(uint32_t mask) {
  uint8_t len = 0;
  while (len < 32 && (mask & (0x80000000u >> len))) ++len;
  if (prefix_mask(len) != mask) return std::nullopt;
  return len;
}

namespace {

bool parse_u32(std::string_view s, uint32_t max, uint32_t& out) {
  if (s.empty() || s.size() > 3) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && out <= max;
}

}  // namespace

Result<uint32_t> parse_ipv4(std::string_view text) {
  std::optional<uint32_t> addr = ipv4_parse(text);
  if (!addr) return make_error("invalid IPv4 address \"" + std::string(text) + "\"");
  return *addr;
}

Result<Ipv4Prefix> parse_ipv4_prefix(std::string_view text) {
  size_t slash = text.find('/');
  Result<uint32_t> addr = parse_ipv4(text.substr(0, slash));
  if (!addr) return addr.error();
  Ipv4Prefix p{*addr, 32};
  if (slash != std::string_view::npos) {
    uint32_t len = 0;
    if (!parse_u32(text.substr(slash + 1), 32, len)) {
      return make_error("invalid prefix length in \"" + std::string(text) + "\"");
    }
    p.len = static_cast<uint8_t>(len);
  }
  return p;
}

std::string prefix_to_string(uint32_t addr, uint8_t len) {
  return ipv4_to_string(addr) + "/" + std::to_string(len);
}

}  // namespace nt
