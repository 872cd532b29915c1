// The emulated lab's cloud: what the `server`, `agent`, `openstack` and Nova-style `instance`
// lines need (runner_cloud.cc).
//
// The lab's neutrino-server is the real API (controller/http_server.h) serving on 127.0.0.1 on
// an ephemeral port for the run, its SQLite store in a private temporary directory that goes
// with the lab, pass or fail; so the real `openstack` CLI, a separate process, reaches it as it
// reaches any Neutron. The lab's own requests (Nova's port create, show) go over the same HTTP.
// `openstack` runs without a shell (argv split here as a shell splits words) with the
// environment pointing it at that server only.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nt::controller {
class HttpApiServer;
}

namespace nt::scenario_internal {

// The lab's server: the API on 127.0.0.1:port(), state in dir() (removed with the object).
class CloudServer {
 public:
  // `ini`: neutron.conf / ml2_conf.ini lines (one INI text).
  static Result<std::unique_ptr<CloudServer>> start(const std::string& ini);
  ~CloudServer();
  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  const std::string& dir() const { return dir_; }
  // One API request; the JSON body of a 2xx answer, else an error with Neutron's message.
  Result<nlohmann::json> request(const std::string& method, const std::string& path,
                                 const nlohmann::json& body = nullptr) const;
  // A resource by id or, failing that, by name (exactly one), as openstacksdk's find does:
  // collection "networks", member "network".
  Result<nlohmann::json> find(const std::string& collection, const std::string& member,
                              const std::string& name_or_id) const;

 private:
  CloudServer() = default;
  std::string dir_, url_;
  int port_ = 0;
  std::unique_ptr<controller::HttpApiServer> api_;
};

// `text` split into words as a POSIX shell splits them: blanks separate, '...' keeps everything,
// "..." keeps everything but \" \\ \$ \`, a backslash outside quotes escapes the next character.
// No expansion of any kind. An unterminated quote is an error.
Result<std::vector<std::string>> shell_words(std::string_view text);

struct ProgramRun {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out, err;
};
// Runs argv[0] (searched in PATH) with stdin from /dev/null, stdout and stderr kept apart in
// files under `dir`, the environment's OS_* variables replaced by `env`; killed after
// `timeout_s`. An error only when it cannot be started or timed out.
Result<ProgramRun> run_program(const std::vector<std::string>& argv,
                               const std::vector<std::pair<std::string, std::string>>& env,
                               const std::string& dir, int timeout_s);

// A UUID-shaped id derived from `seed` (the same in every run): an emulated instance's
// device_id / vm-uuid.
std::string seeded_uuid(const std::string& seed);

}  // namespace nt::scenario_internal
