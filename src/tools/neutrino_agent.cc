// neutrino-agent: Neutron's Open vSwitch agent for one node (issue 11), a thin main over
// agent/: the node is the local neutrino-vswitchd reached through its control socket (as the
// nvs-* tools reach it), the server is neutrino-server's HTTP API.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/dnsmasq.h"
#include "agent/metadata_http.h"
#include "agent/router_ns.h"
#include "common/vlog.h"
#include "vswitchd/control.h"

namespace {

struct Options {
  std::vector<std::string> config_files;
  std::string log_file, pidfile, server_url;
  std::optional<std::string> rundir;
  bool detach = false;
  bool dhcp = false;           // --role dhcp
  bool l3 = false;             // --role l3
  bool metadata = false;       // --role metadata
  std::string datapath_netns;  // --datapath-netns
};

const char kUsage[] =
    "usage: neutrino-agent --config-file FILE [--config-file FILE]... [--server-url URL]\n"
    "                      [--rundir DIR] [--log-file FILE] [--pidfile FILE] [--detach]\n"
    "                      [--role ovs|dhcp|l3|metadata[,...]]... [--datapath-netns NS]\n"
    "  --server-url   neutrino-server's API (else [DEFAULT] server_url, else "
    "http://127.0.0.1:9696)\n"
    "  --rundir       the local neutrino-vswitchd's run directory (else $NVS_RUNDIR, else\n"
    "                 /var/run/neutrino), as nvs-vsctl finds it\n"
    "  --role         ovs (always); dhcp: also Neutron's DHCP agent for this host (dnsmasq\n"
    "                 in qdhcp-<network id>); l3: also Neutron's L3 agent, legacy mode\n"
    "                 (routers in qrouter-<router id>); metadata: also Neutron's metadata\n"
    "                 agent (HTTP on <state_path>/metadata_proxy, to Nova's metadata API);\n"
    "                 options from the config files' [DEFAULT]; repeated or a comma list\n"
    "                 (--role dhcp,l3,metadata)\n"
    "  --datapath-netns  the network namespace where neutrino-vswitchd's devices appear (else\n"
    "                 the agent's own)\n";

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      size_t eq = a.find('=');
      if (eq != std::string::npos) {
        out = a.substr(eq + 1);
        return true;
      }
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    auto is = [&](const char* name) {
      return a == name || a.rfind(std::string(name) + "=", 0) == 0;
    };
    std::string v;
    if (a == "--detach") {
      o.detach = true;
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (is("--config-file")) {
      if (!value(v)) return false;
      o.config_files.push_back(v);
    } else if (is("--log-file")) {
      if (!value(o.log_file)) return false;
    } else if (is("--pidfile")) {
      if (!value(o.pidfile)) return false;
    } else if (is("--server-url")) {
      if (!value(o.server_url)) return false;
    } else if (is("--role")) {
      if (!value(v)) return false;
      std::stringstream roles(v);
      std::string role;
      while (std::getline(roles, role, ',')) {
        if (role == "dhcp") {
          o.dhcp = true;
        } else if (role == "l3") {
          o.l3 = true;
        } else if (role == "metadata") {
          o.metadata = true;
        } else if (role != "ovs") {
          std::cerr << "neutrino-agent: unknown role " << role << " (ovs, dhcp, l3, metadata)\n";
          return false;
        }
      }
    } else if (is("--datapath-netns")) {
      if (!value(o.datapath_netns)) return false;
    } else if (is("--rundir")) {
      if (!value(v)) return false;
      o.rundir = v;
    } else {
      std::cerr << "neutrino-agent: unknown option " << a << "\n" << kUsage;
      return false;
    }
  }
  return true;
}

// The node over the daemon's control socket: one connection per command.
class SocketChannel final : public nt::agent::NodeChannel {
 public:
  explicit SocketChannel(std::string path) : path_(std::move(path)) {}
  nt::ControlReply execute(const std::string& tool, const std::vector<std::string>& argv,
                           const std::string& stdin_data) override {
    nt::ControlRequest req{tool, argv, stdin_data};
    auto r = nt::control_call(path_, req, kTimeoutMs);
    if (!r) return nt::ControlReply{1, "", path_ + ": " + r.error().message + "\n", {}};
    return std::move(*r);
  }

 private:
  static constexpr int kTimeoutMs = 30000;
  std::string path_;
};

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) return 2;
  nt::Vlog vlog;
  nt::vlog_install(&vlog);
  if (!o.log_file.empty()) {
    auto s = vlog.set_log_file(o.log_file);
    if (!s) {
      std::cerr << "neutrino-agent: " << s.error().message << "\n";
      return 1;
    }
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& f : o.config_files) {
    std::ifstream in(f);
    if (!in) {
      std::cerr << "neutrino-agent: " << f << ": cannot read\n";
      return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    files.emplace_back(f, ss.str());
  }
  auto config = nt::agent::parse_agent_config(files);
  if (!config) {
    std::cerr << "neutrino-agent: " << config.error().message << "\n";
    return 1;
  }
  std::string url = !o.server_url.empty() ? o.server_url : config->server_url;
  SocketChannel channel(nt::control_socket_path(nt::run_dir(o.rundir)));
  if (o.detach && ::daemon(1, 0) != 0) {
    std::perror("neutrino-agent: daemon");
    return 1;
  }
  if (!o.pidfile.empty()) std::ofstream(o.pidfile) << ::getpid() << "\n";
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  nt::agent::Agent agent(*config, channel, url);
  nt::agent::DnsmasqDriver dnsmasq(o.datapath_netns, config->dhcp.state_path + "/metadata_proxy");
  if (o.dhcp) agent.enable_dhcp(dnsmasq);
  nt::agent::RouterNamespaceDriver routers(o.datapath_netns, config->dhcp.state_path + "/l3",
                                           config->dhcp.state_path + "/metadata_proxy");
  if (o.l3) agent.enable_l3(routers);
  nt::agent::ServerPortSource ports(url.empty() ? nt::rpc::kDefaultServerUrl : url);
  nt::agent::HttpNovaUpstream nova(config->metadata.nova_metadata_host,
                                   config->metadata.nova_metadata_port);
  nt::agent::MetadataAgent metadata(config->metadata, ports, nova);
  nt::agent::UnixHttpServer metadata_server(
      [&metadata](const nt::agent::MetadataRequest& r) { return metadata.handle(r); });
  if (o.metadata) {
    std::string socket = config->dhcp.state_path + "/metadata_proxy";
    std::error_code ec;
    std::filesystem::create_directories(config->dhcp.state_path, ec);
    auto s = metadata_server.start(socket);
    if (!s) {
      std::cerr << "neutrino-agent: metadata: " << s.error().message << "\n";
      return 1;
    }
    agent.enable_metadata();
  }
  char cookie[24];
  std::snprintf(cookie, sizeof cookie, "0x%llx", static_cast<unsigned long long>(agent.cookie()));
  nt::vlog_write("agent", nt::VlogLevel::kInfo,
                 "host " + config->host + ", server " + (url.empty() ? "default" : url) +
                     ", cookie " + cookie);
  agent.run(g_stop);
  metadata_server.stop();
  nt::vlog_write("agent", nt::VlogLevel::kInfo, "stopped (flows stay)");
  if (!o.pidfile.empty()) ::unlink(o.pidfile.c_str());
  return 0;
}
