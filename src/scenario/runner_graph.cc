// ScenarioRunner: `graph` — the live topology as Graphviz DOT. The runner fills the neutral
// LabTopology (topology.h) from its switches' real state (bridges, ports, patch peers, tunnel
// options), its nodes' IP stacks (NICs, addresses, MACs), segments, `link` cables and
// instances; topology_dot() draws it.
#include <algorithm>

#include "common/strings.h"
#include "scenario/runner.h"

namespace nt {
namespace {

TopoPort topo_port(const OfPort& p) {
  TopoPort t;
  t.name = p.name;
  t.type = port_type_name(p.ofport == ofp_port::kLocal ? PortType::kInternal : p.type);
  t.ofport = p.ofport;
  t.tag = p.vlan_config.tag ? static_cast<int>(*p.vlan_config.tag) : -1;
  t.trunks = p.vlan_config.trunks;
  if (p.type == PortType::kPatch) t.options["peer"] = p.peer;
  if (p.tunnel) {
    const TunnelConfig& c = *p.tunnel;
    t.options["remote_ip"] = ipv4_to_string(c.remote_ip);
    if (c.local_ip) t.options["local_ip"] = ipv4_to_string(c.local_ip);
    t.options["key"] = c.key_flow ? std::string("flow") : std::to_string(c.key);
  }
  return t;
}

std::string cidr_text(const IfAddr& a) {
  return ipv4_to_string(a.addr) + "/" + std::to_string(a.prefix_len);
}

}  // namespace

LabTopology ScenarioRunner::topology() const {
  LabTopology t;
  for (const auto& n : nodes_) {
    TopoNode tn;
    tn.name = n->name;
    for (const Ofproto* br : n->sw->bridges()) {
      TopoBridge tb;
      tb.name = br->name();
      for (const auto& [no, p] : br->ports()) tb.ports.push_back(topo_port(p));
      tn.bridges.push_back(std::move(tb));
    }
    for (const NodeNic& nic : n->nics) {
      const Nic& hn = n->host->nic(nic.id);
      TopoNic tc{nic.name, nic.segment->name(), "", hn.mac().to_string(), nic.bridge};
      if (!hn.addresses().empty()) tc.cidr = cidr_text(hn.addresses().front());
      tn.nics.push_back(std::move(tc));
    }
    t.nodes.push_back(std::move(tn));
  }
  for (const auto& [name, inst] : instances_) {
    const Nic& nic = inst->host->nic(inst->nic);
    std::string cidr = nic.addresses().empty() ? "" : cidr_text(nic.addresses().front());
    t.instances.push_back(
        {name, inst->node->name, inst->bridge, inst->port, cidr, nic.mac().to_string()});
  }
  for (const auto& [name, seg] : segments_) t.segments.push_back({name, seg->cidr()});
  for (const auto& [x, y] : links_) {
    t.links.push_back({x.node, x.bridge, x.port, y.node, y.bridge, y.port});
  }
  return t;
}

Result<std::string> ScenarioRunner::cmd_graph(const Args& a) const {
  if (a.size() > 1) return make_error("usage: graph");
  return topology_dot(topology());
}

}  // namespace nt
