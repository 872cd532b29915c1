// topology_dot(): the Graphviz drawing of a neutral LabTopology, as any lab back end fills it.
#include "scenario/topology.h"

#include <gtest/gtest.h>

namespace nt {
namespace {

bool has_line(const std::string& dot, const std::string& line) {
  return dot.find("\n" + line + "\n") != std::string::npos;
}

TopoPort port(std::string name, std::string type, uint32_t ofport,
              std::map<std::string, std::string> options = {}) {
  TopoPort p;
  p.name = std::move(name);
  p.type = std::move(type);
  p.ofport = ofport;
  p.options = std::move(options);
  return p;
}

// Two nodes on a tenant segment, a vxlan tunnel each way, a patch pair, an enslaved NIC.
LabTopology two_nodes() {
  LabTopology t;
  t.segments = {{"tenant", "166.66.16.0/24"}, {"external", "10.10.10.0/24"}};
  TopoNode c{"controller", {}, {}};
  c.nics = {{"eth1", "tenant", "166.66.16.10/24", "02:00:00:00:00:01", ""},
            {"eth2", "external", "", "02:00:00:00:00:02", "br-ex"}};
  TopoBridge tun{"br-tun", {}};
  tun.ports = {port("patch-int", "patch", 1, {{"peer", "patch-tun"}}),
               port("vxlan-1", "vxlan", 2, {{"remote_ip", "166.66.16.11"}, {"key", "flow"}}),
               port("gre-1", "gre", 3, {{"remote_ip", "10.0.0.9"}, {"key", "5"}}),
               port("br-tun", "internal", 65534)};
  TopoBridge integ{"br-int", {}};
  TopoPort tap = port("tap1", "dummy", 2);
  tap.tag = 1;
  tap.trunks = {100, 101};
  integ.ports = {port("patch-tun", "patch", 1, {{"peer", "patch-int"}}), tap};
  TopoBridge ex{"br-ex", {port("eth2", "dummy", 1)}};
  c.bridges = {tun, integ, ex};
  TopoNode k{"compute", {}, {}};
  k.nics = {{"eth1", "tenant", "166.66.16.11/24", "02:00:00:00:00:03", ""}};
  TopoBridge ktun{"br-tun", {}};
  ktun.ports = {port("vxlan-2", "vxlan", 2, {{"remote_ip", "166.66.16.10"}, {"key", "100"}})};
  k.bridges = {ktun};
  t.nodes = {c, k};
  t.instances = {{"vm1", "controller", "br-int", "tap1", "172.16.100.3/24", "fa:16:3e:00:00:01"}};
  t.links = {{"controller", "br-int", "tap1", "compute", "br-tun", "vxlan-2"}};
  return t;
}

TEST(TopologyDot, NodesNicsAndSegments) {
  std::string dot = topology_dot(two_nodes());
  EXPECT_EQ(dot.rfind("digraph lab {\n", 0), 0u);
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
  // Nodes in name order; a node's label names the addresses tunnels use.
  EXPECT_LT(dot.find("cluster_compute"), dot.find("cluster_controller"));
  EXPECT_TRUE(has_line(dot, "    label=\"controller\\nvtep 166.66.16.10\";"));
  EXPECT_TRUE(has_line(dot,
                       "    \"nic/controller/eth1\" [shape=cds, "
                       "label=\"eth1\\n166.66.16.10/24\\n02:00:00:00:00:01\"];"));
  EXPECT_TRUE(has_line(
      dot,
      "    \"nic/controller/eth2\" [shape=cds, label=\"eth2\\n02:00:00:00:00:02\\nin br-ex\"];"));
  EXPECT_TRUE(has_line(dot,
                       "  \"segment/tenant\" [shape=box, style=\"rounded,filled\", "
                       "fillcolor=\"#eeeeee\", label=\"segment tenant\\n166.66.16.0/24\"];"));
  EXPECT_TRUE(has_line(dot, "  \"nic/compute/eth1\" -> \"segment/tenant\" [dir=none];"));
  EXPECT_TRUE(has_line(dot, "  \"nic/controller/eth2\" -> \"segment/external\" [dir=none];"));
  EXPECT_TRUE(has_line(dot,
                       "  \"controller/br-ex/eth2\" -> \"nic/controller/eth2\" [dir=none, "
                       "style=dotted, label=\"enslaved\"];"));
}

TEST(TopologyDot, PortsTunnelsPatchesLinksInstances) {
  std::string dot = topology_dot(two_nodes());
  EXPECT_TRUE(has_line(dot,
                       "      \"controller/br-int/tap1\" [shape=box, label=\"tap1\\nofport "
                       "2\\ntag: 1\\ntrunks: 100,101\"];"));
  EXPECT_TRUE(has_line(
      dot, "      \"controller/br-tun/br-tun\" [shape=box, label=\"br-tun\\nofport LOCAL\"];"));
  // Tunnels end at the NIC that owns their remote_ip, or at a dashed box when nobody does.
  EXPECT_TRUE(has_line(dot,
                       "  \"controller/br-tun/vxlan-1\" -> \"nic/compute/eth1\" [style=bold, "
                       "label=\"vxlan key=flow\"];"));
  EXPECT_TRUE(has_line(dot,
                       "  \"compute/br-tun/vxlan-2\" -> \"nic/controller/eth1\" [style=bold, "
                       "label=\"vxlan key=100\"];"));
  EXPECT_TRUE(has_line(
      dot, "  \"vtep/10.0.0.9\" [shape=box, style=dashed, label=\"10.0.0.9\\n(no node)\"];"));
  EXPECT_TRUE(has_line(dot,
                       "  \"controller/br-int/patch-tun\" -> \"controller/br-tun/patch-int\" "
                       "[dir=none, style=dashed, label=\"patch\"];"));
  EXPECT_EQ(dot.find("\"controller/br-tun/patch-int\" -> "), std::string::npos);  // once a pair
  EXPECT_TRUE(has_line(dot,
                       "  \"controller/br-int/tap1\" -> \"compute/br-tun/vxlan-2\" [dir=none, "
                       "penwidth=2, label=\"link\"];"));
  EXPECT_TRUE(has_line(dot,
                       "    \"instance/vm1\" [shape=ellipse, "
                       "label=\"vm1\\n172.16.100.3/24\\nfa:16:3e:00:00:01\"];"));
  EXPECT_TRUE(has_line(dot, "  \"instance/vm1\" -> \"controller/br-int/tap1\" [dir=none];"));
}

TEST(TopologyDot, UnnamedNodeAndEmptyLab) {
  LabTopology t;
  t.nodes.push_back({"", {{"br0", {port("p1", "dummy", 1)}}}, {}});
  std::string dot = topology_dot(t);
  EXPECT_TRUE(has_line(dot, "  subgraph \"cluster_default\" {"));
  EXPECT_TRUE(has_line(dot, "      \"default/br0/p1\" [shape=box, label=\"p1\\nofport 1\"];"));
  std::string empty = topology_dot(LabTopology{});
  EXPECT_EQ(empty,
            "digraph lab {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n"
            "  edge [fontname=\"Helvetica\", fontsize=9];\n}\n");
}

}  // namespace
}  // namespace nt
