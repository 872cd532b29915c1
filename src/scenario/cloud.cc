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

Result<std::unique_ptr<CloudServer>> CloudServer::start(const std::string& ini) {
  controller::ServerConfig config;
  auto parsed = parse_ini(ini, "server");
  if (!parsed.ok()) return parsed.error();
  NT_TRY(controller::apply_ini(*parsed, "server", config));
  std::unique_ptr<CloudServer> s(new CloudServer());
  std::string tmpl = (std::filesystem::temp_directory_path() / "neutrino-lab-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return make_error("server: cannot make a temporary directory");
  s->dir_ = tmpl;
  auto api = controller::HttpApiServer::start(config, s->dir_, "127.0.0.1", 0);
  if (!api.ok()) return make_error("server: " + api.error().message);
  s->api_ = std::move(*api);
  s->port_ = s->api_->port();
  s->url_ = "http://127.0.0.1:" + std::to_string(s->port_);
  return s;
}

CloudServer::~CloudServer() {
  if (api_) api_->stop();
  api_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

Result<nlohmann::json> CloudServer::request(const std::string& method, const std::string& path,
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

Result<nlohmann::json> CloudServer::find(const std::string& collection, const std::string& member,
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

}  // namespace nt::scenario_internal
