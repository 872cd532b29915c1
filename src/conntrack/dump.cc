// dpctl/dump-conntrack, flush-conntrack and ct-stats-show: Open vSwitch's text
// (lib/ct-dpif.c's ct_dpif_format_entry(), dpctl.c).
#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

#include "common/addr.h"
#include "common/strings.h"
#include "conntrack/conn.h"
#include "conntrack/conntrack.h"
#include "packet/bytes.h"

namespace nt {

using ct::Conn;
using ct::ConnKey;
using ct::Table;

namespace {

const char* proto_name(uint8_t p) {
  switch (p) {
    case 1:
      return "icmp";
    case 58:
      return "icmpv6";
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 132:
      return "sctp";
    case 136:
      return "udplite";
    case 33:
      return "dccp";
    case 2:
      return "igmp";
    default:
      return nullptr;
  }
}

bool has_ports(uint8_t p) { return p == 6 || p == 17 || p == 132 || p == 136 || p == 33; }

std::string addr_text(const CtAddr& a, bool v6) {
  if (!v6) return ipv4_to_string(load_be32(a.b.data()));
  return ipv6_to_string(a.b);
}

void format_tuple(std::string& s, const ConnKey& k) {
  s += "src=" + addr_text(k.src, k.ipv6) + ",dst=" + addr_text(k.dst, k.ipv6);
  if (ct::is_icmp(k.proto, k.ipv6)) {
    s += ",id=" + std::to_string(k.sport) + ",type=" + std::to_string(k.stype) +
         ",code=" + std::to_string(k.code);
  } else if (has_ports(k.proto)) {
    s += ",sport=" + std::to_string(k.sport) + ",dport=" + std::to_string(k.dport);
  }
}

std::string hex128(u128 v) {
  std::string s = "0x";
  bool printed = false;
  for (int i = 15; i >= 0; --i) {
    unsigned byte = static_cast<unsigned>(v >> (i * 8)) & 0xff;
    if (!byte && !printed) continue;
    char buf[4];
    std::snprintf(buf, sizeof buf, printed ? "%02x" : "%x", byte);
    s += buf;
    printed = true;
  }
  return printed ? s : "0";
}

uint8_t coalesce(uint8_t st) {
  if (st == ct::kFinWait2) return ct::kTimeWait;
  if (st == ct::kSynRecv) return ct::kEstablished;
  return st;
}

void format_protoinfo(std::string& s, const Conn& c, bool more) {
  const ct::TcpPeer& o = c.peer[0];
  const ct::TcpPeer& r = c.peer[1];
  s += ",protoinfo=(";
  if (!more) {
    s += "state=";
    s += ct::tcp_state_name(coalesce(std::max(o.state, r.state)));
  } else {
    s += std::string("state_orig=") + ct::tcp_state_name(o.state) +
         ",state_reply=" + ct::tcp_state_name(r.state);
    uint8_t wo = o.wscale & ct::kWscaleMask, wr = r.wscale & ct::kWscaleMask;
    if (wo || wr) {
      s += ",wscale_orig=" + std::to_string(wo) + ",wscale_reply=" + std::to_string(wr);
    }
    s += ",flags_orig=0,flags_reply=0";
  }
  s += ")";
}

void format_conn(std::string& s, const Conn& c, int64_t now, bool more, bool stats) {
  const ConnKey& k = c.key[0];
  const char* name = proto_name(k.proto);
  s += name ? name : std::to_string(k.proto);
  s += ",orig=(";
  format_tuple(s, c.key[0]);
  s += "),reply=(";
  format_tuple(s, c.key[1]);
  s += ")";
  if (more) s += ",id=0";
  if (k.zone) s += ",zone=" + std::to_string(k.zone);
  if (more) s += ",status=0";
  if (stats) {
    int64_t left = c.expiration - now;
    s += ",timeout=" + std::to_string(left > 0 ? left / 1000 : 0);
  }
  if (c.mark) s += ",mark=" + std::to_string(c.mark);
  if (c.label) s += ",labels=" + hex128(c.label);
  if (k.proto == kIpProtoTcp) format_protoinfo(s, c, more);
  s += "\n";
}

template <typename F>
void for_each_conn(const Table& t, F&& f) {
  for (uint32_t i = 0; i < t.chunks.size() * Table::kChunk; ++i) {
    const Conn& c = t.at(i);
    if (c.in_use) f(c);
  }
}

bool parse_num(std::string_view v, uint32_t max, uint32_t& out) {
  int base = v.starts_with("0x") ? 16 : 10;
  std::string_view d = base == 16 ? v.substr(2) : v;
  auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), out, base);
  return ec == std::errc() && p == d.data() + d.size() && out <= max;
}

