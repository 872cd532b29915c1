// The NORMAL action: a MAC-learning L2 switch with Open vSwitch's VLAN port semantics.
#include "xlate/xlate_ctx.h"

namespace nt::xlate_internal {
namespace {

// Outputs to `port` with the frame tagged or untagged as the port's VLAN mode says.
void output_normal(Ctx& ctx, const OfPort& port, uint16_t vlan) {
  OutputTagging t = port.vlan.output_vlan(vlan);
  if (t == OutputTagging::kDrop) return;
  uint16_t saved = ctx.flow.vlan_tci;
  if (t == OutputTagging::kUntagged) {
    ctx.flow.vlan_tci = 0;
  } else {
    uint16_t pcp = (ctx.flow.vlan_tci & kVlanCfi) ? (ctx.flow.vlan_tci & kVlanPcpMask) : 0;
    ctx.flow.vlan_tci = static_cast<uint16_t>(pcp | kVlanCfi | vlan);
  }
  compose_output(ctx, port);
  ctx.flow.vlan_tci = saved;
}

void learn_source(Ctx& ctx, uint16_t vlan, uint32_t in_port) {
  const MacAddr& src = ctx.flow.dl_src;
  if (src.is_multicast()) return;
  if (ctx.in.may_learn) {
    ctx.bridge->mac_table().learn(vlan, src, in_port, ctx.bridge->clock().now_ms());
  }
  if (ctx.out.cache) ctx.out.cache->normals.push_back({ctx.bridge, vlan, src, in_port});
}

}  // namespace

void xlate_normal(Ctx& ctx) {
  FlowKey& wc = ctx.out.wc;
  wc.in_port = 0xffffffff;
  wc.vlan_tci = 0xffff;  // VID decides the VLAN, PCP is carried to tagged outputs
  wc.dl_src = MacAddr::from_u64(0xffffffffffffULL);
  wc.dl_dst = MacAddr::from_u64(0xffffffffffffULL);
  uint32_t in_port = ctx.flow.in_port;
  const OfPort* in = ctx.bridge->port(in_port);
  if (!in) {
    NT_XNOTE(ctx, kResult, "no input port, dropping");
    return;
  }
  bool tagged = ctx.flow.vlan_tci & kVlanCfi;
  auto vlan = in->vlan.input_vlan(tagged, ctx.flow.vlan_tci & kVlanVidMask);
  if (!vlan) {
    NT_XNOTE(ctx, kResult,
             "dropping VLAN " + std::to_string(ctx.flow.vlan_tci & kVlanVidMask) +
                 " packet received on port " + in->name + " not configured for trunking it");
    return;
  }
  learn_source(ctx, *vlan, in_port);
  const MacAddr& dst = ctx.flow.dl_dst;
  if (!dst.is_multicast()) {
    if (ctx.out.cache) {
      ctx.out.cache->mac_lookups.push_back({ctx.bridge, MacLearningTable::key_of(*vlan, dst)});
    }
    auto out = ctx.bridge->mac_table().lookup(*vlan, dst, ctx.bridge->clock().now_ms());
    if (out) {
      const OfPort* p = ctx.bridge->port(*out);
      if (*out == in_port || !p) {
        NT_XNOTE(ctx, kResult, "learned port is input port, dropping");
        return;
      }
      NT_XNOTE(ctx, kResult, "forwarding to learned port");
      return output_normal(ctx, *p, *vlan);
    }
    NT_XNOTE(ctx, kResult, "no learned MAC for destination, flooding");
  } else {
    NT_XNOTE(ctx, kResult, "multicast/broadcast destination, flooding");
  }
  for (const auto& [no, p] : ctx.bridge->ports()) {
    if (no == in_port || p.no_flood) continue;
    output_normal(ctx, p, *vlan);
  }
}

}  // namespace nt::xlate_internal
