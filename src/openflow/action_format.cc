// format_actions(): actions as `ovs-ofctl dump-flows` prints them, after the format_*()
// functions of Open vSwitch's lib/ofp-actions.c and learn_format() of lib/learn.c.
#include <string>

#include "openflow/actions.h"
#include "openflow/text_util.h"

namespace nt {
namespace {

using oftext::append_dec;
using oftext::append_hex;
using oftext::append_port;

// Physical ports print as "output:N"; reserved ports by name alone ("NORMAL"); CONTROLLER
// carries its max_len ("CONTROLLER:65535").
void put_output(std::string& s, const OutputAction& o, const PortNamer* names) {
  if (o.port < ofp_port::kMax) s += "output:";
  append_port(s, o.port, names);
  if (o.port == ofp_port::kController) {
    s += ':';
    append_dec(s, o.max_len);
  }
}

std::string_view reason_name(uint8_t reason) {
  static constexpr std::string_view kNames[] = {"no_match",   "action", "invalid_ttl",
                                                "action_set", "group",  "packet_out"};
  return reason < std::size(kNames) ? kNames[reason] : "action";
}

void put_controller(std::string& s, const ControllerAction& c) {
  if (c.reason == 1) {
    s += "CONTROLLER:";
    append_dec(s, c.max_len);
    return;
  }
  s += "controller(reason=";
  s += reason_name(c.reason);
  if (c.max_len != 65535) {
    s += ",max_len=";
    append_dec(s, c.max_len);
  }
  s += ')';
}

void put_resubmit(std::string& s, const ResubmitAction& r, const PortNamer* names) {
  if (r.in_port != ofp_port::kInPort && r.table == 255) {
    s += "resubmit:";
    append_port(s, r.in_port, names);
    return;
  }
  s += "resubmit(";
  if (r.in_port != ofp_port::kInPort) append_port(s, r.in_port, names);
  s += ',';
  if (r.table != 255) append_dec(s, r.table);
  s += ')';
}

void put_keyword_dec(std::string& s, std::string_view kw, uint64_t v) {
  s += kw;
  s += ':';
  append_dec(s, v);
}

void put_set_field(std::string& s, const SetFieldAction& a, const PortNamer* names) {
  s += "set_field:";
  if (a.field) {
    oftext::append_field_value(s, *a.field, a.value, a.mask, names);
    s += "->";
    s += oftext::mf_name(*a.field);
  }
}

void put_note(std::string& s, const NoteAction& n) {
  static const char* kDigits = "0123456789abcdef";
  s += "note:";
  for (size_t i = 0; i < n.data.size(); ++i) {
    if (i) s += '.';
    s += kDigits[n.data[i] >> 4];
    s += kDigits[n.data[i] & 15];
  }
}

void put_write_metadata(std::string& s, const WriteMetadataAction& w) {
  s += "write_metadata:";
  append_hex(s, w.value);
  if (w.mask != ~uint64_t{0}) {
    s += '/';
    append_hex(s, w.mask);
  }
}

void put_tunnel(std::string& s, const SetTunnelAction& t) {
  s += t.is64 || t.tun_id > 0xffffffffu ? "set_tunnel64:" : "set_tunnel:";
  append_hex(s, t.tun_id);
}

void put_conjunction(std::string& s, const ConjunctionAction& c) {
  s += "conjunction(";
  append_dec(s, c.id);
  s += ',';
  append_dec(s, c.clause);
  s += '/';
  append_dec(s, c.n_clauses);
  s += ')';
}

void append_action(std::string& s, const Action& a, const PortNamer* names);

// ipv6_format_addr_bracket(): in brackets when a port follows.
void put_nat_addr(std::string& s, const CtNatSpec& n, const std::array<uint8_t, 16>& a) {
  if (n.af == CtNatSpec::Af::kIpv4) {
    s += ipv4_to_string(uint32_t{a[0]} << 24 | uint32_t{a[1]} << 16 | uint32_t{a[2]} << 8 | a[3]);
    return;
  }
  bool bracket = n.port_min != 0;
  if (bracket) s += '[';
  s += ipv6_to_string(a);
  if (bracket) s += ']';
}

// format_NAT().
void put_nat(std::string& s, const CtNatSpec& n) {
  s += "nat";
  if (n.kind == CtNatSpec::Kind::kReverse) return;
  s += n.kind == CtNatSpec::Kind::kSrc ? "(src" : "(dst";
  if (n.af != CtNatSpec::Af::kNone) {
    s += '=';
    put_nat_addr(s, n, n.addr_min);
    static constexpr std::array<uint8_t, 16> kZero{};
    if (n.addr_max != kZero && n.addr_max != n.addr_min) {
      s += '-';
      put_nat_addr(s, n, n.addr_max);
    }
    if (n.port_min) {
      s += ':';
      append_dec(s, n.port_min);
      if (n.port_max && n.port_max != n.port_min) {
        s += '-';
        append_dec(s, n.port_max);
      }
    }
  }
  s += ',';
  if (n.persistent) s += "persistent,";
  if (n.hash) s += "hash,";
  if (n.random) s += "random,";
  s.back() = ')';
}

// format_CT(): the canonical order commit,force,table=,zone=,nat,exec(),alg=.
void put_ct(std::string& s, const CtAction& c, const PortNamer* names) {
  s += "ct(";
  if (c.commit) s += "commit,";
  if (c.force) s += "force,";
  if (c.table != CtAction::kNoTable) {
    s += "table=";
    append_dec(s, c.table);
    s += ',';
  }
  if (c.zone_src.field) {
    s += "zone=" + format_subfield(c.zone_src) + ",";
  } else if (c.zone) {
    s += "zone=";
    append_dec(s, c.zone);
    s += ',';
  }
  if (c.nat) {
    put_nat(s, *c.nat);
    s += ',';
  }
  if (!c.exec.empty()) {
    s += "exec(";
    for (size_t i = 0; i < c.exec.size(); ++i) {
      if (i) s += ',';
      append_action(s, ct_exec_action(c.exec[i]), names);
    }
    s += "),";
  }
  if (c.alg == CtAction::kAlgFtp) {
    s += "alg=ftp,";
  } else if (c.alg == CtAction::kAlgTftp) {
    s += "alg=tftp,";
  } else if (c.alg) {
    s += "alg=";
    append_dec(s, c.alg);
    s += ',';
  }
  if (s.back() == ',') s.pop_back();
  s += ')';
}

void append_action(std::string& s, const Action& a, const PortNamer* names) {
  std::visit(Overloaded{
                 [&](const OutputAction& o) { put_output(s, o, names); },
                 [&](const OutputRegAction& o) { s += "output:" + format_subfield(o.src); },
                 [&](const ControllerAction& c) { put_controller(s, c); },
                 [&](const ResubmitAction& r) { put_resubmit(s, r, names); },
                 [&](const GotoTableAction& g) { put_keyword_dec(s, "goto_table", g.table); },
                 [&](const SetVlanVidAction& v) { put_keyword_dec(s, "mod_vlan_vid", v.vid); },
                 [&](const SetVlanPcpAction& v) { put_keyword_dec(s, "mod_vlan_pcp", v.pcp); },
                 [&](const StripVlanAction&) { s += "strip_vlan"; },
                 [&](const PopVlanAction&) { s += "pop_vlan"; },
                 [&](const PushVlanAction& p) {
                   s += "push_vlan:";
                   append_hex(s, p.ethertype);
                 },
                 [&](const SetFieldAction& f) { put_set_field(s, f, names); },
                 [&](const RegLoadAction& l) {
                   s += "load:";
                   append_hex(s, l.value);
                   s += "->" + format_subfield(l.dst);
                 },
                 [&](const RegMoveAction& m) {
                   s += "move:" + format_subfield(m.src) + "->" + format_subfield(m.dst);
                 },
                 [&](const SetEthSrcAction& e) { s += "mod_dl_src:" + e.mac.to_string(); },
                 [&](const SetEthDstAction& e) { s += "mod_dl_dst:" + e.mac.to_string(); },
                 [&](const SetIpv4SrcAction& i) { s += "mod_nw_src:" + ipv4_to_string(i.ip); },
                 [&](const SetIpv4DstAction& i) { s += "mod_nw_dst:" + ipv4_to_string(i.ip); },
                 [&](const SetL4SrcAction& p) { put_keyword_dec(s, "mod_tp_src", p.port); },
                 [&](const SetL4DstAction& p) { put_keyword_dec(s, "mod_tp_dst", p.port); },
                 [&](const DecTtlAction&) { s += "dec_ttl"; },
                 [&](const SetTunnelAction& t) { put_tunnel(s, t); },
                 [&](const WriteMetadataAction& w) { put_write_metadata(s, w); },
                 [&](const NoteAction& n) { put_note(s, n); },
                 [&](const LearnAction& l) { oftext::append_learn(s, l); },
                 [&](const SetIpDscpAction& d) { put_keyword_dec(s, "mod_nw_tos", d.dscp); },
                 [&](const CtClearAction&) { s += "ct_clear"; },
                 [&](const CtAction& c) { put_ct(s, c, names); },
                 [&](const ConjunctionAction& c) { put_conjunction(s, c); },
                 [&](const std::monostate&) {},
             },
             a);
}

}  // namespace

Action ct_exec_action(const CtExecAction& a) {
  return std::visit([](const auto& x) { return Action(x); }, a);
}

std::string format_action(const Action& a, const PortNamer* names) {
  std::string s;
  append_action(s, a, names);
  return s;
}

std::string format_actions(const ActionList& acts, const PortNamer* names) {
  if (acts.empty()) return "drop";
  std::string s;
  s.reserve(32 * acts.size());
  for (size_t i = 0; i < acts.size(); ++i) {
    if (i) s += ',';
    append_action(s, acts[i], names);
  }
  return s;
}

}  // namespace nt
