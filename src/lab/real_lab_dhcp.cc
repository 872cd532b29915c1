// RealLab: the DHCP service of a network (as Neutron's dnsmasq in its qdhcp namespace) and
// instances that take their address from it — busybox udhcpd and udhcpc, cirros's client.
#include <filesystem>
#include <fstream>

#include "common/strings.h"
#include "lab/process.h"
#include "lab/real_lab.h"
#include "scenario/runner_util.h"
#include "xlate/switch.h"

namespace nt::lab {
namespace {

using scenario_internal::split_kv;
using scenario_internal::usage;

// What udhcpc runs at each DHCP event: applies the lease the way cirros's script does.
constexpr const char* kUdhcpcScript = R"(#!/bin/sh
# neutrino lab: apply a DHCP lease (udhcpc event script)
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    for r in $staticroutes; do :; done
    ;;
esac
exit 0
)";

// "255.255.255.0" for a prefix length.
std::string netmask(int len) {
  uint32_t m = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
  return ipv4_to_string(m);
}

Status write_file(const std::string& path, const std::string& text, bool executable) {
  std::ofstream out(path);
  out << text;
  if (!out) return make_error(path + ": cannot write");
  out.close();
  if (executable) std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return ok_status();
}

}  // namespace

// dhcp-server NAME bridge=BR port=PORT [tag=N] mac=MAC ip=CIDR range=FIRST-LAST [router=IP]
//   [dns=IP] [mtu=N] [lease=SECONDS] [host=MAC/IP]...
// A namespace PFX-d-NAME whose PORT (a veth into the node, on BR) has the server's address,
// running busybox udhcpd with the pool, the static hosts and the options.
Result<std::string> RealLab::cmd_dhcp_server(const Args& a) {
  if (a.size() < 2) {
    return usage("dhcp-server NAME bridge=BR port=PORT mac=MAC ip=CIDR range=FIRST-LAST ...");
  }
  auto n = node();
  if (!n.ok()) return n.error();
  std::map<std::string, std::string> kv;
  std::vector<std::string> hosts;
  Args port_args = {"add-port", "", ""};
  for (size_t i = 2; i < a.size(); ++i) {
    auto [k, v] = split_kv(a[i]);
    if (k == "tag") port_args.push_back(a[i]);
    if (k == "host")
      hosts.push_back(v);
    else
      kv[k] = v;
  }
  for (const char* need : {"bridge", "port", "mac", "ip", "range"}) {
    if (kv[need].empty()) return make_error(std::string("dhcp-server: ") + need + "= is required");
  }
  size_t slash = kv["ip"].find('/'), dash = kv["range"].find('-');
  if (slash == std::string::npos || !parse_ipv4_addr(kv["ip"].substr(0, slash))) {
    return make_error("dhcp-server: ip '" + kv["ip"] + "' is not A.B.C.D/LEN");
  }
  if (dash == std::string::npos) return make_error("dhcp-server: range is FIRST-LAST");
  auto len = parse_uint(kv["ip"].substr(slash + 1), 6);
  if (!len || *len > 32) return make_error("dhcp-server: bad prefix length in " + kv["ip"]);

  std::string ns = state_.prefix + "-d-" + a[1], port = kv["port"];
  NT_TRY(new_namespace(ns));
  state_.targets[a[1]] = LabTarget{"instance", ns, "", port};
  NT_TRY(run_checked({"ip", "link", "add", port, "netns", ns, "type", "veth", "peer", "name", port,
                      "netns", (*n)->ns}));
  NT_TRY(ip((*n)->ns, {"link", "set", port, "up"}));
  port_args[1] = kv["bridge"];
  port_args[2] = port;
  auto added = cmd_add_port(port_args);
  if (!added.ok()) return added.error();
  NT_TRY(ip(ns, {"link", "set", port, "address", kv["mac"]}));
  NT_TRY(ip(ns, {"addr", "add", kv["ip"], "dev", port}));
  NT_TRY(ip(ns, {"link", "set", port, "up"}));

  std::string base = "/tmp/" + state_.prefix + "-dhcp-" + a[1];
  std::string conf = "start " + kv["range"].substr(0, dash) + "\nend " +
                     kv["range"].substr(dash + 1) + "\ninterface " + port + "\nlease_file " + base +
                     ".leases\npidfile " + base + ".pid\nopt subnet " +
                     netmask(static_cast<int>(*len)) + "\nopt lease " +
                     (kv["lease"].empty() ? "86400" : kv["lease"]) + "\n";
  if (!kv["router"].empty()) conf += "opt router " + kv["router"] + "\n";
  if (!kv["dns"].empty()) conf += "opt dns " + kv["dns"] + "\n";
  if (!kv["mtu"].empty()) conf += "opt mtu " + kv["mtu"] + "\n";
  for (const std::string& h : hosts) {
    size_t s = h.find('/');
    if (s == std::string::npos) return make_error("dhcp-server: host is MAC/IP, not '" + h + "'");
    conf += "static_lease " + h.substr(0, s) + " " + h.substr(s + 1) + "\n";
  }
  state_.files.insert(state_.files.end(),
                      {base + ".conf", base + ".leases", base + ".pid", base + ".log"});
  NT_TRY(write_file(base + ".conf", conf, false));
  NT_TRY(write_file(base + ".leases", "", false));
  auto pid = spawn_background(
      {"ip", "netns", "exec", ns, "busybox", "udhcpd", "-f", "-a", "100", base + ".conf"},
      base + ".log");
  if (!pid.ok()) return pid.error();
  state_.pids.push_back(*pid);
  NT_TRY(save_lab_state(state_));
  last_display_ = "ip netns exec " + ns + " udhcpd -f " + base + ".conf";
  return std::string();
}

// The instance asks for its address as cirros does at boot: udhcpc on eth0, up to 5 tries.
Result<std::string> RealLab::dhcp_client(const Instance& inst) {
  if (dhcp_script_.empty()) {
    dhcp_script_ = "/tmp/" + state_.prefix + "-udhcpc.sh";
    state_.files.push_back(dhcp_script_);
    NT_TRY(write_file(dhcp_script_, kUdhcpcScript, true));
  }
  auto r = run_process({"ip", "netns", "exec", inst.ns, "busybox", "udhcpc", "-i", "eth0", "-f",
                        "-q", "-n", "-t", "5", "-T", "1", "-s", dhcp_script_},
                       "", 60);
  if (!r.ok()) return r.error();
  if (r->exit_code != 0) {
    return make_error(inst.name + ": no DHCP lease: " + std::string(trim(r->output)));
  }
  return r->output;
}

}  // namespace nt::lab
