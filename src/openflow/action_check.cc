// check_actions(): what Open vSwitch's ofpacts_check() verifies before a flow is accepted.
//
// The check walks the actions with a copy of the rule's match that tracks what the actions do
// to the VLAN header (push/mod_vlan_* add one, strip/pop remove it), because set_field on
// vlan_vid needs a tag to exist at that point. Everything else depends only on the rule's match:
// an action that reads or writes a field needs the field's prerequisites pinned by the match
// (mod_nw_src needs "ip", set_field:80->tcp_dst needs "tcp").
#include <string>

#include "openflow/actions.h"
#include "openflow/text_util.h"

namespace nt {
namespace {

using oftext::check_subfield_dst;
using oftext::check_subfield_src;

struct CheckState {
  Match match;  // the rule's match, with the VLAN CFI bit updated by VLAN actions
  uint8_t table;

  bool has_vlan() const {
    return (match.mask.vlan_tci & kVlanCfi) && (match.value.vlan_tci & kVlanCfi);
  }
  void set_vlan(bool present) {
    match.mask.vlan_tci |= kVlanCfi;
    match.value.vlan_tci =
        present ? match.value.vlan_tci | kVlanCfi : match.value.vlan_tci & ~kVlanCfi;
  }
};

Error needs(std::string_view action, std::string_view what) {
  return make_error(std::string(action) + ": needs " + std::string(what) + " in the match",
                    ErrorCode::kPrerequisite);
}

Status check_output(const OutputAction& o) {
  if (oftext::valid_output_port(o.port)) return ok_status();
  return make_error("output: port " + std::to_string(o.port) + " is not a valid output port");
}

Status check_set_field(const SetFieldAction& a, const CheckState& st) {
  if (!a.field) return make_error("set_field: missing field");
  const FieldInfo& f = *a.field;
  Subfield whole{&f, 0, f.width};
  NT_TRY(check_subfield_dst("set_field", whole, st.match.value, st.match.mask));
  if (f.width < 128 && ((a.value | a.mask) >> f.width) != 0) {
    return make_error("set_field: value does not fit in the " + std::to_string(f.width) +
                      " bits of " + std::string(f.name));
  }
  bool vlan_field =
      f.id == FieldId::kVlanVid || f.id == FieldId::kDlVlan || f.id == FieldId::kDlVlanPcp;
  if (vlan_field && !st.has_vlan()) {
    return needs("set_field", "a VLAN tag (match dl_vlan=N, or push_vlan first)");
  }
  return ok_status();
}

Status check_load(const RegLoadAction& l, const CheckState& st) {
  NT_TRY(check_subfield_dst("load", l.dst, st.match.value, st.match.mask));
  if (l.dst.n_bits < 128 && (l.value >> l.dst.n_bits) != 0) {
    return make_error("load: value " + oftext::hex_u128(l.value) + " does not fit in " +
                      format_subfield(l.dst));
  }
  return ok_status();
}

Status check_move(const RegMoveAction& m, const CheckState& st) {
  NT_TRY(check_subfield_src("move", m.src, st.match.value, st.match.mask));
  NT_TRY(check_subfield_dst("move", m.dst, st.match.value, st.match.mask));
  if (m.src.n_bits != m.dst.n_bits) {
    return make_error("move: bit widths of " + format_subfield(m.src) + " and " +
                      format_subfield(m.dst) + " differ");
  }
  return ok_status();
}

bool is_ip_any(const Match& m) {
  return m.mask.dl_type == 0xffff && (m.value.is_ip() || m.value.is_ipv6());
}

Status check_ipv4(std::string_view action, const CheckState& st) {
  if (st.match.mask.dl_type == 0xffff && st.match.value.is_ip()) return ok_status();
  return needs(action, "ip (e.g. 'ip,nw_dst=10.0.0.1')");
}

Status check_l4(std::string_view action, const CheckState& st) {
  const Match& m = st.match;
  bool l4 = m.mask.nw_proto == 0xff &&
            (m.value.nw_proto == kIpProtoTcp || m.value.nw_proto == kIpProtoUdp);
  if (is_ip_any(m) && l4) return ok_status();
  return needs(action, "tcp or udp (e.g. 'tcp,tp_dst=80')");
}

Status check_goto(const GotoTableAction& g, const CheckState& st) {
  if (g.table == 255) return make_error("goto_table: table 255 out of range (0..254)");
  if (g.table > st.table) return ok_status();
  return make_error("goto_table: table " + std::to_string(g.table) +
                    " must be later than the rule's table " + std::to_string(st.table));
}

Status check_one(const Action& a, CheckState& st);

Error match_inconsistent() {
  return make_verbatim_error("actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)",
                             ErrorCode::kPrerequisite);
}

// check_CT() and check_NAT() of Open vSwitch: ct needs an IP match, may not commit a packet the
// match says is invalid, and its helper needs the helper's transport protocol.
Status check_ct(const CtAction& c, CheckState& st) {
  const Match& m = st.match;
  uint16_t dl_type = m.mask.dl_type == 0xffff ? m.value.dl_type : 0;
  bool ip_any = dl_type == kEthTypeIp || dl_type == kEthTypeIpv6;
  uint8_t proto = m.value.nw_proto & m.mask.nw_proto;
  if (!ip_any || ((m.value.ct_state & cs::kInv) && c.commit) ||
      (c.alg == CtAction::kAlgFtp && proto != kIpProtoTcp) ||
      (c.alg == CtAction::kAlgTftp && proto != kIpProtoUdp)) {
    return match_inconsistent();
  }
  if (c.zone_src.field) {
    NT_TRY(check_subfield_src("ct", c.zone_src, m.value, m.mask));
    if (c.zone_src.n_bits != 16) {
      return make_error("ct: zone " + format_subfield(c.zone_src) +
                        " must be 16 bits wide (zone n_bits " + std::to_string(c.zone_src.n_bits) +
                        " not within valid range [16..16])");
    }
  }
  if (c.nat && ((c.nat->af == CtNatSpec::Af::kIpv4 && dl_type != kEthTypeIp) ||
                (c.nat->af == CtNatSpec::Af::kIpv6 && dl_type != kEthTypeIpv6))) {
    return match_inconsistent();
  }
  for (const CtExecAction& e : c.exec) NT_TRY(check_one(ct_exec_action(e), st));
  return ok_status();
}

Status check_one(const Action& a, CheckState& st) {
  return std::visit(
      Overloaded{
          [&](const OutputAction& o) { return check_output(o); },
          [&](const OutputRegAction& o) {
            return check_subfield_src("output", o.src, st.match.value, st.match.mask);
          },
          [&](const ControllerAction&) { return ok_status(); },
          [&](const ResubmitAction&) { return ok_status(); },
          [&](const GotoTableAction& g) { return check_goto(g, st); },
          [&](const SetVlanVidAction& v) {
            st.set_vlan(true);
            if (v.vid <= kVlanVidMask) return ok_status();
            return Status(make_error("mod_vlan_vid: VLAN ID out of range (0..4095)"));
          },
          [&](const SetVlanPcpAction& v) {
            st.set_vlan(true);
            if (v.pcp <= 7) return ok_status();
            return Status(make_error("mod_vlan_pcp: priority out of range (0..7)"));
          },
          [&](const StripVlanAction&) {
            st.set_vlan(false);
            return ok_status();
          },
          [&](const PopVlanAction&) {
            st.set_vlan(false);
            return ok_status();
          },
          [&](const PushVlanAction& p) {
            st.set_vlan(true);
            if (p.ethertype == kEthTypeVlan || p.ethertype == kEthTypeQinQ) return ok_status();
            return Status(make_error("push_vlan: ethertype must be 0x8100 or 0x88a8"));
          },
          [&](const SetFieldAction& f) { return check_set_field(f, st); },
          [&](const RegLoadAction& l) { return check_load(l, st); },
          [&](const RegMoveAction& m) { return check_move(m, st); },
          [&](const SetEthSrcAction&) { return ok_status(); },
          [&](const SetEthDstAction&) { return ok_status(); },
          [&](const SetIpv4SrcAction&) { return check_ipv4("mod_nw_src", st); },
          [&](const SetIpv4DstAction&) { return check_ipv4("mod_nw_dst", st); },
          [&](const SetL4SrcAction&) { return check_l4("mod_tp_src", st); },
          [&](const SetL4DstAction&) { return check_l4("mod_tp_dst", st); },
          [&](const DecTtlAction&) {
            if (is_ip_any(st.match)) return ok_status();
            return Status(needs("dec_ttl", "ip or ipv6"));
          },
          [&](const SetTunnelAction&) { return ok_status(); },
          [&](const WriteMetadataAction&) { return ok_status(); },
          [&](const NoteAction&) { return ok_status(); },
          [&](const LearnAction& l) { return oftext::check_learn(l, st.match); },
          // Open vSwitch accepts mod_nw_tos without an IP match (an OpenFlow 1.0 action); on a
          // packet that is not IP it does nothing.
          [&](const SetIpDscpAction& d) {
            if ((d.dscp & 3) == 0) return ok_status();
            return Status(make_error(std::to_string(d.dscp) + ": not a valid TOS"));
          },
          [&](const CtClearAction&) { return ok_status(); },
          [&](const CtAction& c) { return check_ct(c, st); },
          [&](const ConjunctionAction& c) {
            if (c.n_clauses >= 2 && c.n_clauses <= 64 && c.clause >= 1 && c.clause <= c.n_clauses) {
              return ok_status();
            }
            return Status(make_error("conjunction: clause " + std::to_string(c.clause) + "/" +
                                     std::to_string(c.n_clauses) + " out of range"));
          },
          [&](const std::monostate&) { return Status(make_error("empty action")); },
      },
      a);
}

}  // namespace

namespace oftext {

Status check_instruction_order(const ActionList& acts) {
  bool seen_metadata = false;
  for (size_t i = 0; i < acts.size(); ++i) {
    bool last = i + 1 == acts.size();
    if (std::holds_alternative<GotoTableAction>(acts[i]) && !last) {
      return make_error("goto_table must be the last action");
    }
    bool metadata = std::holds_alternative<WriteMetadataAction>(acts[i]);
    if (metadata && seen_metadata) return make_error("write_metadata may appear only once");
    if (seen_metadata && !std::holds_alternative<GotoTableAction>(acts[i])) {
      return make_error("write_metadata must follow all other actions except goto_table");
    }
    seen_metadata |= metadata;
  }
  return ok_status();
}

// What ovs-ofctl says when conjunction() shares a flow with anything but note.
Status check_conjunction_company(const ActionList& acts) {
  bool conj = false;
  const Action* other = nullptr;
  for (const Action& a : acts) {
    if (std::holds_alternative<ConjunctionAction>(a)) {
      conj = true;
    } else if (!std::holds_alternative<NoteAction>(a) && !other) {
      other = &a;
    }
  }
  if (!conj || !other) return ok_status();
  std::string word = format_action(*other);
  word = word.substr(0, word.find_first_of(":("));
  // Open vSwitch names the action by its internal kind: load is a set_field.
  if (std::holds_alternative<OutputAction>(*other)) word = "output";
  if (std::holds_alternative<RegLoadAction>(*other)) word = "set_field";
  return make_error(
      "\"conjunction\" actions may be used along with \"note\" but not any other kind of "
      "action (such as the \"" +
      word + "\" action used here)");
}

}  // namespace oftext

Status check_actions(const ActionList& acts, const Match& match, uint8_t table) {
  NT_TRY(oftext::check_instruction_order(acts));
  NT_TRY(oftext::check_conjunction_company(acts));
  CheckState st{match, table};
  for (const Action& a : acts) NT_TRY(check_one(a, st));
  return ok_status();
}

}  // namespace nt
