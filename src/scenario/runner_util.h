// Internal: small text helpers shared by the ScenarioRunner command files.
#pragma once

#include <string>
#include <utility>

#include "common/result.h"

namespace nt::scenario_internal {

inline Error usage(const std::string& what) { return make_error("usage: " + what); }

// "key=value" -> {key, value}; "word" -> {word, ""}.
inline std::pair<std::string, std::string> split_kv(const std::string& s) {
  size_t eq = s.find('=');
  if (eq == std::string::npos) return {s, ""};
  return {s.substr(0, eq), s.substr(eq + 1)};
}

}  // namespace nt::scenario_internal
