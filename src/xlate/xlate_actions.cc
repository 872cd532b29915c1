// OpenFlow actions in translation: one overload per action, no catch-all (actions.h).
#include <cstdio>

#include "xlate/xlate_ctx.h"

namespace nt::xlate_internal {
namespace {

bool is_vlan_field(const FieldInfo& f) {
  return f.id == FieldId::kVlanVid || f.id == FieldId::kDlVlan || f.id == FieldId::kDlVlanPcp;
}

// Writes `v` under `mask` into field `f` of the flow, with OpenFlow's VLAN convention: setting
// a VID or PCP marks the tag present. Returns false (and traces why) if prerequisites fail.
bool write_field(Ctx& ctx, const FieldInfo& f, u128 v, u128 mask, std::string_view what) {
  prereq_unwildcard(f.prereq, ctx.out.wc);
  if (!prereqs_met(f.prereq, ctx.flow)) {
    NT_XNOTE(ctx, kDetail,
             std::string(what) + ": skipped, " + std::string(f.name) +
                 " prerequisites not met by the packet");
    return false;
  }
  field_set_masked(ctx.flow, f, v, mask);
  // Whether a datapath action is needed depends on the packet's current value: the bits
  // written are part of the megaflow (otherwise a packet that already had the value would
  // install a flow without the rewrite for everyone else).
  field_set_masked(ctx.out.wc, f, ~u128{0}, mask);
  if (is_vlan_field(f)) {
    ctx.flow.vlan_tci |= kVlanCfi;
    ctx.out.wc.vlan_tci = 0xffff;
  }
  if (f.id == FieldId::kTunId && field_ones(f) == (mask & field_ones(f))) {
    ctx.tun_id_written = true;
  }
  return true;
}

void set_vlan_vid(Ctx& ctx, uint16_t vid) {
  ctx.out.wc.vlan_tci = 0xffff;
  uint16_t tci = ctx.flow.vlan_tci & kVlanCfi ? ctx.flow.vlan_tci : kVlanCfi;
  ctx.flow.vlan_tci = static_cast<uint16_t>((tci & ~kVlanVidMask) | (vid & kVlanVidMask));
}

void pop_vlan(Ctx& ctx) {
  ctx.out.wc.vlan_tci = 0xffff;
  ctx.out.wc.vlan_tci2 = 0xffff;
  ctx.flow.vlan_tci = ctx.flow.vlan_tci2;
  ctx.flow.vlan_tci2 = 0;
}

void do_learn(Ctx& ctx, const LearnAction& l) {
  for (const LearnSpec& sp : l.specs) {
    bool reads = sp.kind == LearnSpec::Kind::kMatchField ||
                 sp.kind == LearnSpec::Kind::kLoadField || sp.kind == LearnSpec::Kind::kOutput;
    if (reads) subfield_unwildcard(ctx.out.wc, sp.src);
  }
  FlowSpec learned = learned_flow(l, ctx.flow);
  NT_XNOTE(ctx, kResult,
           "table=" + std::to_string(learned.table) + " " +
               format_match(learned.match, learned.priority) +
               " actions=" + format_actions(learned.actions));
  if (ctx.in.may_learn) ctx.bridge->learn(learned);
  if (ctx.out.cache) ctx.out.cache->learns.push_back({ctx.bridge, std::move(learned)});
}

void dec_ttl(Ctx& ctx) {
  if (!ctx.flow.is_ip() && !ctx.flow.is_ipv6()) return;
  ctx.out.wc.dl_type = 0xffff;
  ctx.out.wc.nw_ttl = 0xff;
  if (ctx.flow.nw_ttl <= 1) {
    NT_XNOTE(ctx, kDetail, "dec_ttl: TTL expired, sent to controller (invalid_ttl) and stopped");
    emit_userspace(ctx, 2 /* OFPR_INVALID_TTL */, 0);
    ctx.exit = true;
    return;
  }
  --ctx.flow.nw_ttl;
}

void set_l4(Ctx& ctx, FieldId id, uint16_t port) {
  ctx.out.wc.dl_type = 0xffff;
  ctx.out.wc.nw_proto = 0xff;
  if ((ctx.flow.is_ip() || ctx.flow.is_ipv6()) &&
      (ctx.flow.nw_proto == kIpProtoTcp || ctx.flow.nw_proto == kIpProtoUdp)) {
    field_set(ctx.flow, field_info(id), port);
    field_set(ctx.out.wc, field_info(id), 0xffff);
  }
}

void set_ipv4(Ctx& ctx, uint32_t FlowKey::*field, uint32_t ip) {
  ctx.out.wc.dl_type = 0xffff;
  if (!ctx.flow.is_ip()) return;
  ctx.flow.*field = ip;
  ctx.out.wc.*field = 0xffffffff;
}

// mod_nw_tos: the DSCP bits of an IPv4 or IPv6 packet; the ECN bits are left alone.
void set_ip_dscp(Ctx& ctx, uint8_t dscp) {
  ctx.out.wc.dl_type = 0xffff;
  if (!ctx.flow.is_ip() && !ctx.flow.is_ipv6()) return;
  ctx.out.wc.nw_tos |= 0xfc;
  ctx.flow.nw_tos = static_cast<uint8_t>((ctx.flow.nw_tos & 0x03) | (dscp & 0xfc));
}

void set_mac(Ctx& ctx, MacAddr FlowKey::*field, const MacAddr& mac) {
  ctx.flow.*field = mac;
  ctx.out.wc.*field = MacAddr::from_u64(0xffffffffffffULL);
}

}  // namespace

void do_actions(Ctx& ctx, const ActionList& acts) {
  for (size_t i = 0; i < acts.size() && !ctx.exit; ++i) {
    const Action& act = acts[i];
    bool last = i + 1 == acts.size();
    TraceScope scope(
        ctx, ctx.tracing() ? ctx.trace_add(TraceNode::action(format_action(act))) : nullptr);
    std::visit(Overloaded{
                   [&](const OutputAction& a) { xlate_output(ctx, a.port, a.max_len); },
                   [&](const OutputRegAction& a) {
                     subfield_unwildcard(ctx.out.wc, a.src);
                     xlate_output(ctx, static_cast<uint32_t>(subfield_get(ctx.flow, a.src)));
                   },
                   [&](const ControllerAction& a) { emit_userspace(ctx, a.reason, a.max_len); },
                   [&](const ResubmitAction& a) {
                     uint32_t saved = ctx.flow.in_port;
                     if (a.in_port != ofp_port::kInPort) ctx.flow.in_port = a.in_port;
                     xlate_table(ctx, a.table == 255 ? ctx.table_id : a.table, last);
                     ctx.flow.in_port = saved;
                   },
                   [&](const GotoTableAction& a) { xlate_table(ctx, a.table, true); },
                   [&](const SetVlanVidAction& a) { set_vlan_vid(ctx, a.vid); },
                   [&](const SetVlanPcpAction& a) {
                     ctx.out.wc.vlan_tci = 0xffff;
                     uint16_t tci = ctx.flow.vlan_tci & kVlanCfi ? ctx.flow.vlan_tci : kVlanCfi;
                     ctx.flow.vlan_tci =
                         static_cast<uint16_t>((tci & ~kVlanPcpMask) | (a.pcp << 13));
                   },
                   [&](const StripVlanAction&) { pop_vlan(ctx); },
                   [&](const PopVlanAction&) { pop_vlan(ctx); },
                   [&](const PushVlanAction& a) {
                     ctx.out.wc.vlan_tci = ctx.out.wc.vlan_tci2 = 0xffff;
                     ctx.flow.vlan_tci2 = ctx.flow.vlan_tci;
                     ctx.flow.vlan_tci = kVlanCfi | (ctx.flow.vlan_tci & ~kVlanCfi);
                     ctx.outer_tpid = a.ethertype;
                   },
                   [&](const SetFieldAction& a) {
                     write_field(ctx, *a.field, a.value, a.mask, "set_field");
                   },
                   [&](const RegLoadAction& a) {
                     write_field(ctx, *a.dst.field, a.value << a.dst.ofs,
                                 ones(a.dst.n_bits) << a.dst.ofs, "load");
                   },
                   [&](const RegMoveAction& a) {
                     subfield_unwildcard(ctx.out.wc, a.src);
                     prereq_unwildcard(a.src.field->prereq, ctx.out.wc);
                     u128 v = subfield_get(ctx.flow, a.src);
                     write_field(ctx, *a.dst.field, v << a.dst.ofs, ones(a.dst.n_bits) << a.dst.ofs,
                                 "move");
                   },
                   [&](const SetEthSrcAction& a) { set_mac(ctx, &FlowKey::dl_src, a.mac); },
                   [&](const SetEthDstAction& a) { set_mac(ctx, &FlowKey::dl_dst, a.mac); },
                   [&](const SetIpv4SrcAction& a) { set_ipv4(ctx, &FlowKey::nw_src, a.ip); },
                   [&](const SetIpv4DstAction& a) { set_ipv4(ctx, &FlowKey::nw_dst, a.ip); },
                   [&](const SetL4SrcAction& a) { set_l4(ctx, FieldId::kTpSrc, a.port); },
                   [&](const SetL4DstAction& a) { set_l4(ctx, FieldId::kTpDst, a.port); },
                   [&](const DecTtlAction&) { dec_ttl(ctx); },
                   [&](const SetTunnelAction& a) {
                     ctx.flow.tun_id = a.tun_id;
                     ctx.tun_id_written = true;
                   },
                   [&](const WriteMetadataAction& a) {
                     ctx.flow.metadata = (ctx.flow.metadata & ~a.mask) | (a.value & a.mask);
                   },
                   [&](const NoteAction&) {},
                   [&](const LearnAction& a) { do_learn(ctx, a); },
                   [&](const SetIpDscpAction& a) { set_ip_dscp(ctx, a.dscp); },
                   [&](const CtClearAction&) { xlate_ct_clear(ctx); },
                   [&](const CtAction& a) { xlate_ct(ctx, a); },
                   // The classifier consumes conjunction actions (a rule carrying them is
                   // never the result of a lookup), so executing one does nothing.
                   [&](const ConjunctionAction&) {},
                   [&](const std::monostate&) {},
               },
               act);
  }
}

}  // namespace nt::xlate_internal
