// RouteTable: a host's IPv4 routes and longest-prefix match over them.
//
// Hosts have a handful of routes (connected subnets, a default gateway, a few classless
// static routes from DHCP), so the table is one vector kept sorted by prefix length (longest
// first), then metric: a lookup is a linear scan that stops at the first match, which for a
// few entries beats any trie. Router-like hosts with hundreds of routes still pay only a
// cache-friendly scan.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace nt {

using NicId = uint32_t;
inline constexpr NicId kNoNic = 0xffffffff;

// Who installed a route (iproute2's "proto"): connected routes leave with their address,
// DHCP routes with the lease.
enum class RouteOrigin : uint8_t { kKernel, kStatic, kDhcp };

struct Route {
  uint32_t dst = 0;  // network (host bits zero)
  uint8_t prefix_len = 0;
  uint32_t gateway = 0;  // 0: on-link (the destination itself is the next hop)
  NicId nic = kNoNic;
  uint32_t metric = 0;
  uint32_t src = 0;  // preferred source, 0 = the NIC's primary address
  RouteOrigin origin = RouteOrigin::kStatic;
};

class RouteTable {
 public:
  // Adds a route; an identical (dst, prefix_len, metric) route already present is a conflict.
  Status add(const Route& r);
  // Removes routes matching dst/prefix_len (and gateway/nic when not 0/kNoNic). False if none.
  bool remove(uint32_t dst, uint8_t prefix_len, uint32_t gateway = 0, NicId nic = kNoNic);
  size_t remove_if(const std::function<bool(const Route&)>& pred);
  // Longest-prefix match (lowest metric among equal prefixes); nullptr if nothing matches.
  // `nic` restricts the search to routes out of that NIC (a socket bound to a device).
  const Route* lookup(uint32_t dst, NicId nic = kNoNic) const;
  // Routes in `ip route` order: ascending destination, then prefix length.
  std::vector<Route> listing() const;
  size_t size() const { return routes_.size(); }

 private:
  std::vector<Route> routes_;  // longest prefix first, then lowest metric
};

}  // namespace nt
