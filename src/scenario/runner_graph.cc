// ScenarioRunner: `graph` — the live topology as Graphviz DOT, made from the switches' real
// state: one cluster per node, one per bridge inside it, a box per port, patch pairs, tunnels
// to the node that owns their remote VTEP, `link` cables and instances on their ports.
#include <algorithm>
#include <set>

#include "common/strings.h"
#include "scenario/runner.h"

namespace nt {
namespace {

// A quoted DOT string; `\n` sequences the caller put in stay line breaks.
std::string q(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string node_label(const std::string& name) { return name.empty() ? "default" : name; }

std::string port_id(const std::string& node, const std::string& br, const std::string& port) {
  return q(node_label(node) + "/" + br + "/" + port);
}

std::string vtep_id(uint32_t ip) { return q("vtep/" + ipv4_to_string(ip)); }

std::string join_vids(const std::vector<uint16_t>& vids) {
  std::string out;
  for (uint16_t v : vids) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

std::string port_label(const OfPort& p) {
  std::string l = p.name + "\\nofport " +
                  (p.ofport == ofp_port::kLocal ? std::string("LOCAL") : std::to_string(p.ofport));
  if (p.type == "patch") l += "\\npatch peer=" + p.peer;
  if (p.tunnel) l += "\\n" + p.type + " remote_ip=" + ipv4_to_string(p.tunnel->remote_ip);
  if (p.vlan_config.tag) l += "\\ntag: " + std::to_string(*p.vlan_config.tag);
  if (!p.vlan_config.trunks.empty()) l += "\\ntrunks: " + join_vids(p.vlan_config.trunks);
  return l;
}

std::string tunnel_label(const OfPort& p) {
  const TunnelConfig& t = *p.tunnel;
  return p.type + " key=" + (t.key_flow ? std::string("flow") : std::to_string(t.key));
}

std::vector<Ofproto*> sorted_bridges(const Switch& sw) {
  std::vector<Ofproto*> brs = sw.bridges();
  std::sort(brs.begin(), brs.end(),
            [](const Ofproto* a, const Ofproto* b) { return a->name() < b->name(); });
  return brs;
}

// Edges leaving one bridge's ports: patch pairs (once per pair) and tunnels to their VTEP.
void bridge_edges(const std::string& node, const Switch& sw, const Ofproto& br,
                  std::vector<std::string>& edges, std::set<uint32_t>& vteps) {
  for (const auto& [no, p] : br.ports()) {
    std::string me = port_id(node, br.name(), p.name);
    if (p.type == "patch") {
      auto [peer_br, peer] = sw.patch_peer(p);
      if (!peer_br || !peer) continue;
      std::string other = port_id(node, peer_br->name(), peer->name);
      if (me < other)
        edges.push_back(me + " -> " + other + " [dir=none, style=dashed, label=\"patch\"];");
    } else if (p.tunnel) {
      vteps.insert(p.tunnel->remote_ip);
      edges.push_back(me + " -> " + vtep_id(p.tunnel->remote_ip) +
                      " [style=bold, label=" + q(tunnel_label(p)) + "];");
    }
  }
}

}  // namespace

std::string ScenarioRunner::graph_node(const Node& n, std::vector<std::string>& edges,
                                       std::set<uint32_t>& remotes) const {
  std::string label = node_label(n.name), out;
  if (n.vtep) label += "\\nvtep " + ipv4_to_string(n.vtep);
  out += "  subgraph " + q("cluster_" + node_label(n.name)) + " {\n    label=" + q(label) + ";\n";
  if (n.vtep)
    out += "    " + vtep_id(n.vtep) + " [shape=cds, label=" + q("VTEP " + ipv4_to_string(n.vtep)) +
           "];\n";
  for (const Ofproto* br : sorted_bridges(*n.sw)) {
    out += "    subgraph " + q("cluster_" + node_label(n.name) + "/" + br->name()) + " {\n";
    out += "      label=" + q(br->name()) + ";\n      style=rounded;\n";
    for (const auto& [no, p] : br->ports()) {
      out += "      " + port_id(n.name, br->name(), p.name) +
             " [shape=box, label=" + q(port_label(p)) + "];\n";
    }
    out += "    }\n";
    bridge_edges(n.name, *n.sw, *br, edges, remotes);
  }
  for (const auto& [name, inst] : instances_) {
    if (inst->node != &n) continue;
    const Nic& nic = inst->host->nic(inst->nic);
    std::string l = name;
    for (const IfAddr& ia : nic.addresses()) {
      l += "\\n" + ipv4_to_string(ia.addr) + "/" + std::to_string(ia.prefix_len);
    }
    l += "\\n" + nic.mac().to_string();
    out += "    " + q("instance/" + name) + " [shape=ellipse, label=" + q(l) + "];\n";
    edges.push_back(q("instance/" + name) + " -> " + port_id(n.name, inst->bridge, inst->port) +
                    " [dir=none];");
  }
  return out + "  }\n";
}

// graph: digraph "lab" — clusters per node and bridge, then every edge, sorted.
Result<std::string> ScenarioRunner::cmd_graph(const Args& a) const {
  if (a.size() > 1) return make_error("usage: graph");
  std::vector<const Node*> nodes;
  for (const auto& n : nodes_) nodes.push_back(n.get());
  std::sort(nodes.begin(), nodes.end(),
            [](const Node* x, const Node* y) { return x->name < y->name; });
  std::string out = "digraph lab {\n  rankdir=LR;\n";
  out += "  node [fontname=\"Helvetica\", fontsize=10];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  std::vector<std::string> edges;
  std::set<uint32_t> remotes;  // remote VTEPs tunnels point at
  for (const Node* n : nodes) out += graph_node(*n, edges, remotes);
  for (const Node* n : nodes) remotes.erase(n->vtep);
  for (uint32_t ip : remotes) {  // a tunnel to an address no node owns
    out += "  " + vtep_id(ip) +
           " [shape=box, style=dashed, label=" + q(ipv4_to_string(ip) + "\\n(no node)") + "];\n";
  }
  for (const auto& [x, y] : links_) {
    edges.push_back(port_id(x.node, x.bridge, x.port) + " -> " + port_id(y.node, y.bridge, y.port) +
                    " [dir=none, penwidth=2, label=\"link\"];");
  }
  std::sort(edges.begin(), edges.end());
  for (const std::string& e : edges) out += "  " + e + "\n";
  return out + "}\n";
}

}  // namespace nt
