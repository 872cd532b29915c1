// Networks: the resource, its attribute map, and its segment (type_drivers.h).
#include "controller/ipam.h"
#include "controller/l3.h"
#include "controller/type_drivers.h"

namespace nt::controller {

const ResourceInfo& network_info() {
  static const ResourceInfo kInfo = [] {
    ResourceInfo i{"network", "networks", "networks", {}};
    auto& a = i.attrs;
    a.push_back({"name", AttrType::kString, true, true, false, false, ""});
    a.push_back({"admin_state_up", AttrType::kBool, true, true, false, false, true});
    a.push_back({"status", AttrType::kString, false, false});
    a.push_back({"shared", AttrType::kBool, true, true, true, false, false});
    a.push_back({"subnets", AttrType::kList, false, false});
    a.push_back({"mtu", AttrType::kInt, false, false});
    a.push_back({"router:external", AttrType::kBool, true, true, true, false, false});
    a.push_back({"port_security_enabled", AttrType::kBool, true, true, false, false, true});
    a.push_back(
        {"provider:network_type", AttrType::kString, true, false, true, false, nullptr, true});
    a.push_back(
        {"provider:physical_network", AttrType::kString, true, false, true, false, nullptr, true});
    a.push_back(
        {"provider:segmentation_id", AttrType::kInt, true, false, true, false, nullptr, true});
    a.push_back({"availability_zone_hints", AttrType::kList, false, false});
    a.push_back({"availability_zones", AttrType::kList, false, false});
    add_standard_attrs(a);
    return i;
  }();
  return kInfo;
}

Json create_network(Env& env, const Json& in) {
  Json body = check_body(network_info(), in, true, env.ctx);
  stamp_new(body, env.ctx);
  Segment seg = reserve_segment(env, body, body["id"]);
  body["provider:network_type"] = seg.type;
  body["provider:physical_network"] = seg.physnet ? Json(*seg.physnet) : Json();
  body["provider:segmentation_id"] = seg.seg_id ? Json(*seg.seg_id) : Json();
  body["mtu"] = segment_mtu(env.config, seg);
  body["status"] = "ACTIVE";
  body["subnets"] = Json::array();
  body["availability_zone_hints"] = Json::array();
  body["availability_zones"] = Json::array();
  return body;
}

Json update_network(Env& env, Json cur, const Json& in) {
  Json changes = check_body(network_info(), in, false, env.ctx);
  l3_before_network_update(env, cur, changes);  // routers' gateways keep it external
  for (const auto& [k, v] : changes.items()) cur[k] = v;
  stamp_update(cur);
  return cur;
}

// Ports other than DHCP ports keep a network alive (NetworkInUse); DHCP ports and the subnets
// go with it, as in Neutron.
void delete_network(Env& env, const Json& cur) {
  const std::string id = cur["id"];
  auto ports = env.txn.list("port", "network_id", id);
  if (!ports) internal(ports.error());
  for (const auto& p : *ports) {
    if (str_of(p, "device_owner") != "network:dhcp") {
      throw conflict("NetworkInUse", "Unable to complete operation on network " + id +
                                         ". There are one or more ports still in use on the "
                                         "network.");
    }
  }
  for (const auto& p : *ports) {
    delete_port(env, p);
    if (Status s = env.txn.remove("port", p["id"]); !s) internal(s.error());
  }
  auto subnets = env.txn.list("subnet", "network_id", id);
  if (!subnets) internal(subnets.error());
  for (const auto& sn : *subnets) {
    if (Status s = env.txn.drop_pool(ip_pool(sn["id"])); !s) internal(s.error());
    if (Status s = env.txn.remove("subnet", sn["id"]); !s) internal(s.error());
  }
  if (Status s = env.txn.release_owner("network:" + id); !s) internal(s.error());
}

}  // namespace nt::controller
