// What `ip addr`, `ip route` and `arp -n` print for a host, and its drop counters.
#include <cstdio>

#include "netstack/host.h"

namespace nt {

namespace {

std::string lifetime(TimeUs expires, TimeUs now) {
  if (expires == kNever) return "forever";
  TimeUs left = expires > now ? (expires - now) / kUsPerSec : 0;
  return std::to_string(left) + "sec";
}

void append_inet(std::string& out, const IfAddr& a, const std::string& dev, TimeUs now) {
  out += "    inet " + prefix_to_string(a.addr, a.prefix_len);
  if (a.prefix_len < 31) out += " brd " + ipv4_to_string(a.prefix().broadcast());
  out += " scope global ";
  if (a.expires != kNever) out += "dynamic ";
  out += dev + "\n";
  std::string lft = lifetime(a.expires, now);
  out += "       valid_lft " + lft + " preferred_lft " + lft + "\n";
}

std::string route_dst(const Route& r) {
  if (r.prefix_len == 0) return "default";
  if (r.prefix_len == 32) return ipv4_to_string(r.dst);
  return prefix_to_string(r.dst, r.prefix_len);
}

}  // namespace

std::string Host::ip_addr_text() const {
  std::string out =
      "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n"
      "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
      "    inet 127.0.0.1/8 scope host lo\n"
      "       valid_lft forever preferred_lft forever\n";
  TimeUs now = now_us();
  for (size_t i = 0; i < nics_.size(); ++i) {
    const Nic& n = *nics_[i];
    out += std::to_string(i + 2) + ": " + n.name_ + ": <BROADCAST,MULTICAST" +
           (n.up_ ? ",UP,LOWER_UP" : "") + "> mtu " + std::to_string(n.mtu_) +
           " qdisc pfifo_fast qlen 1000\n";
    out += "    link/ether " + n.mac_.to_string() + " brd ff:ff:ff:ff:ff:ff\n";
    for (const IfAddr& a : n.addrs_) append_inet(out, a, n.name_, now);
  }
  return out;
}

// Busybox `ip route` lines (as on a cirros image), without its trailing blanks.
std::string Host::ip_route_text() const {
  std::string out;
  for (const Route& r : routes_.listing()) {
    std::string line = route_dst(r);
    if (r.gateway) line += " via " + ipv4_to_string(r.gateway);
    line += " dev " + nics_[r.nic]->name_;
    if (r.origin == RouteOrigin::kKernel && r.src) line += "  src " + ipv4_to_string(r.src);
    if (r.metric) line += " metric " + std::to_string(r.metric);
    out += line + "\n";
  }
  return out;
}

// Busybox `arp -n`: "? (10.0.0.1) at fa:16:3e:00:00:01 [ether]  on eth0".
std::string Host::arp_text() const {
  std::string out;
  TimeUs now = now_us();
  for (const auto& nic : nics_) {
    for (const auto& [ip, e] : nic->arp_.sorted()) {
      bool valid = e->state == ArpEntry::State::kPermanent ||
                   (e->state == ArpEntry::State::kReachable && now < e->deadline);
      if (!valid && e->state == ArpEntry::State::kReachable) continue;  // aged, not yet swept
      out += "? (" + ipv4_to_string(ip) + ") at ";
      out += valid ? e->mac.to_string() + " [ether] " : std::string("<incomplete> ");
      if (e->state == ArpEntry::State::kPermanent) out += "PERM";
      out += " on " + nic->name_ + "\n";
    }
  }
  return out;
}

std::string Host::counters_text() const {
  std::string out;
  for (size_t i = 1; i < parse_drops_.size(); ++i) {
    if (parse_drops_[i] == 0) continue;
    out += std::string(parse_error_name(static_cast<ParseError>(i))) + ": " +
           std::to_string(parse_drops_[i]) + "\n";
  }
  for (size_t i = 0; i < drops_.size(); ++i) {
    if (drops_[i] == 0) continue;
    out += std::string(host_drop_name(static_cast<HostDrop>(i))) + ": " +
           std::to_string(drops_[i]) + "\n";
  }
  return out;
}

}  // namespace nt
