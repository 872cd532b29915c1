// IP addresses and prefixes for IPAM: IPv4 and IPv6 in one 128-bit value.
//
// An address is a family plus an unsigned 128-bit integer (IPv4 in the low 32 bits), so pool
// arithmetic (first free, next, range checks, sizes) is plain integer arithmetic for both
// families. Text goes through inet_pton/inet_ntop, so formatting is canonical (RFC 5952 for v6).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nt::controller {

using U128 = unsigned __int128;

struct IpAddr {
  int version = 4;  // 4 or 6
  U128 value = 0;
  bool operator==(const IpAddr&) const = default;
  auto operator<=>(const IpAddr& o) const {
    return version != o.version ? version <=> o.version
                                : (value < o.value   ? std::strong_ordering::less
                                   : value > o.value ? std::strong_ordering::greater
                                                     : std::strong_ordering::equal);
  }
  std::string to_string() const;
  static std::optional<IpAddr> parse(std::string_view text);
  int bits() const { return version == 4 ? 32 : 128; }
};

struct IpPrefix {
  IpAddr network;  // host bits zero
  int len = 0;
  static std::optional<IpPrefix> parse(std::string_view text);  // canonicalises host bits
  std::string to_string() const;
  bool contains(const IpAddr& a) const;
  bool overlaps(const IpPrefix& o) const;
  IpAddr last() const;  // broadcast for v4
  U128 host_mask() const;
};

}  // namespace nt::controller
