#include "scenario/cloud.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/ini.h"
#include "common/strings.h"
#include "controller/config.h"
#include "controller/http_server.h"

extern char** environ;

namespace nt::scenario_internal {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A query value, percent-encoded (RFC 3986 unreserved characters kept).
std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Neutron's error body's message, or the raw text.
std::string api_message(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.contains("NeutronError") && j["NeutronError"].contains("message")) {
    return j["NeutronError"]["message"].get<std::string>();
  }
  return body;
}

}  // namespace

Result<controller::ServerConfig> check_server_ini(const std::string& ini) {
  controller::ServerConfig config;
  auto parsed = parse_ini(ini, "server");
  if (!parsed.ok()) return parsed.error();
  NT_TRY(controller::apply_ini(*parsed, "server", config));
  return config;
}

Result<std::unique_ptr<CloudServer>> CloudServer::start(const std::string& ini) {
  auto config = check_server_ini(ini);
  if (!config.ok()) return config.error();
  std::unique_ptr<CloudServer> s(new CloudServer());
  std::string tmpl = (std::filesystem::temp_directory_path() / "neutrino-lab-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return make_error("server: cannot make a temporary directory");
  s->dir_ = tmpl;
  auto api = controller::HttpApiServer::start(*config, s->dir_, "127.0.0.1", 0);
  if (!api.ok()) return make_error("server: " + api.error().message);
  s->api_ = std::move(*api);
  s->set_port(s->api_->port());
  return s;
}

CloudServer::~CloudServer() {
  if (api_) api_->stop();
  api_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

void CloudApi::set_port(int port) {
  port_ = port;
  url_ = "http://127.0.0.1:" + std::to_string(port);
}

Result<nlohmann::json> CloudApi::request(const std::string& method, const std::string& path,
                                         const nlohmann::json& body) const {
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(30, 0);
  std::string text = body.is_null() ? "" : body.dump();
  httplib::Result r = method == "GET"    ? c.Get(path)
                      : method == "POST" ? c.Post(path, text, "application/json")
                      : method == "PUT"  ? c.Put(path, text, "application/json")
                                         : c.Delete(path);
  if (!r) return make_error(method + " " + path + ": " + httplib::to_string(r.error()));
  if (r->status / 100 != 2) {
    return make_error(
        method + " " + path + ": " + std::to_string(r->status) + " " + api_message(r->body),
        r->status == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument);
  }
  if (r->body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return make_error(method + " " + path + ": the answer is not JSON");
  return j;
}

Result<nlohmann::json> CloudApi::find(const std::string& collection, const std::string& member,
                                      const std::string& name_or_id) const {
  auto by_id = request("GET", "/v2.0/" + collection + "/" + name_or_id);
  if (by_id.ok()) return (*by_id)[member];
  if (by_id.error().code != ErrorCode::kNotFound) return by_id.error();
  auto list = request("GET", "/v2.0/" + collection + "?name=" + url_encode(name_or_id));
  if (!list.ok()) return list.error();
  std::vector<nlohmann::json> hits;
  for (const auto& item : (*list)[collection]) {
    if (item.value("name", "") == name_or_id) hits.push_back(item);
  }
  if (hits.size() > 1) {
    return make_error("more than one " + member + " exists with the name '" + name_or_id + "'");
  }
  if (hits.empty()) {
    return make_error("no " + member + " found for " + name_or_id, ErrorCode::kNotFound);
  }
  return hits[0];
}

Result<std::vector<std::string>> shell_words(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t') {
      if (in_word) out.push_back(cur), cur.clear(), in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i < text.size()) cur += text[i];
    } else if (c == '\'') {
      size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) return make_error("unterminated ' quote");
      cur += text.substr(i + 1, end - i - 1);
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) return make_error("unterminated \" quote");
        if (text[i] == '"') break;
        if (text[i] == '\\' && i + 1 < text.size() &&
            std::string_view("\"\\$`").find(text[i + 1]) != std::string_view::npos) {
          ++i;
        }
        cur += text[i];
      }
    } else {
      cur += c;
    }
  }
  if (in_word) out.push_back(cur);
  return out;
}

