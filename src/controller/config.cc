#include "controller/config.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

#include "common/addr.h"
#include "common/strings.h"

namespace nt::controller {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<uint32_t> parse_u32(const std::string& v, uint64_t min, uint64_t max) {
  auto n = parse_uint(trim(v), 32);
  if (!n || v.find("0x") != std::string::npos) return make_error("'" + v + "' is not an integer");
  if (*n < min || *n > max) {
    return make_error("'" + v + "' is out of range " + std::to_string(min) + ".." +
                      std::to_string(max));
  }
  return static_cast<uint32_t>(*n);
}

using Setter = std::function<Status(const std::string&, ServerConfig&)>;

Status set_u32(const std::string& v, uint32_t& out, uint64_t min, uint64_t max) {
  auto n = parse_u32(v, min, max);
  if (!n) return n.error();
  out = *n;
  return ok_status();
}

Status set_bool(const std::string& v, bool& out) {
  auto b = parse_ini_bool(v);
  if (!b) return b.error();
  out = *b;
  return ok_status();
}

Status set_choice(const std::string& v, std::string& out, std::vector<std::string> choices) {
  std::string t(trim(v));
  if (std::find(choices.begin(), choices.end(), t) == choices.end()) {
    std::string all;
    for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
    return make_error("'" + t + "' is not one of " + all);
  }
  out = t;
  return ok_status();
}

Status set_types(const std::string& v, std::vector<std::string>& out) {
  static const std::vector<std::string> kTypes = {"local", "flat", "vlan", "vxlan", "gre"};
  std::vector<std::string> items = split_ini_list(v);
  for (const auto& t : items) {
    if (std::find(kTypes.begin(), kTypes.end(), t) == kTypes.end()) {
      return make_error("unknown network type '" + t + "' (local, flat, vlan, vxlan, gre)");
    }
  }
  out = items;
  return ok_status();
}

// section -> key -> setter: the one table of options Neutrino reads.
const std::map<std::string, std::map<std::string, Setter>>& option_table() {
  static const std::map<std::string, std::map<std::string, Setter>> kTable = {
      {"DEFAULT",
       {{"bind_host",
         [](auto& v, auto& c) -> Status {
           c.bind_host = trim(v);
           return ok_status();
         }},
        {"bind_port",
         [](auto& v, auto& c) -> Status {
           uint32_t p = 0;
           NT_TRY(set_u32(v, p, 0, 65535));
           c.bind_port = static_cast<uint16_t>(p);
           return ok_status();
         }},
        {"auth_strategy",
         [](auto& v, auto& c) {
           return set_choice(v, c.auth_strategy, {"noauth", "keystone"});
         }},
        {"base_mac",
         [](auto& v, auto& c) -> Status {
           std::string t(trim(v));
           if (!MacAddr::parse(t)) return make_error("'" + t + "' is not a MAC address");
           c.base_mac = lower(t);
           return ok_status();
         }},
        {"global_physnet_mtu",
         [](auto& v, auto& c) { return set_u32(v, c.global_physnet_mtu, 68, 65535); }},
        {"dhcp_agents_per_network",
         [](auto& v, auto& c) { return set_u32(v, c.dhcp_agents_per_network, 1, 1000); }},
        {"agent_down_time",
         [](auto& v, auto& c) { return set_u32(v, c.agent_down_time, 1, 86400); }},
        {"enable_snat_by_default",
         [](auto& v, auto& c) { return set_bool(v, c.enable_snat_by_default); }},
        {"max_routes", [](auto& v, auto& c) { return set_u32(v, c.max_routes, 0, 100000); }},
        {"core_plugin", [](auto&, auto&) { return ok_status(); }},
        {"service_plugins", [](auto&, auto&) { return ok_status(); }}}},
      {"database",
       {{"connection",
         [](auto& v, auto& c) -> Status {
           std::string t(trim(v));
           if (!starts_with(t, "sqlite://") && !starts_with(t, "postgresql://")) {
             return make_error("'" + t + "' is not sqlite:///PATH or postgresql://...");
           }
           c.connection = t;
           return ok_status();
         }}}},
      {"ml2",
       {{"type_drivers", [](auto& v, auto& c) { return set_types(v, c.type_drivers); }},
        {"tenant_network_types",
         [](auto& v, auto& c) { return set_types(v, c.tenant_network_types); }},
        {"project_network_types",
         [](auto& v, auto& c) { return set_types(v, c.tenant_network_types); }},
        {"mechanism_drivers",
         [](auto& v, auto& c) -> Status {
           c.mechanism_drivers = split_ini_list(v);
           return ok_status();
         }},
        {"extension_drivers",
         [](auto& v, auto& c) -> Status {
           c.extension_drivers = split_ini_list(v);
           return ok_status();
         }},
        {"path_mtu", [](auto& v, auto& c) { return set_u32(v, c.path_mtu, 0, 65535); }}}},
      {"ml2_type_flat",
       {{"flat_networks",
         [](auto& v, auto& c) -> Status {
           c.flat_networks = split_ini_list(v);
           return ok_status();
         }}}},
      {"ml2_type_vlan",
       {{"network_vlan_ranges",
         [](auto& v, auto& c) -> Status {
           auto r = parse_vlan_ranges(v);
           if (!r) return r.error();
           c.network_vlan_ranges = *r;
           return ok_status();
         }}}},
      {"ml2_type_vxlan",
       {{"vni_ranges",
         [](auto& v, auto& c) -> Status {
           auto r = parse_id_ranges(v, (1u << 24) - 1);
           if (!r) return r.error();
           c.vni_ranges = *r;
           return ok_status();
         }}}},
      {"ml2_type_gre",
       {{"tunnel_id_ranges",
         [](auto& v, auto& c) -> Status {
           auto r = parse_id_ranges(v, 0xffffffffull);
           if (!r) return r.error();
           c.tunnel_id_ranges = *r;
           return ok_status();
         }}}},
  };
  return kTable;
}

Result<IdRange> parse_one_range(std::string_view lo, std::string_view hi, uint64_t max_id) {
  auto a = parse_uint(trim(lo), 32);
  auto b = parse_uint(trim(hi), 32);
  std::string text = std::string(lo) + ":" + std::string(hi);
  if (!a || !b) return make_error("'" + text + "' is not MIN:MAX");
  if (*a < 1 || *b > max_id || *a > *b) {
    return make_error("'" + text + "' is not a range within 1:" + std::to_string(max_id));
  }
  return IdRange{static_cast<uint32_t>(*a), static_cast<uint32_t>(*b)};
}

}  // namespace

