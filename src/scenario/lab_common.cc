#include "scenario/lab_common.h"

#include <set>

#include "flow/fields.h"
#include "packet/parse.h"
#include "packet/tunnel.h"
#include "scenario/runner_util.h"
#include "xlate/switch.h"

namespace nt::scenario_internal {
namespace {

// The k=v words after NAME; `tag`/`trunks`/`vlan_mode` also go to the port's add-port.
void split_options(const std::vector<std::string>& a, std::map<std::string, std::string>& kv,
                   std::vector<std::string>& port_args, std::vector<std::string>* hosts) {
  for (size_t i = 2; i < a.size(); ++i) {
    auto [k, v] = split_kv(a[i]);
    if (k == "tag" || k == "trunks" || k == "vlan_mode") port_args.push_back(a[i]);
    if (hosts && k == "host") {
      hosts->push_back(v);
    } else {
      kv[k] = v;
    }
  }
}

Status require(const std::string& cmd, std::map<std::string, std::string>& kv,
               std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (kv[k].empty()) return make_error(cmd + ": " + k + "= is required");
  }
  return ok_status();
}

// The addressing part of a DHCP server's configuration.
Status parse_dhcp_addressing(std::map<std::string, std::string>& kv, DhcpServerConfig& cfg) {
  const std::string &ip = kv["ip"], &range = kv["range"];
  size_t slash = ip.find('/'), dash = range.find('-');
  auto server = ipv4_parse(ip.substr(0, slash));
  auto len = slash == std::string::npos ? std::nullopt : parse_uint(ip.substr(slash + 1), 6);
  if (!server || !len || *len > 32) {
    return make_error("dhcp-server: ip '" + ip + "' is not A.B.C.D/LEN");
  }
  auto first = ipv4_parse(range.substr(0, dash));
  auto last = dash == std::string::npos ? std::nullopt : ipv4_parse(range.substr(dash + 1));
  if (!first || !last) return make_error("dhcp-server: range '" + range + "' is not FIRST-LAST");
  cfg.server_address = *server;
  cfg.prefix_len = static_cast<uint8_t>(*len);
  cfg.pool_first = *first;
  cfg.pool_last = *last;
  return ok_status();
}

// router=, dns=, mtu=, lease= and host=MAC/IP.
Status parse_dhcp_options(std::map<std::string, std::string>& kv,
                          const std::vector<std::string>& hosts, DhcpServerConfig& cfg) {
  for (const char* k : {"router", "dns"}) {
    if (kv[k].empty()) continue;
    auto ip = ipv4_parse(kv[k]);
    if (!ip) {
      return make_error(std::string("dhcp-server: ") + k + " '" + kv[k] + "' is not an address");
    }
    (std::string(k) == "router" ? cfg.routers : cfg.dns_servers).push_back(*ip);
  }
  if (!kv["mtu"].empty()) {
    auto mtu = parse_uint(kv["mtu"], 16);
    if (!mtu) return make_error("dhcp-server: mtu '" + kv["mtu"] + "' is not a number");
    cfg.mtu = static_cast<uint16_t>(*mtu);
  }
  if (!kv["lease"].empty()) {
    auto secs = parse_uint(kv["lease"], 32);
    if (!secs) return make_error("dhcp-server: lease '" + kv["lease"] + "' is not seconds");
    cfg.lease_secs = static_cast<uint32_t>(*secs);
  }
  for (const std::string& h : hosts) {
    size_t s = h.find('/');
    auto mac = parse_lab_mac(h.substr(0, s));
    auto ip = s == std::string::npos ? std::nullopt : ipv4_parse(h.substr(s + 1));
    if (!mac.ok() || !ip) return make_error("dhcp-server: host is MAC/IP, not '" + h + "'");
    cfg.static_hosts.push_back({*mac, *ip});
  }
  return ok_status();
}

}  // namespace

Result<MacAddr> parse_lab_mac(std::string_view text) {
  auto mac = MacAddr::parse(trim(text));
  if (!mac) return make_error("invalid Ethernet address");
  return *mac;
}