Result<ProgramRun> run_program(const std::vector<std::string>& argv,
                               const std::vector<std::pair<std::string, std::string>>& env,
                               const std::string& dir, int timeout_s) {
  if (argv.empty()) return make_error("run_program: no program");
  std::string out_path = dir + "/program.out", err_path = dir + "/program.err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    if (std::string_view(*e).substr(0, 3) != "OS_") envs.emplace_back(*e);
  }
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return make_error(argv[0] + ": cannot run: " + std::strerror(rc));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return make_error(argv[0] + ": timed out after " + std::to_string(timeout_s) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ProgramRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = read_file(out_path);
  run.err = read_file(err_path);
  return run;
}

std::string seeded_uuid(const std::string& seed) {
  // Two FNV-1a 64-bit hashes of the seed (different offsets) make the 128 bits.
  auto fnv = [&](uint64_t h) {
    for (unsigned char c : seed) h = (h ^ c) * 0x100000001b3ULL;
    return h;
  };
  uint64_t a = fnv(0xcbf29ce484222325ULL), b = fnv(0x84222325cbf29ce4ULL);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string agent_lab_ini(const std::string& node, int nova_port) {
  std::string ini = "[DEFAULT]\nhost = " + node + "\n";
  if (nova_port > 0) {
    ini += "nova_metadata_port = " + std::to_string(nova_port) + "\n";
    ini += std::string("metadata_proxy_shared_secret = ") + kLabMetadataSecret + "\n";
  }
  return ini;
}

Result<std::string> run_openstack(const std::string& words, const std::string& url,
                                  const std::string& dir) {
  auto argv = shell_words(words);
  if (!argv.ok()) return make_error("openstack: " + argv.error().message);
  argv->insert(argv->begin(), "openstack");
  auto run =
      run_program(*argv, {{"OS_AUTH_TYPE", "none"}, {"OS_ENDPOINT", url}}, dir, kOpenstackTimeoutS);
  if (!run.ok()) return run.error();
  if (run->exit_code != 0) {
    std::string why(trim(run->err + run->out));
    return make_error(why.empty() ? "openstack exited " + std::to_string(run->exit_code) : why);
  }
  return run->out;
}

Result<CloudInstanceArgs> parse_cloud_instance_args(const std::vector<std::string>& a) {
  static constexpr const char* kUsage =
      "usage: instance NAME node=NODE network=NET [fixed-ip=IP] [port=PORT] [ip=dhcp]";
  if (a.size() < 3) return make_error(kUsage);
  CloudInstanceArgs out;
  out.name = a[1];
  for (size_t i = 2; i < a.size(); ++i) {
    size_t eq = a[i].find('=');
    std::string k = a[i].substr(0, eq), v = eq == std::string::npos ? "" : a[i].substr(eq + 1);
    if (k == "ip") {
      if (v != "dhcp" && v != "static") return make_error("instance: ip= takes dhcp or static");
      out.dhcp = v == "dhcp";
      continue;
    }
    std::string* slot = k == "node"       ? &out.node
                        : k == "network"  ? &out.network
                        : k == "fixed-ip" ? &out.fixed_ip
                        : k == "port"     ? &out.port
                                          : nullptr;
    if (!slot) {
      return make_error("instance: unknown option '" + k +
                        "' (with network=: node=, network=, fixed-ip=, port=, ip=)");
    }
    *slot = v;
  }
  if (out.node.empty() || out.network.empty()) return make_error(kUsage);
  return out;
}

Result<AgentRoles> parse_agent_roles(const std::vector<std::string>& a) {
  AgentRoles r;
  for (size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "ovs") continue;
    if (a[i] == "dhcp") {
      r.dhcp = true;
    } else if (a[i] == "l3") {
      r.l3 = true;
    } else if (a[i] == "metadata") {
      r.metadata = true;
    } else {
      return make_error("agent: unknown role '" + a[i] + "' (ovs, dhcp, l3, metadata)");
    }
  }
  return r;
}

std::optional<Result<std::string>> dhcp_namespace_network(const CloudApi& api,
                                                          const std::string& name) {
  if (name.rfind("qdhcp-", 0) != 0) return std::nullopt;
  auto net = api.find("networks", "network", name.substr(6));
  if (!net.ok()) return Result<std::string>(make_error(name + ": " + net.error().message));
  return Result<std::string>((*net)["id"].get<std::string>());
}

std::optional<Result<std::string>> router_namespace_router(const CloudApi& api,
                                                           const std::string& name) {
  if (name.rfind("qrouter-", 0) != 0) return std::nullopt;
  auto router = api.find("routers", "router", name.substr(8));
  if (!router.ok()) return Result<std::string>(make_error(name + ": " + router.error().message));
  return Result<std::string>((*router)["id"].get<std::string>());
}

