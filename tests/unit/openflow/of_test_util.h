// Helpers shared by the openflow unit tests.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "openflow/actions.h"
#include "openflow/flow_text.h"

namespace nt::testing {

// A bridge's ports as ovs-ofctl --names would see them.
class FakeNamer : public PortNamer {
 public:
  FakeNamer() {
    add("patch-int", 1);
    add("vxlan-0a000002", 2);
    add("int-br-eth1", 3);
    add("phy-br-eth1", 4);
    add("my port", 5);  // needs quoting
    add("7up", 7);      // starts with a digit: needs quoting
  }
  void add(const std::string& name, uint32_t port) {
    by_name_[name] = port;
    by_port_[port] = name;
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
  std::map<std::string, uint32_t> by_name_;
  std::map<uint32_t, std::string> by_port_;
};

inline Match must_match(std::string_view text, const PortNamer* names = nullptr) {
  auto m = parse_match(text, names);
  EXPECT_TRUE(m.ok()) << text << ": " << (m.ok() ? "" : m.error().message);
  return m.ok() ? *m : Match{};
}

inline ActionList must_actions(std::string_view text, const PortNamer* names = nullptr) {
  auto a = parse_actions(text, names);
  EXPECT_TRUE(a.ok()) << text << ": " << (a.ok() ? "" : a.error().message);
  return a.ok() ? *a : ActionList{};
}

inline FlowSpec must_flow(std::string_view text, FlowTextMode mode = FlowTextMode::kAdd,
                          const PortNamer* names = nullptr) {
  auto f = parse_flow(text, mode, names);
  EXPECT_TRUE(f.ok()) << text << ": " << (f.ok() ? "" : f.error().message);
  return f.ok() ? *f : FlowSpec{};
}

// The error message of a parse that must fail.
template <class R>
std::string error_of(const R& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string("<no error>") : r.error().message;
}

// "priority=1,in_port=1 actions=resubmit(,2)": the tail of a dump-flows line.
inline std::string match_and_actions(const FlowSpec& f, const PortNamer* names = nullptr) {
  std::string m = format_match(f.match, f.priority, names);
  return m + (m.empty() ? "" : " ") + "actions=" + format_actions(f.actions, names);
}

}  // namespace nt::testing
