#include "netstack/route_table.h"

#include <algorithm>

#include "netstack/ipv4_addr.h"

namespace nt {

namespace {

bool lookup_order(const Route& a, const Route& b) {
  if (a.prefix_len != b.prefix_len) return a.prefix_len > b.prefix_len;
  return a.metric < b.metric;
}

}  // namespace

Status RouteTable::add(const Route& in) {
  if (in.prefix_len > 32) return make_error("invalid prefix length");
  Route r = in;
  r.dst &= prefix_mask(r.prefix_len);
  for (const Route& e : routes_) {
    if (e.dst == r.dst && e.prefix_len == r.prefix_len && e.metric == r.metric) {
      return make_error("route " + prefix_to_string(r.dst, r.prefix_len) + " already exists",
                        ErrorCode::kConflict);
    }
  }
  auto at = std::upper_bound(routes_.begin(), routes_.end(), r, lookup_order);
  routes_.insert(at, r);
  return ok_status();
}

bool RouteTable::remove(uint32_t dst, uint8_t prefix_len, uint32_t gateway, NicId nic) {
  dst &= prefix_mask(prefix_len);
  return remove_if([&](const Route& r) {
           return r.dst == dst && r.prefix_len == prefix_len &&
                  (gateway == 0 || r.gateway == gateway) && (nic == kNoNic || r.nic == nic);
         }) > 0;
}

size_t RouteTable::remove_if(const std::function<bool(const Route&)>& pred) {
  auto end = std::remove_if(routes_.begin(), routes_.end(), pred);
  size_t n = static_cast<size_t>(routes_.end() - end);
  routes_.erase(end, routes_.end());
  return n;
}

const Route* RouteTable::lookup(uint32_t dst, NicId nic) const {
  for (const Route& r : routes_) {
    if (nic != kNoNic && r.nic != nic) continue;
    if (in_prefix(dst, r.dst, r.prefix_len)) return &r;
  }
  return nullptr;
}

std::vector<Route> RouteTable::listing() const {
  std::vector<Route> out = routes_;
  std::stable_sort(out.begin(), out.end(), [](const Route& a, const Route& b) {
    if (a.dst != b.dst) return a.dst < b.dst;
    if (a.prefix_len != b.prefix_len) return a.prefix_len < b.prefix_len;
    return a.metric < b.metric;
  });
  return out;
}

}  // namespace nt
