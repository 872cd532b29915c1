// ServerConfig: neutrino-server's configuration, read from Neutron's own INI files.
//
// `neutrino-server --config-file neutron.conf --config-file ml2_conf.ini` reads the options
// neutron-server reads, in oslo.config's INI dialect: `[section]` headers, `key = value` lines,
// `#`/`;` comments, later files overriding earlier ones. Options Neutrino does not know are
// ignored and reported (`unknown` collects one line each for the log); a malformed value stops
// the server with a message naming the file, the section and the key. With no file at all the
// embedded default applies: 127.0.0.1:9696, SQLite in the state directory, all five type
// drivers, vxlan tenant networks on VNIs 1:1000.
//
// Parsing is pure (text in, struct out), so the unit tests and the fuzzer drive it without I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/ini.h"
#include "common/result.h"

namespace nt::controller {

// One `min:max` range of segmentation ids (inclusive).
struct IdRange {
  uint32_t min = 0;
  uint32_t max = 0;
  bool operator==(const IdRange&) const = default;
};

// `[ml2_type_vlan] network_vlan_ranges` item: `physnet` (provider-only here: tenant allocation
// needs ranges) or `physnet:min:max`.
struct VlanRange {
  std::string physnet;
  bool has_range = false;
  IdRange range;
};

struct ServerConfig {
  // [DEFAULT]
  std::string bind_host = "127.0.0.1";
  uint16_t bind_port = 9696;
  std::string auth_strategy = "noauth";  // noauth | keystone
  std::string base_mac = "fa:16:3e:00:00:00";
  uint32_t global_physnet_mtu = 1500;
  uint32_t dhcp_agents_per_network = 1;
  uint32_t agent_down_time = 75;
  bool enable_snat_by_default = true;  // a router gateway's enable_snat when not given
  uint32_t max_routes = 30;            // extra routes per router
  // [database]
  std::string connection;  // "" = sqlite in the state directory
  // [ml2]
  std::vector<std::string> type_drivers = {"local", "flat", "vlan", "vxlan", "gre"};
  std::vector<std::string> tenant_network_types = {"vxlan"};
  std::vector<std::string> mechanism_drivers = {"openvswitch"};
  std::vector<std::string> extension_drivers = {"port_security"};
  uint32_t path_mtu = 0;
  // [ml2_type_*]
  std::vector<std::string> flat_networks = {"*"};
  std::vector<VlanRange> network_vlan_ranges;
  std::vector<IdRange> vni_ranges = {{1, 1000}};
  std::vector<IdRange> tunnel_id_ranges;

  std::vector<std::string> unknown;  // "file: [section] key: unknown option, ignored"

  bool has_type_driver(const std::string& type) const;
};

// Applies one parsed file on top of `config`. Errors read "FILE: [SECTION] KEY: why".
Status apply_ini(const IniData& ini, const std::string& file, ServerConfig& config);

// Reads and applies each file in order; no files = the embedded default.
Result<ServerConfig> load_config(const std::vector<std::string>& files);

// `sqlite:///PATH` -> PATH (also `sqlite://` + relative path); other schemes are an error.
Result<std::string> sqlite_path(const std::string& connection);

// "a:1:10,b" style values, exposed for tests.
Result<std::vector<IdRange>> parse_id_ranges(const std::string& value, uint64_t max_id);
Result<std::vector<VlanRange>> parse_vlan_ranges(const std::string& value);

}  // namespace nt::controller
