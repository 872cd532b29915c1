// Output in translation: reserved ports, patch ports (crossing into the peer bridge in the same
// pass), tunnel ports (attaching tunnel metadata) and ordinary datapath ports.
#include "xlate/xlate_ctx.h"

namespace nt::xlate_internal {
namespace {

void flood(Ctx& ctx, bool all) {
  uint32_t in = ctx.flow.in_port;
  for (const auto& [no, p] : ctx.bridge->ports()) {
    if (no == in || (!all && p.no_flood)) continue;
    compose_output(ctx, p);
  }
}

// Crosses a patch port: the packet enters the peer bridge's table 0 with metadata, registers
// and tunnel fields cleared, as if received on the peer port. The flow is restored afterwards;
// what the peer committed to the datapath stays committed (ctx.base).
void patch_output(Ctx& ctx, const OfPort& port) {
  auto [peer_br, peer] = ctx.sw.patch_peer(port);
  if (!peer_br) {
    NT_XNOTE(ctx, kResult, "patch port " + port.name + " has no peer, dropping");
    return;
  }
  FlowKey saved_flow = ctx.flow;
  Ofproto* saved_bridge = ctx.bridge;
  uint8_t saved_table = ctx.table_id;
  ctx.flow.in_port = peer->ofport;
  ctx.flow.metadata = 0;
  for (uint32_t& r : ctx.flow.regs) r = 0;
  ctx.flow.tun_id = ctx.flow.tun_src = ctx.flow.tun_dst = 0;
  ctx.bridge = peer_br;
  {
    TraceScope scope(ctx,
                     ctx.tracing() ? ctx.trace_add(TraceNode::bridge(peer_br->name())) : nullptr);
    ++ctx.depth;
    xlate_table(ctx, 0, false);
    --ctx.depth;
  }
  ctx.exit = false;
  ctx.bridge = saved_bridge;
  ctx.table_id = saved_table;
  ctx.flow = saved_flow;
}

void tunnel_output(Ctx& ctx, const OfPort& port, const DpPort& dp) {
  const TunnelConfig& cfg = *port.tunnel;
  if (cfg.key_flow && !ctx.tun_id_written) ctx.out.wc.tun_id = ~uint64_t{0};
  odp::SetTunnel set;
  set.tun_id = cfg.key_flow ? ctx.flow.tun_id : cfg.key;
  set.ip_src = cfg.local_ip;
  set.ip_dst = cfg.remote_ip;
  set.ttl = 64;
  set.tp_dst = cfg.kind == TunnelKind::kVxlan ? cfg.dst_port : 0;
  commit(ctx);
  const TunnelMeta& done = ctx.committed_tunnel;
  if (!(done.valid && set.tun_id == done.tun_id && set.ip_dst == done.ip_dst &&
        set.ip_src == done.ip_src)) {
    ctx.out.actions.push_back(set);
    ctx.committed_tunnel = set.meta();
  }
  ctx.out.actions.push_back(odp::Output{dp.odp_port});
}

}  // namespace

void compose_output(Ctx& ctx, const OfPort& port) {
  if (port.type == PortType::kPatch) return patch_output(ctx, port);
  DpPort* dp = ctx.sw.dp_port(*ctx.bridge, port.ofport);
  if (!dp) {
    NT_XNOTE(ctx, kResult, "port " + port.name + " has no datapath port, dropping");
    return;
  }
  if (port.tunnel) return tunnel_output(ctx, port, *dp);
  commit(ctx);
  ctx.out.actions.push_back(odp::Output{dp->odp_port});
}

void xlate_output(Ctx& ctx, uint32_t no, uint16_t max_len) {
  switch (no) {
    case ofp_port::kNormal:
      return xlate_normal(ctx);
    case ofp_port::kFlood:
      return flood(ctx, false);
    case ofp_port::kAll:
      return flood(ctx, true);
    case ofp_port::kController:
      return emit_userspace(ctx, 1, max_len ? max_len : 65535);
    case ofp_port::kInPort:
      no = ctx.flow.in_port;
      break;
    case ofp_port::kTable:
    case ofp_port::kNone:
      return;
    default:
      if (no == ctx.flow.in_port) {
        NT_XNOTE(ctx, kResult, "skipping output to input port");
        return;
      }
  }
  const OfPort* port = ctx.bridge->port(no);
  if (!port) {
    NT_XNOTE(ctx, kResult, "output to nonexistent port " + std::to_string(no));
    return;
  }
  compose_output(ctx, *port);
}

}  // namespace nt::xlate_internal
