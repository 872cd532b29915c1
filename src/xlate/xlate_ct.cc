// Translating ct() and ct_clear: what the connection tracker is asked to do, and where a
// recirculated packet resumes (recirc.h).
#include "xlate/xlate_ctx.h"

namespace nt::xlate_internal {
namespace {

CtAddr ct_addr(const std::array<uint8_t, 16>& b) {
  CtAddr a;
  a.b = b;
  return a;
}

// nat(...) as the tracker takes it: one address means min == max.
CtNat ct_nat(const CtNatSpec& n) {
  CtNat out;
  switch (n.kind) {
    case CtNatSpec::Kind::kReverse:
      out.kind = CtNat::Kind::kReverseOnly;
      return out;
    case CtNatSpec::Kind::kSrc:
      out.kind = CtNat::Kind::kSrc;
      break;
    case CtNatSpec::Kind::kDst:
      out.kind = CtNat::Kind::kDst;
      break;
  }
  out.ipv6 = n.af == CtNatSpec::Af::kIpv6;
  out.addr_min = ct_addr(n.addr_min);
  out.addr_max = n.addr_max == std::array<uint8_t, 16>{} ? out.addr_min : ct_addr(n.addr_max);
  out.port_min = n.port_min;
  out.port_max = n.port_max ? n.port_max : n.port_min;
  out.persistent = n.persistent;
  out.random = n.random;
  out.hash = n.hash;
  return out;
}

// One write of exec(...): a value under a mask, into ct_mark or ct_label.
void ct_exec_write(CtArgs& args, const FieldInfo& f, u128 value, u128 mask) {
  if (f.id == FieldId::kCtMark) {
    args.set_mark = true;
    args.mark = static_cast<uint32_t>((args.mark & ~mask) | (value & mask));
    args.mark_mask |= static_cast<uint32_t>(mask);
  } else {
    args.set_label = true;
    args.label = (args.label & ~mask) | (value & mask);
    args.label_mask |= mask;
  }
}

void ct_exec(Ctx& ctx, CtArgs& args, const CtExecAction& e) {
  if (const auto* s = std::get_if<SetFieldAction>(&e)) {
    ct_exec_write(args, *s->field, s->value, s->mask ? s->mask : field_ones(*s->field));
  } else if (const auto* l = std::get_if<RegLoadAction>(&e)) {
    ct_exec_write(args, *l->dst.field, l->value << l->dst.ofs, ones(l->dst.n_bits) << l->dst.ofs);
  } else if (const auto* m = std::get_if<RegMoveAction>(&e)) {
    subfield_unwildcard(ctx.out.wc, m->src);
    u128 v = subfield_get(ctx.flow, m->src);
    ct_exec_write(args, *m->dst.field, v << m->dst.ofs, ones(m->dst.n_bits) << m->dst.ofs);
  }
}

void clear_ct_fields(FlowKey& f) {
  f.ct_state = 0;
  f.ct_zone = 0;
  f.ct_mark = 0;
  f.ct_label = {};
  f.ct_nw_proto = 0;
  f.ct_nw_src = f.ct_nw_dst = 0;
  f.ct_tp_src = f.ct_tp_dst = 0;
  f.ct_ipv6_src = {};
  f.ct_ipv6_dst = {};
}

}  // namespace

// ct(...): pending header edits are committed first (the tracker sees the packet as the
// pipeline left it), then one datapath ct() with, for table=N, the id of the frozen pipeline
// state the recirculated packet resumes from. Afterwards this pass's packet is untracked, as
// in Open vSwitch: only the recirculated pass sees the tracker's answer.
void xlate_ct(Ctx& ctx, const CtAction& a) {
  commit(ctx);
  CtArgs args;
  args.commit = a.commit;
  args.force = a.force;
  if (a.zone_src.field) {
    subfield_unwildcard(ctx.out.wc, a.zone_src);
    args.zone = static_cast<uint16_t>(subfield_get(ctx.flow, a.zone_src));
  } else {
    args.zone = a.zone;
  }
  if (a.nat) args.nat = ct_nat(*a.nat);
  for (const CtExecAction& e : a.exec) ct_exec(ctx, args, e);
  odp::Ct ct;
  ct.args = ct_args_intern(args);
  if (a.table != CtAction::kNoTable) {
    FrozenState s;
    s.bridge = ctx.bridge->name();
    s.table = a.table;
    s.in_port = ctx.flow.in_port;
    s.metadata = ctx.flow.metadata;
    std::copy(std::begin(ctx.flow.regs), std::end(ctx.flow.regs), s.regs.begin());
    ct.recirc_id = ctx.sw.freeze(s);
    NT_XNOTE(ctx, kResult,
             "A clone of the packet is forked to recirculate. The forked pipeline will be "
             "resumed at table " +
                 std::to_string(a.table) + ".");
  }
  ctx.out.actions.push_back(ct);
  NT_XNOTE(ctx, kResult,
           "Sets the packet to an untracked state, and clears all the conntrack fields.");
  clear_ct_fields(ctx.flow);
  clear_ct_fields(ctx.base);
}

// ct_clear: the packet becomes untracked. A datapath ct_clear is needed only when the packet
// is tracked (Open vSwitch emits none on an untracked packet).
void xlate_ct_clear(Ctx& ctx) {
  ctx.out.wc.ct_state = 0xff;
  if (ctx.flow.ct_state) ctx.out.actions.push_back(odp::CtClear{});
  clear_ct_fields(ctx.flow);
}

}  // namespace nt::xlate_internal
