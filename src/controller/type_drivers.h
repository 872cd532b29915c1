// ML2 type drivers: the segment behind each network (local, flat, vlan, vxlan, gre).
//
// A provider network names its segment (`provider:network_type`, `provider:physical_network`,
// `provider:segmentation_id`); it is validated against the configuration (flat_networks,
// network_vlan_ranges, vni_ranges, tunnel_id_ranges) and claimed in the store's allocation
// table under the pool `segment:<type>[:<physnet>]`, owned by the network. A project network
// gets the lowest free id of the first tenant network type that has one (Neutron picks a random
// free row; lowest-free is deterministic). The claim is a unique row, so two requests cannot
// take one VNI even when they race. The MTU follows Neutron: global_physnet_mtu (capped by
// path_mtu for tunnels) minus the encapsulation overhead: 50 for vxlan, 42 for gre.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "controller/resource.h"

namespace nt::controller {

struct Segment {
  std::string type;
  std::optional<std::string> physnet;
  std::optional<uint32_t> seg_id;
};

// Validates a requested provider segment (any field may be absent) and claims it, or
// allocates a tenant segment when none of the provider attributes is given.
Segment reserve_segment(Env& env, const Json& body, const std::string& network_id);
uint32_t segment_mtu(const ServerConfig& config, const Segment& seg);

}  // namespace nt::controller
