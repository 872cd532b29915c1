// ScenarioRunner: emulated instances (netstack hosts cabled to bridge ports), ping,
// traceroute and their `ip` / `arp` views.
#include "common/strings.h"
#include "netstack/ping.h"
#include "netstack/traceroute.h"
#include "scenario/runner.h"
#include "scenario/runner_util.h"

namespace nt {
namespace {

using scenario_internal::split_kv;
using scenario_internal::usage;

}  // namespace

Result<ScenarioRunner::Instance*> ScenarioRunner::instance(const std::string& name) {
  auto it = instances_.find(name);
  if (it == instances_.end()) return make_error("no instance named " + name, ErrorCode::kNotFound);
  return it->second.get();
}

// instance NAME bridge=BR port=PORT mac=MAC ip=CIDR [gw=IP] [mtu=N] [tag=N] [trunks=..]
Result<std::string> ScenarioRunner::cmd_instance(const Args& a) {
  if (a.size() < 2) return usage("instance NAME bridge=BR port=PORT mac=MAC ip=CIDR [gw=IP]");
  if (instances_.count(a[1])) return make_error("instance " + a[1] + " already exists");
  std::map<std::string, std::string> kv;
  Args port_args = {"add-port", "", ""};
  for (size_t i = 2; i < a.size(); ++i) {
    auto [k, v] = split_kv(a[i]);
    if (k == "tag" || k == "trunks" || k == "vlan_mode") port_args.push_back(a[i]);
    kv[k] = v;
  }
  for (const char* need : {"bridge", "port", "mac", "ip"}) {
    if (kv[need].empty()) return make_error(std::string("instance: ") + need + "= is required");
  }
  auto mac = parse_field_value(field_info(FieldId::kDlSrc), kv["mac"]);
  if (!mac.ok()) return mac.error();
  port_args[1] = kv["bridge"];
  port_args[2] = kv["port"];
  Switch& s = sw();
  Ofproto* br = s.bridge(kv["bridge"]);
  if (!br) return make_error("no bridge named " + kv["bridge"], ErrorCode::kNotFound);
  if (!br->find_port(kv["port"])) {
    auto r = cmd_add_port(port_args);
    if (!r.ok()) return r.error();
  }
  auto rp = recording_port(kv["bridge"], kv["port"]);
  if (!rp.ok()) return rp.error();

  auto inst = std::make_unique<Instance>();
  inst->name = a[1];
  inst->node = current_;
  inst->bridge = kv["bridge"];
  inst->port = kv["port"];
  inst->host = std::make_unique<Host>(sched_, a[1]);
  uint16_t mtu =
      kv["mtu"].empty() ? 1500 : static_cast<uint16_t>(parse_uint(kv["mtu"], 16).value_or(1500));
  inst->nic = inst->host->add_nic("eth0", MacAddr::from_u64(static_cast<uint64_t>(*mac)), mtu);
  Host* host = inst->host.get();
  NicId nic = inst->nic;
  // Switch -> instance: delivered as the port sends.
  (*rp)->on_send = [host, nic](const uint8_t* d, size_t n) { host->receive(nic, d, n); };
  // Instance -> switch: one wire latency later.
  Switch* swp = &s;
  std::string bname = kv["bridge"], pname = kv["port"];
  host->set_transmit(nic, [this, swp, bname, pname](const uint8_t* d, size_t n) {
    std::vector<uint8_t> frame(d, d + n);
    ++instance_wire_in_flight_;
    sched_.post_in(kWireLatencyUs, [this, swp, bname, pname, frame = std::move(frame)] {
      --instance_wire_in_flight_;
      (void)swp->receive(bname, pname, frame.data(), frame.size());
    });
  });
  NT_TRY(host->add_address(nic, kv["ip"]));
  if (!kv["gw"].empty()) {
    auto gw = parse_ipv4_addr(kv["gw"]);
    if (!gw) return make_error("instance: gw '" + kv["gw"] + "' is not an IPv4 address");
    NT_TRY(host->set_default_gateway(*gw));
  }
  instances_[a[1]] = std::move(inst);
  sched_.run_until_us(sched_.now_us() + 10 * kWireLatencyUs);  // let the gratuitous ARP land
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
  auto dst = parse_ipv4_addr(a[2]);
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
