#include "agent/metadata.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "common/addr.h"
#include "common/strings.h"

namespace nt::agent {
namespace {

MetadataResponse text_answer(int status, const std::string& text) {
  MetadataResponse r;
  r.status = status;
  r.body = text;
  return r;
}

int status_of(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    default:
      return 500;
  }
}

// X-Forwarded-For's client: the first of a comma list.
std::string first_address(const std::string& forwarded) {
  std::string first = forwarded.substr(0, forwarded.find(','));
  return std::string(trim(first));
}

}  // namespace

std::string MetadataRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

Result<MetadataSource> metadata_source(const MetadataRequest& request) {
  MetadataSource s{request.header("x-neutron-router-id"), request.header("x-neutron-network-id"),
                   first_address(request.header("x-forwarded-for"))};
  if (!s.router_id.empty() && !s.network_id.empty()) {
    return make_error("Both X-Neutron-Router-ID and X-Neutron-Network-ID headers are passed");
  }
  if (s.router_id.empty() && s.network_id.empty()) {
    return make_error("Either X-Neutron-Router-ID or X-Neutron-Network-ID is required");
  }
  if (s.address.empty()) return make_error("X-Forwarded-For is required");
  if (!ipv4_parse(s.address)) {
    return make_error("X-Forwarded-For: '" + s.address + "' is not an IPv4 address");
  }
  return s;
}

std::string instance_signature(const std::string& secret, const std::string& instance_id) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(instance_id.data()), instance_id.size(), mac, &len);
  return hex_bytes(mac, len);
}

bool is_router_interface_owner(const std::string& device_owner) {
  return device_owner == "network:router_interface" ||
         device_owner == "network:router_interface_distributed" ||
         device_owner == "network:ha_router_replicated_interface";
}

std::optional<rpc::PortInfo> port_with_address(const std::vector<rpc::PortInfo>& ports,
                                               const std::string& address) {
  std::optional<rpc::PortInfo> found;
  for (const auto& p : ports) {
    bool has = std::any_of(p.fixed_ips.begin(), p.fixed_ips.end(),
                           [&](const rpc::FixedIp& f) { return f.ip_address == address; });
    if (!has) continue;
    if (found) return std::nullopt;
    found = p;
  }
  return found;
}

MetadataAgent::MetadataAgent(MetadataOptions options, PortSource& ports, NovaUpstream& nova)
    : options_(std::move(options)), ports_(ports), nova_(nova) {}

Result<std::vector<std::string>> MetadataAgent::router_networks(const std::string& router_id) {
  auto ports = ports_.ports({{"device_id", router_id}});
  if (!ports) return ports.error();
  std::vector<std::string> nets;
  for (const auto& p : *ports) {
    if (!is_router_interface_owner(p.device_owner)) continue;
    if (std::find(nets.begin(), nets.end(), p.network_id) == nets.end()) {
      nets.push_back(p.network_id);
    }
  }
  return nets;
}

Result<rpc::PortInfo> MetadataAgent::find_port(const MetadataSource& source) {
  std::vector<std::string> nets{source.network_id};
  if (!source.router_id.empty()) {
    auto r = router_networks(source.router_id);
    if (!r) return r.error();
    nets = std::move(*r);
  }
  const Error not_found = make_error("no port with " + source.address, ErrorCode::kNotFound);
  if (nets.empty()) return not_found;
  std::vector<std::pair<std::string, std::string>> filters;
  for (const auto& n : nets) filters.emplace_back("network_id", n);
  auto ports = ports_.ports(filters);
  if (!ports) return ports.error();
  auto port = port_with_address(*ports, source.address);
  if (!port) return not_found;
  return *port;
}

MetadataRequest MetadataAgent::nova_request(const MetadataRequest& request,
                                            const MetadataSource& source,
                                            const rpc::PortInfo& port) const {
  MetadataRequest out{request.method, request.path, {}};
  out.headers["x-forwarded-for"] = source.address;
  out.headers["x-instance-id"] = port.device_id;
  out.headers["x-tenant-id"] = port.project_id;
  out.headers["x-instance-id-signature"] =
      instance_signature(options_.shared_secret, port.device_id);
  return out;
}

MetadataResponse MetadataAgent::handle(const MetadataRequest& request) {
  auto source = metadata_source(request);
  if (!source) return text_answer(400, source.error().message + "\n");
  auto port = find_port(*source);
  if (!port) {
    int status = status_of(port.error());
    if (status == 404) return text_answer(404, "404 Not Found\n");
    return text_answer(status, port.error().message + "\n");
  }
  auto answer = nova_.forward(nova_request(request, *source, *port));
  if (!answer) return text_answer(500, "Nova metadata: " + answer.error().message + "\n");
  return *answer;
}

}  // namespace nt::agent
