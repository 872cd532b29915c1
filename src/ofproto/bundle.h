// Flow-table transactions: a bridge's flows as flow_mods, flow files, and the diff between two
// flow sets — everything that turns "the flows I want" into one Ofproto::apply_bundle().
//
// A rule converts to the FlowSpec that would recreate it (rule_to_spec), so a table can be
// saved as text, restored, or compared with the flows someone wants. diff_flows() is
// replace-flows' algorithm with ownership: given what a bridge has and what a caller wants, it
// returns the flow_mods (delete_strict for flows to drop, add for flows missing or different)
// that turn one into the other, touching only flows whose cookie the caller owns (cookie/mask);
// an agent installs its whole desired state this way as one bundle and leaves every other
// controller's flows alone. Flows are identified as OpenFlow identifies them: table, priority
// and match (compared as the match's canonical bytes); two versions of a flow differ in cookie,
// timeouts, importance, flags or actions. Nothing here is on the packet path.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ofproto/ofproto.h"

namespace nt {

// The flow_mod that would recreate `rule` (match, priority, table, cookie, timeouts, actions).
FlowSpec rule_to_spec(const Rule& rule);
// The same into `*spec` (its other fields left as they are), so one spec's action storage can
// serve many rules.
void rule_to_spec(const Rule& rule, FlowSpec* spec);
// The same for the rule an add of `add` makes (Ofproto::add_flow keeps exactly these fields),
// read from the add itself: its line can be written before the rule exists.
void added_rule_spec(const FlowSpec& add, FlowSpec* spec);
// Every flow of `br` as a FlowSpec, in dump-flows order; learned flows only if asked.
std::vector<FlowSpec> bridge_flows(const Ofproto& br, bool with_learned);
// The configured (not learned) flows of `br`, one add-flow line each.
std::string format_configured_flows(const Ofproto& br);
// Replaces every flow of `br` with the flows of `text` (as format_configured_flows writes),
// all or nothing.
Status restore_flows(Ofproto& br, std::string_view text);

// How ovs-ofctl parses a flow for `cmd` (add: actions required; delete: none allowed).
FlowTextMode flow_text_mode(FlowModCommand cmd);
// Adjusts a parsed flow before it joins the file's ops (e.g. into the form the request's
// OpenFlow version carries); an error is reported with the line, as a parse error is.
using FlowFixup = std::function<Status(FlowSpec&, FlowTextMode)>;
// Parses a flow file: one flow per line, '#' comments, '\' continues a line. With
// `keywords`, a line may start with add, modify, modify_strict, delete or delete_strict (as
// in add-flows); otherwise every line is a `dflt`. Errors name "FILE:LINE: " (or "line N: "
// when `file` is empty).
Result<std::vector<FlowOp>> parse_flow_file(std::string_view text, const std::string& file,
                                            const PortNamer* names, FlowModCommand dflt,
                                            bool keywords, const FlowFixup& fixup = nullptr);

// The flow_mods that turn `have` into `want`: delete_strict for each flow of `have` whose
// cookie matches cookie/cookie_mask and that `want` lacks, then add for each flow of `want`
// that `have` lacks or holds in another version. Flows of `have` whose cookie does not match
// are never deleted (a mask of 0 owns every flow: replace-flows). With `readd`, every flow of
// `want` is added even if identical. Deletes carry the exact cookie, so they cannot hit a
// flow that changed owner meanwhile.
std::vector<FlowOp> diff_flows(const std::vector<FlowSpec>& have, const std::vector<FlowSpec>& want,
                               uint64_t cookie = 0, uint64_t cookie_mask = 0, bool readd = false);
// The same against the flows `br` has (learned ones included), read in place, with `want` the
// parsed lines of a flow file (each an add) turned into the result: replace-flows inside the
// switch copies no flow. Deletes come in dump-flows order.
std::vector<FlowOp> diff_flows(const Ofproto& br, std::vector<FlowOp> want, uint64_t cookie = 0,
                               uint64_t cookie_mask = 0, bool readd = false);

}  // namespace nt
