// neutron_lib's IP_PROTOCOL_MAP: the names a security group rule's protocol may be given by and
// their IP protocol numbers. The server checks rules against it; the agent turns a rule's
// protocol into a match with it.
#pragma once

#include <optional>
#include <string_view>

namespace nt {

struct IpProtocolName {
  const char* name;
  int number;
};

inline constexpr IpProtocolName kIpProtocolNames[] = {
    {"ah", 51},         {"dccp", 33},      {"egp", 8},       {"esp", 50},        {"gre", 47},
    {"hopopt", 0},      {"icmp", 1},       {"igmp", 2},      {"ipip", 4},        {"ipv6-encap", 41},
    {"ipv6-frag", 44},  {"ipv6-icmp", 58}, {"icmpv6", 58},   {"ipv6-nonxt", 59}, {"ipv6-opts", 60},
    {"ipv6-route", 43}, {"ospf", 89},      {"pgm", 113},     {"rsvp", 46},       {"sctp", 132},
    {"tcp", 6},         {"udp", 17},       {"udplite", 136}, {"vrrp", 112}};

// The number of a protocol name of the map (exact, lower-case), nullopt for any other name.
inline std::optional<int> ip_protocol_number(std::string_view name) {
  for (const auto& p : kIpProtocolNames) {
    if (name == p.name) return p.number;
  }
  return std::nullopt;
}

}  // namespace nt
