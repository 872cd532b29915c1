#include "ofproto/port_spec.h"

#include <iterator>

#include "common/strings.h"

namespace nt {
namespace {

constexpr std::string_view kNames[] = {
#define NT_PORT_TYPE_NAME(e, name) name,
    NT_PORT_TYPES(NT_PORT_TYPE_NAME)
#undef NT_PORT_TYPE_NAME
};

// An OVSDB option value as an IPv4 address (blanks and one pair of quotes around it ignored).
std::optional<uint32_t> option_ipv4(std::string_view s) {
  std::string str(trim(s));
  if (str.size() >= 2 && str.front() == '"' && str.back() == '"')
    str = str.substr(1, str.size() - 2);
  return ipv4_parse(str);
}

}  // namespace

std::string_view port_type_name(PortType type) { return kNames[static_cast<size_t>(type)]; }

std::optional<PortType> port_type_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == name) return static_cast<PortType>(i);
  }
  return std::nullopt;
}

Result<PortType> parse_port_type(std::string_view port, std::string_view name) {
  if (auto t = port_type_from_name(name)) return *t;
  return make_error(std::string(port) + ": unsupported port type '" + std::string(name) + "'",
                    ErrorCode::kUnsupported);
}

Result<TunnelConfig> parse_tunnel_config(const PortSpec& spec) {
  auto opt = [&](const char* k) -> std::string {
    auto it = spec.options.find(k);
    return it == spec.options.end() ? "" : it->second;
  };
  TunnelConfig cfg;
  cfg.kind = spec.type == PortType::kVxlan ? TunnelKind::kVxlan : TunnelKind::kGre;
  auto remote = option_ipv4(opt("remote_ip"));
  if (!remote) return make_error(spec.name + ": options:remote_ip must be an IPv4 address");
  cfg.remote_ip = *remote;
  if (!opt("local_ip").empty()) {
    auto local = option_ipv4(opt("local_ip"));
    if (!local) return make_error(spec.name + ": options:local_ip must be an IPv4 address");
    cfg.local_ip = *local;
  }
  std::string key = !opt("out_key").empty() ? opt("out_key") : opt("key");
  cfg.key_flow = key.empty() || key == "flow";
  if (!cfg.key_flow) {
    auto k = parse_uint(key, cfg.kind == TunnelKind::kVxlan ? 24 : 32);
    if (!k) return make_error(spec.name + ": options:key must be 'flow' or a number that fits");
    cfg.key = *k;
  }
  if (!opt("dst_port").empty()) {
    auto p = parse_uint(opt("dst_port"), 16);
    if (!p) return make_error(spec.name + ": options:dst_port must be a UDP port number");
    cfg.dst_port = static_cast<uint16_t>(*p);
  }
  return cfg;
}

}  // namespace nt
