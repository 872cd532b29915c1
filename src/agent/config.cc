#include "agent/config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>

#include "common/addr.h"
#include "common/ini.h"
#include "common/names.h"
#include "common/strings.h"

namespace nt::agent {
namespace {

using Setter = std::function<Status(const std::string&, AgentConfig&)>;

Status set_name(const char* kind, const std::string& v, std::string& out) {
  std::string t(trim(v));
  if (t.empty()) return make_error("must not be empty");
  auto s = validate_name(kind, t);
  if (!s) return s.error();
  out = t;
  return ok_status();
}

Status set_bool(const std::string& v, bool& out) {
  auto b = parse_ini_bool(v);
  if (!b) return b.error();
  out = *b;
  return ok_status();
}

Status set_local_ip(const std::string& v, AgentConfig& c) {
  std::string t(trim(v));
  if (!t.empty() && !ipv4_parse(t)) return make_error("'" + t + "' is not an IPv4 address");
  c.local_ip = t;
  return ok_status();
}

Status set_mappings(const std::string& v, AgentConfig& c) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item : split_ini_list(v)) {
    size_t colon = item.find(':');
    if (colon == std::string::npos) return make_error("'" + item + "' is not PHYSNET:BRIDGE");
    std::string physnet(trim(std::string_view(item).substr(0, colon)));
    std::string bridge(trim(std::string_view(item).substr(colon + 1)));
    if (physnet.empty() || bridge.empty()) {
      return make_error("'" + item + "' is not PHYSNET:BRIDGE");
    }
    auto s = validate_name("bridge", bridge);
    if (!s) return make_error("'" + item + "': " + s.error().message);
    for (const auto& [p, b] : out) {
      if (p == physnet) return make_error("physical network '" + physnet + "' mapped twice");
      if (b == bridge) return make_error("bridge '" + bridge + "' mapped twice");
    }
    out.emplace_back(physnet, bridge);
  }
  c.bridge_mappings = std::move(out);
  return ok_status();
}

Status set_tunnel_types(const std::string& v, AgentConfig& c) {
  std::vector<std::string> out;
  for (const auto& t : split_ini_list(v)) {
    if (t != "vxlan" && t != "gre") {
      return make_error("unknown tunnel type '" + t + "' (vxlan, gre)");
    }
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  c.tunnel_types = std::move(out);
  return ok_status();
}

Status set_interval(const std::string& v, AgentConfig& c) {
  std::string t(trim(v));
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0' || !std::isfinite(d) || d < 0) {
    return make_error("'" + t + "' is not a non-negative number of seconds");
  }
  c.report_interval = d;
  return ok_status();
}

Status set_firewall(const std::string& v, AgentConfig& c) {
  std::string t(trim(v));
  if (t == "noop" || t == "" || t == "neutron.agent.firewall.NoopFirewallDriver") {
    c.firewall_driver = "noop";
    return ok_status();
  }
  if (t == "openvswitch" || t == "neutron.agent.linux.openvswitch_firewall:OVSFirewallDriver") {
    c.firewall_driver = "openvswitch";
    return ok_status();
  }
  return make_error("'" + t +
                    "' is not supported (noop, openvswitch; iptables_hybrid needs "
                    "Linux bridges the agent does not plug)");
}

Status set_url(const std::string& v, AgentConfig& c) {
  std::string t(trim(v));
  if (!starts_with(t, "http://")) return make_error("'" + t + "' is not an http:// URL");
  c.server_url = t;
  return ok_status();
}

Status set_lease(const std::string& v, AgentConfig& c) {
  std::string t(trim(v));
  if (t == "-1") {
    c.dhcp.lease_duration = -1;
    return ok_status();
  }
  auto n = parse_uint(t, 31);
  if (!n || *n == 0) return make_error("'" + t + "' is not a number of seconds or -1");
  c.dhcp.lease_duration = static_cast<int64_t>(*n);
  return ok_status();
}

Status set_dns_servers(const std::string& v, AgentConfig& c) {
  std::vector<std::string> out;
  for (const auto& s : split_ini_list(v)) {
    if (!ipv4_parse(s)) return make_error("'" + s + "' is not an IPv4 address");
    out.push_back(s);
  }
  c.dhcp.dnsmasq_dns_servers = std::move(out);
  return ok_status();
}

Status set_path(const std::string& v, std::string& out) {
  std::string t(trim(v));
  if (t.empty() || t[0] != '/') return make_error("'" + t + "' is not an absolute path");
  out = t;
  return ok_status();
}

Status set_metadata_port(const std::string& v, AgentConfig& c) {
  std::string t(trim(v));
  auto n = parse_uint(t, 16);
  if (!n || *n == 0) return make_error("'" + t + "' is not a TCP port (1-65535)");
  c.l3.metadata_port = static_cast<int>(*n);
  return ok_status();
}

Status set_nova_port(const std::string& v, AgentConfig& c) {
  std::string t(trim(v));
  auto n = parse_uint(t, 16);
  if (!n || *n == 0) return make_error("'" + t + "' is not a TCP port (1-65535)");
  c.metadata.nova_metadata_port = static_cast<int>(*n);
  return ok_status();
}

Status set_nova_host(const std::string& v, AgentConfig& c) {
  std::string t(trim(v));
  if (t.empty() || t.find_first_of(" /:@?#") != std::string::npos) {
    return make_error("'" + t + "' is not a host name or IPv4 address");
  }
  c.metadata.nova_metadata_host = t;
  return ok_status();
}

