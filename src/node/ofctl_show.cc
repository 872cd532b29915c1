// nvs-ofctl show, dump-ports, dump-ports-desc, dump-tables: switch and port descriptions in
// the text ovs-ofctl prints for the corresponding OpenFlow replies.
#include <cinttypes>
#include <cstdio>

#include "node/ofctl_internal.h"

namespace nt {
namespace {

std::string port_label(const OfPort& p) {
  if (p.ofport == ofp_port::kLocal) return "LOCAL(" + p.name + ")";
  return std::to_string(p.ofport) + "(" + p.name + ")";
}

bool has_link_speed(const OfPort& p) {
  return p.type == PortType::kSystem || p.type == PortType::kTap;
}

// One port of OFPT_FEATURES_REPLY / OFPST_PORT_DESC.
std::string format_port_desc(const CommandHost& host, const Ofproto& br, const OfPort& p,
                             int version) {
  bool up = host.port_link_up(br, p);
  std::string s = " " + port_label(p) + ": addr:" + p.mac.to_string() + "\n";
  s += "     config:     ";
  s += (!up && p.type == PortType::kInternal) ? "PORT_DOWN\n" : "0\n";
  s += "     state:      ";
  s += !up ? "LINK_DOWN\n" : (version >= 4 ? "LIVE\n" : "0\n");
  if (has_link_speed(p) && up) {
    s += "     current:    10GB-FD COPPER\n";
    s += "     speed: 10000 Mbps now, 0 Mbps max\n";
  } else {
    s += "     speed: 0 Mbps now, 0 Mbps max\n";
  }
  return s;
}

std::string format_ports_desc(const CommandHost& host, const Ofproto& br, int version) {
  std::string s;
  for (const auto& [no, p] : br.ports()) s += format_port_desc(host, br, p, version);
  return s;
}

std::string version_tag(int version) {
  return version == 1 ? "" : " (OF1." + std::to_string(version - 1) + ")";
}

struct PortCounters {
  uint64_t rx_packets = 0, rx_bytes = 0, rx_dropped = 0, tx_packets = 0, tx_bytes = 0,
           tx_dropped = 0;
};

PortCounters port_counters(Switch& sw, const Ofproto& br, const OfPort& p) {
  PortCounters c{p.rx_packets, p.rx_bytes, 0, p.tx_packets, p.tx_bytes, 0};
  if (const DpPort* dp = sw.dp_port(br, p.ofport)) {
    c = {dp->rx_packets, dp->rx_bytes, dp->rx_dropped,
         dp->tx_packets, dp->tx_bytes, dp->tx_dropped};
  }
  return c;
}

std::string format_port_stats(Switch& sw, const Ofproto& br, const OfPort& p) {
  PortCounters c = port_counters(sw, br, p);
  std::string id = p.ofport == ofp_port::kLocal ? "LOCAL" : std::to_string(p.ofport);
  if (p.ofport < 10) id = " " + id;
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "  port %s: rx pkts=%" PRIu64 ", bytes=%" PRIu64 ", drop=%" PRIu64
      ", errs=0, frame=0, over=0, crc=0\n"
      "           tx pkts=%" PRIu64 ", bytes=%" PRIu64 ", drop=%" PRIu64 ", errs=0, coll=0\n",
      id.c_str(), c.rx_packets, c.rx_bytes, c.rx_dropped, c.tx_packets, c.tx_bytes, c.tx_dropped);
  return buf;
}

// dump-ports PORT: a number, LOCAL or a port name.
const OfPort* find_port_arg(const Ofproto& br, const std::string& arg) {
  if (arg == "LOCAL") return br.port(ofp_port::kLocal);
  if (const OfPort* p = br.find_port(arg)) return p;
  char* end = nullptr;
  unsigned long n = std::strtoul(arg.c_str(), &end, 0);
  return end && *end == '\0' && !arg.empty() ? br.port(static_cast<uint32_t>(n)) : nullptr;
}

// The match fields an OpenFlow 1.0 table can wildcard, in Open vSwitch's field order.
constexpr const char* kOf10Fields[] = {"in_port",  "eth_src",  "eth_dst", "eth_type",
                                       "vlan_vid", "vlan_pcp", "ip_src",  "ip_dst",
                                       "nw_proto", "nw_tos",   "tcp_src", "tcp_dst"};

}  // namespace

