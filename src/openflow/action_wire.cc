// wire_form(): the actions as a peer sees them after they were encoded for one OpenFlow
// version and decoded again, after encode_*() / decode_*() of Open vSwitch's
// lib/ofp-actions.c (3.1) and what its ovs-ofctl then prints.
#include "openflow/action_wire.h"

#include <bit>

namespace nt {
namespace {

// What the encoder knows about the packet at the current action (OVS's check_*() flow copy).
struct WireState {
  explicit WireState(const WireOptions& o) : opt(o) {}
  const WireOptions& opt;
  bool has_vlan = false;
  bool is_ipv4 = false;
  uint8_t ip_proto = 0;       // exact nw_proto of an IPv4/IPv6 match, else 0
  bool inconsistent = false;  // needs OpenFlow 1.0 + NXM (the match does not imply it)
  bool needs_of11 = false;    // has no OpenFlow 1.0 encoding
  ActionList out;
};

bool oxm(const WireState& st) { return st.opt.version >= 3; }

WireState initial_state(const Match& m, const WireOptions& opt) {
  WireState st(opt);
  uint16_t tci_mask = m.mask.vlan_tci;
  st.has_vlan = (tci_mask & kVlanCfi) && (m.value.vlan_tci & kVlanCfi);
  bool dl_type_exact = m.mask.dl_type == 0xffff;
  st.is_ipv4 = dl_type_exact && m.value.dl_type == kEthTypeIp;
  bool ip_any = st.is_ipv4 || (dl_type_exact && m.value.dl_type == kEthTypeIpv6);
  if (ip_any && m.mask.nw_proto == 0xff) st.ip_proto = m.value.nw_proto;
  return st;
}

// set_field_to_nxast(): when the field has an NXM header, one NXAST_REG_LOAD (printed
// load:V->FIELD[a..b]) per run of mask bits, at most 64 bits each (next_load_segment()), so
// set_field:0x5/0x5->reg0 becomes load:0x1->NXM_NX_REG0[0],load:0x1->NXM_NX_REG0[2] and a
// whole ct_label two 64-bit loads; else NXAST_REG_LOAD2, which decodes back to set_field.
void push_nxast_load(ActionList& out, const SetFieldAction& sf) {
  const FieldInfo& f = *sf.field;
  u128 mask = sf.mask & field_ones(f);
  if (f.nxm_name.empty() || mask == 0) return out.push_back(sf);
  int start = 0;
  while (start < f.width) {
    int ofs = start;
    while (ofs < f.width && !((mask >> ofs) & 1)) ++ofs;
    if (ofs >= f.width) break;
    int end = ofs;
    while (end < f.width && end < ofs + 64 && ((mask >> end) & 1)) ++end;
    Subfield dst{&f, static_cast<uint8_t>(ofs), static_cast<uint8_t>(end - ofs)};
    out.push_back(RegLoadAction{dst, (sf.value >> ofs) & ones(end - ofs)});
    start = end;
  }
}

SetFieldAction whole(FieldId id, u128 value) {
  const FieldInfo& f = field_info(id);
  return SetFieldAction{&f, value & field_ones(f), field_ones(f)};
}

// set_field_to_legacy_openflow(): the OpenFlow 1.0 action for the field, if there is one.
void legacy_set_field(WireState& st, const SetFieldAction& sf) {
  bool full = sf.mask == field_ones(*sf.field);
  uint64_t v = static_cast<uint64_t>(sf.value);
  switch (full ? sf.field->id : FieldId::kCount) {
    case FieldId::kVlanVid:
    case FieldId::kDlVlan:
      st.has_vlan = true;
      return st.out.push_back(SetVlanVidAction{static_cast<uint16_t>(v & 0xfff)});
    case FieldId::kDlVlanPcp:
      return st.out.push_back(SetVlanPcpAction{static_cast<uint8_t>(v & 7)});
    case FieldId::kVlanTci:
      if (!(v & kVlanCfi)) {
        st.has_vlan = false;
        return st.out.push_back(StripVlanAction{});
      }
      st.has_vlan = true;
      st.out.push_back(SetVlanVidAction{static_cast<uint16_t>(v & 0xfff)});
      return st.out.push_back(SetVlanPcpAction{static_cast<uint8_t>(v >> 13)});
    case FieldId::kDlSrc:
      return st.out.push_back(SetEthSrcAction{MacAddr::from_u64(v)});
    case FieldId::kDlDst:
      return st.out.push_back(SetEthDstAction{MacAddr::from_u64(v)});
    case FieldId::kIpDscp:
      return st.out.push_back(SetIpDscpAction{static_cast<uint8_t>((v & 0x3f) << 2)});
    case FieldId::kNwTos:
      // With ECN bits no OpenFlow 1.0 action writes them with the DSCP: an NXM load.
      if (v & 3) return push_nxast_load(st.out, sf);
      return st.out.push_back(SetIpDscpAction{static_cast<uint8_t>(v)});
    case FieldId::kNwSrc:
      return st.out.push_back(SetIpv4SrcAction{static_cast<uint32_t>(v)});
    case FieldId::kNwDst:
      return st.out.push_back(SetIpv4DstAction{static_cast<uint32_t>(v)});
    case FieldId::kTpSrc:
    case FieldId::kTcpSrc:
    case FieldId::kUdpSrc:
      return st.out.push_back(SetL4SrcAction{static_cast<uint16_t>(v)});
    case FieldId::kTpDst:
    case FieldId::kTcpDst:
    case FieldId::kUdpDst:
      return st.out.push_back(SetL4DstAction{static_cast<uint16_t>(v)});
    default:
      return push_nxast_load(st.out, sf);
  }
}

void put_set_field(WireState& st, const SetFieldAction& sf) {
  if (!sf.field) return st.out.push_back(sf);
  FieldId id = sf.field->id;
  if (id == FieldId::kVlanVid || id == FieldId::kDlVlan) st.has_vlan = true;
  if (st.opt.version >= 6) return st.out.push_back(sf);
  if (!oxm(st)) return legacy_set_field(st, sf);
  if (sf.mask == field_ones(*sf.field)) return st.out.push_back(sf);
  push_nxast_load(st.out, sf);
}

void put_reg_load(WireState& st, const RegLoadAction& l) {
  if (st.opt.version < 6 || !l.dst.field) return st.out.push_back(l);
  u128 mask = ones(l.dst.n_bits) << l.dst.ofs;
  st.out.push_back(SetFieldAction{l.dst.field, l.value << l.dst.ofs, mask});
}

// mod_vlan_vid / mod_vlan_pcp: OpenFlow 1.0's set-or-push; 1.2+ push_vlan when the packet has
// no tag yet, then set_field on vlan_vid (with the CFI bit) or vlan_pcp.
void put_vlan_vid(WireState& st, const SetVlanVidAction& a) {
  if (oxm(st)) {
    if (!st.has_vlan) st.out.push_back(PushVlanAction{kEthTypeVlan});
    st.out.push_back(whole(FieldId::kVlanVid, a.vid | kVlanCfi));
  } else {
    st.out.push_back(a);
  }
  st.has_vlan = true;
}

void put_vlan_pcp(WireState& st, const SetVlanPcpAction& a) {
  if (oxm(st)) {
    if (!st.has_vlan) st.out.push_back(PushVlanAction{kEthTypeVlan});
    st.out.push_back(whole(FieldId::kDlVlanPcp, a.pcp));
  } else {
    st.out.push_back(a);
  }
  st.has_vlan = true;
}

void put_pop(WireState& st) {
  if (!st.has_vlan) st.inconsistent = true;
  st.has_vlan = false;
  if (st.opt.version == 1) return st.out.push_back(StripVlanAction{});
  st.out.push_back(PopVlanAction{});
}

void put_push(WireState& st, const PushVlanAction& p) {
  st.has_vlan = true;
  if (st.opt.version == 1) {
    st.needs_of11 = true;  // OpenFlow 1.0 has no push: the following set pushes
    return;
  }
  st.out.push_back(p);
}

template <class T>
void put_l3(WireState& st, const T& a, FieldId id, uint32_t ip) {
  if (!st.is_ipv4) st.inconsistent = true;
  if (oxm(st)) return st.out.push_back(whole(id, ip));
  st.out.push_back(a);
}

FieldId l4_field(const WireState& st, bool src) {
  if (st.ip_proto == kIpProtoUdp) return src ? FieldId::kUdpSrc : FieldId::kUdpDst;
  return src ? FieldId::kTcpSrc : FieldId::kTcpDst;
}

template <class T>
void put_l4(WireState& st, const T& a, bool src, uint16_t port) {
  if (st.ip_proto != kIpProtoTcp && st.ip_proto != kIpProtoUdp) st.inconsistent = true;
  if (oxm(st)) return st.out.push_back(whole(l4_field(st, src), port));
  st.out.push_back(a);
}

void put_tunnel(WireState& st, SetTunnelAction t) {
  if (oxm(st)) return st.out.push_back(whole(FieldId::kTunId, t.tun_id));
  t.is64 = t.is64 || t.tun_id > 0xffffffffu;
  st.out.push_back(t);
}

void put_goto(WireState& st, const GotoTableAction& g) {
  if (st.opt.version == 1) return st.out.push_back(ResubmitAction{ofp_port::kInPort, g.table});
  st.out.push_back(g);
}

void put_action(WireState& st, const Action& a);

// ct(exec(...)): the nested actions travel in the same protocol as the ct action.
CtAction put_ct(const WireState& st, const CtAction& c) {
  WireState sub(st.opt);
  for (const CtExecAction& e : c.exec) put_action(sub, ct_exec_action(e));
  CtAction out = c;
  out.exec.clear();
  for (const Action& a : sub.out) {
    if (auto* sf = std::get_if<SetFieldAction>(&a)) out.exec.push_back(*sf);
    if (auto* l = std::get_if<RegLoadAction>(&a)) out.exec.push_back(*l);
    if (auto* m = std::get_if<RegMoveAction>(&a)) out.exec.push_back(*m);
  }
  return out;
}

void put_action(WireState& st, const Action& a) {
  std::visit(Overloaded{
                 [&](const GotoTableAction& g) { put_goto(st, g); },
                 [&](const SetVlanVidAction& v) { put_vlan_vid(st, v); },
                 [&](const SetVlanPcpAction& v) { put_vlan_pcp(st, v); },
                 [&](const StripVlanAction&) { put_pop(st); },
                 [&](const PopVlanAction&) { put_pop(st); },
                 [&](const PushVlanAction& p) { put_push(st, p); },
                 [&](const SetFieldAction& f) { put_set_field(st, f); },
                 [&](const RegLoadAction& l) { put_reg_load(st, l); },
                 [&](const SetEthSrcAction& e) {
                   st.out.push_back(oxm(st) ? Action(whole(FieldId::kDlSrc, e.mac.to_u64())) : e);
                 },
                 [&](const SetEthDstAction& e) {
                   st.out.push_back(oxm(st) ? Action(whole(FieldId::kDlDst, e.mac.to_u64())) : e);
                 },
                 [&](const SetIpv4SrcAction& i) { put_l3(st, i, FieldId::kNwSrc, i.ip); },
                 [&](const SetIpv4DstAction& i) { put_l3(st, i, FieldId::kNwDst, i.ip); },
                 [&](const SetL4SrcAction& p) { put_l4(st, p, true, p.port); },
                 [&](const SetL4DstAction& p) { put_l4(st, p, false, p.port); },
                 [&](const SetTunnelAction& t) { put_tunnel(st, t); },
                 [&](const NoteAction& n) { st.out.push_back(NoteAction{padded_note(n.data)}); },
                 // mod_nw_tos: OpenFlow 1.2+ carries the DSCP as set_field on ip_dscp.
                 [&](const SetIpDscpAction& d) {
                   st.out.push_back(oxm(st) ? Action(whole(FieldId::kIpDscp, d.dscp >> 2)) : d);
                 },
                 // The same action in every version:
                 [&](const OutputAction& o) { st.out.push_back(o); },
                 [&](const OutputRegAction& o) { st.out.push_back(o); },
                 [&](const ControllerAction& c) { st.out.push_back(c); },
                 [&](const ResubmitAction& r) { st.out.push_back(r); },
                 [&](const RegMoveAction& m) { st.out.push_back(m); },
                 [&](const DecTtlAction& d) { st.out.push_back(d); },
                 [&](const WriteMetadataAction& w) { st.out.push_back(w); },
                 [&](const LearnAction& l) { st.out.push_back(l); },
                 [&](const CtClearAction& c) { st.out.push_back(c); },
                 [&](const CtAction& c) { st.out.push_back(put_ct(st, c)); },
                 [&](const ConjunctionAction& c) { st.out.push_back(c); },
                 [&](const std::monostate&) {},
             },
             a);
}

bool mask_is_exact_or_wild(const Match& m, FieldId id) {
  const FieldInfo& f = field_info(id);
  u128 mask = m.get_mask(f);
  return mask == 0 || mask == field_ones(f);
}

bool mask_is_prefix(const Match& m, FieldId id) {
  const FieldInfo& f = field_info(id);
  uint32_t mask = static_cast<uint32_t>(m.get_mask(f));
  return (~mask & (~mask + 1)) == 0;  // ones then zeros
}

std::string allowed_formats(int version) {
  if (version == 1) return "OpenFlow10,NXM";
  if (version == 2) return "OpenFlow11";
  return "OXM-OpenFlow1" + std::to_string(version - 1);
}

Status check_usable(const WireState& st) {
  const WireOptions& o = st.opt;
  std::string usable;
  if (o.version == 1 && st.needs_of11) {
    usable = o.match_needs_nxm ? "OXM" : "OXM,OpenFlow11";
  } else if (o.version >= 2 && st.inconsistent) {
    usable = o.match_needs_nxm ? "NXM" : "OpenFlow10,NXM";
  } else {
    return ok_status();
  }
  return make_error("none of the usable flow formats (" + usable +
                    ") is among the allowed flow formats (" + allowed_formats(o.version) + ")");
}

}  // namespace

Match match_wire_form(const Match& m, int version) {
  Match out = m;
  if (version >= 3 && m.mask.vlan_tci == 0xffff && !(m.value.vlan_tci & kVlanCfi)) {
    out.mask.vlan_tci = 0x1fff;
    out.value.vlan_tci &= 0x1fff;
  }
  return out;
}

// The mask bits of every field OpenFlow 1.0's match cannot carry, built once: a match has none
// of them iff its mask ANDed with this is all zeros (a flow file checks every flow).
const FlowKey& of10_never_mask() {
  static const FlowKey never = [] {
    static constexpr FieldId kNever[] = {
        FieldId::kTunId,   FieldId::kTunSrc,    FieldId::kTunDst,    FieldId::kMetadata,
        FieldId::kNwTtl,   FieldId::kNwFrag,    FieldId::kArpSha,    FieldId::kArpTha,
        FieldId::kIpv6Src, FieldId::kIpv6Dst,   FieldId::kNwEcn,     FieldId::kCtState,
        FieldId::kCtZone,  FieldId::kCtMark,    FieldId::kCtLabel,   FieldId::kCtNwSrc,
        FieldId::kCtNwDst, FieldId::kCtIpv6Src, FieldId::kCtIpv6Dst, FieldId::kCtNwProto,
        FieldId::kCtTpSrc, FieldId::kCtTpDst};
    FlowKey k{};
    for (FieldId id : kNever) {
      const FieldInfo& f = field_info(id);
      field_set_masked(k, f, field_ones(f), field_ones(f));
    }
    for (uint32_t& r : k.regs) r = 0xffffffffu;
    return k;
  }();
  return never;
}

bool of10_can_match(const Match& m) {
  const KeyWord* mask = m.mask.words();
  const KeyWord* never = of10_never_mask().words();
  KeyWord any = 0;
  for (size_t i = 0; i < FlowKey::kWords; ++i) any |= mask[i] & never[i];
  if (any) return false;
  if (!mask_is_exact_or_wild(m, FieldId::kDlSrc) || !mask_is_exact_or_wild(m, FieldId::kDlDst)) {
    return false;
  }
  if (!mask_is_prefix(m, FieldId::kNwSrc) || !mask_is_prefix(m, FieldId::kNwDst)) return false;
  uint16_t tci = m.mask.vlan_tci;
  return tci == 0 || tci == 0xffff || tci == 0x1fff || tci == 0xe000 || tci == 0xf000;
}

std::vector<uint8_t> padded_note(const std::vector<uint8_t>& data) {
  constexpr size_t kHeader = 10;  // nx_action_note: type, len, vendor, subtype
  size_t total = (kHeader + data.size() + 7) / 8 * 8;
  std::vector<uint8_t> out = data;
  out.resize(total - kHeader, 0);
  return out;
}

Result<ActionList> wire_form(const ActionList& acts, const Match& match, const WireOptions& opt) {
  if (opt.version == 0) return acts;
  WireState st = initial_state(match, opt);
  st.out.reserve(acts.size() + 2);
  for (const Action& a : acts) put_action(st, a);
  if (opt.check) NT_TRY(check_usable(st));
  // Reserved for the worst case; a flow keeps its actions for its lifetime (200,000 flows of a
  // bundle each held twice the memory they needed), so keep only what is used.
  st.out.shrink_to_fit();
  return std::move(st.out);
}

}  // namespace nt
