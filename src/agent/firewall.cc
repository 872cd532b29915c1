#include "agent/firewall.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "common/addr.h"
#include "common/ip_proto.h"
#include "common/strings.h"

namespace nt::agent {
namespace {

constexpr const char* kZone = "zone=NXM_NX_REG6[0..15]";
constexpr const char* kNew = "ct_state=+new-est";
constexpr const char* kEst = "ct_state=+est-rel-rpl";
constexpr int kFirstConjId = 16;  // conjunction ids: blocks of 8 per (group, remote, dir, type)

std::string num(int64_t v) { return std::to_string(v); }

std::string resubmit(int table) { return "resubmit(," + num(table) + ")"; }

// Flows keyed by their match (table, priority, fields). A second flow with the same match adds
// its actions (the conjunction() actions of several rules) unless it repeats them.
class FlowSet {
 public:
  void add(int table, int priority, const std::string& match, const std::string& actions) {
    std::string key = "table=" + num(table) + ",priority=" + num(priority);
    if (!match.empty()) key += "," + match;
    auto [it, fresh] = index_.try_emplace(key, flows_.size());
    if (fresh) {
      flows_.push_back({key, {actions}});
      return;
    }
    auto& acts = flows_[it->second].second;
    if (std::find(acts.begin(), acts.end(), actions) == acts.end()) acts.push_back(actions);
  }
  std::vector<std::string> lines(const std::string& cookie) const {
    std::vector<std::string> out;
    out.reserve(flows_.size());
    for (const auto& [key, acts] : flows_) {
      std::string line = cookie + key + " actions=";
      for (size_t i = 0; i < acts.size(); ++i) line += (i ? "," : "") + acts[i];
      out.push_back(std::move(line));
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> flows_;
  std::map<std::string, size_t> index_;
};

bool is_v6(const std::string& addr) { return addr.find(':') != std::string::npos; }

// fe80::/64 with the MAC's modified EUI-64 interface id: the address ND and DHCPv6 come from.
std::string link_local(const std::string& mac_text) {
  auto mac = MacAddr::parse(mac_text);
  if (!mac) return "";
  const auto& b = mac->b;
  char buf[64];
  std::snprintf(buf, sizeof buf, "fe80::%x:%x:%x:%x", (b[0] ^ 2) << 8 | b[1], b[2] << 8 | 0xff,
                0xfe << 8 | b[3], b[4] << 8 | b[5]);
  in6_addr a;  // canonical spelling (zero groups compressed as OVS prints them)
  if (inet_pton(AF_INET6, buf, &a) != 1 || !inet_ntop(AF_INET6, &a, buf, sizeof buf)) return "";
  return buf;
}

// A filtered port as its flows need it.
struct FwPort {
  std::string of;                                        // ofport, decimal
  std::string lv;                                        // local VLAN = conntrack zone
  std::vector<std::string> macs;                         // its own, then address pairs'
  std::vector<std::pair<std::string, std::string>> ips;  // (mac, address or CIDR) it sends from
  const rpc::PortInfo* info = nullptr;
};

FwPort fw_port(const VmPort& vp, const rpc::PortInfo& info) {
  FwPort p{num(vp.ofport), num(vp.tag), {info.mac_address}, {}, &info};
  for (const auto& f : info.fixed_ips) p.ips.push_back({info.mac_address, f.ip_address});
  for (const auto& a : info.allowed_address_pairs) {
    if (std::find(p.macs.begin(), p.macs.end(), a.mac_address) == p.macs.end()) {
      p.macs.push_back(a.mac_address);
    }
    p.ips.push_back({a.mac_address, a.ip_address});
  }
  return p;
}

bool trusted(const rpc::PortInfo& info) {
  return info.device_owner.rfind("network:", 0) == 0 || !info.port_security_enabled;
}

void global_flows(FlowSet& f) {
  f.add(kTransientTable, 3, "", "NORMAL");
  f.add(kBaseEgressTable, 110, "ct_state=+trk", "ct_clear," + resubmit(kBaseEgressTable));
  for (int t : {kBaseEgressTable, kRulesEgressTable, kAcceptOrIngressTable, kBaseIngressTable,
                kRulesIngressTable}) {
    f.add(t, 0, "", "drop");
  }
  for (int t : {kRulesEgressTable, kRulesIngressTable}) {
    f.add(t, 50, "ct_state=+inv+trk", resubmit(kDroppedTable));
  }
  f.add(kAcceptedEgressTable, 1, "", resubmit(kEgressNormalTable));
  f.add(kAcceptedIngressTable, 0, "", "drop");
  f.add(kDroppedTable, 0, "", "drop");
  f.add(kEgressNormalTable, 1, "", "NORMAL");
}

std::string load_regs(const FwPort& p) {
  return "load:" + p.of + "->NXM_NX_REG5[],load:" + p.lv + "->NXM_NX_REG6[]";
}

// A trusted port (network:*, or port security off): its traffic skips its own filtering but
// meets the ingress rules of a filtered destination (73/100).
void trusted_flows(FlowSet& f, const FwPort& p) {
  f.add(kTransientTable, 100, "in_port=" + p.of, load_regs(p) + "," + resubmit(73));
  f.add(kAcceptOrIngressTable, 80, "reg5=" + p.of, resubmit(kEgressNormalTable));
}

// Table 71: what the port may send before its rules are asked (ARP, ND, DHCP as a client, IP
// from its own addresses) and what it may never send (DHCP and RA as a server).
void base_egress(FlowSet& f, const FwPort& p) {
  const std::string in = "reg5=" + p.of + ",in_port=" + p.of;
  f.add(kTransientTable, 100, "in_port=" + p.of, load_regs(p) + "," + resubmit(71));
  for (const auto& mac : p.macs) {
    f.add(71, 80, "udp," + in + ",dl_src=" + mac + ",nw_src=0.0.0.0,tp_src=68,tp_dst=67",
          resubmit(kAcceptOrIngressTable));
    std::string lla = link_local(mac);
    if (lla.empty()) continue;
    for (int type : {130, 133, 135}) {
      f.add(71, 95,
            "icmp6," + in + ",dl_src=" + mac + ",ipv6_src=" + lla + ",icmp_type=" + num(type),
            resubmit(kEgressNormalTable));
    }
    // Neutron matches each NA's nd_target too; the switch has no nd_target field yet, so an
    // advertisement from the port's MAC passes whatever address it advertises.
    f.add(71, 95, "icmp6," + in + ",dl_src=" + mac + ",icmp_type=136",
          resubmit(kEgressNormalTable));
    f.add(71, 80, "udp6," + in + ",dl_src=" + mac + ",ipv6_src=" + lla + ",tp_src=546,tp_dst=547",
          resubmit(kAcceptOrIngressTable));
  }
  for (const auto& [mac, ip] : p.ips) {
    const std::string from = in + ",dl_src=" + mac;
    if (!is_v6(ip)) {
      f.add(71, 95, "arp," + from + ",arp_spa=" + ip, resubmit(kEgressNormalTable));
      f.add(71, 80, "udp," + from + ",nw_src=" + ip + ",tp_src=68,tp_dst=67",
            resubmit(kAcceptOrIngressTable));
      f.add(71, 65, "ip," + from + ",nw_src=" + ip, std::string("ct(table=72,") + kZone + ")");
      continue;
    }
    for (int type : {130, 133, 135}) {
      f.add(71, 95, "icmp6," + from + ",ipv6_src=" + ip + ",icmp_type=" + num(type),
            resubmit(kEgressNormalTable));
    }
    f.add(71, 80, "udp6," + from + ",ipv6_src=" + ip + ",tp_src=546,tp_dst=547",
          resubmit(kAcceptOrIngressTable));
    f.add(71, 65, "ipv6," + from + ",ipv6_src=" + ip, std::string("ct(table=72,") + kZone + ")");
  }
  f.add(71, 70, "udp," + in + ",tp_src=67,tp_dst=68", resubmit(kDroppedTable));
  f.add(71, 70, "udp6," + in + ",tp_src=547,tp_dst=546", resubmit(kDroppedTable));
  f.add(71, 70, "icmp6," + in + ",icmp_type=134", resubmit(kDroppedTable));
  f.add(71, 10, in, "ct_clear," + resubmit(kDroppedTable));
}

// Tables 72 and 82 below the rules: replies and related packets of accepted connections pass,
// connections no rule accepts any more are marked and dropped, nothing else passes.
void rules_base(FlowSet& f, const FwPort& p, int table, const std::string& accept) {
  const std::string reg = "reg5=" + p.of;
  f.add(table, 50, "ct_mark=0x1," + reg, resubmit(kDroppedTable));
  for (const char* state : {"ct_state=+est-rel+rpl", "ct_state=-new-est+rel-inv"}) {
    f.add(table, 50, std::string(state) + ",ct_zone=" + p.lv + ",ct_mark=0," + reg, accept);
  }
  f.add(table, 40, "ct_state=-est," + reg, resubmit(kDroppedTable));
  for (const char* l3 : {"ip", "ipv6"}) {
    f.add(table, 40, std::string("ct_state=+est,") + l3 + "," + reg,
          std::string("ct(commit,") + kZone + ",exec(load:0x1->NXM_NX_CT_MARK[]))");
  }
}

// Table 73: a destination on this host goes through its ingress tables; anything else new is
// committed and switched.
void accept_or_ingress(FlowSet& f, const FwPort& p) {
  for (const auto& mac : p.macs) {
    f.add(kAcceptOrIngressTable, 100, "reg6=" + p.lv + ",dl_dst=" + mac,
          "load:" + p.of + "->NXM_NX_REG5[]," + resubmit(kBaseIngressTable));
  }
  for (const char* l3 : {"ip", "ipv6"}) {
    f.add(kAcceptOrIngressTable, 90, std::string(kNew) + "," + l3 + ",reg5=" + p.of,
          std::string("ct(commit,") + kZone + ")," + resubmit(kAcceptedEgressTable));
  }
  f.add(kAcceptOrIngressTable, 80, "reg5=" + p.of, resubmit(kEgressNormalTable));
}

// Tables 60 (by local VLAN and MAC) and 81: ARP, ND and DHCP replies reach the port; IP goes
// through conntrack into the rules.
void base_ingress(FlowSet& f, const FwPort& p) {
  const std::string reg = "reg5=" + p.of, out = "output:" + p.of;
  for (const auto& mac : p.macs) {
    f.add(kTransientTable, 90, "dl_vlan=" + p.lv + ",dl_dst=" + mac,
          load_regs(p) + ",strip_vlan," + resubmit(kBaseIngressTable));
  }
  f.add(81, 100, "arp," + reg, out);
  for (int type : {130, 134, 135, 136}) {
    f.add(81, 95, "icmp6," + reg + ",icmp_type=" + num(type), out);
  }
  f.add(81, 95, "udp," + reg + ",tp_src=67,tp_dst=68", out);
  f.add(81, 95, "udp6," + reg + ",tp_src=547,tp_dst=546", out);
  for (const char* l3 : {"ip", "ipv6"}) {
    f.add(81, 90, std::string("ct_state=-trk,") + l3 + "," + reg,
          std::string("ct(table=82,") + kZone + ")");
  }
  f.add(81, 80, "ct_state=+trk," + reg, resubmit(kRulesIngressTable));
}

// A rule as match fragments. offset orders rules as Neutron does: 0 any protocol, 1 ICMP
// without type, 2 ICMP type only, 3 anything more specific.
struct RuleMatch {
  bool v6 = false, ingress = true;
  int offset = 0;
  std::string l3;      // ip, ipv6 (for conjunction and member flows)
  std::string proto;   // ip, tcp, udp6, icmp, "ip,nw_proto=47", ...
  std::string extra;   // ",nw_src=10.0.0.0/8", ",icmp_type=8,icmp_code=0"
  bool ports = false;  // TCP, UDP or SCTP: [lo, hi] is matched with tp_dst
  int lo = 0, hi = 0;  // destination ports
};

std::optional<int> protocol_number(const std::string& p) {
  if (p.empty()) return -1;
  if (std::all_of(p.begin(), p.end(), [](char c) { return std::isdigit(uint8_t(c)); })) {
    return p.size() <= 3 ? std::optional<int>(std::stoi(p)) : std::nullopt;
  }
  return ip_protocol_number(p);
}

// The rule's match, or nullopt for a rule this driver cannot express (it then allows nothing).
std::optional<RuleMatch> rule_match(const rpc::SecurityGroupRule& r) {
  RuleMatch m;
  m.v6 = r.ethertype == "IPv6";
  m.ingress = r.direction != "egress";
  m.l3 = m.v6 ? "ipv6" : "ip";
  auto n = protocol_number(r.protocol);
  if (!n) return std::nullopt;
  if (*n == 1 && m.v6) n = 58;
  if (*n == 58 && !m.v6) return std::nullopt;
  const std::string suffix = m.v6 ? "6" : "";
  if (*n < 0) {
    m.proto = m.l3;
  } else if (*n == 1 || *n == 58) {
    m.proto = *n == 1 ? "icmp" : "icmp6";
    m.offset = !r.port_range_min ? 1 : !r.port_range_max ? 2 : 3;
    if (r.port_range_min) m.extra += ",icmp_type=" + num(*r.port_range_min);
    if (r.port_range_min && r.port_range_max) m.extra += ",icmp_code=" + num(*r.port_range_max);
  } else if (*n == 6 || *n == 17 || *n == 132) {
    m.proto = (*n == 6 ? "tcp" : *n == 17 ? "udp" : "sctp") + suffix;
    m.offset = 3;
    m.ports = true;
    if (r.port_range_min || r.port_range_max) {
      m.lo = r.port_range_min.value_or(0);
      m.hi = r.port_range_max.value_or(m.lo);
      if (m.lo > m.hi) return std::nullopt;
    } else {
      m.hi = 65535;
    }
  } else {
    if (r.port_range_min || r.port_range_max) return std::nullopt;  // ports OVS cannot match
    m.proto = m.l3 + ",nw_proto=" + num(*n);
    m.offset = 3;
  }
  const std::string& prefix = r.remote_ip_prefix;
  if (!prefix.empty() && prefix != "0.0.0.0/0" && prefix != "::/0") {
    if (is_v6(prefix) != m.v6) return std::nullopt;
    m.extra += std::string(",") + (m.v6 ? "ipv6_" : "nw_") + (m.ingress ? "src=" : "dst=") + prefix;
  }
  return m;
}

// ",tp_dst=..." fragments covering [lo, hi] ("" alone for a rule without ports).
std::vector<std::string> port_matches(const RuleMatch& m) {
  auto masks = m.ports ? port_range_masks(m.lo, m.hi) : std::vector<std::pair<int, int>>{};
  if (masks.empty()) return {""};
  std::vector<std::string> out;
  for (const auto& [v, mask] : masks) {
    out.push_back(mask == 0xffff ? ",tp_dst=" + num(v)
                                 : ",tp_dst=" + to_hex(v) + "/" + to_hex(mask));
  }
  return out;
}

// The actions accepting a packet of `state` (kNew or kEst) in a direction.
std::string accept_actions(const FwPort& p, bool ingress, bool is_new) {
  if (!ingress) return resubmit(kAcceptOrIngressTable);
  if (!is_new) return "output:" + p.of;
  return std::string("ct(commit,") + kZone + "),output:" + p.of + "," +
         resubmit(kAcceptedIngressTable);
}

void plain_rule(FlowSet& f, const FwPort& p, const RuleMatch& m) {
  int table = m.ingress ? kRulesIngressTable : kRulesEgressTable;
  for (const auto& tp : port_matches(m)) {
    for (bool is_new : {false, true}) {
      std::string match =
          std::string(is_new ? kNew : kEst) + "," + m.proto + ",reg5=" + p.of + m.extra + tp;
      f.add(table, 74 + m.offset, match, accept_actions(p, m.ingress, is_new));
    }
  }
}

// One conjunction: a (group, remote group, direction, ethertype) block of 8 ids, base + 2 *
// offset for established packets and + 1 for new ones.
using ConjKey = std::tuple<std::string, std::string, std::string, std::string>;

ConjKey conj_key(const rpc::SecurityGroupRule& r) {
  return {r.security_group_id, r.remote_group_id, r.direction, r.ethertype};
}

// A port's remote-group rules of one shape (direction, offset, protocol and fields but the
// destination port): port ranges, each with the conjunction base it belongs to.
struct ConjShape {
  RuleMatch m;
  std::vector<std::tuple<int, int, uint32_t>> ranges;  // lo, hi, conj base id
};

// Elementary intervals of the ranges, each with the conjunctions covering it: dimension-2
// flows of one priority never overlap, so no packet meets a flow lacking one of its groups.
std::vector<std::pair<std::pair<int, int>, std::set<uint32_t>>> split_ranges(const ConjShape& s) {
  std::set<int> cuts;
  for (const auto& [lo, hi, id] : s.ranges) {
    cuts.insert(lo);
    cuts.insert(hi + 1);
  }
  std::vector<std::pair<std::pair<int, int>, std::set<uint32_t>>> out;
  for (auto it = cuts.begin(); it != cuts.end() && std::next(it) != cuts.end(); ++it) {
    int lo = *it, hi = *std::next(it) - 1;
    std::set<uint32_t> ids;
    for (const auto& [rlo, rhi, id] : s.ranges) {
      if (rlo <= lo && hi <= rhi) ids.insert(id);
    }
    if (ids.empty()) continue;
    if (!out.empty() && out.back().second == ids && out.back().first.second + 1 == lo) {
      out.back().first.second = hi;
    } else {
      out.push_back({{lo, hi}, ids});
    }
  }
  return out;
}

void conj_flows(FlowSet& f, const FwPort& p, const ConjShape& s) {
  const RuleMatch& m = s.m;
  int table = m.ingress ? kRulesIngressTable : kRulesEgressTable;
  int prio = 70 + m.offset;
  for (const auto& [range, ids] : split_ranges(s)) {
    RuleMatch part = m;
    part.lo = range.first;
    part.hi = range.second;
    for (const auto& tp : port_matches(part)) {
      for (bool is_new : {false, true}) {
        std::string match =
            std::string(is_new ? kNew : kEst) + "," + m.proto + ",reg5=" + p.of + m.extra + tp;
        for (uint32_t base : ids) {
          uint32_t id = base + 2 * m.offset + (is_new ? 1 : 0);
          f.add(table, prio, match, "conjunction(" + num(id) + ",2/2)");
        }
      }
    }
  }
}

// Dimension 1 (the remote group's member addresses on the port's network) and the flows that
// accept a completed conjunction, recording its id in reg7.
void conj_members_and_accept(FlowSet& f, const FwPort& p, const RuleMatch& m, uint32_t base,
                             const std::vector<std::string>& member_ips) {
  int table = m.ingress ? kRulesIngressTable : kRulesEgressTable;
  int prio = 70 + m.offset;
  const std::string field = std::string(m.v6 ? "ipv6_" : "nw_") + (m.ingress ? "src=" : "dst=");
  for (bool is_new : {false, true}) {
    uint32_t id = base + 2 * m.offset + (is_new ? 1 : 0);
    const std::string state = is_new ? kNew : kEst;
    for (const auto& ip : member_ips) {
      if (is_v6(ip) != m.v6) continue;
      f.add(table, prio, state + "," + m.l3 + ",reg6=" + p.lv + "," + field + ip,
            "conjunction(" + num(id) + ",1/2)");
    }
    f.add(table, prio, "conj_id=" + num(id) + "," + state + "," + m.l3 + ",reg5=" + p.of,
          "load:" + to_hex(id) + "->NXM_NX_REG7[]," + accept_actions(p, m.ingress, is_new));
  }
}

// Conjunction bases for every (group, remote group, direction, ethertype) of the host's rules,
// in sorted order so the same state always gives the same ids.
std::map<ConjKey, uint32_t> conj_ids(const rpc::HostState& state) {
  std::set<ConjKey> keys;
  for (const auto& r : state.security_group_rules) {
    if (!r.remote_group_id.empty()) keys.insert(conj_key(r));
  }
  std::map<ConjKey, uint32_t> out;
  uint32_t next = kFirstConjId;
  for (const auto& k : keys) {
    out[k] = next;
    next += 8;
  }
  return out;
}

std::map<std::string, std::vector<std::string>> member_ips(const rpc::HostState& state) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& m : state.security_group_members) {
    for (const auto& sg : m.security_groups) {
      auto& ips = out[sg];
      for (const auto& ip : m.ips) {
        if (std::find(ips.begin(), ips.end(), ip) == ips.end()) ips.push_back(ip);
      }
    }
  }
  return out;
}

void rule_flows(FlowSet& f, const FwPort& p, const rpc::HostState& state,
                const std::map<ConjKey, uint32_t>& ids,
                const std::map<std::string, std::vector<std::string>>& members) {
  std::map<std::string, ConjShape> shapes;      // by direction|offset|proto|extra
  std::set<std::pair<uint32_t, int>> accepted;  // (conjunction base, offset) with member flows
  for (const auto& sg : p.info->security_groups) {
    for (const auto& r : state.security_group_rules) {
      if (r.security_group_id != sg) continue;
      auto m = rule_match(r);
      if (!m) continue;
      if (r.remote_group_id.empty()) {
        plain_rule(f, p, *m);
        continue;
      }
      uint32_t base = ids.at(conj_key(r));
      if (accepted.insert({base, m->offset}).second) {  // once per conjunction
        auto mem = members.find(r.remote_group_id);
        static const std::vector<std::string> kNone;
        conj_members_and_accept(f, p, *m, base, mem == members.end() ? kNone : mem->second);
      }
      std::string key = (m->ingress ? "in|" : "out|") + num(m->offset) + "|" + m->proto + m->extra;
      auto& shape = shapes[key];
      shape.m = *m;
      shape.ranges.push_back({m->ports ? m->lo : 0, m->ports ? m->hi : 0, base});
    }
  }
  for (const auto& [key, shape] : shapes) conj_flows(f, p, shape);
}

}  // namespace

bool firewall_enabled(const AgentConfig& config) { return config.firewall_driver == "openvswitch"; }

std::vector<std::pair<int, int>> port_range_masks(int lo, int hi) {
  lo = std::max(lo, 0);
  hi = std::min(hi, 65535);
  std::vector<std::pair<int, int>> out;
  if (lo > hi || (lo <= 1 && hi == 65535)) return out;
  while (lo <= hi) {
    int size = 1;  // the largest aligned block starting at lo inside [lo, hi]
    while (size < 65536 && lo % (size * 2) == 0 && lo + size * 2 - 1 <= hi) size *= 2;
    out.push_back({lo, 0xffff & ~(size - 1)});
    lo += size;
  }
  return out;
}

std::vector<std::string> firewall_default_flows(const std::string& cookie) {
  FlowSet f;
  global_flows(f);
  return f.lines(cookie);
}

std::vector<std::string> firewall_port_flows(const rpc::HostState& state, const Plan& plan,
                                             const std::string& cookie) {
  FlowSet f;
  const auto ids = conj_ids(state);
  const auto members = member_ips(state);
  for (const auto& vp : plan.vm_ports) {
    if (vp.dead || vp.ofport <= 0) continue;
    const rpc::PortInfo* info = state.find_port(vp.iface_id);
    if (!info) continue;
    FwPort p = fw_port(vp, *info);
    if (trusted(*info)) {
      trusted_flows(f, p);
      continue;
    }
    base_egress(f, p);
    rules_base(f, p, kRulesEgressTable, resubmit(kEgressNormalTable));
    accept_or_ingress(f, p);
    base_ingress(f, p);
    rules_base(f, p, kRulesIngressTable, "output:" + p.of);
    rule_flows(f, p, state, ids, members);
  }
  return f.lines(cookie);
}

}  // namespace nt::agent