Result<std::string> iptables_table_arg(const std::vector<std::string>& a) {
  std::string table = "filter";
  bool listed = false;
  for (size_t i = 2; i < a.size(); ++i) {
    if (a[i] == "-t" && i + 1 < a.size()) {
      table = a[++i];
    } else if (a[i] == "-S") {
      listed = true;
    } else {
      listed = false;
      break;
    }
  }
  if (!listed || a.size() < 2) return make_error("usage: iptables NAMESPACE [-t TABLE] -S");
  if (table != "filter" && table != "nat" && table != "mangle" && table != "raw") {
    return make_error("iptables: table '" + table + "' does not exist (filter, nat, mangle, raw)");
  }
  return table;
}

bool router_service_line(const std::vector<std::string>& a) {
  return a[0] == "iptables" || (a.size() > 1 && a[1].rfind("qrouter-", 0) == 0);
}

std::optional<std::string> service_role_missing(const std::vector<std::string>& a, bool dhcp,
                                                bool l3, const std::string& node) {
  if (router_service_line(a)) {
    if (!l3) return a[0] + ": " + node + " runs no L3 agent";
  } else if (a[0] == "netns") {
    if (!dhcp && !l3) return a[0] + ": " + node + " runs no DHCP or L3 agent";
  } else if (!dhcp) {
    return a[0] + ": " + node + " runs no DHCP agent";
  }
  return std::nullopt;
}

Result<std::string> dnsmasq_file_arg(const std::vector<std::string>& a) {
  if (a.size() != 3 || (a[2] != "host" && a[2] != "addn_hosts" && a[2] != "opts")) {
    return make_error("usage: dnsmasq [NETWORK [host|addn_hosts|opts]]");
  }
  return a[2];
}

Result<NovaPort> nova_port(const CloudApi& api, const CloudInstanceArgs& args,
                           const std::string& host) {
  auto net = api.find("networks", "network", args.network);
  if (!net.ok()) return make_error("instance: " + net.error().message);
  NovaPort out;
  out.vm_uuid = seeded_uuid("instance/" + args.name);
  nlohmann::json want = {
      {"device_owner", "compute:nova"}, {"device_id", out.vm_uuid}, {"binding:host_id", host}};
  Result<nlohmann::json> port = make_error("");
  if (!args.port.empty()) {
    auto found = api.find("ports", "port", args.port);
    if (!found.ok()) return make_error("instance: " + found.error().message);
    if ((*found)["network_id"] != (*net)["id"]) {
      return make_error("instance: port " + args.port + " is not on network " + args.network);
    }
    port = api.request("PUT", "/v2.0/ports/" + (*found)["id"].get<std::string>(), {{"port", want}});
  } else {
    want["network_id"] = (*net)["id"];
    if (!args.fixed_ip.empty()) {
      want["fixed_ips"] = nlohmann::json::array({{{"ip_address", args.fixed_ip}}});
    }
    port = api.request("POST", "/v2.0/ports", {{"port", want}});
  }
  if (!port.ok()) return make_error("instance: " + port.error().message);
  const nlohmann::json& p = (*port)["port"];
  if (p["fixed_ips"].empty()) return make_error("instance: the port has no fixed IP");
  out.port_id = p["id"];
  out.mac = p["mac_address"];
  out.ip = p["fixed_ips"][0]["ip_address"];
  auto subnet =
      api.request("GET", "/v2.0/subnets/" + p["fixed_ips"][0]["subnet_id"].get<std::string>());
  if (!subnet.ok()) return make_error("instance: " + subnet.error().message);
  const nlohmann::json& sub = (*subnet)["subnet"];
  std::string cidr = sub["cidr"];
  out.prefix = cidr.substr(cidr.find('/'));
  out.gateway = sub["gateway_ip"].is_string() ? sub["gateway_ip"].get<std::string>() : "";
  out.mtu = (*net).value("mtu", 1500);
  out.tap = "tap" + out.port_id.substr(0, 11);
  return out;
}

std::string nova_instance_line(const std::string& name, const std::string& node,
                               const NovaPort& p) {
  return name + " on " + node + ": port " + p.port_id + " (" + p.tap + "), " + p.mac + ", " + p.ip +
         p.prefix + (p.gateway.empty() ? "" : " via " + p.gateway) + ", mtu " +
         std::to_string(p.mtu) + "\n";
}

}  // namespace nt::scenario_internal
