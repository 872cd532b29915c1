// DpctlDump: the megaflow lines of dpctl/dump-flows, as ovs-appctl dpctl/dump-flows prints them.
#include "xlate/dpctl_dump.h"

#include <cstdio>

#include "ofproto/ofproto.h"
#include "openflow/flow_text.h"

namespace nt {

DpctlDump::DpctlDump(MegaflowTable& megaflows, TimeMs now) : now_(now) {
  flows_.reserve(megaflows.size());
  megaflows.for_each([&](Megaflow* mf) {
    flows_.push_back(Entry{mf->match, mf->actions, mf->n_packets, mf->n_bytes, mf->used});
  });
}

void DpctlDump::append_line(std::string& out, const Entry& e) const {
  Match m = e.match;
  out += "in_port(" + std::to_string(m.value.in_port) + ")";
  m.mask.in_port = 0;
  m.value.in_port = 0;
  std::string match = format_match(m, kDefaultPriority);
  if (!match.empty()) out += "," + match;
  char buf[160];
  std::snprintf(buf, sizeof buf, ", packets:%llu, bytes:%llu, used:%s",
                static_cast<unsigned long long>(e.n_packets),
                static_cast<unsigned long long>(e.n_bytes),
                e.n_packets ? format_duration(now_ - e.used).c_str() : "never");
  out += buf;
  out += ", actions:" + format_odp_actions(e.actions) + "\n";
}

bool DpctlDump::next(std::string& out, size_t budget) {
  if (pos_ == flows_.size()) return false;
  size_t start = out.size();
  while (pos_ < flows_.size() && out.size() - start < budget) append_line(out, flows_[pos_++]);
  return true;
}

}  // namespace nt
