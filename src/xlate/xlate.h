// xlate: translating an OpenFlow pipeline walk into datapath actions plus a megaflow mask.
//
// Translation runs on a copy of the packet's FlowKey, never the packet. It walks a bridge's
// tables (resubmit, goto_table), crosses patch ports into the peer bridge in the same pass,
// runs NORMAL (MAC learning with VLAN access/trunk rules) and learn, and records two things as
// it goes: every field it looked at is un-wildcarded in `wc` (so the megaflow built from it is
// exactly as general as the decision was), and every header change is turned into datapath
// actions lazily — only when the packet is about to be output (commit), and only as the
// difference between what the packet is now and what the flow says it should be. Side effects
// (learned flows, MAC entries, rule counters) go into an XlateCache attached to the megaflow so
// the datapath can credit and refresh them later without translating again.
//
// When tracing, translation also builds a trace tree (trace.h): each bridge, each table with the
// rule that matched, each action and what it caused — what `ovs-appctl ofproto/trace` prints.
// Without tracing no tree is built.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "datapath/megaflow.h"
#include "datapath/odp_actions.h"
#include "ofproto/ofproto.h"
#include "openflow/flow_text.h"
#include "xlate/trace.h"

namespace nt {

class Switch;

// Side effects of one translation, replayed on cache hits (Open vSwitch's xlate_cache).
struct XlateCache : MegaflowContext {
  struct LearnEntry {
    Ofproto* bridge;
    FlowSpec flow;
  };
  struct NormalEntry {
    Ofproto* bridge;
    uint16_t vlan;
    MacAddr mac;
    uint32_t port;
  };
  struct TableEntry {  // one table lookup, and whether it found a rule
    Ofproto* bridge;
    uint8_t table;
    bool matched;
  };
  struct MacLookup {  // NORMAL looked up this destination (MacLearningTable::key_of)
    const Ofproto* bridge;
    uint64_t key;
  };
  std::vector<RulePtr> rules;
  std::vector<TableEntry> tables;
  std::vector<MacLookup> mac_lookups;
  std::vector<LearnEntry> learns;
  std::vector<NormalEntry> normals;
};

struct XlateIn {
  Ofproto* bridge = nullptr;
  FlowKey flow;           // in_port is an OpenFlow port of `bridge`
  uint8_t table = 0;      // where the walk starts (a recirculation resumes at its table)
  bool may_learn = true;  // false for traces and revalidation: no side effects
  bool trace = false;
  const Packet* packet = nullptr;
};

struct XlateOut {
  OdpActions actions;
  FlowKey wc;  // megaflow mask (in_port always exact)
  FlowKey final_flow;
  std::unique_ptr<XlateCache> cache;
  std::unique_ptr<TraceNode> trace;  // with XlateIn::trace: the first bridge's node
  bool error = false;                // translation hit a limit (recursion, resubmits)
};

// `sw` resolves patch peers and datapath port numbers.
XlateOut xlate(const Switch& sw, const XlateIn& in);

}  // namespace nt
