// A bridge's configured OpenFlow flows as text, the form in which a node persists them.
//
// One flow per line in ovs-ofctl add-flow syntax (ports by number, which the node keeps stable
// across restarts), in dump-flows order, so `nvs-ofctl add-flows BR FILE` would rebuild the same
// table and a human can read it. Only configured flows are written: flows a learn action added
// are the switch's own state and are learned again from traffic. No I/O here: the daemon keeps
// the text in files (vswitchd/flow_files.h).
#pragma once

#include <string>
#include <string_view>

#include "ofproto/ofproto.h"

namespace nt {

// The flow_mod that would recreate `rule` (match, priority, table, cookie, timeouts, actions).
FlowSpec rule_to_spec(const Rule& rule);
// The configured (not learned) flows of `br`, one add-flow line each.
std::string format_configured_flows(const Ofproto& br);
// Replaces every flow of `br` with the flows of `text` (as format_configured_flows writes).
Status restore_flows(Ofproto& br, std::string_view text);

}  // namespace nt