MacAddr derived_nic_mac(const std::string& node, const std::string& nic) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char c : node + "/" + nic) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  h &= 0xffffffffffffULL;
  return MacAddr::from_u64((h & ~0x010000000000ULL) | 0x020000000000ULL);
}

std::string frame_line(const uint8_t* frame, size_t len) {
  FlowKey k;
  ParseError e = flow_extract(frame, len, k);
  return e == ParseError::kOk ? format_flow(k, nullptr, false) : std::string(parse_error_name(e));
}

std::string underlay_line(const uint8_t* frame, size_t len) {
  TunnelInfo info = tunnel_classify(frame, len);
  if (!info.ok()) return frame_line(frame, len);
  std::string line = ipv4_to_string(info.ip_src) + " > " + ipv4_to_string(info.ip_dst) + ": ";
  line += info.kind == TunnelKind::kVxlan ? "VXLAN, vni " + std::to_string(info.key)
                                          : "GREv0, key=0x" + to_hex(info.key).substr(2);
  FlowKey k;
  if (flow_extract(frame + info.outer_len, info.inner_len, k) == ParseError::kOk) {
    line += ": " + format_flow(k, nullptr, false);
  }
  return line;
}

std::vector<std::string> vsctl_add_br_args(const std::vector<std::string>& a) {
  std::vector<std::string> args = {"add-br", a.at(1)};
  if (a.size() > 2 && a[2] == "secure") {
    args.insert(args.end(), {"--", "set-fail-mode", a[1], "secure"});
  }
  return args;
}

VsctlAddPort vsctl_add_port_args(const std::vector<std::string>& a, bool device) {
  const std::string& port = a.at(2);
  std::vector<std::string> args = {"add-port", a.at(1), port}, iface;
  std::string type;
  for (size_t i = 3; i < a.size(); ++i) {
    auto [k, v] = split_kv(a[i]);
    if (k == "type") {
      type = v;
    } else if (k == "tag" || k == "vlan_mode") {
      args.push_back(a[i]);
    } else if (k == "trunks") {
      args.push_back("trunks=[" + v + "]");
    } else if (k == "ofport") {
      iface.push_back("ofport_request=" + v);
    } else if (k == "mac") {
      iface.push_back("mac=\"" + v + "\"");
    } else {
      iface.push_back("options:" + k + "=" + v);
    }
  }
  std::string db_type = type.empty() && !device ? "internal" : type;
  if (!db_type.empty()) iface.insert(iface.begin(), "type=" + db_type);
  if (!iface.empty()) {
    args.insert(args.end(), {"--", "set", "Interface", port});
    args.insert(args.end(), iface.begin(), iface.end());
  }
  return {args, type};
}

Status ofctl_check_read_only(const std::vector<std::string>& argv) {
  static const std::set<std::string> kLooking = {"show", "dump-ports", "dump-ports-desc",
                                                 "dump-tables", "dump-flows"};
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& w = argv[i];
    if (w == "-O" || w == "--protocols") {  // the only option taking a separate value
      ++i;
      continue;
    }
    if (w.rfind("-", 0) == 0) continue;
    if (kLooking.count(w)) return ok_status();
    return make_error(
        "ofctl: a lab runs nvs-ofctl's show, dump-ports, dump-ports-desc, "
        "dump-tables and dump-flows; '" +
            w +
            "' is not one of them (flows change with add-flow, mod-flows, "
            "del-flows)",
        ErrorCode::kUnsupported);
  }
  return make_error("usage: ofctl COMMAND BRIDGE [ARG...] (e.g. ofctl show br-int)");
}

Result<InstanceArgs> parse_instance_args(const std::vector<std::string>& a) {
  if (a.size() < 2) return usage("instance NAME bridge=BR port=PORT mac=MAC ip=CIDR|dhcp [gw=IP]");
  InstanceArgs r;
  split_options(a, r.kv, r.port_args, nullptr);
  NT_TRY(require("instance", r.kv, {"bridge", "port", "mac", "ip"}));
  r.port_args.insert(r.port_args.begin(), {"add-port", r.kv["bridge"], r.kv["port"]});
  return r;
}

