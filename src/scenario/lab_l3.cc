#include "scenario/lab_l3.h"

#include <algorithm>

#include "common/addr.h"
#include "netstack/ipv4_addr.h"
#include "netstack/netfilter.h"

namespace nt::scenario_internal {
namespace {

const agent::RouterDevicePlan* find_device(const agent::RouterPlan& p, const std::string& dev) {
  for (const auto& d : p.devices) {
    if (d.device == dev) return &d;
  }
  return nullptr;
}

// True when every device of `old` is still in `now` with the same MAC: NICs can be added.
bool devices_kept(const agent::RouterPlan& old, const agent::RouterPlan& now) {
  return std::all_of(old.devices.begin(), old.devices.end(), [&](const auto& d) {
    const auto* n = find_device(now, d.device);
    return n && n->mac == d.mac;
  });
}

// The addresses of `d` on `nic`: those not in the plan go, the missing ones come (with GARP).
Status converge_addresses(Host& h, NicId nic, const agent::RouterDevicePlan& d) {
  std::vector<Ipv4Prefix> want;
  for (const auto& cidr : d.addresses) {
    auto p = parse_ipv4_prefix(cidr);
    if (!p.ok()) return make_error("address '" + cidr + "' is not IPv4 CIDR");
    want.push_back(*p);
  }
  auto held = [](const auto& list, uint32_t addr) {
    return std::any_of(list.begin(), list.end(), [&](const auto& a) { return a.addr == addr; });
  };
  std::vector<uint32_t> gone;
  for (const IfAddr& a : h.nic(nic).addresses()) {
    if (!held(want, a.addr)) gone.push_back(a.addr);
  }
  for (uint32_t a : gone) NT_TRY(h.del_address(nic, a));
  for (const Ipv4Prefix& p : want) {
    if (!held(h.nic(nic).addresses(), p.addr)) NT_TRY(h.add_address(nic, p.addr, p.len));
  }
  return ok_status();
}

Status del_route(Host& h, const agent::RouterRoutePlan& r) {
  std::string cidr = r.destination == "default" ? "0.0.0.0/0" : r.destination;
  auto p = parse_ipv4_prefix(cidr);
  if (p.ok()) h.del_route(p->addr, p->len);
  return ok_status();
}

Status add_route(Host& h, const agent::RouterRoutePlan& r) {
  std::string cidr = r.destination == "default" ? "0.0.0.0/0" : r.destination;
  if (Status st = h.add_route(cidr, r.nexthop); !st) {
    return make_error("route " + r.destination + " via " + r.nexthop + ": " + st.error().message);
  }
  return ok_status();
}

// Floating IPs of `old` that `now` no longer has: their connections go with their rules.
std::vector<uint32_t> removed_floating_ips(const agent::RouterPlan& old,
                                           const agent::RouterPlan& now) {
  std::vector<uint32_t> out;
  for (const auto& f : old.floating_ips) {
    bool kept = std::any_of(now.floating_ips.begin(), now.floating_ips.end(), [&](const auto& g) {
      return g.floating_ip == f.floating_ip && g.fixed_ip == f.fixed_ip;
    });
    auto a = ipv4_parse(f.floating_ip);
    if (!kept && a) out.push_back(*a);
  }
  return out;
}

}  // namespace

LabL3Driver::LabL3Driver(Switch& sw, Scheduler& sched, std::string bridge, HostCable cable)
    : sw_(sw), sched_(sched), bridge_(std::move(bridge)), cable_(std::move(cable)) {}

LabL3Driver::~LabL3Driver() {
  for (auto& [id, r] : routers_) detach_all(r);
}

void LabL3Driver::detach_all(Router& r) {
  for (const auto& [dev, nic] : r.nics) detach_host_port(sw_, bridge_, dev);
  r.nics.clear();
}

Status LabL3Driver::add_device(Router& r, const agent::RouterDevicePlan& d) {
  auto mac = MacAddr::parse(d.mac);
  if (!mac) return make_error(d.device + ": MAC '" + d.mac + "' is malformed");
  NicId nic = r.host->add_nic(d.device, *mac, static_cast<uint16_t>(d.mtu));
  NT_TRY(attach_host_port(sw_, sched_, bridge_, d.device, *r.host, nic, cable_));
  r.nics[d.device] = nic;
  return ok_status();
}

Status LabL3Driver::converge(Router& r, const agent::RouterPlan& plan) {
  Host& h = *r.host;
  for (const auto& d : plan.devices) {
    if (!r.nics.count(d.device)) NT_TRY(add_device(r, d));
    NicId nic = r.nics[d.device];
    NT_TRY(h.set_mtu(nic, static_cast<uint16_t>(d.mtu)));
    NT_TRY(converge_addresses(h, nic, d));
  }
  for (const auto& old : r.applied.routes) NT_TRY(del_route(h, old));
  for (const auto& route : plan.routes) NT_TRY(add_route(h, route));
  for (const auto& [table, lines] : plan.iptables) {
    if (Status st = h.netfilter().load(table, lines); !st) {
      return make_error(plan.namespace_name + ": iptables -t " + table + ": " + st.error().message);
    }
  }
  for (uint32_t fip : removed_floating_ips(r.applied, plan)) h.netfilter().flush_conntrack(fip);
  NT_TRY(converge_metadata(r, plan));
  r.applied = plan;
  return ok_status();
}

Status LabL3Driver::converge_metadata(Router& r, const agent::RouterPlan& plan) {
  std::optional<agent::MetadataProxyTarget> want;
  if (plan.metadata_port != 0)
    want = agent::router_metadata_proxy(plan.router_id, plan.metadata_port);
  Status st = converge_metadata_proxy(r.metadata, *r.host, want, metadata_handler_);
  if (!st) return make_error(plan.namespace_name + ": " + st.error().message);
  return ok_status();
}

Status LabL3Driver::enable(const agent::RouterPlan& plan) {
  auto it = routers_.find(plan.router_id);
  if (it != routers_.end() && it->second.applied == plan) return ok_status();
  if (it != routers_.end() && !devices_kept(it->second.applied, plan)) {
    detach_all(it->second);
    routers_.erase(it);
    it = routers_.end();
  }
  if (it == routers_.end()) {
    Router r;
    r.host = std::make_unique<Host>(sched_, plan.namespace_name);
    r.host->set_forwarding(true);
    it = routers_.emplace(plan.router_id, std::move(r)).first;
  }
  Status st = converge(it->second, plan);
  if (!st) {  // a half-built router is worse than none: the role retries the whole plan
    detach_all(it->second);
    routers_.erase(it);
  }
  return st;
}

Status LabL3Driver::disable(const agent::RouterPlan& plan) {
  auto it = routers_.find(plan.router_id);
  if (it == routers_.end()) return ok_status();
  detach_all(it->second);
  routers_.erase(it);
  return ok_status();
}

Host* LabL3Driver::host(const std::string& router_id) {
  auto it = routers_.find(router_id);
  return it == routers_.end() ? nullptr : it->second.host.get();
}

}  // namespace nt::scenario_internal