Status set_nova_protocol(const std::string& v, AgentConfig&) {
  std::string t(trim(v));
  if (t != "http") return make_error("'" + t + "' is not supported (http)");
  return ok_status();
}

bool hex_number(std::string_view s) {
  if (s.size() < 3 || s.size() > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  return std::all_of(s.begin() + 2, s.end(), [](char ch) { return std::isxdigit(ch) != 0; });
}

// Neutron's external_ingress_mark ("0x2", its mask 0xffff implied) or "0x2/0xffff".
Status set_ingress_mark(const std::string& v, AgentConfig& c) {
  std::string t(trim(v));
  size_t slash = t.find('/');
  std::string mark = t.substr(0, slash);
  std::string mask = slash == std::string::npos ? "0xffff" : t.substr(slash + 1);
  if (!hex_number(mark) || !hex_number(mask)) {
    return make_error("'" + t + "' is not a hexadecimal mark (0x2) or mark/mask (0x2/0xffff)");
  }
  c.l3.external_ingress_mark = mark + "/" + mask;
  return ok_status();
}

const std::map<std::string, std::map<std::string, Setter>>& option_table() {
  static const std::map<std::string, std::map<std::string, Setter>> kTable = {
      {"DEFAULT",
       {{"host", [](const std::string& v, AgentConfig& c) { return set_name("host", v, c.host); }},
        {"server_url", set_url},
        {"state_path",
         [](const std::string& v, AgentConfig& c) { return set_path(v, c.dhcp.state_path); }},
        {"dns_domain",
         [](const std::string& v, AgentConfig& c) {
           c.dhcp.dns_domain = std::string(trim(v));
           return ok_status();
         }},
        {"dhcp_lease_duration", set_lease},
        {"enable_isolated_metadata",
         [](const std::string& v, AgentConfig& c) {
           return set_bool(v, c.dhcp.enable_isolated_metadata);
         }},
        {"force_metadata",
         [](const std::string& v, AgentConfig& c) { return set_bool(v, c.dhcp.force_metadata); }},
        {"dnsmasq_dns_servers", set_dns_servers},
        {"enable_metadata_proxy",
         [](const std::string& v, AgentConfig& c) {
           return set_bool(v, c.l3.enable_metadata_proxy);
         }},
        {"metadata_port", set_metadata_port},
        {"use_random_fully",
         [](const std::string& v, AgentConfig& c) { return set_bool(v, c.l3.use_random_fully); }},
        {"external_ingress_mark", set_ingress_mark},
        {"nova_metadata_host", set_nova_host},
        {"nova_metadata_port", set_nova_port},
        {"nova_metadata_protocol", set_nova_protocol},
        {"metadata_proxy_shared_secret",
         [](const std::string& v, AgentConfig& c) {
           c.metadata.shared_secret = std::string(trim(v));
           return ok_status();
         }},
        {"handle_internal_only_routers",
         [](const std::string& v, AgentConfig& c) {
           return set_bool(v, c.l3.handle_internal_only_routers);
         }}}},
      {"ovs",
       {{"integration_bridge",
         [](const std::string& v, AgentConfig& c) {
           return set_name("bridge", v, c.integration_bridge);
         }},
        {"tunnel_bridge", [](const std::string& v,
                             AgentConfig& c) { return set_name("bridge", v, c.tunnel_bridge); }},
        {"local_ip", set_local_ip},
        {"bridge_mappings", set_mappings}}},
      {"agent",
       {{"tunnel_types", set_tunnel_types},
        {"l2_population",
         [](const std::string& v, AgentConfig& c) { return set_bool(v, c.l2_population); }},
        {"arp_responder",
         [](const std::string& v, AgentConfig& c) { return set_bool(v, c.arp_responder); }},
        {"report_interval", set_interval}}},
      {"securitygroup", {{"firewall_driver", set_firewall}}},
  };
  return kTable;
}

std::string default_host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

}  // namespace

std::string AgentConfig::bridge_of(const std::string& physnet) const {
  for (const auto& [p, b] : bridge_mappings) {
    if (p == physnet) return b;
  }
  return "";
}

bool AgentConfig::has_tunnel_type(const std::string& type) const {
  return std::find(tunnel_types.begin(), tunnel_types.end(), type) != tunnel_types.end();
}

Result<AgentConfig> parse_agent_config(
    const std::vector<std::pair<std::string, std::string>>& files) {
  AgentConfig c;
  const auto& table = option_table();
  for (const auto& [file, text] : files) {
    auto ini = parse_ini(text, file);
    if (!ini) return ini.error();
    for (const auto& [section, keys] : *ini) {
      auto sec = table.find(section);
      if (sec == table.end()) continue;
      for (const auto& [key, value] : keys) {
        auto opt = sec->second.find(key);
        if (opt == sec->second.end()) continue;
        auto s = opt->second(value, c);
        if (!s) return make_error(file + ": [" + section + "] " + key + ": " + s.error().message);
      }
    }
  }
  if (c.host.empty()) c.host = default_host();
  if (!c.tunnel_types.empty() && c.local_ip.empty()) {
    return make_error("[ovs] local_ip: required with [agent] tunnel_types");
  }
  if (c.integration_bridge == c.tunnel_bridge) {
    return make_error("[ovs] tunnel_bridge: must differ from integration_bridge");
  }
  return c;
}

}  // namespace nt::agent
