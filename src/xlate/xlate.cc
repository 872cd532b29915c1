#include "xlate/xlate.h"

#include <cstdio>

#include "xlate/xlate_ctx.h"

namespace nt {
namespace xlate_internal {
namespace {

std::string table_line(const Rule* r, uint8_t table) {
  char num[8];
  std::snprintf(num, sizeof num, "%2u. ", table);
  if (!r) return std::string(num) + "No match.";
  std::string m = format_match(r->match(), kDefaultPriority);
  std::string s = num;
  if (!m.empty()) s += m + ", ";
  s += "priority " + std::to_string(r->priority());
  if (r->cookie) {
    char c[32];
    std::snprintf(c, sizeof c, ", cookie %#llx", static_cast<unsigned long long>(r->cookie));
    s += c;
  }
  return s;
}

}  // namespace

// Looks `table` up and runs the matching rule's actions. `nested` indents the trace (a
// resubmit that is not the last action returns to the caller's actions afterwards).
void xlate_table(Ctx& ctx, uint8_t table, bool nested) {
  if (ctx.depth >= kMaxDepth || ++ctx.resubmits > kMaxResubmits) {
    NT_XTRACE(ctx, ">>>> over max translation depth " + std::to_string(kMaxDepth) + " <<<<");
    ctx.out.error = true;
    ctx.exit = true;
    return;
  }
  int saved_indent = ctx.indent, saved_table_indent = ctx.table_indent;
  ctx.indent = ctx.table_indent = nested ? ctx.indent : ctx.table_indent;
  Rule* r = ctx.bridge->lookup(table, ctx.flow, &ctx.out.wc);
  NT_XTRACE(ctx, table_line(r, table));
  if (ctx.out.cache) ctx.out.cache->tables.push_back({ctx.bridge, table, r != nullptr});
  ctx.indent += 4;
  if (!r) {
    NT_XTRACE(ctx, "drop");
  } else {
    if (ctx.out.cache) ctx.out.cache->rules.push_back(ctx.bridge->lookup_shared(r));
    uint8_t saved_table = ctx.table_id;
    ctx.table_id = table;
    ++ctx.depth;
    do_actions(ctx, r->actions);
    --ctx.depth;
    ctx.table_id = saved_table;
  }
  ctx.indent = saved_indent;
  ctx.table_indent = saved_table_indent;
}

}  // namespace xlate_internal

XlateOut xlate(const Switch& sw, const XlateIn& in) {
  using namespace xlate_internal;
  XlateOut out;
  out.cache = std::make_unique<XlateCache>();
  Ctx ctx(sw, in, out);
  ctx.out.wc.in_port = 0xffffffff;
  if (in.trace) {
    std::string title = "bridge(\"" + in.bridge->name() + "\")";
    out.trace += title + "\n" + std::string(title.size(), '-') + "\n";
  }
  xlate_table(ctx, 0, false);
  out.final_flow = ctx.flow;
  // Registers and metadata are pipeline state, zero whenever a packet enters: they are never
  // part of a megaflow (Open vSwitch clears these "non-packet" fields the same way).
  for (uint32_t& r : out.wc.regs) r = 0;
  out.wc.metadata = 0;
  return out;
}

}  // namespace nt
