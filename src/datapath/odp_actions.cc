#include "datapath/odp_actions.h"

#include <cstdio>
#include <cstring>

namespace nt {

bool OdpAction::operator==(const OdpAction& o) const {
  // Member by member: TunnelMeta has tail padding, whose bytes memcmp would compare.
  const TunnelMeta& t = tunnel;
  const TunnelMeta& u = o.tunnel;
  return type == o.type && u16 == o.u16 && tpid == o.tpid && u32 == o.u32 && mac == o.mac &&
         t.tun_id == u.tun_id && t.ip_src == u.ip_src && t.ip_dst == u.ip_dst &&
         t.ip_tos == u.ip_tos && t.ip_ttl == u.ip_ttl && t.tp_dst == u.tp_dst && t.valid == u.valid;
}

OdpAction odp_output(uint32_t port) {
  OdpAction a;
  a.type = OdpType::kOutput;
  a.u32 = port;
  return a;
}

OdpAction odp_push_vlan(uint16_t tpid, uint16_t wire_tci) {
  OdpAction a;
  a.type = OdpType::kPushVlan;
  a.tpid = tpid;
  a.u16 = wire_tci;
  return a;
}

OdpAction odp_pop_vlan() {
  OdpAction a;
  a.type = OdpType::kPopVlan;
  return a;
}

OdpAction odp_set_tunnel(const TunnelMeta& t) {
  OdpAction a;
  a.type = OdpType::kSetTunnel;
  a.tunnel = TunnelMeta{};
  a.tunnel.tun_id = t.tun_id;
  a.tunnel.ip_src = t.ip_src;
  a.tunnel.ip_dst = t.ip_dst;
  a.tunnel.ip_tos = t.ip_tos;
  a.tunnel.ip_ttl = t.ip_ttl;
  a.tunnel.tp_dst = t.tp_dst;
  a.tunnel.valid = true;
  return a;
}

namespace {

// Header family of a set action, for merging "set(eth(src=..,dst=..))" as OVS prints it.
const char* set_family(OdpType t) {
  switch (t) {
    case OdpType::kSetEthSrc:
    case OdpType::kSetEthDst:
      return "eth";
    case OdpType::kSetIpv4Src:
    case OdpType::kSetIpv4Dst:
    case OdpType::kSetIpv4Tos:
    case OdpType::kSetIpv4Ttl:
      return "ipv4";
    case OdpType::kSetIpv6Hlimit:
    case OdpType::kSetIpv6Tclass:
      return "ipv6";
    case OdpType::kSetL4Src:
    case OdpType::kSetL4Dst:
      return "l4";
    case OdpType::kSetArpOp:
    case OdpType::kSetArpSha:
    case OdpType::kSetArpSpa:
    case OdpType::kSetArpTha:
    case OdpType::kSetArpTpa:
      return "arp";
    default:
      return nullptr;
  }
}

std::string set_item(const OdpAction& a) {
  char buf[64];
  switch (a.type) {
    case OdpType::kSetEthSrc:
      return "src=" + a.mac.to_string();
    case OdpType::kSetEthDst:
      return "dst=" + a.mac.to_string();
    case OdpType::kSetIpv4Src:
      return "src=" + ipv4_to_string(a.u32);
    case OdpType::kSetIpv4Dst:
      return "dst=" + ipv4_to_string(a.u32);
    case OdpType::kSetIpv4Tos:
    case OdpType::kSetIpv6Tclass:
      // Masked as Open vSwitch prints a masked set: "tos=0x20/0xfc"; no mask when it is full.
      std::snprintf(buf, sizeof buf, a.u16 == 0xff ? "%s=0x%x" : "%s=0x%x/0x%x",
                    a.type == OdpType::kSetIpv4Tos ? "tos" : "tclass", a.u32, a.u16);
      return buf;
    case OdpType::kSetIpv4Ttl:
      return "ttl=" + std::to_string(a.u32);
    case OdpType::kSetIpv6Hlimit:
      return "hlimit=" + std::to_string(a.u32);
    case OdpType::kSetL4Src:
      return "src=" + std::to_string(a.u16);
    case OdpType::kSetL4Dst:
      return "dst=" + std::to_string(a.u16);
    case OdpType::kSetArpOp:
      return "op=" + std::to_string(a.u16);
    case OdpType::kSetArpSha:
      return "sha=" + a.mac.to_string();
    case OdpType::kSetArpSpa:
      return "sip=" + ipv4_to_string(a.u32);
    case OdpType::kSetArpTha:
      return "tha=" + a.mac.to_string();
    case OdpType::kSetArpTpa:
      return "tip=" + ipv4_to_string(a.u32);
    default:
      return "";
  }
}

std::string format_tunnel(const TunnelMeta& t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "tun_id=0x%llx", static_cast<unsigned long long>(t.tun_id));
  std::string s = "set(tunnel(";
  s += buf;
  if (t.ip_src) s += ",src=" + ipv4_to_string(t.ip_src);
  s += ",dst=" + ipv4_to_string(t.ip_dst);
  if (t.ip_tos) s += ",tos=" + std::to_string(t.ip_tos);
  s += ",ttl=" + std::to_string(t.ip_ttl);
  if (t.tp_dst) s += ",tp_dst=" + std::to_string(t.tp_dst);
  s += ",flags(df|key)))";
  return s;
}

std::string format_one(const OdpAction& a) {
  char buf[64];
  switch (a.type) {
    case OdpType::kOutput:
      return std::to_string(a.u32);
    case OdpType::kPushVlan:
      if (a.tpid != kEthTypeVlan) {
        std::snprintf(buf, sizeof buf, "push_vlan(tpid=0x%04x,vid=%u,pcp=%u)", a.tpid,
                      a.u16 & kVlanVidMask, a.u16 >> 13);
      } else {
        std::snprintf(buf, sizeof buf, "push_vlan(vid=%u,pcp=%u)", a.u16 & kVlanVidMask,
                      a.u16 >> 13);
      }
      return buf;
    case OdpType::kPopVlan:
      return "pop_vlan";
    case OdpType::kSetTunnel:
      return format_tunnel(a.tunnel);
    case OdpType::kUserspace:
      std::snprintf(buf, sizeof buf, "userspace(pid=0,controller(reason=%u,max_len=%u))", a.u32,
                    a.u16);
      return buf;
    default:
      return "";
  }
}

}  // namespace

std::string format_odp_actions(const OdpActions& acts) {
  if (acts.empty()) return "drop";
  std::string s;
  for (size_t i = 0; i < acts.size(); ++i) {
    if (!s.empty()) s += ',';
    const char* fam = set_family(acts[i].type);
    if (!fam) {
      s += format_one(acts[i]);
      continue;
    }
    s += std::string("set(") + fam + "(" + set_item(acts[i]);
    while (i + 1 < acts.size() && set_family(acts[i + 1].type) &&
           std::strcmp(set_family(acts[i + 1].type), fam) == 0) {
      s += "," + set_item(acts[++i]);
    }
    s += "))";
  }
  return s;
}

}  // namespace nt