// One "name=value" of a flush tuple into `k` (ct_dpif_parse_tuple()'s fields and errors).
std::string tuple_field(ConnKey& k, int& l3, std::string_view name, std::string_view v) {
  std::string key(name);
  if (v.empty()) return "field " + key + " missing value";
  bool ok = false;
  uint32_t n = 0;
  if (name == "ct_nw_src" || name == "ct_nw_dst" || name == "ct_ipv6_src" ||
      name == "ct_ipv6_dst") {
    int want = name[3] == 'n' ? 4 : 6;
    if (l3 && l3 != want) return "L3 type set multiple times";
    l3 = want;
    CtAddr& a = name.ends_with("src") ? k.src : k.dst;
    if (want == 4) {
      auto ip = ipv4_parse(v);
      if (ip) store_be32(a.b.data(), *ip);
      ok = ip.has_value();
    } else {
      ok = inet_pton(AF_INET6, std::string(v).c_str(), a.b.data()) == 1;
    }
  } else if (name == "ct_nw_proto") {
    ok = parse_num(v, 255, n);
    k.proto = static_cast<uint8_t>(n);
  } else if (name == "ct_tp_src" || name == "ct_tp_dst") {
    ok = parse_num(v, 65535, n);
    (name == "ct_tp_src" ? k.sport : k.dport) = static_cast<uint16_t>(n);
  } else if (name == "icmp_type" || name == "icmp_code" || name == "icmp_id") {
    if (k.proto != kIpProtoIcmp && k.proto != kIpProtoIcmpv6) return "invalid L4 fields";
    ok = parse_num(v, name == "icmp_id" ? 65535 : 255, n);
    if (name == "icmp_type") k.stype = static_cast<uint8_t>(n);
    if (name == "icmp_code") k.code = static_cast<uint8_t>(n);
    if (name == "icmp_id") k.sport = k.dport = static_cast<uint16_t>(n);
  } else {
    return "invalid conntrack tuple field: " + key;
  }
  return ok ? std::string() : "failed to parse field " + key;
}

Result<ConnKey> parse_tuple(std::string_view text, uint16_t zone) {
  ConnKey k{};
  k.zone = zone;
  int l3 = 0;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    size_t eq = item.find('=');
    std::string err = tuple_field(k, l3, item.substr(0, eq),
                                  eq == std::string_view::npos ? "" : item.substr(eq + 1));
    if (!err.empty()) return make_error(err);
  }
  k.ipv6 = l3 == 6;
  bool icmp = ct::is_icmp(k.proto, k.ipv6);
  if ((k.src == CtAddr{} || k.dst == CtAddr{} || !k.proto) && !icmp && (!k.sport || !k.dport)) {
    return make_error("at least one of the conntrack 5-tuple fields is missing.");
  }
  if (icmp) k.dtype = ct::reverse_icmp_type(k.stype, k.ipv6);
  return k;
}

}  // namespace

std::string Conntrack::dump(std::optional<uint16_t> zone, bool more, bool stats) const {
  std::string s;
  int64_t now = t_->now();
  for_each_conn(*t_, [&](const Conn& c) {
    if ((!zone || c.key[0].zone == *zone) && c.expiration > now)
      format_conn(s, c, now, more, stats);
  });
  return s;
}

Result<size_t> Conntrack::flush(std::optional<uint16_t> zone, std::string_view tuple) {
  Table& t = *t_;
  if (!tuple.empty()) {
    auto k = parse_tuple(tuple, zone.value_or(0));
    if (!k) return k.error();
    bool reply = false;
    Conn* c = t.lookup(*k, ct::hash_key(*k), &reply);
    if (!c) return make_error("No such file or directory", ErrorCode::kNotFound);
    t.remove(c->idx);
    return size_t{1};
  }
  size_t n = 0;
  for (uint32_t i = 0; i < t.chunks.size() * Table::kChunk; ++i) {
    Conn& c = t.at(i);
    if (c.in_use && (!zone || c.key[0].zone == *zone)) {
      t.remove(i);
      ++n;
    }
  }
  return n;
}

size_t Conntrack::flush_address(const CtAddr& addr, bool ipv6) {
  Table& t = *t_;
  size_t n = 0;
  for (uint32_t i = 0; i < t.chunks.size() * Table::kChunk; ++i) {
    Conn& c = t.at(i);
    if (!c.in_use || c.key[0].ipv6 != ipv6) continue;
    bool hit = false;
    for (const ConnKey& k : c.key) hit |= k.src == addr || k.dst == addr;
    if (hit) {
      t.remove(i);
      ++n;
    }
  }
  return n;
}

std::string Conntrack::stats_show(bool more) const {
  // dpctl.c's order; ICMPv6 connections count in the total but have no line of their own.
  static constexpr struct {
    uint8_t proto;
    const char* name;
  } kKeys[] = {{6, "TCP"},  {17, "UDP"},  {136, "UDPLITE"}, {132, "SCTP"},
               {1, "ICMP"}, {33, "DCCP"}, {2, "IGMP"},      {58, nullptr}};
  size_t per[9] = {}, per_tcp[ct::kTimeWait + 1] = {}, total = 0;
  int64_t now = t_->now();
  for_each_conn(*t_, [&](const Conn& c) {
    if (c.expiration <= now) return;
    ++total;
    size_t i = 0;
    while (i < 8 && kKeys[i].proto != c.key[0].proto) ++i;
    ++per[i];
    if (c.key[0].proto == kIpProtoTcp)
      ++per_tcp[coalesce(std::max(c.peer[0].state, c.peer[1].state))];
  });
  std::string s = "Connections Stats:\n    Total: " + std::to_string(total) + "\n";
  for (size_t i = 0; i < 9; ++i) {
    if (!per[i] || (i < 8 && !kKeys[i].name)) continue;
    s += std::string("  ") + (i < 8 ? kKeys[i].name : "Other") + ": " + std::to_string(per[i]) +
         "\n";
    if (i == 0 && more) {
      s += "    Conn per TCP states:\n";
      for (uint8_t st = 0; st <= ct::kTimeWait; ++st) {
        if (per_tcp[st]) {
          s += std::string("\t  [") + ct::tcp_state_name(st) + "]=" + std::to_string(per_tcp[st]) +
               "\n";
        }
      }
    }
  }
  return s;
}

}  // namespace nt
