// LabTopology: a lab as a neutral model — nodes with their bridges, ports and NICs, the
// underlay segments the NICs sit on, `link` cables and instances — and its Graphviz drawing.
// Any lab back end fills one from its live state (the emulated ScenarioRunner from its Switches
// and Hosts; a real back end from its namespaces and daemons) and gets the same picture.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nt {

// A bridge port. `options` are the interface's: peer (patch), remote_ip / local_ip / key
// (vxlan, gre; key is "flow" or a number). ofport 65534 is LOCAL.
struct TopoPort {
  std::string name, type;
  uint32_t ofport = 0;
  int tag = -1;
  std::vector<uint16_t> trunks;
  std::map<std::string, std::string> options;
};
struct TopoBridge {
  std::string name;
  std::vector<TopoPort> ports;
};
// A node NIC; cidr "A.B.C.D/LEN" or "" (no address).
struct TopoNic {
  std::string name, segment, cidr, mac, bridge;  // bridge: set when enslaved
};
struct TopoNode {
  std::string name;
  std::vector<TopoBridge> bridges;
  std::vector<TopoNic> nics;
};
struct TopoInstance {
  std::string name, node, bridge, port, cidr, mac;
};
struct TopoSegment {
  std::string name, cidr;
};
struct TopoLink {
  std::string node1, bridge1, port1, node2, bridge2, port2;
};
struct LabTopology {
  std::vector<TopoNode> nodes;
  std::vector<TopoInstance> instances;
  std::vector<TopoSegment> segments;
  std::vector<TopoLink> links;
};

// Graphviz DOT: digraph "lab" with a cluster per node (labelled with its VTEP addresses: NIC
// addresses tunnels send from or point at) holding its NICs, a cluster per bridge with a box
// per port, and the node's instances; a box per segment; then every edge, sorted: NIC to
// segment, enslaved NIC to its bridge port, patch pairs, tunnels to the NIC owning their
// remote_ip (or a dashed "(no node)" box), `link` cables, instances to their ports. Nodes,
// bridges and segments are drawn in name order; an unnamed node is drawn as "default".
std::string topology_dot(const LabTopology& t);

}  // namespace nt
