// The trace tree: what one translation met, as `ofproto/trace` reports it.
//
// Translation (xlate.cc) walks bridges, tables and actions depth first; when asked to trace it
// records that walk as a tree instead of text. A Bridge node is a bridge the packet entered (the
// first one, or a patch port's peer); its children are Table nodes, one per lookup, holding the
// rule that matched; a table's children are Action nodes, one per OpenFlow action of that rule;
// an action's children are what it caused: a resubmit's or goto_table's Table, a patch port's
// Bridge, and Notes (a remark on what the action did or why it did nothing). The text and the
// JSON are formatted from the tree in one place (trace.cc), so translation carries no layout
// state. (Room is left for recirculation and conntrack nodes: a ct() action will own a
// Conntrack node and the recirculated pass a Recirc node with its own tables.)
//
// Cost: a translation for a packet (upcall, revalidation) has no tree — XlateOut::trace stays
// null and every trace site is one pointer test; no text is built and nothing is allocated.
//
// Text (Open vSwitch's layout): a bridge prints its name and a rule of dashes; a table prints
// " N. MATCH, priority P[, cookie C]" (or "No match." then "drop"), its actions 4 columns
// deeper; an action's notes and nested tables print at the action's column; a patch bridge
// prints after a blank line, 4 columns deeper than the action; a tail table (goto_table, or a
// resubmit that was its rule's last action) prints at the column of the table it continues.
//
// JSON (`ofproto/trace --format=json`), one object on one line:
//   {"bridge": NAME, "flow": FLOW, "trace": NODE, "final_flow": FLOW, "megaflow": MATCH,
//    "datapath_actions": ACTIONS, "error": BOOL}
// where NODE is one of
//   {"type": "bridge", "name": NAME, "children": [NODE...]}
//   {"type": "table", "table": N, "tail": BOOL,
//    "rule": {"match": MATCH, "priority": N, "cookie": "0xHEX"} | null, "children": [NODE...]}
//   {"type": "action", "action": TEXT, "children": [NODE...]}
//   {"type": "note", "kind": "result" | "detail" | "error", "text": TEXT}
// FLOW, MATCH and ACTIONS are the strings the text form prints; "error" is true when
// translation hit a limit (resubmit depth or count) and the packet is dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nt {

enum class TraceFormat : uint8_t { kText, kJson };
// "text" or "json"; nullopt for anything else.
std::optional<TraceFormat> parse_trace_format(std::string_view s);

struct TraceNode {
  enum class Kind : uint8_t { kBridge, kTable, kAction, kNote };
  enum class NoteKind : uint8_t {
    kResult,  // what an action did: " -> forwarding to learned port"
    kDetail,  // a remark: "dec_ttl: TTL expired, ..."
    kError,   // translation stopped: ">>>> over max translation depth 64 <<<<"
  };
  Kind kind = Kind::kNote;
  std::string text;  // bridge name, action text, note text, or a table rule's match
  // Tables only.
  uint8_t table = 0;
  bool matched = false;  // a rule matched (match text, priority, cookie are its)
  bool tail = false;     // continues its caller's table (printed at that table's column)
  uint16_t priority = 0;
  uint64_t cookie = 0;
  // Notes only.
  NoteKind note = NoteKind::kDetail;
  std::vector<TraceNode> children;

  static TraceNode bridge(std::string name);
  static TraceNode action(std::string text);
  static TraceNode make_note(NoteKind k, std::string text);
};

// The ofproto/trace body for a tree whose root is a bridge: every line ends in '\n'.
std::string format_trace_text(const TraceNode& root);
// The tree as one JSON value (NODE above), no newline.
std::string format_trace_json(const TraceNode& root);
// A JSON string literal for `s` (quotes, escapes).
std::string json_string(std::string_view s);

}  // namespace nt
