// Internal: the state of one translation, shared by xlate*.cc.
#pragma once

#include <string>

#include "xlate/switch.h"
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
  int indent = 0;        // trace indentation of actions (spaces)
  int table_indent = 0;  // ... of the current table's line (a tail resubmit prints there)
  bool exit = false;
  bool tun_id_written = false;  // set_tunnel/load wrote tun_id: the packet's own is moot

  Ctx(const Switch& s, const XlateIn& i, XlateOut& o)
      : sw(s), in(i), out(o), bridge(i.bridge), flow(i.flow), base(i.flow) {}

  bool tracing() const { return in.trace; }
  void trace(const std::string& line) {
    if (in.trace) out.trace += std::string(indent, ' ') + line + "\n";
  }
};

// Appends a trace line; the text is only built when tracing (translation of real packets must
// not pay for formatting).
#define NT_XTRACE(ctx, ...)                        \
  do {                                             \
    if ((ctx).tracing()) (ctx).trace(__VA_ARGS__); \
  } while (0)

void do_actions(Ctx& ctx, const ActionList& acts);
void xlate_table(Ctx& ctx, uint8_t table, bool nested);
void xlate_output(Ctx& ctx, uint32_t port, uint16_t max_len = 0);
void compose_output(Ctx& ctx, const OfPort& port);
void xlate_normal(Ctx& ctx);
void commit(Ctx& ctx);
void emit_userspace(Ctx& ctx, uint32_t reason, uint16_t max_len);

}  // namespace nt::xlate_internal