bool ServerConfig::has_type_driver(const std::string& type) const {
  return std::find(type_drivers.begin(), type_drivers.end(), type) != type_drivers.end();
}

Result<std::vector<IdRange>> parse_id_ranges(const std::string& value, uint64_t max_id) {
  std::vector<IdRange> out;
  for (const auto& item : split_ini_list(value)) {
    size_t colon = item.find(':');
    if (colon == std::string::npos) return make_error("'" + item + "' is not MIN:MAX");
    auto r = parse_one_range(std::string_view(item).substr(0, colon),
                             std::string_view(item).substr(colon + 1), max_id);
    if (!r) return r.error();
    out.push_back(*r);
  }
  return out;
}

Result<std::vector<VlanRange>> parse_vlan_ranges(const std::string& value) {
  std::vector<VlanRange> out;
  for (const auto& item : split_ini_list(value)) {
    VlanRange vr;
    size_t colon = item.find(':');
    vr.physnet = item.substr(0, colon);
    if (vr.physnet.empty()) return make_error("'" + item + "' has no physical network name");
    if (colon != std::string::npos) {
      std::string rest = item.substr(colon + 1);
      size_t c2 = rest.find(':');
      if (c2 == std::string::npos) return make_error("'" + item + "' is not PHYSNET:MIN:MAX");
      auto r = parse_one_range(std::string_view(rest).substr(0, c2),
                               std::string_view(rest).substr(c2 + 1), 4094);
      if (!r) return r.error();
      vr.has_range = true;
      vr.range = *r;
    }
    out.push_back(vr);
  }
  return out;
}

Status apply_ini(const IniData& ini, const std::string& file, ServerConfig& config) {
  const auto& table = option_table();
  for (const auto& [section, keys] : ini) {
    auto sec = table.find(section);
    for (const auto& [key, value] : keys) {
      if (sec == table.end() || !sec->second.count(key)) {
        config.unknown.push_back(file + ": [" + section + "] " + key + ": unknown option, ignored");
        continue;
      }
      Status s = sec->second.at(key)(value, config);
      if (!s) return make_error(file + ": [" + section + "] " + key + ": " + s.error().message);
    }
  }
  return ok_status();
}

Result<ServerConfig> load_config(const std::vector<std::string>& files) {
  ServerConfig config;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) return make_error(file + ": cannot open configuration file");
    std::stringstream ss;
    ss << in.rdbuf();
    auto ini = parse_ini(ss.str(), file);
    if (!ini) return ini.error();
    NT_TRY(apply_ini(*ini, file, config));
  }
  return config;
}

Result<std::string> sqlite_path(const std::string& connection) {
  static constexpr std::string_view kPrefix = "sqlite:///";
  if (!starts_with(connection, kPrefix) || connection.size() == kPrefix.size()) {
    return make_error("database connection '" + connection +
                      "': only sqlite:///PATH is supported by this build");
  }
  std::string path = connection.substr(kPrefix.size());
  // sqlite:////abs/path is absolute; sqlite:///rel is relative, as in SQLAlchemy.
  return path;
}

}  // namespace nt::controller
