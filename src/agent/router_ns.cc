#include "agent/router_ns.h"

#include <signal.h>
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

// The names of the devices `ip -o link show` lists ("3: qr-cdb08767-c6: <...>" or "d0@d1: ").
std::vector<std::string> parse_link_names(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t a = line.find(": ");
    if (a == std::string::npos) continue;
    size_t b = line.find_first_of(":@", a + 2);
    if (b == std::string::npos) continue;
    out.push_back(line.substr(a + 2, b - a - 2));
  }
  return out;
}

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

Status RouterNamespaceDriver::create_namespace(const RouterPlan& plan) {
  const std::string& ns = plan.namespace_name;
  if (!namespace_exists(ns)) NT_TRY(run_command({"ip", "netns", "add", ns}));
  NT_TRY(run_command(ip_in(ns, {"link", "set", "lo", "up"})));
  // Forwarding is what makes it a router; the others are best effort (a kernel without IPv6).
  NT_TRY(run_command(exec_in(ns, {"sysctl", "-q", "-w", kSysctls[0]})));
  for (size_t i = 1; i < kSysctls.size(); ++i) {
    auto r = run_process(exec_in(ns, {"sysctl", "-q", "-w", kSysctls[i]}));
    if (!r || r->exit_code != 0) log_warn(ns + ": sysctl " + kSysctls[i] + " failed");
  }
  return ok_status();
}

// qr-/qg- devices in the namespace that the plan no longer has: back to the datapath namespace,
// where the role's del-port removes them.
Status RouterNamespaceDriver::release_stale_devices(const RouterPlan& plan) {
  auto links = output_of(ip_in(plan.namespace_name, {"-o", "link", "show"}));
  if (!links) return links.error();
  for (const auto& name : parse_link_names(*links)) {
    if (!router_device(name)) continue;
    bool planned = std::any_of(plan.devices.begin(), plan.devices.end(),
                               [&](const RouterDevicePlan& d) { return d.device == name; });
    if (planned) continue;
    NT_TRY(run_command(
        ip_in(plan.namespace_name, {"link", "set", "dev", name, "netns", datapath_target()})));
  }
  return ok_status();
}

Status RouterNamespaceDriver::wire_device(const RouterPlan& plan, const RouterDevicePlan& dev,
                                          std::vector<std::pair<std::string, std::string>>& added) {
  const std::string& ns = plan.namespace_name;
  if (!device_in(ns, dev.device)) {
    if (!device_in(datapath_ns_, dev.device)) {
      return make_error(dev.device + ": no such device on the node");
    }
    NT_TRY(run_command(ip_in(datapath_ns_, {"link", "set", "dev", dev.device, "netns", ns})));
  }
  NT_TRY(run_command(ip_in(ns, {"link", "set", "dev", dev.device, "address", dev.mac, "mtu",
                                std::to_string(dev.mtu), "up"})));
  auto shown = output_of(ip_in(ns, {"-o", "-4", "addr", "show", "dev", dev.device}));
  if (!shown) return shown.error();
  std::vector<std::string> have = parse_ip_addr_show(*shown);
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
  NT_TRY(release_stale_devices(plan));
  std::vector<std::pair<std::string, std::string>> added;  // (device, address)
  for (const auto& d : plan.devices) NT_TRY(wire_device(plan, d, added));
  NT_TRY(converge_routes(plan));
  NT_TRY(run_command(exec_in(ns, {"iptables-restore"}), iptables_restore_input(plan)));
  if (metadata_ && plan.metadata_port != 0) {
    // Best effort: a router without its metadata proxy still routes (haproxy missing, say).
    Status st = metadata_->start(ns, plan.router_id, plan.metadata_port);
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
    mark(plan.router_id, false);
    return ok_status();
  }
  for (const auto& d : plan.devices) {
    if (!device_in(ns, d.device)) continue;
    auto r = run_process(ip_in(ns, {"link", "set", "dev", d.device, "netns", datapath_target()}));
    if (!r || r->exit_code != 0) log_warn(ns + ": cannot move " + d.device + " back");
  }
  NT_TRY(run_command({"ip", "netns", "delete", ns}));
  mark(plan.router_id, false);
  return ok_status();
}

}  // namespace nt::agent
