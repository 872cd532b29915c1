// Internal: the state of one translation, shared by xlate*.cc.
#pragma once

#include <string>

#include "xlate/switch.h"
#include "xlate/trace.h"
#include "xlate/xlate.h"

namespace nt::xlate_internal {

inline constexpr int kMaxDepth = 64;        // nested resubmits / patch ports
inline constexpr int kMaxResubmits = 4096;  // total table lookups per translation

struct Ctx {
  const Switch& sw;
  const XlateIn& in;
  XlateOut& out;
  Ofproto* bridge;
  FlowKey flow;  // what the packet should look like now
  FlowKey base;  // what the datapath packet looks like after the actions emitted so far
  uint16_t outer_tpid = kEthTypeVlan;
  TunnelMeta committed_tunnel;
  uint8_t table_id = 0;
  int depth = 0;
  int resubmits = 0;
  bool exit = false;
  bool tun_id_written = false;  // set_tunnel/load wrote tun_id: the packet's own is moot
  // The trace node that what happens next belongs to (a bridge, table or action); null when
  // not tracing, so translation for packets builds nothing.
  TraceNode* trace_at = nullptr;

  Ctx(const Switch& s, const XlateIn& i, XlateOut& o)
      : sw(s), in(i), out(o), bridge(i.bridge), flow(i.flow), base(i.flow) {}

  bool tracing() const { return trace_at != nullptr; }
  // Appends a child to the current node; returns it (null when not tracing).
  TraceNode* trace_add(TraceNode n) {
    if (!trace_at) return nullptr;
    trace_at->children.push_back(std::move(n));
    return &trace_at->children.back();
  }
};

// Makes `node` the current trace node for a scope (nothing when not tracing: node is null and
// trace_at stays null). Pointers stay valid: only the innermost node's children grow.
class TraceScope {
 public:
  TraceScope(Ctx& ctx, TraceNode* node) : ctx_(ctx), saved_(ctx.trace_at) {
    if (node) ctx.trace_at = node;
  }
  ~TraceScope() { ctx_.trace_at = saved_; }
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  Ctx& ctx_;
  TraceNode* saved_;
};

// Adds a note to the trace; the text is only built when tracing (translation of real packets
// must not pay for formatting).
#define NT_XNOTE(ctx, kind, ...)                                                     \
  do {                                                                               \
    if ((ctx).tracing())                                                             \
      (ctx).trace_add(TraceNode::make_note(TraceNode::NoteKind::kind, __VA_ARGS__)); \
  } while (0)

void do_actions(Ctx& ctx, const ActionList& acts);
// Looks `table` up and runs the matching rule's actions. `tail`: the lookup continues the
// current table (goto_table, or a resubmit that is its rule's last action).
void xlate_table(Ctx& ctx, uint8_t table, bool tail);
void xlate_output(Ctx& ctx, uint32_t port, uint16_t max_len = 0);
void compose_output(Ctx& ctx, const OfPort& port);
void xlate_normal(Ctx& ctx);
void commit(Ctx& ctx);
void emit_userspace(Ctx& ctx, uint32_t reason, uint16_t max_len);
void xlate_ct(Ctx& ctx, const CtAction& a);  // xlate_ct.cc
void xlate_ct_clear(Ctx& ctx);

}  // namespace nt::xlate_internal
