// ofproto/trace: what a packet with a given flow would meet, bridge by bridge, and the
// megaflow and datapath actions that result.
#include <cstdio>

#include "xlate/switch.h"

namespace nt {
namespace {

void show(Match& m, FieldId id) { field_set(m.mask, field_info(id), field_ones(field_info(id))); }

void show_if_set(Match& m, const FlowKey& k, FieldId id) {
  if (field_get(k, field_info(id))) show(m, id);
}

}  // namespace

std::string format_flow(const FlowKey& k, const PortNamer* names, bool with_in_port) {
  Match m;
  m.value = k;
  show_if_set(m, k, FieldId::kTunId);
  show_if_set(m, k, FieldId::kTunSrc);
  show_if_set(m, k, FieldId::kTunDst);
  show_if_set(m, k, FieldId::kMetadata);
  for (int i = 0; i < 16; ++i) {
    show_if_set(m, k, static_cast<FieldId>(static_cast<int>(FieldId::kReg0) + i));
  }
  // Connection tracking (after a ct() recirculation): each field when it is not zero, as
  // Open vSwitch's "Flow: recirc_id=0x1,ct_state=new|trk,ct_zone=1,...". recirc_id has no
  // field-table row (it is no OpenFlow field); format_match() prints it from the mask.
  if (k.recirc_id) m.mask.recirc_id = 0xffffffff;
  for (FieldId id : {FieldId::kCtState, FieldId::kCtZone, FieldId::kCtMark, FieldId::kCtLabel,
                     FieldId::kCtNwSrc, FieldId::kCtNwDst, FieldId::kCtIpv6Src, FieldId::kCtIpv6Dst,
                     FieldId::kCtNwProto, FieldId::kCtTpSrc, FieldId::kCtTpDst}) {
    show_if_set(m, k, id);
  }
  for (FieldId id : {FieldId::kInPort, FieldId::kVlanTci, FieldId::kDlSrc, FieldId::kDlDst}) {
    show(m, id);
  }
  m.mask.dl_type = 0xffff;
  if (k.is_ip() || k.is_ipv6()) {
    for (FieldId id : {k.is_ip() ? FieldId::kNwSrc : FieldId::kIpv6Src,
                       k.is_ip() ? FieldId::kNwDst : FieldId::kIpv6Dst, FieldId::kNwProto,
                       FieldId::kNwTos, FieldId::kNwTtl}) {
      show(m, id);
    }
    m.mask.nw_frag = 3;
    if (k.nw_proto == kIpProtoTcp || k.nw_proto == kIpProtoUdp || k.nw_proto == kIpProtoIcmp ||
        k.nw_proto == kIpProtoIcmpv6) {
      m.mask.tp_src = m.mask.tp_dst = 0xffff;
    }
    if (k.nw_proto == kIpProtoTcp) m.mask.tcp_flags = 0x0fff;  // "tcp_flags=syn|ack", or 0
  } else if (k.is_arp()) {
    for (FieldId id : {FieldId::kArpSpa, FieldId::kArpTpa, FieldId::kArpOp, FieldId::kArpSha,
                       FieldId::kArpTha}) {
      show(m, id);
    }
  }
  if (!with_in_port) m.mask.in_port = 0;
  key_and(m.value, m.mask);
  return format_match(m, kDefaultPriority, names);
}

namespace {

// The trace's summary lines, formatted once for both outputs.
struct TraceSummary {
  std::string flow, final_flow, megaflow, actions;
};

TraceSummary summarize(const FlowKey& flow, const XlateOut& out) {
  TraceSummary t;
  t.flow = format_flow(flow, nullptr);
  t.final_flow = out.final_flow == flow ? t.flow : format_flow(out.final_flow, nullptr);
  Match mega;
  mega.mask = out.wc;
  mega.value = flow;
  key_and(mega.value, mega.mask);
  t.megaflow = format_match(mega, kDefaultPriority);
  // A translation cut short is dropped whole (switch_ops.cc), whatever it had collected.
  t.actions = out.error ? std::string("drop") : format_odp_actions(out.actions);
  return t;
}

std::string trace_text(const TraceSummary& t, const FlowKey& flow, const XlateOut& out) {
  std::string s = "Flow: " + t.flow + "\n\n" + format_trace_text(*out.trace) + "\n";
  s += "Final flow: " + (out.final_flow == flow ? std::string("unchanged") : t.final_flow) + "\n";
  s += "Megaflow: " + t.megaflow + "\n";
  s += "Datapath actions: " + t.actions + "\n";
  return s;
}

std::string trace_json(const TraceSummary& t, const std::string& bridge, const XlateOut& out) {
  std::string s = "{\"bridge\":" + json_string(bridge) + ",\"flow\":" + json_string(t.flow);
  s += ",\"trace\":" + format_trace_json(*out.trace);
  s += ",\"final_flow\":" + json_string(t.final_flow);
  s += ",\"megaflow\":" + json_string(t.megaflow);
  s += ",\"datapath_actions\":" + json_string(t.actions);
  s += std::string(",\"error\":") + (out.error ? "true" : "false") + "}\n";
  return s;
}

}  // namespace

Result<std::string> Switch::trace(const std::string& bridge_name, std::string_view flow_text,
                                  bool generate, TraceFormat format, std::vector<uint8_t> ct_next) {
  Ofproto* br = bridge(bridge_name);
  if (!br) return make_error("no bridge named " + bridge_name, ErrorCode::kNotFound);
  auto m = parse_match(flow_text, br);
  if (!m.ok()) return m.error();
  if (!m->mask.in_port) return make_error("trace: the flow must specify in_port");
  if (!br->port(m->value.in_port)) {
    return make_error("trace: no port " + std::to_string(m->value.in_port) + " on " + bridge_name);
  }
  XlateIn in;
  in.bridge = br;
  in.flow = m->value;
  in.may_learn = generate;
  in.trace = true;
  dp_->push_stats();
  XlateOut out = xlate(*this, in);
  TraceSummary sum = summarize(in.flow, out);
  std::string s = format == TraceFormat::kJson ? trace_json(sum, bridge_name, out)
                                               : trace_text(sum, in.flow, out);
  if (format == TraceFormat::kText) s += trace_recirculations(out, ct_next, generate);
  if (generate) maybe_revalidate();
  return s;
}

// The passes after the first, as Open vSwitch's trace follows them: every ct() that
// recirculates resumes its frozen state with the ct_state --ct-next gives for it (in order),
// or trk|new. The conntrack fields other than ct_state and ct_zone are left zero and NAT is
// not simulated.
std::string Switch::trace_recirculations(const XlateOut& first, std::vector<uint8_t> ct_next,
                                         bool generate) {
  struct Pass {
    FlowKey flow;
    odp::Ct ct;
  };
  std::vector<Pass> todo;
  auto queue = [&](const XlateOut& out) {
    for (const OdpAction& a : out.actions) {
      if (const auto* ct = std::get_if<odp::Ct>(&a); ct && ct->recirc_id) {
        todo.push_back({out.final_flow, *ct});
      }
    }
  };
  queue(first);
  std::string s;
  for (size_t i = 0; i < todo.size() && i < 16; ++i) {
    const FrozenState* f = frozen(todo[i].ct.recirc_id);
    Ofproto* br = f ? bridge(f->bridge) : nullptr;
    if (!br) continue;
    bool given = i < ct_next.size();
    uint8_t state = given ? ct_next[i] : static_cast<uint8_t>(kCsTrk | kCsNew);
    XlateIn in;
    in.bridge = br;
    in.table = f->table;
    in.flow = todo[i].flow;
    in.flow.recirc_id = todo[i].ct.recirc_id;
    in.flow.in_port = f->in_port;
    in.flow.metadata = f->metadata;
    std::copy(f->regs.begin(), f->regs.end(), in.flow.regs);
    in.flow.ct_state = state;
    in.flow.ct_zone = todo[i].ct.args->zone;
    in.may_learn = generate;
    in.trace = true;
    XlateOut out = xlate(*this, in);
    char id[16];
    std::snprintf(id, sizeof id, "0x%x", todo[i].ct.recirc_id);
    std::string rule(79, '=');
    s += "\n" + rule + "\nrecirc(" + id + ") - resume conntrack with " +
         (given ? "ct_state=" + format_ct_state(state, 0xff)
                : "default ct_state=trk|new (use --ct-next to customize)") +
         "\n" + rule + "\n\n";
    s += trace_text(summarize(in.flow, out), in.flow, out);
    queue(out);
  }
  return s;
}

}  // namespace nt
