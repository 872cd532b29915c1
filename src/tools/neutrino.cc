// neutrino: the front door. Running scenarios and lab files, and the walkthrough.
//
//   neutrino demo [--quiet]                  the seed's clouds built by `openstack` commands:
//                                            server, agents, instances (examples/cloud)
//   neutrino demo switch [--quiet]           the raw-switch walkthrough: the seed's bridges and
//                                            flows written by hand (examples/switch-core, lab)
//   neutrino scenario FILE... [--quiet]      run scenario files; exit 1 if an expectation fails
//   neutrino lab run [--real] FILE... [--quiet]
//                                            the same for lab files; --real builds each lab out
//                                            of network namespaces (root) and tears it down
//   neutrino lab graph [--real] FILE [--svg OUT]  runs FILE, prints the final topology as DOT
//   neutrino lab up [--real] FILE [--name N] builds the lab and leaves it up (emulated: in a
//                                            background process that serves lab exec)
//   neutrino lab exec [--name N] TARGET CMD...   a command in an instance or node of that lab
//   neutrino lab capture [--name N] TARGET [IF] [-w FILE] [-c N] [FILTER]   tcpdump there
//   neutrino lab down [N | --all]            takes a lab (or every lab) down
//   neutrino lab list                        the labs that are up
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lab/emulated_lab.h"
#include "lab/lab_state.h"
#include "lab/real_lab.h"
#include "scenario/scenario.h"

namespace {

constexpr const char* kUsage =
    "usage: neutrino demo [switch] [--quiet]\n"
    "       neutrino scenario FILE... [--quiet]\n"
    "       neutrino lab run [--real] FILE... [--quiet]\n"
    "       neutrino lab graph [--real] FILE [--svg OUT.svg]\n"
    "       neutrino lab up [--real] FILE [--name NAME]\n"
    "       neutrino lab exec [--name NAME] TARGET COMMAND...\n"
    "       neutrino lab capture [--name NAME] TARGET [INTERFACE] [-w FILE] [-c COUNT] [FILTER]\n"
    "       neutrino lab down [NAME | --all]\n"
    "       neutrino lab list\n";

constexpr int kSkip = 77;  // "cannot run here" (the ctest convention for a skipped test)

bool g_stop = false;
void on_signal(int) { g_stop = true; }

// Removes `flag` from args; true if it was there.
bool take_flag(std::vector<std::string>& args, const std::string& flag) {
  auto it = std::find(args.begin(), args.end(), flag);
  if (it == args.end()) return false;
  args.erase(it);
  return true;
}

// Removes "--name VALUE" (or "--name=VALUE") from args; returns VALUE or `def`.
std::string take_option(std::vector<std::string>& args, const std::string& opt,
                        const std::string& def) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == opt && i + 1 < args.size()) {
      std::string v = args[i + 1];
      args.erase(args.begin() + i, args.begin() + i + 2);
      return v;
    }
    if (args[i].rfind(opt + "=", 0) == 0) {
      std::string v = args[i].substr(opt.size() + 1);
      args.erase(args.begin() + i);
      return v;
    }
  }
  return def;
}

// The directory of this program: the nvs-* tools and neutrino-vswitchd are built beside it.
std::string tools_dir() {
  if (const char* d = std::getenv("NT_TOOLS_DIR"); d && *d) return d;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "." : self.parent_path().string();
}

void report(const std::string& file, const nt::ScenarioResult& r, bool quiet) {
  if (!quiet) std::printf("==== %s ====\n%s\n", file.c_str(), r.transcript.c_str());
  for (const std::string& why : r.failures) std::fprintf(stderr, "FAILED %s\n", why.c_str());
  std::fflush(stdout);
}

// A real lab for `file`, or why there cannot be one (exit kSkip).
int check_real() {
  std::string why = nt::lab::real_lab_unavailable();
  if (why.empty()) return 0;
  std::fprintf(stderr, "neutrino: SKIP: %s\n", why.c_str());
  return kSkip;
}

