// Turning the difference between the packet as it is and the flow as it should be into
// datapath actions, just before an output (Open vSwitch's commit_odp_actions).
#include "xlate/xlate_ctx.h"

namespace nt::xlate_internal {
namespace {

struct TagStack {
  uint16_t tci[2] = {0, 0};
  int n = 0;
};

TagStack tags_of(const FlowKey& k) {
  TagStack s;
  if (k.vlan_tci & kVlanCfi) s.tci[s.n++] = k.vlan_tci;
  if (s.n && (k.vlan_tci2 & kVlanCfi)) s.tci[s.n++] = k.vlan_tci2;
  return s;
}

// base's tags (outer first) must become flow's: pop until base is a suffix of flow's stack,
// then push flow's extra outer tags, innermost first.
void commit_vlans(Ctx& ctx) {
  TagStack b = tags_of(ctx.base);
  TagStack f = tags_of(ctx.flow);
  auto suffix = [&](int nb) {
    if (nb > f.n) return false;
    for (int i = 0; i < nb; ++i) {
      if (b.tci[b.n - nb + i] != f.tci[f.n - nb + i]) return false;
    }
    return true;
  };
  int keep = b.n;
  while (keep > 0 && !suffix(keep)) --keep;
  if (keep < b.n) {
    // Popping depends on the packet's tags: every bit of the outer one (popped, perhaps pushed
    // back with its PCP), and whether there is an inner one (popped too, or kept).
    ctx.out.wc.vlan_tci = 0xffff;
    ctx.out.wc.vlan_tci2 = 0xffff;
  }
  for (int i = 0; i < b.n - keep; ++i) ctx.out.actions.push_back(odp::PopVlan{});
  for (int i = f.n - keep - 1; i >= 0; --i) {
    uint16_t tpid = (i == 0) ? ctx.outer_tpid : kEthTypeVlan;
    ctx.out.actions.push_back(odp::PushVlan{tpid, static_cast<uint16_t>(f.tci[i] & ~kVlanCfi)});
  }
  ctx.base.vlan_tci = ctx.flow.vlan_tci;
  ctx.base.vlan_tci2 = ctx.flow.vlan_tci2;
}

// Emits rewrite P (a payload of one field) if the packet's field differs from the flow's.
template <typename P, typename T>
void set_if_changed(Ctx& ctx, T& base, const T& want) {
  if (base == want) return;
  ctx.out.actions.push_back(P{want});
  base = want;
}

// The TOS / traffic class as a masked set, as Open vSwitch commits it: the mask is what the
// megaflow pins of that byte (the bits actions wrote and matches read), so bits it leaves
// wildcarded (ECN under mod_nw_tos) are kept from each packet.
template <typename P>
void set_tos(Ctx& ctx) {
  uint8_t& base = ctx.base.nw_tos;
  uint8_t want = ctx.flow.nw_tos;
  if (base == want) return;
  auto mask = static_cast<uint8_t>(ctx.out.wc.nw_tos | (base ^ want));
  ctx.out.actions.push_back(P{static_cast<uint8_t>(want & mask), mask});
  base = want;
}

void commit_l3_l4(Ctx& ctx) {
  FlowKey& b = ctx.base;
  const FlowKey& f = ctx.flow;
  if (f.is_ip()) {
    set_if_changed<odp::SetIpv4Src>(ctx, b.nw_src, f.nw_src);
    set_if_changed<odp::SetIpv4Dst>(ctx, b.nw_dst, f.nw_dst);
    set_tos<odp::SetIpv4Tos>(ctx);
    set_if_changed<odp::SetIpv4Ttl>(ctx, b.nw_ttl, f.nw_ttl);
  } else if (f.is_ipv6()) {
    set_tos<odp::SetIpv6Tclass>(ctx);
    set_if_changed<odp::SetIpv6Hlimit>(ctx, b.nw_ttl, f.nw_ttl);
  }
  // TCP/UDP ports over IPv4 and IPv6 alike (mod_tp_* and set_field write them for both).
  if ((f.is_ip() || f.is_ipv6()) && (f.nw_proto == kIpProtoTcp || f.nw_proto == kIpProtoUdp)) {
    set_if_changed<odp::SetL4Src>(ctx, b.tp_src, f.tp_src);
    set_if_changed<odp::SetL4Dst>(ctx, b.tp_dst, f.tp_dst);
  }
  if (f.is_arp()) {
    uint16_t op = b.nw_proto;
    set_if_changed<odp::SetArpOp>(ctx, op, uint16_t{f.nw_proto});
    b.nw_proto = f.nw_proto;
    set_if_changed<odp::SetArpSha>(ctx, b.arp_sha, f.arp_sha);
    set_if_changed<odp::SetArpSpa>(ctx, b.nw_src, f.nw_src);
    set_if_changed<odp::SetArpTha>(ctx, b.arp_tha, f.arp_tha);
    set_if_changed<odp::SetArpTpa>(ctx, b.nw_dst, f.nw_dst);
  }
}

}  // namespace

void commit(Ctx& ctx) {
  set_if_changed<odp::SetEthSrc>(ctx, ctx.base.dl_src, ctx.flow.dl_src);
  set_if_changed<odp::SetEthDst>(ctx, ctx.base.dl_dst, ctx.flow.dl_dst);
  commit_l3_l4(ctx);
  if (ctx.base.vlan_tci != ctx.flow.vlan_tci || ctx.base.vlan_tci2 != ctx.flow.vlan_tci2) {
    commit_vlans(ctx);
  }
}

void emit_userspace(Ctx& ctx, uint32_t reason, uint16_t max_len) {
  commit(ctx);
  ctx.out.actions.push_back(odp::Userspace{reason, max_len});
}

}  // namespace nt::xlate_internal
