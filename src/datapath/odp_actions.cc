#include "datapath/odp_actions.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

namespace nt {

// Interning: the key spells out every member (CtArgs has padding, so its bytes are no key).
const CtArgs* ct_args_intern(const CtArgs& a) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<const CtArgs>> pool;
  std::string k;
  auto put = [&k](const auto& v) { k.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(a.zone), put(a.commit), put(a.force), put(a.set_mark), put(a.mark), put(a.mark_mask);
  put(a.set_label), put(a.label), put(a.label_mask);
  const CtNat& n = a.nat;
  put(n.kind), put(n.ipv6), put(n.addr_min.b), put(n.addr_max.b), put(n.port_min);
  put(n.port_max), put(n.persistent), put(n.random), put(n.hash);
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = pool[k];
  if (!slot) slot = std::make_unique<const CtArgs>(a);
  return slot.get();
}

TunnelMeta odp::SetTunnel::meta() const {
  TunnelMeta t;
  t.tun_id = tun_id;
  t.ip_src = ip_src;
  t.ip_dst = ip_dst;
  t.ip_tos = tos;
  t.ip_ttl = ttl;
  t.tp_dst = tp_dst;
  t.valid = true;
  return t;
}

namespace {

constexpr const char* kFamilies[] = {
#define NT_ODP_FAMILY(name, family) family,
    NT_ODP_ACTIONS(NT_ODP_FAMILY)
#undef NT_ODP_FAMILY
};

const char* family_of(const OdpAction& a) { return kFamilies[a.index()]; }

std::string hex(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

std::string masked(const char* name, unsigned v, unsigned mask) {
  std::string s = std::string(name) + "=" + hex(v);
  if (mask != 0xff) s += "/" + hex(mask);
  return s;
}

std::string tunnel_text(const odp::SetTunnel& t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "tun_id=0x%llx", static_cast<unsigned long long>(t.tun_id));
  std::string s = "set(tunnel(";
  s += buf;
  if (t.ip_src) s += ",src=" + ipv4_to_string(t.ip_src);
  s += ",dst=" + ipv4_to_string(t.ip_dst);
  if (t.tos) s += ",tos=" + std::to_string(t.tos);
  s += ",ttl=" + std::to_string(t.ttl);
  if (t.tp_dst) s += ",tp_dst=" + std::to_string(t.tp_dst);
  s += ",flags(df|key)))";
  return s;
}

std::string push_vlan_text(const odp::PushVlan& p) {
  char buf[64];
  unsigned vid = p.tci & kVlanVidMask, pcp = p.tci >> 13;
  if (p.tpid != kEthTypeVlan) {
    std::snprintf(buf, sizeof buf, "push_vlan(tpid=0x%04x,vid=%u,pcp=%u)", p.tpid, vid, pcp);
  } else {
    std::snprintf(buf, sizeof buf, "push_vlan(vid=%u,pcp=%u)", vid, pcp);
  }
  return buf;
}

std::string userspace_text(const odp::Userspace& u) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "userspace(pid=0,controller(reason=%u,max_len=%u))", u.reason,
                u.max_len);
  return buf;
}

std::string hex128(unsigned __int128 v) {
  uint64_t hi = static_cast<uint64_t>(v >> 64), lo = static_cast<uint64_t>(v);
  char buf[48];
  if (hi) {
    std::snprintf(buf, sizeof buf, "0x%llx%016llx", static_cast<unsigned long long>(hi),
                  static_cast<unsigned long long>(lo));
  } else {
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(lo));
  }
  return buf;
}

std::string ct_addr_text(const CtAddr& a, bool ipv6) {
  if (!ipv6) {
    return ipv4_to_string(static_cast<uint32_t>(a.b[0]) << 24 | a.b[1] << 16 | a.b[2] << 8 |
                          a.b[3]);
  }
  return "[" + ipv6_to_string(a.b) + "]";
}

// nat(src=A[-B][:P[-Q]][,persistent][,hash|random]) as odp-util prints it; bare "nat".
std::string ct_nat_text(const CtNat& n) {
  if (n.kind == CtNat::Kind::kReverseOnly) return "nat";
  std::string s = n.kind == CtNat::Kind::kSrc ? "nat(src" : "nat(dst";
  if (n.addr_min != CtAddr{}) {
    s += "=" + ct_addr_text(n.addr_min, n.ipv6);
    if (n.addr_max != n.addr_min && n.addr_max != CtAddr{}) {
      s += "-" + ct_addr_text(n.addr_max, n.ipv6);
    }
    if (n.port_min) {
      s += ":" + std::to_string(n.port_min);
      if (n.port_max && n.port_max != n.port_min) s += "-" + std::to_string(n.port_max);
    }
  }
  if (n.persistent) s += ",persistent";
  if (n.hash) s += ",hash";
  if (n.random) s += ",random";
  return s + ")";
}