Result<DhcpServerArgs> parse_dhcp_server_args(const std::vector<std::string>& a) {
  if (a.size() < 2) {
    return usage("dhcp-server NAME bridge=BR port=PORT mac=MAC ip=CIDR range=FIRST-LAST ...");
  }
  DhcpServerArgs r;
  std::vector<std::string> hosts;
  split_options(a, r.kv, r.port_args, &hosts);
  NT_TRY(require("dhcp-server", r.kv, {"bridge", "port", "mac", "ip", "range"}));
  NT_TRY(parse_dhcp_addressing(r.kv, r.config));
  NT_TRY(parse_dhcp_options(r.kv, hosts, r.config));
  r.kv.erase("mtu");  // the option is for the clients; the server's own NIC stays at 1500
  r.port_args.insert(r.port_args.begin(), {"add-port", r.kv["bridge"], r.kv["port"]});
  return r;
}

namespace {

constexpr const char* kListenUsage = "listen NAME PORT";
constexpr const char* kConnectUsage = "connect NAME DST PORT [as CONN] [-W S]";
constexpr const char* kSendUsage = "send CONN TEXT... [-W S]";

// Takes a trailing "-W S" off `a` into `wait_s`.
Status take_wait(std::vector<std::string>& a, int& wait_s) {
  if (a.size() < 2 || a[a.size() - 2] != "-W") return ok_status();
  auto v = parse_uint(a.back(), 16);
  if (!v || *v == 0)
    return make_error(a[0] + ": -W wants a number of seconds, not '" + a.back() + "'");
  wait_s = static_cast<int>(*v);
  a.resize(a.size() - 2);
  return ok_status();
}

Result<uint16_t> tcp_port(const std::string& cmd, const std::string& text) {
  auto v = parse_uint(text, 16);
  if (!v || *v == 0) return make_error(cmd + ": '" + text + "' is not a TCP port");
  return static_cast<uint16_t>(*v);
}

}  // namespace

Result<TcpLineArgs> parse_tcp_line(const std::vector<std::string>& words) {
  std::vector<std::string> a = words;
  TcpLineArgs t;
  NT_TRY(take_wait(a, t.wait_s));
  const std::string& cmd = a[0];
  if (cmd == "listen") {
    if (a.size() != 3) return usage(kListenUsage);
    t.instance = a[1];
    auto port = tcp_port(cmd, a[2]);
    if (!port.ok()) return port.error();
    t.port = *port;
  } else if (cmd == "connect") {
    if (a.size() != 4 && !(a.size() == 6 && a[4] == "as")) return usage(kConnectUsage);
    t.instance = a[1];
    t.dst = a[2];
    if (!ipv4_parse(t.dst)) return make_error("connect: '" + t.dst + "' is not an IPv4 address");
    auto port = tcp_port(cmd, a[3]);
    if (!port.ok()) return port.error();
    t.port = *port;
    if (a.size() == 6) t.conn = a[5];
  } else if (cmd == "send") {
    if (a.size() < 3) return usage(kSendUsage);
    t.conn = a[1];
    for (size_t i = 2; i < a.size(); ++i) t.text += (i > 2 ? " " : "") + a[i];
  } else if (cmd == "close") {
    if (a.size() != 2) return usage("close CONN");
    t.conn = a[1];
  } else {
    return make_error("not a TCP line: " + cmd);
  }
  return t;
}

std::string tcp_connected_line(const std::string& dst, uint16_t port) {
  return "connected to " + dst + ":" + std::to_string(port) + "\n";
}

std::string tcp_echoed_line(size_t bytes) { return "echoed " + std::to_string(bytes) + " bytes\n"; }

}  // namespace nt::scenario_internal
