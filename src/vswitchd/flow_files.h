// FlowStore: a bridge's configured OpenFlow flows, kept under the run directory.
//
// Each bridge's flows live in `<rundir>/flows/<bridge>.flows`, in the text form of
// ofproto/bundle.h. Every save is atomic (temporary file, fsync, rename), so a change a command
// reported as done survives kill -9.
#pragma once

#include <optional>
#include <string>

#include "common/names.h"
#include "ofproto/bundle.h"

namespace nt {

class FlowStore {
 public:
  explicit FlowStore(std::string dir) : dir_(std::move(dir)) {}

  Status save(const Ofproto& br) const;
  // The saved text, or nullopt if the bridge has never been saved.
  std::optional<std::string> load(const std::string& bridge) const;
  void remove(const std::string& bridge) const;
  // The one place a flows file's path is made: the bridge name is escaped into one path
  // component (common/names.h), so no name can reach outside dir_.
  std::string path(const std::string& bridge) const {
    return dir_ + "/" + escape_file_name(bridge) + ".flows";
  }

 private:
  std::string dir_;
};

}  // namespace nt
