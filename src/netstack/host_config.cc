// Host configuration: NICs, addresses, routes (what `ip link/addr/route` would change).
#include <algorithm>

#include "netstack/host.h"

namespace nt {

NicId Host::add_nic(std::string name, const MacAddr& mac, uint16_t mtu) {
  auto nic = std::make_unique<Nic>();
  nic->name_ = std::move(name);
  nic->mac_ = mac;
  nic->mtu_ = std::clamp(mtu, kMinMtu, kMaxMtu);
  NicId id = static_cast<NicId>(nics_.size());
  nic->arp_timer_.set_callback([this, id] { arp_sweep(id); });
  nics_.push_back(std::move(nic));
  return id;
}

std::optional<NicId> Host::find_nic(std::string_view name) const {
  for (size_t i = 0; i < nics_.size(); ++i) {
    if (nics_[i]->name_ == name) return static_cast<NicId>(i);
  }
  return std::nullopt;
}

void Host::set_transmit(NicId id, TransmitFn tx) { nic_mut(id).tx_ = std::move(tx); }

Status Host::set_mtu(NicId id, uint16_t mtu) {
  if (id >= nics_.size()) return make_error("no such device", ErrorCode::kNotFound);
  if (mtu < kMinMtu || mtu > kMaxMtu) {
    return make_error("mtu " + std::to_string(mtu) + " out of range [68, 9000]");
  }
  nic_mut(id).mtu_ = mtu;
  return ok_status();
}

void Host::set_link_up(NicId id, bool up) { nic_mut(id).up_ = up; }

Status Host::add_address(NicId id, uint32_t addr, uint8_t prefix_len, TimeUs expires) {
  if (id >= nics_.size()) return make_error("no such device", ErrorCode::kNotFound);
  if (prefix_len > 32 || is_ipv4_martian(addr)) {
    return make_error("invalid address " + prefix_to_string(addr, prefix_len));
  }
  Nic& nic = nic_mut(id);
  for (const IfAddr& a : nic.addrs_) {
    if (a.addr == addr) return make_error("address already assigned", ErrorCode::kConflict);
  }
  nic.addrs_.push_back(IfAddr{addr, prefix_len, expires});
  add_connected_routes(id);
  gratuitous_arp(id, addr);
  return ok_status();
}

void Host::add_connected_routes(NicId id) {
  for (const IfAddr& a : nic_mut(id).addrs_) {
    if (a.prefix_len >= 32) continue;
    Route r{
        a.addr & prefix_mask(a.prefix_len), a.prefix_len, 0, id, 0, a.addr, RouteOrigin::kKernel};
    (void)routes_.add(r);  // a conflict means the subnet is already connected
  }
}

void Host::set_address_expiry(NicId id, uint32_t addr, TimeUs expires) {
  for (IfAddr& a : nic_mut(id).addrs_) {
    if (a.addr == addr) a.expires = expires;
  }
}

Status Host::add_address(NicId id, std::string_view cidr) {
  Result<Ipv4Prefix> p = parse_ipv4_prefix(cidr);
  if (!p) return p.error();
  return add_address(id, p->addr, p->len);
}

Status Host::del_address(NicId id, uint32_t addr) {
  if (id >= nics_.size()) return make_error("no such device", ErrorCode::kNotFound);
  Nic& nic = nic_mut(id);
  auto it = std::find_if(nic.addrs_.begin(), nic.addrs_.end(),
                         [&](const IfAddr& a) { return a.addr == addr; });
  if (it == nic.addrs_.end()) return make_error("address not found", ErrorCode::kNotFound);
  uint32_t gone = it->addr;
  nic.addrs_.erase(it);
  routes_.remove_if([&](const Route& r) {
    return r.nic == id && r.origin == RouteOrigin::kKernel && r.src == gone;
  });
  add_connected_routes(id);  // another address may still cover the subnet
  // Routes through a gateway that is no longer on-link die with the address.
  routes_.remove_if([&](const Route& r) {
    if (r.nic != id || r.gateway == 0) return false;
    const Route* via = routes_.lookup(r.gateway, id);
    return via == nullptr || via->gateway != 0;
  });
  return ok_status();
}

Status Host::add_route(Route r) {
  if (r.gateway != 0) {
    const Route* via = routes_.lookup(r.gateway, r.nic);
    if (via == nullptr || via->gateway != 0) return make_error("Nexthop has invalid gateway");
    r.nic = via->nic;
  } else if (r.nic >= nics_.size()) {
    return make_error("an on-link route needs a device");
  }
  return routes_.add(r);
}

Status Host::add_route(std::string_view cidr, std::string_view gateway) {
  Result<Ipv4Prefix> p = parse_ipv4_prefix(cidr == "default" ? "0.0.0.0/0" : cidr);
  if (!p) return p.error();
  Result<uint32_t> gw = parse_ipv4(gateway);
  if (!gw) return gw.error();
  Route r;
  r.dst = p->network();
  r.prefix_len = p->len;
  r.gateway = *gw;
  return add_route(r);
}

Status Host::set_default_gateway(uint32_t gateway) {
  routes_.remove(0, 0);
  Route r;
  r.gateway = gateway;
  return add_route(r);
}

Status Host::add_static_arp(NicId id, uint32_t ip, const MacAddr& mac) {
  if (id >= nics_.size()) return make_error("no such device", ErrorCode::kNotFound);
  bool created = false;
  ArpEntry& e = nic_mut(id).arp_.get(ip, created);
  e.state = ArpEntry::State::kPermanent;
  e.mac = mac;
  e.pending.clear();
  return ok_status();
}

bool Host::is_local_address(uint32_t addr) const {
  if (is_ipv4_loopback(addr)) return true;
  for (const auto& nic : nics_) {
    for (const IfAddr& a : nic->addrs_) {
      if (a.addr == addr) return true;
    }
  }
  return false;
}

bool Host::is_broadcast_on(NicId id, uint32_t addr) const {
  if (addr == kIpv4Broadcast) return true;
  for (const IfAddr& a : nics_[id]->addrs_) {
    if (a.prefix_len < 31 && addr == a.prefix().broadcast()) return true;
  }
  return false;
}

uint32_t Host::select_source(NicId id, uint32_t next_hop) const {
  const Nic& nic = *nics_[id];
  for (const IfAddr& a : nic.addrs_) {
    if (in_prefix(next_hop, a.addr, a.prefix_len)) return a.addr;
  }
  return nic.primary_address();
}

}  // namespace nt
