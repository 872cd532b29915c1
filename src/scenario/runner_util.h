// Internal: small text helpers shared by the ScenarioRunner command files.
#pragma once

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/strings.h"

namespace nt::scenario_internal {

inline Error usage(const std::string& what) { return make_error("usage: " + what); }

// "key=value" -> {key, value}; "word" -> {word, ""}.
inline std::pair<std::string, std::string> split_kv(const std::string& s) {
  size_t eq = s.find('=');
  if (eq == std::string::npos) return {s, ""};
  return {s.substr(0, eq), s.substr(eq + 1)};
}

// A command line's words.
inline std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// The rest of `command` after its first `n` words (flows contain spaces).
inline std::string rest_after(const std::string& command, size_t n) {
  size_t pos = 0;
  for (size_t i = 0; i < n; ++i) {
    pos = command.find_first_not_of(' ', pos);
    pos = command.find(' ', pos);
    if (pos == std::string::npos) return "";
  }
  return std::string(trim(std::string_view(command).substr(pos)));
}

}  // namespace nt::scenario_internal
