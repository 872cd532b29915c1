// libFuzzer target for the ovs-ofctl flow text: arbitrary text goes to parse_flow() in every
// mode, to parse_actions() and to parse_match(), with and without port names. Whatever parses
// must print, parse back to the same value, and print the same text again; any difference
// aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "openflow/actions.h"
#include "openflow/flow_text.h"

namespace {

class Names : public nt::PortNamer {
 public:
  Names() {
    add("patch-int", 1);
    add("vxlan-0a000002", 2);
    add("my port", 3);
    add("7up", 7);
    add("LOCAL", 9);  // a name that collides with a reserved port prints quoted
  }
  std::optional<uint32_t> port_by_name(std::string_view name) const override {
    auto it = by_name_.find(std::string(name));
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> name_by_port(uint32_t port) const override {
    auto it = by_port_.find(port);
    if (it == by_port_.end()) return std::nullopt;
    return it->second;
  }

 private:
  void add(const std::string& name, uint32_t port) {
    by_name_[name] = port;
    by_port_[port] = name;
  }
  std::map<std::string, uint32_t> by_name_;
  std::map<uint32_t, std::string> by_port_;
};

[[noreturn]] void fail(const char* what, std::string_view input, const std::string& printed,
                       const std::string& detail) {
  std::fprintf(stderr, "%s\n  input:   %.*s\n  printed: %s\n  detail:  %s\n", what,
               static_cast<int>(input.size()), input.data(), printed.c_str(), detail.c_str());
  std::abort();
}

void flows(std::string_view in, const nt::PortNamer* names) {
  for (nt::FlowTextMode mode :
       {nt::FlowTextMode::kAdd, nt::FlowTextMode::kModify, nt::FlowTextMode::kDelete}) {
    auto spec = nt::parse_flow(in, mode, names);
    if (!spec.ok()) continue;
    std::string text = nt::format_flow(*spec, mode, names);
    auto back = nt::parse_flow(text, mode, names);
    if (!back.ok()) fail("flow does not reparse", in, text, back.error().message);
    if (!(*back == *spec)) fail("flow changed", in, text, nt::format_flow(*back, mode, names));
    if (nt::format_flow(*back, mode, names) != text) fail("flow prints differently", in, text, "");
  }
}

void actions(std::string_view in, const nt::PortNamer* names) {
  auto acts = nt::parse_actions(in, names);
  if (!acts.ok()) return;
  std::string text = nt::format_actions(*acts, names);
  auto back = nt::parse_actions(text, names);
  if (!back.ok()) fail("actions do not reparse", in, text, back.error().message);
  if (*back != *acts) fail("actions changed", in, text, nt::format_actions(*back, names));
  // A check must not crash on anything the parser accepts.
  (void)nt::check_actions(*acts, nt::Match{}, 0);
}

void match(std::string_view in, const nt::PortNamer* names) {
  auto m = nt::parse_match(in, names);
  if (!m.ok()) return;
  std::string text = nt::format_match(*m, nt::kDefaultPriority, names);
  auto back = nt::parse_match(text, names);
  if (!back.ok()) fail("match does not reparse", in, text, back.error().message);
  if (!(*back == *m)) {
    fail("match changed", in, text, nt::format_match(*back, nt::kDefaultPriority, names));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Names kNames;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (const nt::PortNamer* names :
       {static_cast<const nt::PortNamer*>(nullptr), static_cast<const nt::PortNamer*>(&kNames)}) {
    flows(in, names);
    actions(in, names);
    match(in, names);
  }
  return 0;
}
