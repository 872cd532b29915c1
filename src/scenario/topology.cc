#include "scenario/topology.h"

#include <algorithm>
#include <set>

namespace nt {
namespace {

constexpr uint32_t kLocalOfport = 65534;

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

std::string nic_id(const std::string& node, const std::string& nic) {
  return q("nic/" + node_label(node) + "/" + nic);
}

std::string segment_id(const std::string& name) { return q("segment/" + name); }

std::string address_of(const std::string& cidr) { return cidr.substr(0, cidr.find('/')); }

std::string option(const TopoPort& p, const std::string& key) {
  auto it = p.options.find(key);
  return it == p.options.end() ? std::string() : it->second;
}

bool is_tunnel(const TopoPort& p) { return p.type != "patch" && p.options.count("remote_ip"); }

std::string join_vids(const std::vector<uint16_t>& vids) {
  std::string out;
  for (uint16_t v : vids) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

std::string port_label(const TopoPort& p) {
  std::string l = p.name + "\\nofport " +
                  (p.ofport == kLocalOfport ? std::string("LOCAL") : std::to_string(p.ofport));
  if (p.type == "patch") l += "\\npatch peer=" + option(p, "peer");
  if (is_tunnel(p)) l += "\\n" + p.type + " remote_ip=" + option(p, "remote_ip");
  if (p.tag >= 0) l += "\\ntag: " + std::to_string(p.tag);
  if (!p.trunks.empty()) l += "\\ntrunks: " + join_vids(p.trunks);
  return l;
}

std::string nic_label(const TopoNic& n) {
  std::string l = n.name;
  if (!n.cidr.empty()) l += "\\n" + n.cidr;
  if (!n.mac.empty()) l += "\\n" + n.mac;
  if (!n.bridge.empty()) l += "\\nin " + n.bridge;
  return l;
}

// Addresses tunnels use: their nodes' local_ip and everybody's remote_ip.
std::set<std::string> vtep_addresses(const LabTopology& t) {
  std::set<std::string> out;
  for (const TopoNode& n : t.nodes) {
    for (const TopoBridge& b : n.bridges) {
      for (const TopoPort& p : b.ports) {
        if (!is_tunnel(p)) continue;
        out.insert(option(p, "remote_ip"));
        if (!option(p, "local_ip").empty()) out.insert(option(p, "local_ip"));
      }
    }
  }
  return out;
}

// Which NIC owns each address, as a DOT id.
std::map<std::string, std::string> address_owners(const LabTopology& t) {
  std::map<std::string, std::string> out;
  for (const TopoNode& n : t.nodes) {
    for (const TopoNic& nic : n.nics) {
      if (!nic.cidr.empty()) out.emplace(address_of(nic.cidr), nic_id(n.name, nic.name));
    }
  }
  return out;
}

class DotWriter {
 public:
  explicit DotWriter(const LabTopology& t)
      : t_(t), vteps_(vtep_addresses(t)), owners_(address_owners(t)) {}

  std::string write() {
    std::string out = "digraph lab {\n  rankdir=LR;\n";
    out += "  node [fontname=\"Helvetica\", fontsize=10];\n";
    out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    std::vector<const TopoNode*> nodes;
    for (const TopoNode& n : t_.nodes) nodes.push_back(&n);
    std::sort(nodes.begin(), nodes.end(),
              [](const TopoNode* a, const TopoNode* b) { return a->name < b->name; });
    for (const TopoNode* n : nodes) out += node_cluster(*n);
    out += segments();
    for (const std::string& ip : unknown_) {  // a tunnel to an address no node owns
      out += "  " + q("vtep/" + ip) + " [shape=box, style=dashed, label=" + q(ip + "\\n(no node)") +
             "];\n";
    }
    for (const TopoLink& l : t_.links) {
      edges_.push_back(port_id(l.node1, l.bridge1, l.port1) + " -> " +
                       port_id(l.node2, l.bridge2, l.port2) +
                       " [dir=none, penwidth=2, label=\"link\"];");
    }
    std::sort(edges_.begin(), edges_.end());
    for (const std::string& e : edges_) out += "  " + e + "\n";
    return out + "}\n";
  }

 private:
  std::string node_cluster(const TopoNode& n) {
    std::string label = node_label(n.name), body;
    for (const TopoNic& nic : n.nics) {
      std::string addr = address_of(nic.cidr);
      if (!nic.cidr.empty() && vteps_.count(addr)) label += "\\nvtep " + addr;
      body +=
          "    " + nic_id(n.name, nic.name) + " [shape=cds, label=" + q(nic_label(nic)) + "];\n";
      if (!nic.segment.empty()) {
        edges_.push_back(nic_id(n.name, nic.name) + " -> " + segment_id(nic.segment) +
                         " [dir=none];");
      }
      if (!nic.bridge.empty()) {
        edges_.push_back(port_id(n.name, nic.bridge, nic.name) + " -> " + nic_id(n.name, nic.name) +
                         " [dir=none, style=dotted, label=\"enslaved\"];");
      }
    }
    std::vector<const TopoBridge*> brs;
    for (const TopoBridge& b : n.bridges) brs.push_back(&b);
    std::sort(brs.begin(), brs.end(),
              [](const TopoBridge* a, const TopoBridge* b) { return a->name < b->name; });
    for (const TopoBridge* b : brs) body += bridge_cluster(n, *b);
    for (const TopoInstance& i : t_.instances) {
      if (i.node == n.name) body += instance(i);
    }
    return "  subgraph " + q("cluster_" + node_label(n.name)) + " {\n    label=" + q(label) +
           ";\n" + body + "  }\n";
  }

  std::string bridge_cluster(const TopoNode& n, const TopoBridge& b) {
    std::string out = "    subgraph " + q("cluster_" + node_label(n.name) + "/" + b.name) + " {\n";
    out += "      label=" + q(b.name) + ";\n      style=rounded;\n";
    for (const TopoPort& p : b.ports) {
      out += "      " + port_id(n.name, b.name, p.name) + " [shape=box, label=" + q(port_label(p)) +
             "];\n";
      port_edges(n, b, p);
    }
    return out + "    }\n";
  }

  // Patch pairs (once per pair) and tunnels to the NIC owning their remote address.
  void port_edges(const TopoNode& n, const TopoBridge& b, const TopoPort& p) {
    std::string me = port_id(n.name, b.name, p.name);
    if (p.type == "patch") {
      const TopoBridge* peer_br = patch_peer(n, option(p, "peer"));
      if (!peer_br) return;
      std::string other = port_id(n.name, peer_br->name, option(p, "peer"));
      if (me < other)
        edges_.push_back(me + " -> " + other + " [dir=none, style=dashed, label=\"patch\"];");
    } else if (is_tunnel(p)) {
      std::string remote = option(p, "remote_ip");
      auto owner = owners_.find(remote);
      std::string target = owner != owners_.end() ? owner->second : q("vtep/" + remote);
      if (owner == owners_.end()) unknown_.insert(remote);
      std::string key = option(p, "key").empty() ? "flow" : option(p, "key");
      edges_.push_back(me + " -> " + target + " [style=bold, label=" + q(p.type + " key=" + key) +
                       "];");
    }
  }

  static const TopoBridge* patch_peer(const TopoNode& n, const std::string& peer) {
    for (const TopoBridge& b : n.bridges) {
      for (const TopoPort& p : b.ports) {
        if (p.name == peer && p.type == "patch") return &b;
      }
    }
    return nullptr;
  }

  std::string instance(const TopoInstance& i) {
    std::string l = i.name;
    if (!i.cidr.empty()) l += "\\n" + i.cidr;
    if (!i.mac.empty()) l += "\\n" + i.mac;
    edges_.push_back(q("instance/" + i.name) + " -> " + port_id(i.node, i.bridge, i.port) +
                     " [dir=none];");
    return "    " + q("instance/" + i.name) + " [shape=ellipse, label=" + q(l) + "];\n";
  }

  std::string segments() const {
    std::vector<const TopoSegment*> segs;
    for (const TopoSegment& s : t_.segments) segs.push_back(&s);
    std::sort(segs.begin(), segs.end(),
              [](const TopoSegment* a, const TopoSegment* b) { return a->name < b->name; });
    std::string out;
    for (const TopoSegment* s : segs) {
      std::string l = "segment " + s->name + (s->cidr.empty() ? "" : "\\n" + s->cidr);
      out += "  " + segment_id(s->name) + " [shape=box, style=\"rounded,filled\", " +
             "fillcolor=\"#eeeeee\", label=" + q(l) + "];\n";
    }
    return out;
  }

  const LabTopology& t_;
  std::set<std::string> vteps_;
  std::map<std::string, std::string> owners_;
  std::set<std::string> unknown_;
  std::vector<std::string> edges_;
};

}  // namespace

std::string topology_dot(const LabTopology& t) { return DotWriter(t).write(); }

}  // namespace nt