int run_files(const std::vector<std::string>& files, bool quiet, bool real) {
  if (real) {
    if (int rc = check_real()) return rc;
    ::signal(SIGINT, on_signal);
    ::signal(SIGTERM, on_signal);
  }
  int failed = 0;
  for (const std::string& f : files) {
    nt::ScenarioResult r;
    if (real) {
      auto text = nt::read_text_file(f);
      if (!text.ok()) {
        r.ok = false;
        r.failures.push_back(text.error().message);
      } else {
        nt::lab::RealLab lab({tools_dir(), "", false});
        r = nt::run_scenario(*text, f, lab, &g_stop);
      }  // the lab is torn down here, pass or fail
    } else {
      r = nt::run_scenario_file(f);
    }
    report(f, r, quiet);
    if (!r.ok) ++failed;
    if (g_stop) break;
  }
  std::printf("%zu passed, %d failed\n", files.size() - failed, failed);
  return failed ? 1 : 0;
}

// The walkthroughs: the cloud one (examples/cloud: neutrino-server, agents and the openstack
// CLI build the seed's networks), or the raw-switch one (the switch-core pipelines, then the
// hand-wired emulated lab with instances).
std::vector<std::string> demo_files(bool raw_switch) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::vector<const char*> parts = {"cloud"};
  if (raw_switch) parts = {"switch-core", "lab"};
  for (const char* part : parts) {
    std::vector<std::string> these;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(NT_SOURCE_DIR) / "examples" / part, ec)) {
      if (e.path().extension() == ".scn") these.push_back(e.path().string());
    }
    std::sort(these.begin(), these.end());
    files.insert(files.end(), these.begin(), these.end());
  }
  return files;
}

// The DOT of a lab's final state: the file runs with a `graph` command appended, whose output
// is the transcript from the last "digraph lab {" on.
int lab_graph(const std::string& file, const std::string& svg, bool real) {
  auto text = nt::read_text_file(file);
  if (!text.ok()) {
    std::fprintf(stderr, "neutrino: %s\n", text.error().message.c_str());
    return 1;
  }
  nt::ScenarioResult r;
  if (real) {
    if (int rc = check_real()) return rc;
    nt::lab::RealLab lab({tools_dir(), "", false});
    r = nt::run_scenario(*text + "\ngraph\n", file, lab, &g_stop);
  } else {
    r = nt::run_scenario(*text + "\ngraph\n", file);
  }
  for (const std::string& why : r.failures) std::fprintf(stderr, "FAILED %s\n", why.c_str());
  size_t at = r.transcript.rfind("digraph lab {");
  if (at == std::string::npos) return 1;
  std::string dot = r.transcript.substr(at);
  if (svg.empty()) {
    std::fputs(dot.c_str(), stdout);
    return r.ok ? 0 : 1;
  }
  std::string cmd = "dot -Tsvg -o '" + svg + "'";
  FILE* p = popen(cmd.c_str(), "w");
  if (!p) return 1;
  std::fputs(dot.c_str(), p);
  int rc = pclose(p);
  if (rc != 0)
    std::fprintf(stderr, "neutrino: `%s` failed (is graphviz installed?)\n", cmd.c_str());
  return rc == 0 && r.ok ? 0 : 1;
}

// lab up [--real] FILE [--name N]: builds the lab, prints its transcript, leaves it up.
int lab_up(std::vector<std::string> args, bool real) {
  std::string name = take_option(args, "--name", "");
  bool quiet = take_flag(args, "--quiet");
  if (args.size() != 1) return std::fputs(kUsage, stderr), 2;
  if (real) {
    if (int rc = check_real()) return rc;
  }
  if (name.empty()) name = std::filesystem::path(args[0]).stem().string();
  if (std::filesystem::exists(nt::lab::lab_state_path(name))) {
    std::fprintf(stderr, "neutrino: a lab named '%s' is already up (neutrino lab down %s)\n",
                 name.c_str(), name.c_str());
    return 1;
  }
  auto text = nt::read_text_file(args[0]);
  if (!text.ok()) return std::fprintf(stderr, "neutrino: %s\n", text.error().message.c_str()), 1;
  if (!real) {
    int rc = nt::lab::emulated_lab_up(name, args[0], *text, quiet);
    std::printf(
        "emulated lab '%s' is up: neutrino lab exec --name %s TARGET COMMAND... ; "
        "neutrino lab down %s\n",
        name.c_str(), name.c_str(), name.c_str());
    return rc;
  }
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  auto lab = std::make_unique<nt::lab::RealLab>(nt::lab::RealLabOptions{tools_dir(), name, true});
  nt::ScenarioResult r = nt::run_scenario(*text, args[0], *lab, &g_stop);
  report(args[0], r, quiet);
  nt::lab::LabState st = lab->state();
  st.source = args[0];
  (void)nt::lab::save_lab_state(st);
  std::printf("lab '%s' is up: neutrino lab exec %s%s TARGET COMMAND... ; neutrino lab down %s\n",
              name.c_str(), name == args[0] ? "" : "--name ", name.c_str(), name.c_str());
  return r.ok ? 0 : 1;
}

