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

}  // namespace

std::string haproxy_config(const std::string& router_id, int port, const std::string& socket,
                           const std::string& pidfile) {
  std::string global = "global\n    maxconn     1024\n    pidfile     " + pidfile + "\n";
  std::string listen = "listen listener\n    bind 0.0.0.0:" + std::to_string(port) + "\n";
  listen += "    server metadata " + socket + "\n";
  listen += "    http-request del-header X-Neutron-Network-ID\n";
  listen += "    http-request set-header X-Neutron-Router-ID " + router_id + "\n";
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

std::string HaproxyMetadataProxy::pidfile(const std::string& router_id) const {
  return dir() + "/external/pids/" + router_id + ".pid";
}

std::string HaproxyMetadataProxy::conffile(const std::string& router_id) const {
  return dir() + "/ns-metadata-proxy/" + router_id + ".conf";
}

int HaproxyMetadataProxy::running_pid(const std::string& router_id) const {
  auto pid = parse_uint(trim(read_file(pidfile(router_id))), 31);
  if (!pid || *pid == 0) return 0;
  return ::kill(static_cast<pid_t>(*pid), 0) == 0 ? static_cast<int>(*pid) : 0;
}

Status HaproxyMetadataProxy::start(const std::string& ns, const std::string& router_id, int port) {
  if (router_id.empty() || router_id.find('/') != std::string::npos) {
    return make_error("metadata proxy: '" + router_id + "' is not a router id");
  }
  std::string conf = haproxy_config(router_id, port, socket_, pidfile(router_id));
  if (running_pid(router_id) != 0 && read_file(conffile(router_id)) == conf) return ok_status();
  stop(router_id);
  std::error_code ec;
  fs::create_directories(fs::path(pidfile(router_id)).parent_path(), ec);
  fs::create_directories(fs::path(conffile(router_id)).parent_path(), ec);
  std::ofstream(conffile(router_id)) << conf;
  return run_command(exec_in(ns, {"haproxy", "-f", conffile(router_id)}));
}

void HaproxyMetadataProxy::stop(const std::string& router_id) {
  if (router_id.empty() || router_id.find('/') != std::string::npos) return;
  if (int pid = running_pid(router_id); pid != 0) {
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::error_code ec;
  fs::remove(pidfile(router_id), ec);
  fs::remove(conffile(router_id), ec);
}

}  // namespace nt::agent
