#include "agent/dnsmasq.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>

#include "agent/netns_cmd.h"
#include "common/files.h"
#include "common/process.h"
#include "common/vlog.h"

namespace nt::agent {

namespace fs = std::filesystem;

int dnsmasq_pid(const std::string& conf_dir) {
  return std::max(pidfile_pid(conf_dir + "/pid", "dnsmasq"), 0);
}

DnsmasqDriver::DnsmasqDriver(std::string datapath_namespace, std::string metadata_socket)
    : datapath_ns_(std::move(datapath_namespace)) {
  if (!metadata_socket.empty()) {
    metadata_ = std::make_unique<HaproxyMetadataProxy>(std::move(metadata_socket));
  }
}

Status DnsmasqDriver::write_files(const DhcpNetworkPlan& plan) {
  std::error_code ec;
  fs::create_directories(plan.conf_dir, ec);
  if (ec) return make_error(plan.conf_dir + ": " + ec.message());
  // dnsmasq re-reads the files on SIGHUP as nobody: the directories must let it in whatever
  // the umask (the state_path above them must too, as /var/lib/neutron does).
  constexpr auto kOpen = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                         fs::perms::others_read | fs::perms::others_exec;
  for (const fs::path& d : {fs::path(plan.conf_dir), fs::path(plan.conf_dir).parent_path()}) {
    fs::permissions(d, kOpen, ec);
    if (ec) return make_error(d.string() + ": " + ec.message());
  }
  NT_TRY(write_file_atomic(plan.conf_dir + "/host", plan.host_file));
  NT_TRY(write_file_atomic(plan.conf_dir + "/addn_hosts", plan.addn_hosts_file));
  NT_TRY(write_file_atomic(plan.conf_dir + "/opts", plan.opts_file));
  return ok_status();
}

// The namespace, the device moved into it, its MAC, MTU, addresses and default route.
Status DnsmasqDriver::wire_device(const DhcpNetworkPlan& plan) {
  const std::string& ns = plan.namespace_name;
  const std::string& dev = plan.device;
  if (!namespace_exists(ns)) {
    NT_TRY(run_command({"ip", "netns", "add", ns}));
    NT_TRY(run_command(ip_in(ns, {"link", "set", "lo", "up"})));
  }
  if (!device_in(ns, dev)) {
    if (!device_in(datapath_ns_, dev)) return make_error(dev + ": no such device on the node");
    NT_TRY(run_command(ip_in(datapath_ns_, {"link", "set", "dev", dev, "netns", ns})));
  }
  NT_TRY(run_command(ip_in(ns, {"link", "set", "dev", dev, "address", plan.mac, "mtu",
                                std::to_string(plan.mtu), "up"})));
  NT_TRY(run_command(ip_in(ns, {"addr", "flush", "dev", dev})));
  for (const auto& a : plan.addresses)
    NT_TRY(run_command(ip_in(ns, {"addr", "add", a, "dev", dev})));
  for (const auto& s : plan.subnets) {
    if (s.gateway_ip.empty()) continue;
    NT_TRY(
        run_command(ip_in(ns, {"route", "replace", "default", "via", s.gateway_ip, "dev", dev})));
    break;
  }
  return ok_status();
}

Status DnsmasqDriver::start_or_reload(const DhcpNetworkPlan& plan) {
  if (int pid = dnsmasq_pid(plan.conf_dir)) {
    if (::kill(pid, SIGHUP) != 0) return make_error("dnsmasq " + std::to_string(pid) + ": gone");
    return ok_status();
  }
  std::vector<std::string> argv = {"ip", "netns", "exec", plan.namespace_name};
  argv.insert(argv.end(), plan.dnsmasq_argv.begin(), plan.dnsmasq_argv.end());
  return run_command(argv);  // dnsmasq forks into the background once it is listening
}

// Best effort, as the router's: DHCP still serves when haproxy cannot start.
void DnsmasqDriver::converge_metadata(const DhcpNetworkPlan& plan) {
  if (!metadata_) return;
  if (!plan.metadata_proxy) {
    metadata_->stop(plan.network_id);
    return;
  }
  Status st = metadata_->start(plan.namespace_name, network_metadata_proxy(plan.network_id));
  if (!st) {
    vlog_write("agent", VlogLevel::kWarn,
               "dhcp: " + plan.namespace_name + ": metadata proxy: " + st.error().message);
  }
}

Status DnsmasqDriver::enable(const DhcpNetworkPlan& plan) {
  NT_TRY(write_files(plan));
  NT_TRY(wire_device(plan));
  NT_TRY(start_or_reload(plan));
  converge_metadata(plan);
  return ok_status();
}

Status DnsmasqDriver::disable(const DhcpNetworkPlan& plan) {
  if (metadata_) metadata_->stop(plan.network_id);
  if (int pid = dnsmasq_pid(plan.conf_dir)) stop_process(pid, SIGTERM);
  if (namespace_exists(plan.namespace_name)) {
    NT_TRY(run_command({"ip", "netns", "delete", plan.namespace_name}));
  }
  std::error_code ec;
  fs::remove_all(plan.conf_dir, ec);
  return ok_status();
}

}  // namespace nt::agent