// Finds the lab to act on: --name, or the only one that is up.
nt::Result<nt::lab::LabState> pick_lab(std::vector<std::string>& args) {
  std::string name = take_option(args, "--name", "");
  if (name.empty()) {
    auto labs = nt::lab::list_labs();
    if (labs.size() != 1) {
      return nt::make_error(labs.empty() ? "no lab is up (neutrino lab up [--real] FILE)"
                                         : "several labs are up: say which with --name");
    }
    name = labs[0];
  }
  return nt::lab::load_lab_state(name);
}

int exec_argv(std::vector<std::string> argv) {
  std::vector<char*> v;
  for (auto& a : argv) v.push_back(a.data());
  v.push_back(nullptr);
  ::execvp(v[0], v.data());
  std::perror(v[0]);
  return 127;
}

// lab exec TARGET COMMAND...: in an instance, ping/traceroute/arp/ip are busybox's (cirros's);
// on a node, the nvs-* tools talk to that node's daemon.
int lab_exec(std::vector<std::string> args) {
  auto st = pick_lab(args);
  if (!st.ok()) return std::fprintf(stderr, "neutrino: %s\n", st.error().message.c_str()), 1;
  if (args.size() < 2) return std::fputs(kUsage, stderr), 2;
  if (st->backend == "emulated") {
    auto r = nt::lab::emulated_lab_exec(*st, args[0], {args.begin() + 1, args.end()});
    if (!r.ok()) return std::fprintf(stderr, "neutrino: %s\n", r.error().message.c_str()), 1;
    std::fputs(r->output.c_str(), r->exit_code == 0 ? stdout : stderr);
    return r->exit_code;
  }
  auto it = st->targets.find(args[0]);
  if (it == st->targets.end()) {
    std::fprintf(stderr, "neutrino: lab '%s' has no node, instance or segment named '%s'\n",
                 st->name.c_str(), args[0].c_str());
    return 1;
  }
  const nt::lab::LabTarget& t = it->second;
  std::vector<std::string> argv = {"ip", "netns", "exec", t.ns};
  std::vector<std::string> cmd(args.begin() + 1, args.end());
  static const std::vector<std::string> kBusybox = {"ping", "traceroute", "arp", "ip", "udhcpc"};
  if (t.kind == "instance" &&
      std::find(kBusybox.begin(), kBusybox.end(), cmd[0]) != kBusybox.end()) {
    cmd.insert(cmd.begin(), "busybox");
  }
  if (t.kind == "node") {
    argv.insert(argv.end(), {"env", "NVS_RUNDIR=" + t.rundir});
    if (cmd[0].rfind("nvs-", 0) == 0) cmd[0] = st->tools_dir + "/" + cmd[0];
  }
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return exec_argv(argv);
}

