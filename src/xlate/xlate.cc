#include "xlate/xlate.h"

#include "xlate/xlate_ctx.h"

namespace nt {
namespace xlate_internal {
namespace {

TraceNode table_node(const Rule* r, uint8_t table, bool tail) {
  TraceNode n;
  n.kind = TraceNode::Kind::kTable;
  n.table = table;
  n.tail = tail;
  if (r) {
    n.matched = true;
    n.text = format_match(r->match(), kDefaultPriority);
    n.priority = r->priority();
    n.cookie = r->cookie;
  }
  return n;
}

}  // namespace

void xlate_table(Ctx& ctx, uint8_t table, bool tail) {
  if (ctx.depth >= kMaxDepth || ++ctx.resubmits > kMaxResubmits) {
    // Open vSwitch's two messages: which limit was hit.
    NT_XNOTE(ctx, kError,
             ctx.depth >= kMaxDepth
                 ? "over max translation depth " + std::to_string(kMaxDepth)
                 : "over " + std::to_string(kMaxResubmits) + " resubmit actions");
    ctx.out.error = true;
    ctx.exit = true;
    return;
  }
  Rule* r = ctx.bridge->lookup(table, ctx.flow, &ctx.out.wc);
  TraceScope scope(ctx, ctx.tracing() ? ctx.trace_add(table_node(r, table, tail)) : nullptr);
  if (ctx.out.cache) ctx.out.cache->tables.push_back({ctx.bridge, table, r != nullptr});
  if (!r) return;
  if (ctx.out.cache) ctx.out.cache->rules.push_back(ctx.bridge->lookup_shared(r));
  uint8_t saved_table = ctx.table_id;
  ctx.table_id = table;
  ++ctx.depth;
  do_actions(ctx, r->actions);
  --ctx.depth;
  ctx.table_id = saved_table;
}

}  // namespace xlate_internal

XlateOut xlate(const Switch& sw, const XlateIn& in) {
  using namespace xlate_internal;
  XlateOut out;
  out.cache = std::make_unique<XlateCache>();
  Ctx ctx(sw, in, out);
  ctx.out.wc.in_port = 0xffffffff;
  if (in.trace) {
    out.trace = std::make_unique<TraceNode>(TraceNode::bridge(in.bridge->name()));
    ctx.trace_at = out.trace.get();
    if (in.flow.recirc_id) {  // a recirculated pass resumes where ct(table=N) froze it
      // At the bridge's column (0): indented as ovs-appctl indents them, tables stay at 0.
      TraceNode* thaw = ctx.trace_add(TraceNode::action("    thaw"));
      thaw->children.push_back(TraceNode::make_note(
          TraceNode::NoteKind::kDetail, "        Resuming from table " + std::to_string(in.table)));
    }
  }
  // Every megaflow says which pass it belongs to (recirc_id(0) for a packet's first).
  ctx.out.wc.recirc_id = 0xffffffff;
  xlate_table(ctx, in.table, false);
  out.final_flow = ctx.flow;
  // Registers and metadata are pipeline state, zero whenever a packet enters: they are never
  // part of a megaflow (Open vSwitch clears these "non-packet" fields the same way).
  for (uint32_t& r : out.wc.regs) r = 0;
  out.wc.metadata = 0;
  return out;
}

}  // namespace nt
