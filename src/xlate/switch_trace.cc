// ofproto/trace: what a packet with a given flow would meet, bridge by bridge, and the
// megaflow and datapath actions that result.
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

Result<std::string> Switch::trace(const std::string& bridge_name, std::string_view flow_text,
                                  bool generate) {
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
  std::string s = "Flow: " + format_flow(in.flow, nullptr) + "\n\n" + out.trace + "\n";
  s += "Final flow: " +
       (out.final_flow == in.flow ? std::string("unchanged")
                                  : format_flow(out.final_flow, nullptr)) +
       "\n";
  Match mega;
  mega.mask = out.wc;
  mega.value = in.flow;
  key_and(mega.value, mega.mask);
  s += "Megaflow: " + format_match(mega, kDefaultPriority) + "\n";
  s += "Datapath actions: " + format_odp_actions(out.actions) + "\n";
  if (generate) maybe_revalidate();
  return s;
}

}  // namespace nt
