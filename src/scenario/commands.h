// The scenario command table: every command a lab file may use, with its usage line, in one
// list; each lab back end binds the names it implements to handlers.
//
// ScenarioRunner (emulated) and RealLab (network namespaces) run the same files. Dispatch is a
// lookup in that one list, not an if-chain per back end: a name not in the list is an unknown
// command, a name in the list that a back end has no handler for gets one clear error naming
// the back end, and a unit test checks that each back end's bindings name only listed commands.
// Some commands take the rest of their line as one argument (a flow with spaces in it): the
// table says after how many words, and the dispatcher appends that text to the words.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nt {

struct ScenarioCommand {
  std::string_view name;
  std::string_view usage;
  size_t tail_after = 0;  // >0: the raw text after this many words is appended as one argument
};

// Every scenario command (scenario.h describes them).
std::span<const ScenarioCommand> scenario_commands();
const ScenarioCommand* find_scenario_command(std::string_view name);
// "usage: ..." lines for every command, for --help style listings.
std::string scenario_commands_help();

// A command as its handler sees it: the words (plus the tail, if the command takes one) and the
// lines that followed it in the file (add-flows' flows).
struct CommandCall {
  std::vector<std::string> args;
  const std::vector<std::string>& body;
};

template <class Backend>
struct CommandBinding {
  std::string_view name;
  Result<std::string> (*run)(Backend& backend, const CommandCall& call);
};

namespace scenario_internal {
std::vector<std::string> command_words(const std::string& line);
Result<CommandCall> make_call(const ScenarioCommand& cmd, const std::string& line,
                              const std::vector<std::string>& body);
Error not_in_backend(const ScenarioCommand& cmd, std::string_view backend_name);
Error unknown_command(std::string_view name);
}  // namespace scenario_internal

// Runs `line` on `backend` through its bindings.
template <class Backend, size_t N>
Result<std::string> dispatch_command(Backend& backend,
                                     const std::array<CommandBinding<Backend>, N>& bindings,
                                     std::string_view backend_name, const std::string& line,
                                     const std::vector<std::string>& body) {
  std::vector<std::string> w = scenario_internal::command_words(line);
  if (w.empty()) return std::string();
  const ScenarioCommand* cmd = find_scenario_command(w[0]);
  if (!cmd) return scenario_internal::unknown_command(w[0]);
  for (const CommandBinding<Backend>& b : bindings) {
    if (b.name != cmd->name) continue;
    auto call = scenario_internal::make_call(*cmd, line, body);
    if (!call.ok()) return call.error();
    return b.run(backend, *call);
  }
  return scenario_internal::not_in_backend(*cmd, backend_name);
}

}  // namespace nt
