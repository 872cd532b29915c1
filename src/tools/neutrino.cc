// neutrino: the front door. Today: running scenarios and lab files, and the walkthrough.
//
//   neutrino demo [--quiet]            the seed walkthrough's switch pipelines, step by step
//   neutrino scenario FILE... [--quiet] run scenario files; exit 1 if any expectation fails
//   neutrino lab run FILE... [--quiet]  the same for lab files (scenarios with instances)
//   neutrino lab graph FILE [--svg OUT]  runs FILE, prints the final topology as Graphviz DOT
//                                        (or has `dot -Tsvg` write it to OUT)
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace {

constexpr const char* kUsage =
    "usage: neutrino demo [--quiet]\n"
    "       neutrino scenario FILE... [--quiet]\n"
    "       neutrino lab run FILE... [--quiet]\n"
    "       neutrino lab graph FILE [--svg OUT.svg]\n";

int run_files(const std::vector<std::string>& files, bool quiet) {
  int failed = 0;
  for (const std::string& f : files) {
    nt::ScenarioResult r = nt::run_scenario_file(f);
    if (!quiet) {
      std::printf("==== %s ====\n%s\n", f.c_str(), r.transcript.c_str());
    }
    for (const std::string& why : r.failures) std::fprintf(stderr, "FAILED %s\n", why.c_str());
    if (!r.ok) ++failed;
  }
  std::printf("%zu passed, %d failed\n", files.size() - failed, failed);
  return failed ? 1 : 0;
}

// The walkthrough: the switch-core pipelines first, then the emulated lab with instances.
std::vector<std::string> demo_files() {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const char* part : {"switch-core", "lab"}) {
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
int lab_graph(const std::string& file, const std::string& svg) {
  std::ifstream in(file);
  if (!in) {
    std::fprintf(stderr, "neutrino: cannot open %s\n", file.c_str());
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf() << "\ngraph\n";
  nt::ScenarioResult r = nt::run_scenario(text.str(), file);
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

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool quiet = std::find(args.begin(), args.end(), "--quiet") != args.end();
  args.erase(std::remove(args.begin(), args.end(), "--quiet"), args.end());
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (args[0] == "demo") {
    std::vector<std::string> files = demo_files();
    if (files.empty()) {
      std::fprintf(stderr, "neutrino: no walkthrough found under %s/examples\n", NT_SOURCE_DIR);
      return 1;
    }
    return run_files(files, quiet);
  }
  if (args[0] == "lab" && args.size() > 2 && args[1] == "run") {
    return run_files(std::vector<std::string>(args.begin() + 2, args.end()), quiet);
  }
  if (args[0] == "lab" && (args.size() == 3 || (args.size() == 5 && args[3] == "--svg")) &&
      args[1] == "graph") {
    return lab_graph(args[2], args.size() == 5 ? args[4] : "");
  }
  if (args[0] == "scenario" && args.size() > 1) {
    return run_files(std::vector<std::string>(args.begin() + 1, args.end()), quiet);
  }
  std::fputs(kUsage, stderr);
  return 2;
}
