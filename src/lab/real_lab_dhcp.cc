// RealLab: the DHCP service of a network (as Neutron's dnsmasq in its qdhcp namespace) and
// instances that take their address from it — busybox udhcpd and udhcpc, cirros's client.
#include <filesystem>
#include <fstream>

#include "common/process.h"
#include "common/strings.h"
#include "lab/real_lab.h"
#include "scenario/lab_common.h"
#include "xlate/switch.h"

namespace nt::lab {
namespace {

// What udhcpc runs at each DHCP event: applies the lease the way cirros's script does.
constexpr const char* kUdhcpcScript = R"(#!/bin/sh
# neutrino lab: apply a DHCP lease (udhcpc event script)
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    if [ -n "$staticroutes" ]; then
      # RFC 3442: classless routes (option 121) replace the router option; on-link first.
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        [ "$2" = 0.0.0.0 ] && ip route replace "$1" dev "$interface"
        shift 2
      done
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        [ "$2" != 0.0.0.0 ] && ip route replace "$1" via "$2" dev "$interface"
        shift 2
      done
    else
      for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    fi
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

// busybox udhcpd's configuration for `cfg`, serving on `ifname`, files beside `base`.
std::string udhcpd_conf(const DhcpServerConfig& cfg, const std::string& ifname,
                        const std::string& base) {
  std::string c = "start " + ipv4_to_string(cfg.pool_first) + "\nend " +
                  ipv4_to_string(cfg.pool_last) + "\ninterface " + ifname + "\nlease_file " + base +
                  ".leases\npidfile " + base + ".pid\nopt subnet " + netmask(cfg.prefix_len) +
                  "\nopt lease " + std::to_string(cfg.lease_secs) + "\n";
  for (uint32_t r : cfg.routers) c += "opt router " + ipv4_to_string(r) + "\n";
  for (uint32_t d : cfg.dns_servers) c += "opt dns " + ipv4_to_string(d) + "\n";
  if (cfg.mtu) c += "opt mtu " + std::to_string(cfg.mtu) + "\n";
  for (const DhcpStaticHost& h : cfg.static_hosts) {
    c += "static_lease " + h.mac.to_string() + " " + ipv4_to_string(h.address) + "\n";
  }
  return c;
}

}  // namespace

// dhcp-server NAME bridge=BR port=PORT [tag=N] mac=MAC ip=CIDR range=FIRST-LAST [router=IP]
//   [dns=IP] [mtu=N] [lease=SECONDS] [host=MAC/IP]...
// A namespace PFX-d-NAME whose PORT (a veth into the node, on BR) has the server's address,
// running busybox udhcpd with the pool, the static hosts and the options.
Result<std::string> RealLab::cmd_dhcp_server(const Args& a) {
  auto parsed = scenario_internal::parse_dhcp_server_args(a);
  if (!parsed.ok()) return parsed.error();
  auto& [kv, port_args, cfg] = *parsed;
  auto n = node();
  if (!n.ok()) return n.error();

  std::string ns = state_.prefix + "-d-" + a[1], port = kv["port"];
  NT_TRY(new_namespace(ns));
  state_.targets[a[1]] = LabTarget{"instance", ns, "", port};
  NT_TRY(run_checked({"ip", "link", "add", port, "netns", ns, "type", "veth", "peer", "name", port,
                      "netns", (*n)->ns}));
  NT_TRY(ip((*n)->ns, {"link", "set", port, "up"}));
  auto added = cmd_add_port(port_args);
  if (!added.ok()) return added.error();
  NT_TRY(ip(ns, {"link", "set", port, "address", kv["mac"]}));
  NT_TRY(ip(ns, {"addr", "add", kv["ip"], "dev", port}));
  NT_TRY(ip(ns, {"link", "set", port, "up"}));

  std::string base = "/tmp/" + state_.prefix + "-dhcp-" + a[1];
  std::string conf = udhcpd_conf(cfg, port, base);
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

// The instance asks for its address as cirros does at boot: udhcpc on eth0, up to 5 tries,
// asking for the MTU and classless static routes (options 26 and 121) as cirros's udhcpc does.
Result<std::string> RealLab::dhcp_client(const Instance& inst) {
  if (dhcp_script_.empty()) {
    dhcp_script_ = "/tmp/" + state_.prefix + "-udhcpc.sh";
    state_.files.push_back(dhcp_script_);
    NT_TRY(write_file(dhcp_script_, kUdhcpcScript, true));
  }
  auto r = run_process({"ip",   "netns", "exec", inst.ns, "busybox",      "udhcpc", "-i",
                        "eth0", "-f",    "-q",   "-n",    "-t",           "5",      "-T",
                        "1",    "-O",    "mtu",  "-O",    "staticroutes", "-s",     dhcp_script_},
                       "", 60);
  if (!r.ok()) return r.error();
  if (r->exit_code != 0) {
    return make_error(inst.name + ": no DHCP lease: " + std::string(trim(r->output)));
  }
  return r->output;
}

}  // namespace nt::lab
