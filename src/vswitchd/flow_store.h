// FlowStore: a bridge's configured OpenFlow flows, kept under the run directory.
//
// Each bridge's flows live in `<rundir>/flows/<bridge>.flows`, one flow per line in ovs-ofctl
// add-flow syntax (ports by number, which the daemon keeps stable across restarts), in
// dump-flows order, so `nvs-ofctl add-flows BR FILE` would rebuild the same table and a human
// can read the file. Only configured flows are written: flows a learn action added are the
// switch's own state and are learned again from traffic. Every save is atomic (temporary file,
// fsync, rename), so a change a command reported as done survives kill -9. The text itself
// (format_configured_flows, restore_flows) is ofproto's, see ofproto/bundle.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ofproto/bundle.h"

namespace nt {

class FlowStore {
 public:
  explicit FlowStore(std::string dir) : dir_(std::move(dir)) {}

  Status save(const Ofproto& br) const;
  // The saved text, or nullopt if the bridge has never been saved.
  std::optional<std::string> load(const std::string& bridge) const;
  void remove(const std::string& bridge) const;
  std::string path(const std::string& bridge) const { return dir_ + "/" + bridge + ".flows"; }

 private:
  std::string dir_;
};

}  // namespace nt
