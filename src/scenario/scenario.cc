#include "scenario/scenario.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "common/strings.h"
#include "packet/build.h"
#include "packet/parse.h"
#include "packet/tunnel.h"
#include "scenario/runner.h"

namespace nt {
namespace {

struct Step {
  int line = 0;
  std::vector<std::string> comments;  // the '#' lines just before it (shown in the transcript)
  std::string command;
  std::vector<std::string> body;      // add-flows lines
  std::vector<std::string> contains;  // "> line" (whole line) or "~ text" (part of a line)
  std::vector<bool> partial;
  std::vector<std::string> anywhere;  // "* text": part of some line, in any order
  std::vector<std::string> exact;
  bool has_exact = false;
  bool must_fail = false;
  std::string fail_text;
};

std::string rtrim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

bool add_expectation(Step& st, std::string_view line) {
  if (line.size() >= 1 && (line[0] == '>' || line[0] == '~')) {
    st.contains.push_back(std::string(trim(line.substr(1))));
    st.partial.push_back(line[0] == '~');
  } else if (line.size() >= 1 && line[0] == '*') {
    st.anywhere.push_back(std::string(trim(line.substr(1))));
  } else if (line.size() >= 1 && line[0] == '=') {
    st.has_exact = true;
    st.exact.push_back(std::string(trim(line.substr(1))));
  } else if (line.size() >= 1 && line[0] == '!') {
    st.must_fail = true;
    st.fail_text = std::string(trim(line.substr(1)));
  } else {
    return false;
  }
  return true;
}

// `server` and `agent` take INI lines up to "end", as add-flows takes flows.
bool opens_block(std::string_view line) {
  return line == "server" || line == "agent" || starts_with(line, "agent ");
}

std::vector<Step> parse_steps(const std::string& text) {
  std::vector<Step> steps;
  std::istringstream in(text);
  std::string raw;
  int n = 0;
  bool in_body = false;
  std::vector<std::string> comments;
  while (std::getline(in, raw)) {
    ++n;
    std::string_view line = trim(raw);
    if (in_body) {
      if (line == "end") {
        in_body = false;
      } else if (!line.empty() && line[0] != '#') {
        steps.back().body.emplace_back(line);
      }
      continue;
    }
    if (line.empty()) continue;
    if (line[0] == '#') {
      comments.emplace_back(line);
      continue;
    }
    if (!steps.empty() && add_expectation(steps.back(), line)) continue;
    Step st;
    st.line = n;
    st.comments = std::move(comments);
    comments.clear();
    st.command = std::string(line);
    in_body = starts_with(line, "add-flows ") || opens_block(line);
    steps.push_back(std::move(st));
  }
  return steps;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) out.push_back(rtrim(l));
  return out;
}

// Checks a step's expectations; returns "" or what went wrong.
std::string check(const Step& st, const Result<std::string>& r) {
  if (st.must_fail) {
    if (r.ok()) return "expected the command to fail, but it succeeded";
    if (r.error().message.find(st.fail_text) == std::string::npos) {
      return "error message '" + r.error().message + "' does not contain '" + st.fail_text + "'";
    }
    return "";
  }
  if (!r.ok()) return "command failed: " + r.error().message;
  std::vector<std::string> lines = split_lines(*r);
  std::vector<std::string> trimmed, exact = st.exact;
  for (const auto& l : lines) trimmed.emplace_back(trim(l));
  while (!trimmed.empty() && trimmed.back().empty()) trimmed.pop_back();
  while (!exact.empty() && exact.back().empty()) exact.pop_back();
  if (st.has_exact && trimmed != exact) {
    std::string msg = "output differs from the expected '=' lines; expected:\n";
    for (const auto& l : st.exact) msg += "  | " + l + "\n";
    msg += "got:\n";
    for (const auto& l : lines) msg += "  | " + l + "\n";
    return msg;
  }
  for (const std::string& want : st.anywhere) {
    auto has = [&](const std::string& l) { return l.find(want) != std::string::npos; };
    if (std::none_of(lines.begin(), lines.end(), has)) {
      std::string msg = "expected line not found: " + want + "\noutput was:\n";
      for (const auto& l : lines) msg += "  | " + l + "\n";
      return msg;
    }
  }
  size_t at = 0;
  for (size_t k = 0; k < st.contains.size(); ++k) {
    const std::string& want = st.contains[k];
    auto hit = [&](const std::string& l) {
      return st.partial[k] ? l.find(want) != std::string::npos : std::string(trim(l)) == want;
    };
    while (at < lines.size() && !hit(lines[at])) ++at;
    if (at == lines.size()) {
      std::string msg = "expected line not found (in order): " + want + "\noutput was:\n";
      for (const auto& l : lines) msg += "  | " + l + "\n";
      return msg;
    }
    ++at;
  }
  return "";
}

// The emulated lab behind the LabBackend interface.
class EmulatedBackend final : public LabBackend {
 public:
  Result<std::string> execute(const std::string& command,
                              const std::vector<std::string>& body) override {
    return runner_.execute(command, body);
  }
  std::string prompt() const override { return runner_.prompt(); }
  std::string display(const std::string& command) const override {
    return runner_.display(command);
  }
  LabTopology topology() const override { return runner_.topology(); }
  Status start_live_capture(const std::string& id, const std::string& target,
                            const std::string& iface, const std::string& path) override {
    return runner_.start_live_capture(id, target, iface, path);
  }
  void stop_live_capture(const std::string& id) override { runner_.stop_live_capture(id); }

 private:
  ScenarioRunner runner_;
};

}  // namespace

std::unique_ptr<LabBackend> make_emulated_backend() { return std::make_unique<EmulatedBackend>(); }

ScenarioResult run_scenario(const std::string& text, const std::string& name) {
  EmulatedBackend emulated;
  return run_scenario(text, name, emulated);
}

ScenarioResult run_scenario(const std::string& text, const std::string& name, LabBackend& runner,
                            const bool* stop) {
  ScenarioResult res;
  for (const Step& st : parse_steps(text)) {
    if (stop && *stop) {
      res.ok = false;
      res.failures.push_back(name + ":" + std::to_string(st.line) + ": interrupted");
      break;
    }
    Result<std::string> r = runner.execute(st.command, st.body);
    if (!st.comments.empty()) res.transcript += "\n";
    for (const std::string& c : st.comments) res.transcript += c + "\n";
    res.transcript += runner.prompt() + runner.display(st.command) + "\n";
    for (const std::string& b : st.body) res.transcript += b + "\n";
    res.transcript += r.ok() ? *r : "error: " + r.error().message + "\n";
    if (r.ok() && !r->empty() && r->back() != '\n') res.transcript += "\n";
    std::string why = check(st, r);
    if (!why.empty()) {
      res.ok = false;
      res.failures.push_back(name + ":" + std::to_string(st.line) + ": " + st.command + "\n" + why);
    }
  }
  return res;
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(path + ": cannot open", ErrorCode::kNotFound);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ScenarioResult run_scenario_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text.ok()) {
    ScenarioResult r;
    r.ok = false;
    r.failures.push_back(text.error().message);
    return r;
  }
  return run_scenario(*text, path);
}

}  // namespace nt
