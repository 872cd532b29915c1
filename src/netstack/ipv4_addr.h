// IPv4 address helpers for the host stack: masks, prefixes, text forms.
//
// Addresses are host-order uint32_t everywhere in netstack (as in FlowKey); they become wire
// order only when a header is written through packet/bytes.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nt {

inline constexpr uint32_t kIpv4Broadcast = 0xffffffff;

inline constexpr uint32_t prefix_mask(uint8_t len) {
  return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~((uint32_t{1} << (32 - len)) - 1);
}
inline constexpr bool in_prefix(uint32_t addr, uint32_t net, uint8_t len) {
  return ((addr ^ net) & prefix_mask(len)) == 0;
}
inline constexpr bool is_ipv4_multicast(uint32_t a) { return (a >> 28) == 0xe; }
inline constexpr bool is_ipv4_loopback(uint32_t a) { return (a >> 24) == 127; }
// Addresses that can never be a unicast source or destination of a host.
inline constexpr bool is_ipv4_martian(uint32_t a) {
  return a == 0 || a == kIpv4Broadcast || is_ipv4_multicast(a) || (a >> 28) == 0xf;
}
// Prefix length of a contiguous netmask, nullopt if the mask has holes.
std::optional<uint8_t> mask_to_prefix(uint32_t mask);

struct Ipv4Prefix {
  uint32_t addr = 0;  // as written (host bits kept: "10.0.0.5/24" is an interface address)
  uint8_t len = 0;
  uint32_t network() const { return addr & prefix_mask(len); }
  uint32_t broadcast() const { return network() | ~prefix_mask(len); }
  bool operator==(const Ipv4Prefix&) const = default;
};

// "10.0.0.1" -> address; "10.0.0.0/24" (or a bare address, /32) -> prefix.
Result<uint32_t> parse_ipv4(std::string_view text);
Result<Ipv4Prefix> parse_ipv4_prefix(std::string_view text);
// "10.0.0.0/24"
std::string prefix_to_string(uint32_t addr, uint8_t len);

}  // namespace nt
