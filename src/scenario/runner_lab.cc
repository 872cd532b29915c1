// ScenarioRunner: emulated instances (netstack hosts cabled to bridge ports), ping,
// traceroute and their `ip` / `arp` views.
#include "common/strings.h"
#include "netstack/ping.h"
#include "netstack/traceroute.h"
#include "node/host_port.h"
#include "scenario/lab_common.h"
#include "scenario/runner.h"
#include "scenario/runner_util.h"

namespace nt {
namespace {

using scenario_internal::usage;

}  // namespace

Result<ScenarioRunner::Instance*> ScenarioRunner::instance(const std::string& name) {
  auto it = instances_.find(name);
  if (it == instances_.end()) return make_error("no instance named " + name, ErrorCode::kNotFound);
  return it->second.get();
}

Result<std::unique_ptr<ScenarioRunner::Instance>> ScenarioRunner::attach_host(
    const std::string& name, std::map<std::string, std::string>& kv, Args port_args) {
  auto mac = scenario_internal::parse_lab_mac(kv["mac"]);
  if (!mac.ok()) return mac.error();
  port_args[1] = kv["bridge"];
  port_args[2] = kv["port"];
  Switch& s = sw();
  Ofproto* br = s.bridge(kv["bridge"]);
  if (!br) return make_error("no bridge named " + kv["bridge"], ErrorCode::kNotFound);
  if (!br->find_port(kv["port"])) {
    auto r = cmd_add_port(port_args, /*device=*/true);
    if (!r.ok()) return r.error();
  }
  auto inst = std::make_unique<Instance>();
  inst->name = name;
  inst->node = current_;
  inst->bridge = kv["bridge"];
  inst->port = kv["port"];
  uint16_t mtu =
      kv["mtu"].empty() ? 1500 : static_cast<uint16_t>(parse_uint(kv["mtu"], 16).value_or(1500));
  NT_TRY(cable_instance(*inst, *mac, mtu));
  return inst;
}

Status ScenarioRunner::cable_instance(Instance& inst, const MacAddr& mac, uint16_t mtu) {
  inst.host = std::make_unique<Host>(sched_, inst.name);
  inst.nic = inst.host->add_nic("eth0", mac, mtu);
  HostCable cable;
  cable.latency_us = kWireLatencyUs;
  cable.tap = [this, name = inst.name](const uint8_t* d, size_t n) {
    if (!live_captures_.empty()) live_instance_frame(name, d, n);
  };
  cable.in_flight = &instance_wire_in_flight_;
  return attach_host_port(*inst.node->sw, sched_, inst.bridge, inst.port, *inst.host, inst.nic,
                          cable);
}

// instance NAME bridge=BR port=PORT mac=MAC ip=CIDR|dhcp [gw=IP] [mtu=N] [tag=N] [trunks=..]
// instance NAME node=NODE network=NET [fixed-ip=IP] [port=PORT]  (Nova's way: runner_cloud.cc)
Result<std::string> ScenarioRunner::cmd_instance(const Args& a) {
  for (size_t i = 2; i < a.size(); ++i) {
    if (a[i].rfind("network=", 0) == 0) return cmd_cloud_instance(a);
  }
  auto parsed = scenario_internal::parse_instance_args(a);
  if (!parsed.ok()) return parsed.error();
  if (instances_.count(a[1])) return make_error("instance " + a[1] + " already exists");
  auto& [kv, port_args] = *parsed;
  auto inst = attach_host(a[1], kv, port_args);
  if (!inst.ok()) return inst.error();
  Host& host = *(*inst)->host;
  std::string out;
  if (kv["ip"] == "dhcp") {
    auto lease = dhcp_lease(**inst);
    if (!lease.ok()) {
      // The port stays (as a real veth would); nobody listens on it any more.
      detach_host_port(sw(), kv["bridge"], kv["port"]);
      return lease.error();
    }
    out = *lease;
  } else {
    NT_TRY(host.add_address((*inst)->nic, kv["ip"]));
  }
  if (!kv["gw"].empty()) {
    auto gw = ipv4_parse(kv["gw"]);
    if (!gw) return make_error("instance: gw '" + kv["gw"] + "' is not an IPv4 address");
    NT_TRY(host.set_default_gateway(*gw));
  }
  instances_[a[1]] = std::move(*inst);
  sched_.run_until_us(sched_.now_us() + 10 * kWireLatencyUs);  // let the gratuitous ARP land
  return out;
}

// The instance asks for its address as cirros does at boot (udhcpc: discover, select, lease),
// and prints what busybox's udhcpc prints.
Result<std::string> ScenarioRunner::dhcp_lease(Instance& inst) {
  DhcpClientConfig cfg;
  cfg.initial_backoff = kUsPerSec;  // udhcpc -T 1
  cfg.max_backoff = kUsPerSec;
  cfg.jitter = false;
  inst.dhcp_client = std::make_unique<DhcpClient>(*inst.host, inst.nic, cfg);
  NT_TRY(inst.dhcp_client->start());
  DhcpClient& c = *inst.dhcp_client;
  run_until_done([&] { return c.state() == DhcpState::kBound; }, 6 * kUsPerSec);
  if (c.state() != DhcpState::kBound || !c.lease()) {
    inst.dhcp_client.reset();
    return make_error(inst.name + ": no DHCP lease: udhcpc: no lease, failing");
  }
  const DhcpLease& l = *c.lease();
  std::string addr = ipv4_to_string(l.address), server = ipv4_to_string(l.server_id);
  return "udhcpc: started\nudhcpc: broadcasting discover\nudhcpc: broadcasting select for " + addr +
         ", server " + server + "\nudhcpc: lease of " + addr + " obtained from " + server +
         ", lease time " + std::to_string(l.lease_secs) + "\n";
}

// dhcp-server NAME bridge=BR port=PORT [tag=N] mac=MAC ip=CIDR range=FIRST-LAST [router=IP]
//   [dns=IP] [mtu=N] [lease=SECONDS] [host=MAC/IP]...
// The network's DHCP service (Neutron's dnsmasq in its qdhcp namespace): a host on PORT with
// the server address, serving the pool and the fixed addresses of the static hosts.
Result<std::string> ScenarioRunner::cmd_dhcp_server(const Args& a) {
  auto parsed = scenario_internal::parse_dhcp_server_args(a);
  if (!parsed.ok()) return parsed.error();
  if (instances_.count(a[1])) return make_error("dhcp-server: " + a[1] + " already exists");
  auto& [kv, port_args, cfg] = *parsed;
  auto inst = attach_host(a[1], kv, port_args);
  if (!inst.ok()) return inst.error();
  NT_TRY((*inst)->host->add_address((*inst)->nic, kv["ip"]));
  (*inst)->dhcp_server = std::make_unique<DhcpServer>(*(*inst)->host, (*inst)->nic, cfg);
  NT_TRY((*inst)->dhcp_server->start());
  instances_[a[1]] = std::move(*inst);
  return std::string();
}

void ScenarioRunner::run_until_done(const std::function<bool()>& done, TimeUs limit) {
  TimeUs end = sched_.now_us() + limit;
  while (!done()) {
    TimeUs next = sched_.next_event_us();
    if (next == kNever || next > end) break;
    sched_.run_until_us(next);
  }
}

// ping NAME DST [-c N] [-s SIZE] [-t TTL] [-W SECONDS];  traceroute NAME DST [-m HOPS] [-n]
Result<std::string> ScenarioRunner::cmd_ping(const Args& a, bool traceroute) {
  if (a.size() < 3) return usage(a[0] + " INSTANCE DESTINATION [options]");
  auto inst = instance(a[1]);
  if (!inst.ok()) return inst.error();
  auto dst = ipv4_parse(a[2]);
  if (!dst) return make_error(a[0] + ": '" + a[2] + "' is not an IPv4 address");
  auto num = [&](size_t i) { return i < a.size() ? parse_uint(a[i]) : std::nullopt; };
  Host& host = *(*inst)->host;
  if (traceroute) {
    TracerouteOptions o;
    for (size_t i = 3; i < a.size(); ++i) {
      if (a[i] == "-n") o.numeric = true;
      if (a[i] == "-m" && num(i + 1)) o.max_hops = static_cast<int>(*num(++i));
    }
    Traceroute t(host, *dst, o);
    NT_TRY(t.start());
    run_until_done([&] { return t.done(); }, 600 * kUsPerSec);
    return t.output();
  }
  PingOptions o;
  for (size_t i = 3; i < a.size(); ++i) {
    auto v = num(i + 1);
    if (!v) continue;
    if (a[i] == "-c")
      o.count = static_cast<uint32_t>(*v), ++i;
    else if (a[i] == "-s")
      o.size = *v, ++i;
    else if (a[i] == "-t")
      o.ttl = static_cast<uint8_t>(*v), ++i;
    else if (a[i] == "-W")
      o.timeout = static_cast<TimeUs>(*v) * kUsPerSec, ++i;
  }
  if (o.count == 0) return make_error("ping: -c 0 would never end in a scenario");
  Ping p(host, *dst, o);
  p.start();
  run_until_done([&] { return p.done(); }, (o.count + 30) * kUsPerSec);
  return p.output();
}

// ip NAME addr | ip NAME route | arp NAME
Result<std::string> ScenarioRunner::cmd_instance_show(const Args& a) {
  if (a.size() < 2) return usage("ip INSTANCE addr|route  /  arp INSTANCE");
  auto inst = instance(a[1]);
  if (!inst.ok()) return inst.error();
  const Host& h = *(*inst)->host;
  if (a[0] == "arp") return h.arp_text();
  if (a.size() > 2 && a[2] == "route") return h.ip_route_text();
  return h.ip_addr_text();
}

}  // namespace nt
