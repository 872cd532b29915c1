// DhcpClient: turning an ACK into a lease and the lease into host configuration.
#include "netstack/dhcp_client.h"

namespace nt {

namespace {

constexpr uint32_t kInfiniteLease = 0xffffffff;
constexpr uint32_t kDefaultLeaseSecs = 3600;  // a server that forgets option 51

uint8_t classful_prefix(uint32_t addr) {
  if (addr >> 31 == 0) return 8;
  if (addr >> 30 == 2) return 16;
  return 24;
}

// Lease timers per RFC 2131 §4.4.5: relative to when the REQUEST went out; T1 defaults to
// half the lease, T2 to 7/8 of it.
void set_times(DhcpLease& l, const DhcpMessage& m, TimeUs sent) {
  l.obtained = sent;
  l.lease_secs = m.lease_time ? m.lease_time : kDefaultLeaseSecs;
  if (l.lease_secs == kInfiniteLease) {
    l.t1 = l.t2 = l.expires = kNever;
    return;
  }
  TimeUs lease = TimeUs{l.lease_secs} * kUsPerSec;
  TimeUs t1 = m.t1 ? TimeUs{m.t1} * kUsPerSec : lease / 2;
  TimeUs t2 = m.t2 ? TimeUs{m.t2} * kUsPerSec : lease * 7 / 8;
  if (t2 > lease) t2 = lease * 7 / 8;
  if (t1 > t2) t1 = t2 / 2;
  l.t1 = sent + t1;
  l.t2 = sent + t2;
  l.expires = sent + lease;
}

}  // namespace

void DhcpClient::on_ack(const DhcpMessage& m) {
  DhcpLease l;
  l.address = m.yiaddr ? m.yiaddr : m.ciaddr;
  std::optional<uint8_t> len = m.has_subnet_mask ? mask_to_prefix(m.subnet_mask) : std::nullopt;
  l.prefix_len = len ? *len : classful_prefix(l.address);
  l.server_id = m.server_id ? m.server_id : lease_ ? lease_->server_id : offer_.server_id;
  l.routers = m.routers;
  l.dns = m.dns;
  l.domain_name = m.domain_name;
  l.mtu = m.mtu;
  l.classless_routes = m.classless_routes;
  set_times(l, m, request_sent_);
  ++stats_.acks;
  log_ += "Lease of " + ipv4_to_string(l.address) + " obtained, lease time " +
          std::to_string(l.lease_secs) + "\n";
  apply(l);
  lease_ = l;
  state_ = DhcpState::kBound;
  tries_ = 0;
  if (l.t1 == kNever) {
    timer_.cancel();
  } else {
    host_.scheduler().arm_at(timer_, l.t1);
  }
  if (on_bound_) on_bound_(*lease_);
}

void DhcpClient::apply(const DhcpLease& l) {
  bool same = lease_ && lease_->address == l.address && lease_->prefix_len == l.prefix_len;
  if (lease_ && !same) (void)host_.del_address(nic_, lease_->address);
  if (same) {
    host_.set_address_expiry(nic_, l.address, l.expires);
  } else {
    Status s = host_.add_address(nic_, l.address, l.prefix_len, l.expires);
    if (!s) log_ += "udhcpc: " + s.error().message + "\n";
  }
  // Option 26 below the IPv4 minimum is ignored (RFC 2132 §5.1).
  (void)host_.set_mtu(nic_, l.mtu >= kMinMtu ? l.mtu : original_mtu_);
  host_.set_dns_servers(l.dns);
  install_routes(l);
}

void DhcpClient::install_routes(const DhcpLease& l) {
  NicId nic = nic_;
  host_.routes().remove_if(
      [nic](const Route& r) { return r.nic == nic && r.origin == RouteOrigin::kDhcp; });
  auto add = [&](uint32_t dst, uint8_t len, uint32_t gw) {
    Route r;
    r.dst = dst;
    r.prefix_len = len;
    r.gateway = gw;
    r.nic = nic;
    r.origin = RouteOrigin::kDhcp;
    Status s = host_.add_route(r);
    if (!s) {
      log_ += "udhcpc: route " + prefix_to_string(dst, len) + " via " + ipv4_to_string(gw) + ": " +
              s.error().message + "\n";
    }
  };
  // RFC 3442: with classless routes present the router option is ignored. On-link routes
  // first: a later route's gateway may be reachable only through one of them.
  if (!l.classless_routes.empty()) {
    for (const ClasslessRoute& r : l.classless_routes) {
      if (r.router == 0) add(r.dst, r.prefix_len, 0);
    }
    for (const ClasslessRoute& r : l.classless_routes) {
      if (r.router != 0) add(r.dst, r.prefix_len, r.router);
    }
  } else if (!l.routers.empty()) {
    add(0, 0, l.routers.front());
  }
}

void DhcpClient::unconfigure() {
  if (!lease_) return;
  NicId nic = nic_;
  host_.routes().remove_if(
      [nic](const Route& r) { return r.nic == nic && r.origin == RouteOrigin::kDhcp; });
  (void)host_.del_address(nic_, lease_->address);
  (void)host_.set_mtu(nic_, original_mtu_);
  host_.set_dns_servers({});
  lease_.reset();
}

}  // namespace nt
