#include "controller/ip.h"

#include <arpa/inet.h>

#include <charconv>

namespace nt::controller {

std::string IpAddr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (version == 4) {
    in_addr a;
    a.s_addr = htonl(static_cast<uint32_t>(value));
    inet_ntop(AF_INET, &a, buf, sizeof buf);
  } else {
    in6_addr a;
    for (int i = 0; i < 16; ++i) a.s6_addr[i] = static_cast<uint8_t>(value >> (8 * (15 - i)));
    inet_ntop(AF_INET6, &a, buf, sizeof buf);
  }
  return buf;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
  std::string s(text);
  if (s.empty() || s.size() > INET6_ADDRSTRLEN) return std::nullopt;
  in_addr a4;
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) return IpAddr{4, ntohl(a4.s_addr)};
  in6_addr a6;
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    U128 v = 0;
    for (int i = 0; i < 16; ++i) v = (v << 8) | a6.s6_addr[i];
    return IpAddr{6, v};
  }
  return std::nullopt;
}

U128 IpPrefix::host_mask() const {
  int host_bits = network.bits() - len;
  return host_bits >= 128 ? ~U128(0) : (U128(1) << host_bits) - 1;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = IpAddr::parse(text.substr(0, slash));
  std::string_view len_text = text.substr(slash + 1);
  int len = -1;
  auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (!addr || ec != std::errc() || p != len_text.data() + len_text.size() || len < 0 ||
      len > addr->bits()) {
    return std::nullopt;
  }
  IpPrefix pfx{*addr, len};
  pfx.network.value &= ~pfx.host_mask();
  if (addr->version == 4) pfx.network.value &= 0xffffffffu;
  return pfx;
}

std::string IpPrefix::to_string() const { return network.to_string() + "/" + std::to_string(len); }

bool IpPrefix::contains(const IpAddr& a) const {
  return a.version == network.version && (a.value & ~host_mask()) == network.value;
}

bool IpPrefix::overlaps(const IpPrefix& o) const {
  return network.version == o.network.version && (contains(o.network) || o.contains(network));
}

IpAddr IpPrefix::last() const {
  IpAddr a = network;
  a.value |= host_mask();
  if (a.version == 4) a.value &= 0xffffffffu;
  return a;
}

}  // namespace nt::controller