void ofctl_show(OfctlCtx& ctx, Ofproto& br) {
  int v = ctx.opt.version;
  char buf[160];
  std::snprintf(buf, sizeof buf, "OFPT_FEATURES_REPLY%s (xid=0x2): dpid:%016" PRIx64 "\n",
                version_tag(v).c_str(), ctx.host->datapath_id(br));
  std::string& out = ctx.reply.out;
  out = buf;
  out += "n_tables:254, n_buffers:0\n";
  if (v == 1) {
    out += "capabilities: FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP\n";
    out +=
        "actions: output enqueue set_vlan_vid set_vlan_pcp strip_vlan mod_dl_src mod_dl_dst "
        "mod_nw_src mod_nw_dst mod_nw_tos mod_tp_src mod_tp_dst\n";
  } else {
    out += "capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS\n";
    out += "OFPST_PORT_DESC reply" + version_tag(v) + " (xid=0x3):\n";
  }
  out += format_ports_desc(*ctx.host, br, v);
  out += "OFPT_GET_CONFIG_REPLY" + version_tag(v) + " (xid=" + (v == 1 ? "0x4" : "0x5") +
         "): frags=normal miss_send_len=0\n";
}

void ofctl_dump_ports_desc(OfctlCtx& ctx, Ofproto& br) {
  ctx.reply.out = ofctl_reply_header(ctx.opt, "OFPST_PORT_DESC", "OFPST_PORT_DESC", 2, 2) + "\n";
  if (ctx.args.size() > 2) {
    const OfPort* p = find_port_arg(br, ctx.args[2]);
    if (!p) return ctx.fail(ctx.args[2] + ": invalid or unknown port");
    ctx.reply.out += format_port_desc(*ctx.host, br, *p, ctx.opt.version);
    return;
  }
  ctx.reply.out += format_ports_desc(*ctx.host, br, ctx.opt.version);
}

void ofctl_dump_ports(OfctlCtx& ctx, Ofproto& br) {
  Switch& sw = ctx.host->sw();
  sw.datapath().push_stats();
  std::vector<const OfPort*> ports;
  if (ctx.args.size() > 2) {
    const OfPort* p = find_port_arg(br, ctx.args[2]);
    if (!p) return ctx.fail(ctx.args[2] + ": invalid or unknown port");
    ports.push_back(p);
  } else {
    if (const OfPort* local = br.port(ofp_port::kLocal)) ports.push_back(local);
    for (const auto& [no, p] : br.ports()) {
      if (no != ofp_port::kLocal) ports.push_back(&p);
    }
  }
  std::string header = ofctl_reply_header(ctx.opt, "OFPST_PORT", "OFPST_PORT", 2, 2);
  ctx.reply.out = header + " " + std::to_string(ports.size()) + " ports\n";
  for (const OfPort* p : ports) ctx.reply.out += format_port_stats(sw, br, *p);
}

void ofctl_dump_tables(OfctlCtx& ctx, Ofproto& br) {
  std::string& out = ctx.reply.out;
  out = ofctl_reply_header(ctx.opt, "OFPST_TABLE", "OFPST_TABLE", 2, 2) + "\n";
  int ditto_from = -1;
  for (int t = 0; t < kNumTables - 1; ++t) {
    size_t active = br.n_rules(static_cast<uint8_t>(t));
    const Ofproto::TableStats& st = br.table_stats(static_cast<uint8_t>(t));
    bool same = t > 0 && active == br.n_rules(static_cast<uint8_t>(t - 1)) &&
                st.lookups == br.table_stats(static_cast<uint8_t>(t - 1)).lookups &&
                st.matched == br.table_stats(static_cast<uint8_t>(t - 1)).matched;
    if (same) {
      if (ditto_from < 0) ditto_from = t;
      continue;
    }
    if (ditto_from >= 0) {
      out += ditto_from == t - 1 ? "\n  table " + std::to_string(ditto_from) + ": ditto\n"
                                 : "\n  tables " + std::to_string(ditto_from) + "..." +
                                       std::to_string(t - 1) + ": ditto\n";
      ditto_from = -1;
    }
    out += "\n  table " + std::to_string(t) + ":\n";
    out += "    active=" + std::to_string(active) + ", lookup=" + std::to_string(st.lookups) +
           ", matched=" + std::to_string(st.matched) + "\n";
    if (t > 0) {
      out += "    (same features)\n";
      continue;
    }
    out += "    max_entries=1000000\n    matching:\n";
    for (const char* f : kOf10Fields)
      out += std::string("      ") + f + ": exact match or wildcard\n";
  }
  if (ditto_from >= 0) {
    out += "\n  tables " + std::to_string(ditto_from) + "..." + std::to_string(kNumTables - 2) +
           ": ditto\n";
  }
}

}  // namespace nt
