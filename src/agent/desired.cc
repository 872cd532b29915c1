#include "agent/desired.h"

#include <algorithm>
#include <cstdio>

#include "agent/firewall.h"
#include "common/addr.h"
#include "common/strings.h"

namespace nt::agent {
namespace {

bool is_tunnel_type(const std::string& t) { return t == "vxlan" || t == "gre"; }

// The peer host -> its tunneling IP, for peers sharing `type` (never ourselves).
std::map<std::string, std::string> peers_of_type(const AgentConfig& c, const rpc::HostState& s,
                                                 const std::string& type) {
  std::map<std::string, std::string> out;
  for (const auto& p : s.tunnel_peers) {
    if (p.tunneling_ip.empty() || p.tunneling_ip == c.local_ip || p.host == c.host) continue;
    if (!ipv4_parse(p.tunneling_ip)) continue;
    if (std::find(p.tunnel_types.begin(), p.tunnel_types.end(), type) == p.tunnel_types.end()) {
      continue;
    }
    out[p.host] = p.tunneling_ip;
  }
  return out;
}

// The remote VTEP IPs a tunnel network floods to: with l2population those of hosts holding
// its ports, else every peer of the type.
std::set<std::string> network_vteps(const AgentConfig& c, const rpc::HostState& s,
                                    const rpc::NetworkInfo& net) {
  std::set<std::string> out;
  auto peers = peers_of_type(c, s, net.network_type);
  if (!c.l2_population) {
    for (const auto& [host, ip] : peers) out.insert(ip);
    return out;
  }
  for (const auto& r : net.remote_ports) {
    auto it = peers.find(r.host);
    if (it != peers.end()) out.insert(it->second);
  }
  return out;
}

StringMap record_of(const rpc::NetworkInfo& net, int lvid) {
  StringMap m = {
      {"net_uuid", net.id}, {"network_type", net.network_type}, {"tag", std::to_string(lvid)}};
  if (!net.physical_network.empty()) m["physical_network"] = net.physical_network;
  if (net.segmentation_id) m["segmentation_id"] = std::to_string(*net.segmentation_id);
  return m;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// ARP_RESPONDER_ACTIONS of the ovs-ofctl driver: answer "who has IP" with MAC.
std::string arp_responder_actions(const std::string& mac, const std::string& ip) {
  auto m = MacAddr::parse(mac);
  auto a = ipv4_parse(ip);
  uint64_t mv = 0;
  for (int i = 0; m && i < 6; ++i) mv = (mv << 8) | m->b[i];
  return "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:" + mac +
         ",load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
         "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:" +
         to_hex(mv) + "->NXM_NX_ARP_SHA[],load:" + to_hex(a ? *a : 0) +
         "->NXM_OF_ARP_SPA[],IN_PORT";
}

int tunnel_table(const std::string& type) { return type == "gre" ? 3 : 4; }

}  // namespace

std::string tunnel_port_name(const std::string& type, const std::string& remote_ip) {
  auto a = ipv4_parse(remote_ip);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", a ? *a : 0u);
  return type + "-" + buf;
}

std::string int_patch_name(const std::string& bridge) { return "int-" + bridge; }
std::string phy_patch_name(const std::string& bridge) { return "phy-" + bridge; }

std::map<std::string, int> recover_lvids(const AgentConfig& config, const LocalView& local) {
  std::map<std::string, int> out;
  std::set<int> used;
  auto br = local.bridges.find(config.integration_bridge);
  if (br == local.bridges.end()) return out;
  for (const auto& name : br->second) {
    const LocalPort* p = local.port(name);
    if (!p || !p->tag) continue;
    auto net = p->other_config.find("net_uuid");
    auto tag = p->other_config.find("tag");
    if (net == p->other_config.end() || tag == p->other_config.end()) continue;
    if (tag->second != std::to_string(*p->tag)) continue;
    if (*p->tag < 1 || *p->tag > kMaxLocalVlan || out.count(net->second) ||
        used.count(static_cast<int>(*p->tag))) {
      continue;
    }
    out[net->second] = static_cast<int>(*p->tag);
    used.insert(static_cast<int>(*p->tag));
  }
  return out;
}

bool can_wire(const AgentConfig& config, const LocalView& local, const rpc::NetworkInfo& net) {
  const std::string& t = net.network_type;
  if (t == "local") return true;
  if (t == "flat" || t == "vlan") {
    if (t == "vlan" && (!net.segmentation_id || *net.segmentation_id > 4094)) return false;
    std::string br = config.bridge_of(net.physical_network);
    return !br.empty() && local.has_bridge(br);
  }
  if (is_tunnel_type(t)) return config.has_tunnel_type(t) && net.segmentation_id.has_value();
  return false;
}

Plan plan_ports(const AgentConfig& config, const rpc::HostState& state, const LocalView& local,
                const std::map<std::string, int>& lvids, const std::set<std::string>& failed) {
  Plan plan;
  // The plugged ports of br-int, and the networks they need.
  std::map<std::string, int64_t> first_ofport;  // network -> lowest ofport of its ports
  auto br = local.bridges.find(config.integration_bridge);
  std::vector<std::string> names =
      br == local.bridges.end() ? std::vector<std::string>{} : br->second;
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const LocalPort* lp = local.port(name);
    if (!lp) continue;
    auto id = lp->external_ids.find("iface-id");
    if (id == lp->external_ids.end() || id->second.empty()) continue;
    VmPort vp;
    vp.name = name;
    vp.iface_id = id->second;
    vp.ofport = lp->ofport;
    const rpc::PortInfo* port = state.find_port(vp.iface_id);
    if (!port) {
      if (!failed.count(vp.iface_id)) plan.unbound.push_back(vp.iface_id);
    } else {
      vp.bound_here = true;
      const rpc::NetworkInfo* net = state.find_network(port->network_id);
      bool ok = net && port->admin_state_up && port->vif_type != "binding_failed" &&
                can_wire(config, local, *net);
      if (ok) {
        vp.dead = false;
        vp.network_id = net->id;
        auto& f = first_ofport.try_emplace(net->id, INT64_MAX).first->second;
        if (vp.ofport >= 0) f = std::min(f, vp.ofport);
      }
    }
    plan.vm_ports.push_back(std::move(vp));
  }
  // Local VLANs: keep, reclaim, then the lowest free for new networks in plug order.
  std::set<int> used;
  for (const auto& [net, lvid] : lvids) {
    if (first_ofport.count(net)) {
      plan.lvids[net] = lvid;
      used.insert(lvid);
    }
  }
  std::vector<std::pair<int64_t, std::string>> fresh;
  for (const auto& [net, of] : first_ofport) {
    if (!plan.lvids.count(net)) fresh.emplace_back(of, net);
  }
  std::sort(fresh.begin(), fresh.end());
  int next = 1;
  for (const auto& [of, net] : fresh) {
    while (used.count(next)) ++next;
    if (next > kMaxLocalVlan) break;  // exhausted: its ports stay dead
    plan.lvids[net] = next;
    used.insert(next);
  }
  for (auto& vp : plan.vm_ports) {
    if (vp.dead) continue;
    auto it = plan.lvids.find(vp.network_id);
    if (it == plan.lvids.end()) {
      vp.dead = true;
      vp.network_id.clear();
      continue;
    }
    vp.tag = it->second;
    vp.other_config = record_of(*state.find_network(vp.network_id), vp.tag);
  }
  // Tunnels: a full mesh, or (l2population) the VTEPs the wired networks need.
  if (!config.tunnel_types.empty()) {
    std::map<std::string, TunnelPort> want;
    for (const auto& type : config.tunnel_types) {
      std::set<std::string> ips;
      if (!config.l2_population) {
        for (const auto& [host, ip] : peers_of_type(config, state, type)) ips.insert(ip);
      } else {
        for (const auto& [net_id, lvid] : plan.lvids) {
          const rpc::NetworkInfo* net = state.find_network(net_id);
          if (net && net->network_type == type) {
            for (const auto& ip : network_vteps(config, state, *net)) ips.insert(ip);
          }
        }
      }
      for (const auto& ip : ips) {
        TunnelPort t{tunnel_port_name(type, ip), type, ip};
        want[t.name] = t;
      }
    }
    for (auto& [name, t] : want) plan.tunnels.push_back(t);
  }
  return plan;
}

std::vector<std::string> port_commands(const AgentConfig& config, const Plan& plan,
                                       const LocalView& local, bool ports_too) {
  std::vector<std::vector<std::string>> cmds;
  auto bridge = [&](const std::string& br) {
    if (!local.has_bridge(br)) {
      cmds.push_back({"--may-exist", "add-br", br});
    }
    auto fm = local.fail_mode.find(br);
    if (fm == local.fail_mode.end() || fm->second != "secure") {
      cmds.push_back({"set-fail-mode", br, "secure"});
    }
  };
  auto patch = [&](const std::string& br, const std::string& name, const std::string& peer) {
    const LocalPort* p = local.port(name);
    if (p && p->bridge == br && p->type == "patch" && p->options.size() == 1 &&
        p->options.count("peer") && p->options.at("peer") == peer) {
      return;
    }
    cmds.push_back({"--may-exist", "add-port", br, name});
    cmds.push_back({"set", "Interface", name, "type=patch", "options={peer=" + peer + "}"});
  };
  bridge(config.integration_bridge);
  if (!config.tunnel_types.empty()) {
    bridge(config.tunnel_bridge);
    patch(config.integration_bridge, "patch-tun", "patch-int");
    patch(config.tunnel_bridge, "patch-int", "patch-tun");
  }
  for (const auto& [physnet, br] : config.bridge_mappings) {
    if (!local.has_bridge(br)) continue;  // the operator creates it (and adds its NIC)
    patch(config.integration_bridge, int_patch_name(br), phy_patch_name(br));
    patch(br, phy_patch_name(br), int_patch_name(br));
  }
  if (ports_too) {
    // Tunnel ports: add or fix the wanted ones, delete the others.
    std::set<std::string> wanted;
    for (const auto& t : plan.tunnels) {
      wanted.insert(t.name);
      StringMap opts = {{"in_key", "flow"},
                        {"local_ip", config.local_ip},
                        {"out_key", "flow"},
                        {"remote_ip", t.remote_ip}};
      const LocalPort* p = local.port(t.name);
      if (p && p->bridge == config.tunnel_bridge && p->type == t.type && p->options == opts) {
        continue;
      }
      cmds.push_back({"--may-exist", "add-port", config.tunnel_bridge, t.name});
      cmds.push_back({"set", "Interface", t.name, "type=" + t.type,
                      "options={in_key=flow,local_ip=\"" + config.local_ip +
                          "\",out_key=flow,remote_ip=\"" + t.remote_ip + "\"}"});
    }
    auto tun = local.bridges.find(config.tunnel_bridge);
    if (tun != local.bridges.end()) {
      for (const auto& name : tun->second) {
        const LocalPort* p = local.port(name);
        if (p && is_tunnel_type(p->type) && !wanted.count(name)) {
          cmds.push_back({"--if-exists", "del-port", config.tunnel_bridge, name});
        }
      }
    }
    // VM ports: tag, trunk settings cleared, the agent's record.
    for (const auto& vp : plan.vm_ports) {
      const LocalPort* p = local.port(vp.name);
      if (!p) continue;
      if (!p->tag || *p->tag != vp.tag) {
        cmds.push_back({"set", "Port", vp.name, "tag=" + std::to_string(vp.tag)});
      }
      if (!vp.dead && (!p->vlan_mode.empty() || !p->trunks.empty())) {
        cmds.push_back({"clear", "Port", vp.name, "vlan_mode", "trunks"});
      }
      std::vector<std::string> set = {"set", "Port", vp.name};
      for (const auto& [k, v] : vp.other_config) {
        auto it = p->other_config.find(k);
        if (it == p->other_config.end() || it->second != v) {
          set.push_back("other_config:" + k + "=\"" + v + "\"");
        }
      }
      if (set.size() > 3) cmds.push_back(set);
    }
  }
  std::vector<std::string> argv;
  for (const auto& c : cmds) {
    argv.push_back("--");
    argv.insert(argv.end(), c.begin(), c.end());
  }
  return argv;
}

std::map<std::string, std::vector<std::string>> default_flows(const AgentConfig& config,
                                                              const LocalView& local,
                                                              uint64_t cookie) {
  std::map<std::string, std::vector<std::string>> out;
  const std::string ck = "cookie=" + to_hex(cookie) + ",";
  auto& in = out[config.integration_bridge];
  const bool fw = firewall_enabled(config);
  in.push_back(ck + "table=0,priority=0 actions=" + (fw ? "resubmit(,60)" : "NORMAL"));
  if (fw) {
    auto g = firewall_default_flows(ck);
    in.insert(in.end(), g.begin(), g.end());
  }
  in.push_back(ck + "table=23,priority=0 actions=drop");
  in.push_back(ck + "table=24,priority=0 actions=drop");
  for (const auto& [physnet, br] : config.bridge_mappings) {
    if (!local.has_bridge(br)) continue;
    int64_t int_of = local.ofport(int_patch_name(br)), phy_of = local.ofport(phy_patch_name(br));
    if (int_of > 0) {
      in.push_back(ck + "table=0,priority=2,in_port=" + std::to_string(int_of) + " actions=drop");
    }
    auto& ph = out[br];
    ph.push_back(ck + "table=0,priority=0 actions=NORMAL");
    if (phy_of > 0) {
      ph.push_back(ck + "table=0,priority=2,in_port=" + std::to_string(phy_of) + " actions=drop");
    }
  }
  if (!config.tunnel_types.empty() && local.has_bridge(config.tunnel_bridge)) {
    auto& tun = out[config.tunnel_bridge];
    int64_t patch = local.ofport("patch-int");
    if (patch > 0) {
      tun.push_back(ck + "table=0,priority=1,in_port=" + std::to_string(patch) +
                    " actions=resubmit(,2)");
    }
    tun.push_back(ck + "table=0,priority=0 actions=drop");
    if (config.arp_responder && config.l2_population) {
      tun.push_back(ck + "table=2,priority=1,arp,dl_dst=ff:ff:ff:ff:ff:ff actions=resubmit(,21)");
    }
    tun.push_back(ck +
                  "table=2,priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 "
                  "actions=resubmit(,20)");
    tun.push_back(ck +
                  "table=2,priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 "
                  "actions=resubmit(,22)");
    for (int t : {3, 4, 6}) {
      tun.push_back(ck + "table=" + std::to_string(t) + ",priority=0 actions=drop");
    }
    if (patch > 0) {
      tun.push_back(ck +
                    "table=10,priority=1 actions=learn(table=20,hard_timeout=300,priority=1,"
                    "cookie=" +
                    to_hex(cookie) +
                    ",NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_"
                    "VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[]),"
                    "output:" +
                    std::to_string(patch));
    }
    tun.push_back(ck + "table=20,priority=0 actions=resubmit(,22)");
    if (config.arp_responder && config.l2_population) {
      tun.push_back(ck + "table=21,priority=0 actions=resubmit(,22)");
    }
    tun.push_back(ck + "table=22,priority=0 actions=drop");
  }
  return out;
}

std::map<std::string, std::vector<std::string>> plan_flows(const AgentConfig& config,
                                                           const rpc::HostState& state,
                                                           const Plan& plan, const LocalView& local,
                                                           uint64_t cookie) {
  auto out = default_flows(config, local, cookie);
  const std::string ck = "cookie=" + to_hex(cookie) + ",";
  auto& in = out[config.integration_bridge];
  const bool fw = firewall_enabled(config);
  if (fw) {
    auto f = firewall_port_flows(state, plan, ck);
    in.insert(in.end(), f.begin(), f.end());
  }
  for (const auto& vp : plan.vm_ports) {
    if (vp.dead && vp.ofport > 0) {
      in.push_back(ck + "table=0,priority=2,in_port=" + std::to_string(vp.ofport) +
                   " actions=drop");
    }
  }
  // Tunnel ports by IP and type, with their ofports.
  std::map<std::string, int64_t> tun_of;  // port name -> ofport
  for (const auto& t : plan.tunnels) {
    int64_t of = local.ofport(t.name);
    if (of > 0) tun_of[t.name] = of;
  }
  bool tunnels = !config.tunnel_types.empty() && local.has_bridge(config.tunnel_bridge);
  if (tunnels) {
    auto& tun = out[config.tunnel_bridge];
    for (const auto& t : plan.tunnels) {
      auto it = tun_of.find(t.name);
      if (it == tun_of.end()) continue;
      tun.push_back(ck + "table=0,priority=1,in_port=" + std::to_string(it->second) +
                    " actions=resubmit(," + std::to_string(tunnel_table(t.type)) + ")");
    }
  }
  bool arp = config.arp_responder && config.l2_population;
  for (const auto& [net_id, lvid] : plan.lvids) {
    const rpc::NetworkInfo* net = state.find_network(net_id);
    if (!net) continue;
    const std::string lv = std::to_string(lvid);
    const std::string& type = net->network_type;
    if (type == "flat" || type == "vlan") {
      std::string br = config.bridge_of(net->physical_network);
      int64_t int_of = local.ofport(int_patch_name(br)), phy_of = local.ofport(phy_patch_name(br));
      std::string seg = type == "vlan" ? std::to_string(*net->segmentation_id) : "";
      if (int_of > 0) {
        in.push_back(ck + "table=0,priority=3,in_port=" + std::to_string(int_of) +
                     ",dl_vlan=" + (type == "vlan" ? seg : "0xffff") +
                     " actions=mod_vlan_vid:" + lv + (fw ? ",resubmit(,60)" : ",NORMAL"));
      }
      if (phy_of > 0) {
        out[br].push_back(
            ck + "table=0,priority=4,in_port=" + std::to_string(phy_of) + ",dl_vlan=" + lv +
            " actions=" + (type == "vlan" ? "mod_vlan_vid:" + seg : "strip_vlan") + ",NORMAL");
      }
    } else if (is_tunnel_type(type) && tunnels) {
      auto& tun = out[config.tunnel_bridge];
      const std::string seg = to_hex(*net->segmentation_id);
      tun.push_back(ck + "table=" + std::to_string(tunnel_table(type)) +
                    ",priority=1,tun_id=" + seg + " actions=mod_vlan_vid:" + lv + ",resubmit(,10)");
      std::set<std::string> vteps = network_vteps(config, state, *net);
      std::vector<int64_t> flood;
      for (const auto& ip : vteps) {
        auto it = tun_of.find(tunnel_port_name(type, ip));
        if (it != tun_of.end()) flood.push_back(it->second);
      }
      std::sort(flood.begin(), flood.end());
      if (!flood.empty()) {
        std::vector<std::string> outs;
        for (int64_t of : flood) outs.push_back(std::to_string(of));
        tun.push_back(ck + "table=22,dl_vlan=" + lv + " actions=strip_vlan,set_tunnel:" + seg +
                      ",output:" + join(outs, ","));
      }
      if (!config.l2_population) continue;
      auto peers = peers_of_type(config, state, type);
      std::set<std::string> seen_mac, seen_ip;
      for (const auto& r : net->remote_ports) {
        auto p = peers.find(r.host);
        if (p == peers.end()) continue;
        auto t = tun_of.find(tunnel_port_name(type, p->second));
        if (t == tun_of.end()) continue;
        auto mac = MacAddr::parse(r.mac_address);
        if (!mac || !seen_mac.insert(r.mac_address).second) continue;
        tun.push_back(ck + "table=20,priority=2,dl_vlan=" + lv + ",dl_dst=" + r.mac_address +
                      " actions=strip_vlan,set_tunnel:" + seg +
                      ",output:" + std::to_string(t->second));
        if (!arp) continue;
        for (const auto& ip : r.fixed_ips) {
          if (!ipv4_parse(ip.ip_address) || !seen_ip.insert(ip.ip_address).second) continue;
          tun.push_back(ck + "table=21,priority=1,arp,dl_vlan=" + lv + ",arp_tpa=" + ip.ip_address +
                        " actions=" + arp_responder_actions(r.mac_address, ip.ip_address));
        }
      }
    }
  }
  return out;
}

}  // namespace nt::agent
