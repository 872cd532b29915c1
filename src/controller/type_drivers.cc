#include "controller/type_drivers.h"

#include <algorithm>

namespace nt::controller {
namespace {

Fault provider_error(const std::string& why) { return invalid_input(why); }

void claim_or(Env& env, const std::string& pool, const std::string& key,
              const std::string& network_id, const Fault& taken) {
  Status s = env.txn.claim(pool, key, "network:" + network_id);
  if (!s) {
    if (s.error().code == ErrorCode::kConflict) throw taken;
    internal(s.error());
  }
}

std::optional<uint32_t> lowest_free(Env& env, const std::string& pool,
                                    const std::vector<IdRange>& ranges) {
  auto taken = env.txn.claimed(pool);
  if (!taken) internal(taken.error());
  for (const auto& r : ranges) {
    for (uint64_t id = r.min; id <= r.max; ++id) {
      if (!taken->count(std::to_string(id))) return static_cast<uint32_t>(id);
    }
  }
  return std::nullopt;
}

Segment reserve_flat(Env& env, Segment seg, const std::string& net) {
  const auto& allowed = env.config.flat_networks;
  if (!seg.physnet) throw provider_error("physical_network required for flat provider network");
  if (seg.seg_id) throw provider_error("segmentation_id specified for flat provider network");
  bool any = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
  if (!any && std::find(allowed.begin(), allowed.end(), *seg.physnet) == allowed.end()) {
    throw provider_error("physical_network '" + *seg.physnet +
                         "' unknown for flat provider network");
  }
  claim_or(env, "segment:flat", *seg.physnet, net,
           conflict("FlatNetworkInUse", "Unable to create the flat network. Physical network " +
                                            *seg.physnet + " is in use."));
  return seg;
}

bool vlan_physnet_known(const ServerConfig& c, const std::string& physnet) {
  return std::any_of(c.network_vlan_ranges.begin(), c.network_vlan_ranges.end(),
                     [&](const VlanRange& r) { return r.physnet == physnet; });
}

std::vector<IdRange> vlan_ranges_of(const ServerConfig& c, const std::string& physnet) {
  std::vector<IdRange> out;
  for (const auto& r : c.network_vlan_ranges) {
    if (r.physnet == physnet && r.has_range) out.push_back(r.range);
  }
  return out;
}

Segment reserve_vlan(Env& env, Segment seg, const std::string& net) {
  if (!seg.physnet) {
    if (seg.seg_id)
      throw provider_error("segmentation_id requires physical_network for VLAN provider network");
    for (const auto& r : env.config.network_vlan_ranges) {  // first physnet with a free id
      if (!r.has_range) continue;
      auto id = lowest_free(env, "segment:vlan:" + r.physnet, {r.range});
      if (id) {
        claim_or(
            env, "segment:vlan:" + r.physnet, std::to_string(*id), net,
            Fault(503, "NoNetworkAvailable",
                  "Unable to create the network. No tenant network is available for allocation."));
        return {"vlan", r.physnet, *id};
      }
    }
    throw Fault(503, "NoNetworkAvailable",
                "Unable to create the network. No tenant network is available for allocation.");
  }
  if (!vlan_physnet_known(env.config, *seg.physnet)) {
    throw provider_error("physical_network '" + *seg.physnet +
                         "' unknown for VLAN provider network");
  }
  if (!seg.seg_id) {
    auto id =
        lowest_free(env, "segment:vlan:" + *seg.physnet, vlan_ranges_of(env.config, *seg.physnet));
    if (!id) {
      throw Fault(503, "NoNetworkAvailable",
                  "Unable to create the network. No tenant network is available for allocation.");
    }
    seg.seg_id = *id;
  }
  if (*seg.seg_id < 1 || *seg.seg_id > 4094) {
    throw provider_error("segmentation_id out of range (1 through 4094)");
  }
  claim_or(env, "segment:vlan:" + *seg.physnet, std::to_string(*seg.seg_id), net,
           conflict("VlanIdInUse", "Unable to create the network. The VLAN " +
                                       std::to_string(*seg.seg_id) + " on physical network " +
                                       *seg.physnet + " is in use."));
  return seg;
}

Segment reserve_tunnel(Env& env, Segment seg, const std::string& net) {
  bool vxlan = seg.type == "vxlan";
  uint64_t max = vxlan ? (1u << 24) - 1 : 0xffffffffull;
  if (seg.physnet) {
    throw provider_error("provider:physical_network specified for " + seg.type + " network");
  }
  const auto& ranges = vxlan ? env.config.vni_ranges : env.config.tunnel_id_ranges;
  if (!seg.seg_id) {
    auto id = lowest_free(env, "segment:" + seg.type, ranges);
    if (!id) {
      throw Fault(503, "NoNetworkAvailable",
                  "Unable to create the network. No tenant network is available for allocation.");
    }
    seg.seg_id = *id;
  }
  if (*seg.seg_id < 1 || *seg.seg_id > max) {
    throw provider_error("segmentation_id out of range (1 through " + std::to_string(max) + ")");
  }
  claim_or(env, "segment:" + seg.type, std::to_string(*seg.seg_id), net,
           conflict("TunnelIdInUse", "Unable to create the network. The tunnel ID " +
                                         std::to_string(*seg.seg_id) + " is in use."));
  return seg;
}

Segment reserve_typed(Env& env, Segment seg, const std::string& net) {
  if (!env.config.has_type_driver(seg.type)) {
    throw provider_error("network_type value '" + seg.type + "' not supported");
  }
  if (seg.type == "local") {
    if (seg.physnet || seg.seg_id) {
      throw provider_error(
          "provider:physical_network and provider:segmentation_id prohibited for local provider "
          "network");
    }
    return seg;
  }
  if (seg.type == "flat") return reserve_flat(env, seg, net);
  if (seg.type == "vlan") return reserve_vlan(env, seg, net);
  return reserve_tunnel(env, seg, net);
}

}  // namespace

Segment reserve_segment(Env& env, const Json& body, const std::string& network_id) {
  Segment seg;
  const Json& type = body.value("provider:network_type", Json());
  const Json& physnet = body.value("provider:physical_network", Json());
  const Json& seg_id = body.value("provider:segmentation_id", Json());
  if (physnet.is_string()) seg.physnet = physnet.get<std::string>();
  if (seg_id.is_number_integer()) {
    int64_t v = seg_id.get<int64_t>();
    if (v < 0 || v > 0xffffffffll) throw provider_error("segmentation_id out of range");
    seg.seg_id = static_cast<uint32_t>(v);
  }
  if (type.is_string()) {
    seg.type = type.get<std::string>();
    return reserve_typed(env, seg, network_id);
  }
  if (seg.physnet || seg.seg_id) throw provider_error("network_type required");
  for (const auto& t : env.config.tenant_network_types) {  // a project network
    if (t == "flat") continue;
    if (t == "local") return {"local", std::nullopt, std::nullopt};
    try {
      return reserve_typed(env, Segment{t, std::nullopt, std::nullopt}, network_id);
    } catch (const Fault& f) {
      if (f.type != "NoNetworkAvailable") throw;
    }
  }
  throw Fault(503, "NoNetworkAvailable",
              "Unable to create the network. No tenant network is available for allocation.");
}

uint32_t segment_mtu(const ServerConfig& config, const Segment& seg) {
  uint32_t mtu = config.global_physnet_mtu;
  if (seg.type == "vxlan" || seg.type == "gre") {
    if (config.path_mtu != 0) mtu = std::min(mtu, config.path_mtu);
    return mtu - (seg.type == "vxlan" ? 50 : 42);
  }
  return mtu;
}

}  // namespace nt::controller
