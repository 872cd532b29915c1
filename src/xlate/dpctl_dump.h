// DpctlDump: dpctl/dump-flows taken as a snapshot and formatted slice by slice.
//
// Megaflows are owned by the datapath and go away whenever it revalidates or expires them, so
// the snapshot copies what a line prints — match, datapath actions, counters, last use — and
// the time of the request. Formatting (most of the cost) happens in next(), a slice at a time,
// when the daemon's control socket has room for one (see ofproto/flow_dump.h for the same idea
// on dump-flows). The text is byte for byte what Switch::format_dpctl_dump_flows() printed at
// the time of the request.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "datapath/datapath.h"

namespace nt {

class DpctlDump {
 public:
  DpctlDump(MegaflowTable& megaflows, TimeMs now);

  // Appends whole lines to `out` until it grew by at least `budget` bytes or the dump is over;
  // false (nothing appended) once every line was produced.
  bool next(std::string& out, size_t budget);
  size_t size() const { return flows_.size(); }

 private:
  struct Entry {
    Match match;
    OdpActions actions;
    uint64_t n_packets = 0, n_bytes = 0;
    TimeMs used = 0;
  };
  void append_line(std::string& out, const Entry& e) const;

  std::vector<Entry> flows_;
  size_t pos_ = 0;
  TimeMs now_ = 0;
};

}  // namespace nt
