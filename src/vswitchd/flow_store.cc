#include "vswitchd/flow_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "common/strings.h"
#include "vswitchd/control.h"

namespace nt {

Status FlowStore::save(const Ofproto& br) const {
  ::mkdir(dir_.c_str(), 0755);
  return write_file_atomic(path(br.name()), format_configured_flows(br));
}

std::optional<std::string> FlowStore::load(const std::string& bridge) const {
  std::ifstream in(path(bridge), std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void FlowStore::remove(const std::string& bridge) const { ::unlink(path(bridge).c_str()); }

}  // namespace nt