// ct(commit,force,zone=N,mark=V/M,labels=V/M,nat(...)) then ",recirc(0xID)", as odp-util.
std::string ct_text(const odp::Ct& c) {
  const CtArgs& a = *c.args;
  std::string s = "ct(";
  if (a.commit) s += "commit,";
  if (a.force) s += "force,";
  if (a.zone) s += "zone=" + std::to_string(a.zone) + ",";
  if (a.set_mark) s += "mark=" + hex(a.mark) + "/" + hex(a.mark_mask) + ",";
  if (a.set_label) s += "labels=" + hex128(a.label) + "/" + hex128(a.label_mask) + ",";
  if (a.nat.kind != CtNat::Kind::kNone) s += ct_nat_text(a.nat) + ",";
  if (s.back() == ',') s.pop_back();
  s += ")";
  if (s == "ct()") s = "ct";
  if (c.recirc_id) s += ",recirc(" + hex(c.recirc_id) + ")";
  return s;
}

// One overload per payload: the whole action, or for a header rewrite its item inside
// "set(family(...))".
struct Text {
  std::string operator()(const odp::Output& a) const { return std::to_string(a.port); }
  std::string operator()(const odp::PushVlan& a) const { return push_vlan_text(a); }
  std::string operator()(const odp::PopVlan&) const { return "pop_vlan"; }
  std::string operator()(const odp::SetEthSrc& a) const { return "src=" + a.mac.to_string(); }
  std::string operator()(const odp::SetEthDst& a) const { return "dst=" + a.mac.to_string(); }
  std::string operator()(const odp::SetIpv4Src& a) const { return "src=" + ipv4_to_string(a.ip); }
  std::string operator()(const odp::SetIpv4Dst& a) const { return "dst=" + ipv4_to_string(a.ip); }
  // Masked as Open vSwitch prints a masked set ("tos=0x20/0xfc"); no mask when it is full.
  std::string operator()(const odp::SetIpv4Tos& a) const { return masked("tos", a.tos, a.mask); }
  std::string operator()(const odp::SetIpv6Tclass& a) const {
    return masked("tclass", a.tclass, a.mask);
  }
  std::string operator()(const odp::SetIpv4Ttl& a) const { return "ttl=" + std::to_string(a.ttl); }
  std::string operator()(const odp::SetIpv6Hlimit& a) const {
    return "hlimit=" + std::to_string(a.hlimit);
  }
  std::string operator()(const odp::SetL4Src& a) const { return "src=" + std::to_string(a.port); }
  std::string operator()(const odp::SetL4Dst& a) const { return "dst=" + std::to_string(a.port); }
  std::string operator()(const odp::SetArpOp& a) const { return "op=" + std::to_string(a.op); }
  std::string operator()(const odp::SetArpSha& a) const { return "sha=" + a.mac.to_string(); }
  std::string operator()(const odp::SetArpSpa& a) const { return "sip=" + ipv4_to_string(a.ip); }
  std::string operator()(const odp::SetArpTha& a) const { return "tha=" + a.mac.to_string(); }
  std::string operator()(const odp::SetArpTpa& a) const { return "tip=" + ipv4_to_string(a.ip); }
  std::string operator()(const odp::SetTunnel& a) const { return tunnel_text(a); }
  std::string operator()(const odp::Ct& a) const { return ct_text(a); }
  std::string operator()(const odp::CtClear&) const { return "ct_clear"; }
  std::string operator()(const odp::Userspace& a) const { return userspace_text(a); }
};

}  // namespace

std::string format_odp_actions(const OdpActions& acts) {
  if (acts.empty()) return "drop";
  std::string s;
  for (size_t i = 0; i < acts.size(); ++i) {
    if (!s.empty()) s += ',';
    const char* fam = family_of(acts[i]);
    if (!fam) {
      s += odp_visit(acts[i], Text{});
      continue;
    }
    // Consecutive rewrites of one header print as one set(), as Open vSwitch merges them.
    s += std::string("set(") + fam + "(" + odp_visit(acts[i], Text{});
    while (i + 1 < acts.size() && family_of(acts[i + 1]) &&
           std::strcmp(family_of(acts[i + 1]), fam) == 0) {
      s += "," + odp_visit(acts[++i], Text{});
    }
    s += "))";
  }
  return s;
}

}  // namespace nt
