// Ethernet (MAC) and IPv4 addresses: the one parser and the one formatter of each.
//
// Every layer that reads an address from text (flow syntax, OVSDB columns, lab files, the
// instances' `ip` commands, tunnel options) calls these, so the whole program accepts and
// refuses the same spellings. The grammars are those Open vSwitch 3.1 accepts, minus its
// scanf accidents:
//
//   MAC   six groups of one or two hex digits separated by ':' ("fa:16:3e:0:0:1"); ovs-ofctl's
//         sscanf("%hhx") also takes "001", "0x1" and "-1" as a group, which we refuse.
//   IPv4  four groups of one to three decimal digits separated by '.', each at most 255
//         ("10.0.0.1", "010.0.0.1" is 10.0.0.1 as in OVS); OVS wraps "256" to 0, we refuse it.
//
// Neither accepts surrounding white space. Parsing returns std::nullopt on refusal, so each
// caller words its own error as the tool it imitates words it. IPv4 addresses are host order.
// Nothing allocates except the formatters' std::string.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nt {

struct MacAddr {
  std::array<uint8_t, 6> b{};

  static MacAddr from_u64(uint64_t v) {
    MacAddr m;
    for (int i = 5; i >= 0; --i, v >>= 8) m.b[i] = static_cast<uint8_t>(v);
    return m;
  }
  uint64_t to_u64() const {
    uint64_t v = 0;
    for (uint8_t x : b) v = v << 8 | x;
    return v;
  }
  // "fa:16:3e:fd:8a:ed" (either case) -> the address; std::nullopt if not that form.
  static std::optional<MacAddr> parse(std::string_view text);
  bool is_multicast() const { return b[0] & 1; }
  bool is_broadcast() const { return to_u64() == 0xffffffffffffULL; }
  bool is_zero() const { return to_u64() == 0; }
  bool operator==(const MacAddr&) const = default;
  std::string to_string() const;  // "fa:16:3e:fd:8a:ed"
};
static_assert(sizeof(MacAddr) == 6);

// "10.0.0.1" -> 0x0a000001; std::nullopt if not a dotted quad.
std::optional<uint32_t> ipv4_parse(std::string_view text);
std::string ipv4_to_string(uint32_t addr);  // host order -> "10.0.0.1"

}  // namespace nt
