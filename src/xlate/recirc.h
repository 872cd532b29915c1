// Recirculation ids: what a translation froze when a ct(table=N) sent the packet around again.
//
// A ct() with table=N ends a datapath pass with "ct(...),recirc(ID)"; the packet comes back
// with recirc_id=ID in its key and the translation resumes where it stopped — in the same
// bridge, at table N, with the pipeline state (registers, metadata, OpenFlow in_port) the
// first pass had. That state is not in the datapath key (registers never are), so it is
// frozen here under the id, as Open vSwitch's ofproto-dpif-rid does. Equal frozen states share
// one id, so a megaflow of the second pass serves every packet that froze the same state.
// Ids are handed out from 1 and live as long as the switch (a bridge's deletion leaves its ids
// pointing at nothing; resuming them fails and the packet is dropped).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nt {

struct FrozenState {
  std::string bridge;  // by name
  uint8_t table = 0;
  uint32_t in_port = 0;  // OpenFlow port in `bridge`
  uint64_t metadata = 0;
  std::array<uint32_t, 16> regs{};
  auto operator<=>(const FrozenState&) const = default;
};

class RecircTable {
 public:
  // The id of `s`, allocating one the first time this state is frozen.
  uint32_t intern(const FrozenState& s) {
    auto [it, fresh] = ids_.try_emplace(s, static_cast<uint32_t>(states_.size() + 1));
    if (fresh) states_.push_back(s);
    return it->second;
  }
  const FrozenState* find(uint32_t id) const {
    return id == 0 || id > states_.size() ? nullptr : &states_[id - 1];
  }
  size_t size() const { return states_.size(); }

 private:
  std::map<FrozenState, uint32_t> ids_;
  std::vector<FrozenState> states_;
};

}  // namespace nt
