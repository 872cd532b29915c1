#include "agent/router_ns.h"

#include <signal.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/netns_cmd.h"
#include "common/process.h"
#include "common/strings.h"
#include "common/vlog.h"

namespace nt::agent {
namespace {

namespace fs = std::filesystem;

// Neutron's namespace sysctls for a router (ip_forward first: it resets the per-device ones).
const std::vector<std::string> kSysctls = {
    "net.ipv4.ip_forward=1", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
    "net.ipv4.conf.all.promote_secondaries=1", "net.ipv6.conf.all.forwarding=1"};

Result<std::string> output_of(const std::vector<std::string>& argv) { return run_checked(argv); }

bool router_device(const std::string& name) {
  return starts_with(name, "qr-") || starts_with(name, "qg-");
}

// Under the agent's module (Vlog::modules() has no "l3").
void log_warn(const std::string& text) { vlog_write("agent", VlogLevel::kWarn, "l3: " + text); }

}  // namespace

std::vector<std::string> parse_ip_addr_show(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string w;
    while (words >> w) {
      if (w == "inet" && (words >> w)) {
        out.push_back(w);
        break;
      }
    }
  }
  return out;
}

std::map<std::string, NsDevice> parse_ns_devices(const std::string& links,
                                                 const std::string& addrs) {
  std::map<std::string, NsDevice> out;
  std::istringstream in(links);
  std::string line;
  while (std::getline(in, line)) {  // "3: qr-aaa@peer: <...,UP,...> mtu 1450 ...link/ether MAC"
    size_t a = line.find(": ");
    size_t b = a == std::string::npos ? a : line.find_first_of(":@", a + 2);
    if (b == std::string::npos) continue;
    NsDevice& d = out[line.substr(a + 2, b - a - 2)];
    size_t lt = line.find('<', b), gt = line.find('>', b);
    if (lt != std::string::npos && gt != std::string::npos && lt < gt) {
      std::string flags = "," + line.substr(lt + 1, gt - lt - 1) + ",";
      d.up = flags.find(",UP,") != std::string::npos;
    }
    std::istringstream words(line.substr(b));
    std::string w;
    while (words >> w) {
      if (w == "mtu") words >> d.mtu;
      if (w == "link/ether") words >> d.mac;
    }
  }
  std::istringstream ain(addrs);
  while (std::getline(ain, line)) {  // "3: qr-aaa    inet 10.0.0.1/24 scope global qr-aaa\ ..."
    std::istringstream words(line);
    std::string index, name, w;
    if (!(words >> index >> name)) continue;
    auto it = out.find(name);
    if (it == out.end()) continue;
    while (words >> w) {
      if (w == "inet" && (words >> w)) {
        it->second.addresses.push_back(w);
        break;
      }
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_gateway_routes(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string dest, w;
    if (!(words >> dest)) continue;
    while (words >> w) {
      if (w == "via" && (words >> w)) {
        out.emplace_back(dest, w);
        break;
      }
    }
  }
  return out;
}

RouterNamespaceDriver::RouterNamespaceDriver(std::string datapath_namespace, std::string state_dir,
                                             std::string metadata_socket)
    : datapath_ns_(std::move(datapath_namespace)), state_dir_(std::move(state_dir)) {
  if (!metadata_socket.empty()) {
    metadata_ = std::make_unique<HaproxyMetadataProxy>(std::move(metadata_socket));
  }
}

// The router's marker under state_dir (best effort: it serves clean-up, not the router).
void RouterNamespaceDriver::mark(const std::string& router_id, bool present) const {
  if (state_dir_.empty() || router_id.empty() || router_id.find('/') != std::string::npos) return;
  std::error_code ec;
  std::string path = state_dir_ + "/" + router_id;
  if (!present) {
    std::filesystem::remove(path, ec);
    return;
  }
  std::filesystem::create_directories(state_dir_, ec);
  std::ofstream f(path);
  if (!f) log_warn("cannot write " + path);
}

RouterNamespaceDriver::~RouterNamespaceDriver() {
  reap_announcements();
  for (pid_t pid : arpings_) stop_process(pid, SIGTERM, 200);
}

void RouterNamespaceDriver::reap_announcements() {
  std::erase_if(arpings_, [](pid_t pid) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    return r == pid || r < 0;
  });
}

// One gratuitous ARP for `ip` on `dev`, in the background; a failure to start it is logged.
void RouterNamespaceDriver::announce(const std::string& ns, const std::string& dev,
                                     const std::string& ip) {
  auto pid = spawn_background(exec_in(ns, {"arping", "-U", "-I", dev, "-c", "1", "-w", "2", ip}),
                              "/dev/null");
  if (!pid) {
    log_warn(ns + ": gratuitous ARP for " + ip + " on " + dev + ": " + pid.error().message);
    return;
  }
  arpings_.push_back(*pid);
}

std::string RouterNamespaceDriver::datapath_target() const {
  return datapath_ns_.empty() ? std::to_string(::getpid()) : datapath_ns_;
}

// Once per router and driver (a restarted agent sets them again on the namespace it finds): a
// router's update then costs no process for what cannot have changed.
Status RouterNamespaceDriver::create_namespace(const RouterPlan& plan) {
  const std::string& ns = plan.namespace_name;
  bool fresh = !namespace_exists(ns);
  if (fresh) NT_TRY(run_command({"ip", "netns", "add", ns}));
  if (!fresh && configured_.count(ns)) return ok_status();
  NT_TRY(run_command(ip_in(ns, {"link", "set", "lo", "up"})));
  // Forwarding is what makes it a router; the others are best effort (a kernel without IPv6),
  // in one sysctl run that goes on past a key it cannot set.
  NT_TRY(run_command(exec_in(ns, {"sysctl", "-q", "-w", kSysctls[0]})));
  std::vector<std::string> rest = {"sysctl", "-q", "-w"};
  rest.insert(rest.end(), kSysctls.begin() + 1, kSysctls.end());
  auto r = run_process(exec_in(ns, rest));
  if (!r || r->exit_code != 0) {
    log_warn(ns + ": sysctl: " + (r ? std::string(trim(r->output)) : r.error().message));
  }
  configured_.insert(ns);
  return ok_status();
}

// The namespace's devices as two `ip` runs show them.
Result<std::map<std::string, NsDevice>> RouterNamespaceDriver::read_devices(
    const std::string& ns) const {
  auto links = output_of(ip_in(ns, {"-o", "link", "show"}));
  if (!links) return links.error();
  auto addrs = output_of(ip_in(ns, {"-o", "-4", "addr", "show"}));
  if (!addrs) return addrs.error();
  return parse_ns_devices(*links, *addrs);
}

// qr-/qg- devices in the namespace that the plan no longer has: back to the datapath namespace,
// where the role's del-port removes them.
Status RouterNamespaceDriver::release_stale_devices(const RouterPlan& plan,
                                                    const std::map<std::string, NsDevice>& seen) {
  for (const auto& [name, dev] : seen) {
    if (!router_device(name)) continue;
    bool planned = std::any_of(plan.devices.begin(), plan.devices.end(),
                               [&](const RouterDevicePlan& d) { return d.device == name; });
    if (planned) continue;
    NT_TRY(run_command(
        ip_in(plan.namespace_name, {"link", "set", "dev", name, "netns", datapath_target()})));
  }
  return ok_status();
}

// A device already in place with its MAC, MTU and addresses costs no process.
Status RouterNamespaceDriver::wire_device(const RouterPlan& plan, const RouterDevicePlan& dev,
                                          const std::map<std::string, NsDevice>& seen,
                                          std::vector<std::pair<std::string, std::string>>& added) {
  const std::string& ns = plan.namespace_name;
  NsDevice cur;
  if (auto it = seen.find(dev.device); it != seen.end()) {
    cur = it->second;
  } else {
    if (!device_in(datapath_ns_, dev.device)) {
      return make_error(dev.device + ": no such device on the node");
    }
    NT_TRY(run_command(ip_in(datapath_ns_, {"link", "set", "dev", dev.device, "netns", ns})));
    auto shown = output_of(ip_in(ns, {"-o", "-4", "addr", "show", "dev", dev.device}));
    if (!shown) return shown.error();
    cur.addresses = parse_ip_addr_show(*shown);
  }
  if (!cur.up || cur.mtu != dev.mtu || ::strcasecmp(cur.mac.c_str(), dev.mac.c_str()) != 0) {
    NT_TRY(run_command(ip_in(ns, {"link", "set", "dev", dev.device, "address", dev.mac, "mtu",
                                  std::to_string(dev.mtu), "up"})));
  }
  const std::vector<std::string>& have = cur.addresses;
  for (const auto& a : have) {
    if (std::find(dev.addresses.begin(), dev.addresses.end(), a) != dev.addresses.end()) continue;
    NT_TRY(run_command(ip_in(ns, {"addr", "del", a, "dev", dev.device})));
    if (dev.external && a.ends_with("/32")) {
      // A floating IP gone: its connections must not keep their NAT.
      std::string ip = a.substr(0, a.size() - 3);
      for (const char* flag : {"-d", "-s"}) {
        auto r = run_process(exec_in(ns, {"conntrack", "-D", flag, ip}));
        if (!r) {  // no conntrack tool: the entries expire by themselves
          log_warn(ns + ": " + r.error().message);
          break;
        }
        if (r->exit_code != 0 && r->output.find("0 flow entries") == std::string::npos) {
          return make_error(command_line(exec_in(ns, {"conntrack", "-D", flag, ip})) + ": " +
                            std::string(trim(r->output)));
        }
      }
    }
  }
  for (const auto& a : dev.addresses) {
    if (std::find(have.begin(), have.end(), a) != have.end()) continue;
    NT_TRY(run_command(ip_in(ns, {"addr", "add", a, "dev", dev.device})));
    added.emplace_back(dev.device, a.substr(0, a.find('/')));
  }
  return ok_status();
}

Status RouterNamespaceDriver::converge_routes(const RouterPlan& plan) {
  const std::string& ns = plan.namespace_name;
  auto shown = output_of(ip_in(ns, {"-4", "route", "show"}));
  if (!shown) return shown.error();
  for (const auto& [dest, via] : parse_gateway_routes(*shown)) {
    bool planned = std::any_of(plan.routes.begin(), plan.routes.end(), [&](const auto& r) {
      return r.destination == dest && r.nexthop == via;
    });
    if (!planned) NT_TRY(run_command(ip_in(ns, {"route", "del", dest, "via", via})));
  }
  for (const auto& r : plan.routes) {
    std::vector<std::string> args = {"route", "replace", r.destination, "via", r.nexthop};
    if (!r.device.empty()) args.insert(args.end(), {"dev", r.device});
    NT_TRY(run_command(ip_in(ns, args)));
  }
  return ok_status();
}

Status RouterNamespaceDriver::enable(const RouterPlan& plan) {
  const std::string& ns = plan.namespace_name;
  NT_TRY(create_namespace(plan));
  mark(plan.router_id, true);
  auto seen = read_devices(ns);
  if (!seen) return seen.error();
  NT_TRY(release_stale_devices(plan, *seen));
  std::vector<std::pair<std::string, std::string>> added;  // (device, address)
  for (const auto& d : plan.devices) NT_TRY(wire_device(plan, d, *seen, added));
  NT_TRY(converge_routes(plan));
  NT_TRY(run_command(exec_in(ns, {"iptables-restore"}), iptables_restore_input(plan)));
  if (metadata_ && plan.metadata_port != 0) {
    // Best effort: a router without its metadata proxy still routes (haproxy missing, say).
    Status st = metadata_->start(ns, router_metadata_proxy(plan.router_id, plan.metadata_port));
    if (!st) log_warn(ns + ": metadata proxy: " + st.error().message);
  } else if (metadata_) {
    metadata_->stop(plan.router_id);
  }
  reap_announcements();
  for (const auto& [dev, ip] : added) announce(ns, dev, ip);
  return ok_status();
}

Status RouterNamespaceDriver::disable(const RouterPlan& plan) {
  const std::string& ns = plan.namespace_name;
  if (metadata_) metadata_->stop(plan.router_id);
  if (!namespace_exists(ns)) {
    configured_.erase(ns);
    mark(plan.router_id, false);
    return ok_status();
  }
  for (const auto& d : plan.devices) {
    if (!device_in(ns, d.device)) continue;
    auto r = run_process(ip_in(ns, {"link", "set", "dev", d.device, "netns", datapath_target()}));
    if (!r || r->exit_code != 0) log_warn(ns + ": cannot move " + d.device + " back");
  }
  NT_TRY(run_command({"ip", "netns", "delete", ns}));
  configured_.erase(ns);
  mark(plan.router_id, false);
  return ok_status();
}

}  // namespace nt::agent