// lab capture TARGET [IF] [-w FILE] [-c N]: tcpdump on an instance's eth0, a node's NIC or a
// segment's bridge.
int lab_capture(std::vector<std::string> args) {
  auto st = pick_lab(args);
  if (!st.ok()) return std::fprintf(stderr, "neutrino: %s\n", st.error().message.c_str()), 1;
  if (args.empty()) return std::fputs(kUsage, stderr), 2;
  if (st->backend == "emulated") {
    // TARGET [IFACE]: an interface name never starts with '-'.
    bool has_if = args.size() > 1 && args[1][0] != '-';
    std::vector<std::string> rest(args.begin() + (has_if ? 2 : 1), args.end());
    return nt::lab::emulated_lab_capture(*st, args[0], has_if ? args[1] : "", rest);
  }
  auto it = st->targets.find(args[0]);
  if (it == st->targets.end()) {
    std::fprintf(stderr, "neutrino: lab '%s' has no target named '%s'\n", st->name.c_str(),
                 args[0].c_str());
    return 1;
  }
  std::string ifname = it->second.ifname;
  size_t rest = 1;
  if (args.size() > 1 && args[1][0] != '-') ifname = args[1], rest = 2;
  if (ifname.empty()) {
    std::fprintf(stderr, "neutrino: say which interface of node %s to capture on\n",
                 args[0].c_str());
    return 2;
  }
  std::vector<std::string> argv = {"ip", "netns", "exec", it->second.ns, "tcpdump",
                                   "-i", ifname,  "-n",   "-e"};
  argv.insert(argv.end(), args.begin() + static_cast<long>(rest), args.end());
  return exec_argv(argv);
}

int lab_down(std::vector<std::string> args) {
  std::vector<std::string> names = args;
  if (take_flag(args, "--all")) names = nt::lab::list_labs();
  if (names.empty()) names = nt::lab::list_labs();
  if (names.size() != 1 && args.empty() && names.size() > 1) {
    std::fputs("neutrino: several labs are up: name one, or --all\n", stderr);
    return 1;
  }
  int rc = 0;
  for (const std::string& n : names) {
    auto st = nt::lab::load_lab_state(n);
    if (!st.ok()) {
      std::fprintf(stderr, "neutrino: %s\n", st.error().message.c_str());
      rc = 1;
      continue;
    }
    if (st->backend == "emulated") nt::lab::emulated_lab_down(*st);
    for (const std::string& why : nt::lab::teardown_lab(*st)) {
      std::fprintf(stderr, "neutrino: could not remove %s\n", why.c_str());
      rc = 1;
    }
    std::filesystem::remove(nt::lab::lab_state_path(n));
    std::printf("lab '%s' is down\n", n.c_str());
  }
  return rc;
}

int lab_command(std::vector<std::string> args, bool quiet) {
  bool real = take_flag(args, "--real");
  const std::string verb = args.size() > 1 ? args[1] : "";
  std::vector<std::string> rest(args.begin() + std::min<size_t>(2, args.size()), args.end());
  if (verb == "run" && !rest.empty()) return run_files(rest, quiet, real);
  if (verb == "graph" && (rest.size() == 1 || (rest.size() == 3 && rest[1] == "--svg"))) {
    return lab_graph(rest[0], rest.size() == 3 ? rest[2] : "", real);
  }
  if (verb == "up") return lab_up(rest, real);
  if (verb == "exec") return lab_exec(rest);
  if (verb == "capture") return lab_capture(rest);
  if (verb == "down") return lab_down(rest);
  if (verb == "list") {
    for (const std::string& n : nt::lab::list_labs()) std::printf("%s\n", n.c_str());
    return 0;
  }
  std::fputs(kUsage, stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool quiet = take_flag(args, "--quiet");
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (args[0] == "demo") {
    bool raw_switch = args.size() > 1 && args[1] == "switch";
    if (args.size() > (raw_switch ? 2 : 1)) return std::fputs(kUsage, stderr), 2;
    std::vector<std::string> files = demo_files(raw_switch);
    if (files.empty()) {
      std::fprintf(stderr, "neutrino: no walkthrough found under %s/examples\n", NT_SOURCE_DIR);
      return 1;
    }
    return run_files(files, quiet, false);
  }
  if (args[0] == "lab") {
    if (args.size() > 1 && args[1] == "up") args.push_back(quiet ? "--quiet" : "");
    args.erase(std::remove(args.begin(), args.end(), ""), args.end());
    return lab_command(args, quiet);
  }
  if (args[0] == "scenario" && args.size() > 1) {
    return run_files(std::vector<std::string>(args.begin() + 1, args.end()), quiet, false);
  }
  std::fputs(kUsage, stderr);
  return 2;
}
