#include "agent/metadata_proxy.h"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/netns_cmd.h"
#include "common/strings.h"

namespace nt::agent {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// An id becomes a file name: nothing that leaves the proxy's directories.
bool usable_id(const std::string& id) {
  return !id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos &&
         id.find('\0') == std::string::npos;
}

}  // namespace

std::string MetadataProxyTarget::set_header() const {
  return kind == Kind::kRouter ? "X-Neutron-Router-ID" : "X-Neutron-Network-ID";
}

std::string MetadataProxyTarget::dropped_header() const {
  return kind == Kind::kRouter ? "X-Neutron-Network-ID" : "X-Neutron-Router-ID";
}

MetadataProxyTarget router_metadata_proxy(const std::string& router_id, int port) {
  return {MetadataProxyTarget::Kind::kRouter, router_id, "0.0.0.0", port};
}

MetadataProxyTarget network_metadata_proxy(const std::string& network_id) {
  return {MetadataProxyTarget::Kind::kNetwork, network_id, "169.254.169.254", 80};
}

std::string haproxy_config(const MetadataProxyTarget& t, const std::string& socket,
                           const std::string& pidfile) {
  std::string global = "global\n    maxconn     1024\n    pidfile     " + pidfile + "\n";
  std::string listen =
      "listen listener\n    bind " + t.bind_address + ":" + std::to_string(t.port) + "\n";
  listen += "    server metadata " + socket + "\n";
  listen += "    http-request del-header " + t.dropped_header() + "\n";
  listen += "    http-request set-header " + t.set_header() + " " + t.id + "\n";
  return global +
         "    daemon\n"
         "\n"
         "defaults\n"
         "    mode http\n"
         "    option http-server-close\n"
         "    option forwardfor\n"
         "    retries                 3\n"
         "    timeout http-request    30s\n"
         "    timeout connect         30s\n"
         "    timeout client          32s\n"
         "    timeout server          32s\n"
         "    timeout http-keep-alive 30s\n"
         "\n" +
         listen;
}

std::string HaproxyMetadataProxy::dir() const { return fs::path(socket_).parent_path().string(); }

std::string HaproxyMetadataProxy::pidfile(const std::string& id) const {
  return dir() + "/external/pids/" + id + ".pid";
}

std::string HaproxyMetadataProxy::conffile(const std::string& id) const {
  return dir() + "/ns-metadata-proxy/" + id + ".conf";
}

int HaproxyMetadataProxy::running_pid(const std::string& id) const {
  if (!usable_id(id)) return 0;
  auto pid = parse_uint(trim(read_file(pidfile(id))), 31);
  if (!pid || *pid == 0) return 0;
  return ::kill(static_cast<pid_t>(*pid), 0) == 0 ? static_cast<int>(*pid) : 0;
}

Status HaproxyMetadataProxy::start(const std::string& ns, const MetadataProxyTarget& target) {
  const std::string& id = target.id;
  if (!usable_id(id))
    return make_error("metadata proxy: '" + id + "' is not a router or network id");
  std::string conf = haproxy_config(target, socket_, pidfile(id));
  if (running_pid(id) != 0 && read_file(conffile(id)) == conf) return ok_status();
  stop(id);
  std::error_code ec;
  fs::create_directories(fs::path(pidfile(id)).parent_path(), ec);
  fs::create_directories(fs::path(conffile(id)).parent_path(), ec);
  std::ofstream(conffile(id)) << conf;
  return run_command(exec_in(ns, {"haproxy", "-f", conffile(id)}));
}

void HaproxyMetadataProxy::stop(const std::string& id) {
  if (!usable_id(id)) return;
  if (int pid = running_pid(id); pid != 0) {
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::error_code ec;
  fs::remove(pidfile(id), ec);
  fs::remove(conffile(id), ec);
}

}  // namespace nt::agent
