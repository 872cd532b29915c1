#include "lab/lab_state.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "common/process.h"

namespace nt::lab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The daemon whose pidfile is in `rundir`, if that process is still a neutrino-vswitchd.
pid_t daemon_pid(const std::string& rundir) {
  return pidfile_pid(rundir + "/neutrino-vswitchd.pid", "neutrino-vswit");
}

}  // namespace

std::string lab_dir() {
  const char* d = std::getenv("NT_LAB_DIR");
  return d && *d ? d : "/run/neutrino/labs";
}

std::string lab_state_path(const std::string& name) { return lab_dir() + "/" + name + ".json"; }

Status save_lab_state(const LabState& s) {
  json targets = json::object();
  for (const auto& [name, t] : s.targets) {
    targets[name] = {{"kind", t.kind}, {"ns", t.ns}, {"rundir", t.rundir}, {"ifname", t.ifname}};
  }
  json j = {{"name", s.name},
            {"prefix", s.prefix},
            {"tools_dir", s.tools_dir},
            {"source", s.source},
            {"namespaces", s.namespaces},
            {"rundirs", s.rundirs},
            {"pidfiles", s.pidfiles},
            {"dhcp_state_dirs", s.dhcp_state_dirs},
            {"pids", s.pids},
            {"files", s.files},
            {"targets", targets},
            {"backend", s.backend},
            {"server_pid", s.server_pid},
            {"socket", s.socket}};
  std::error_code ec;
  fs::create_directories(lab_dir(), ec);
  return write_file_atomic(lab_state_path(s.name), j.dump(2) + "\n");
}

Result<LabState> load_lab_state(const std::string& name) {
  std::ifstream in(lab_state_path(name));
  if (!in) {
    return make_error("no lab named '" + name + "' is up (no " + lab_state_path(name) + ")",
                      ErrorCode::kNotFound);
  }
  try {
    json j = json::parse(in);
    LabState s;
    s.name = j.at("name");
    s.prefix = j.at("prefix");
    s.tools_dir = j.at("tools_dir");
    s.source = j.value("source", "");
    s.backend = j.value("backend", "real");
    s.server_pid = j.value("server_pid", -1);
    s.socket = j.value("socket", "");
    s.namespaces = j.at("namespaces").get<std::vector<std::string>>();
    s.rundirs = j.at("rundirs").get<std::vector<std::string>>();
    s.pidfiles = j.value("pidfiles", std::vector<std::string>());
    s.dhcp_state_dirs = j.value("dhcp_state_dirs", std::vector<std::string>());
    s.pids = j.at("pids").get<std::vector<pid_t>>();
    s.files = j.at("files").get<std::vector<std::string>>();
    for (const auto& [k, v] : j.at("targets").items()) {
      s.targets[k] = LabTarget{v.at("kind"), v.at("ns"), v.at("rundir"), v.at("ifname")};
    }
    return s;
  } catch (const json::exception& e) {
    return make_error(lab_state_path(name) + ": not a lab state file: " + e.what());
  }
}

std::vector<std::string> list_labs() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(lab_dir(), ec)) {
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  }
  return out;
}

std::vector<std::string> teardown_lab(const LabState& s) {
  std::vector<std::string> left;
  for (pid_t pid : s.pids) stop_process(pid, SIGINT, 1000);
  for (auto it = s.pidfiles.rbegin(); it != s.pidfiles.rend(); ++it) {
    pid_t pid = pidfile_pid(*it, "neutrino-");
    if (pid > 0) stop_process(pid, SIGTERM, 3000);
  }
  for (const std::string& d : s.rundirs) {
    pid_t pid = daemon_pid(d);
    if (pid > 0) stop_process(pid, SIGTERM, 2000);
  }
  std::error_code dir_ec;
  for (const std::string& d : s.dhcp_state_dirs) {
    for (const auto& e : fs::directory_iterator(d + "/dhcp", dir_ec)) {
      pid_t pid = pidfile_pid((e.path() / "pid").string(), "dnsmasq");
      if (pid > 0) stop_process(pid, SIGTERM, 2000);
      std::string id = e.path().filename().string();
      // An isolated network's metadata proxy.
      pid_t proxy = pidfile_pid(d + "/external/pids/" + id + ".pid", "haproxy");
      if (proxy > 0) stop_process(proxy, SIGTERM, 2000);
      std::string ns = "qdhcp-" + id;
      if (access(("/run/netns/" + ns).c_str(), F_OK) != 0) continue;
      auto r = run_process({"ip", "netns", "del", ns});
      if (r.ok() && r->exit_code != 0) left.push_back("namespace " + ns + ": " + r->output);
    }
    for (const auto& e : fs::directory_iterator(d + "/l3", dir_ec)) {  // the L3 agent's routers
      std::string id = e.path().filename().string();
      pid_t proxy = pidfile_pid(d + "/external/pids/" + id + ".pid", "haproxy");  // metadata
      if (proxy > 0) stop_process(proxy, SIGTERM, 2000);
      std::string ns = "qrouter-" + id;
      if (access(("/run/netns/" + ns).c_str(), F_OK) != 0) continue;
      auto r = run_process({"ip", "netns", "del", ns});
      if (r.ok() && r->exit_code != 0) left.push_back("namespace " + ns + ": " + r->output);
    }
    fs::remove_all(d, dir_ec);
  }
  for (auto it = s.namespaces.rbegin(); it != s.namespaces.rend(); ++it) {
    auto r = run_process({"ip", "netns", "del", *it});
    if (r.ok() && r->exit_code != 0 && access(("/run/netns/" + *it).c_str(), F_OK) == 0) {
      left.push_back("namespace " + *it + ": " + r->output);
    }
  }
  std::error_code ec;
  for (const std::string& d : s.rundirs) fs::remove_all(d, ec);
  for (const std::string& f : s.files) fs::remove(f, ec);
  return left;
}

}  // namespace nt::lab
