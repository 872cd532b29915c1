#include "scenario/nova_metadata.h"

#include <httplib.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

namespace nt::scenario_internal {
namespace {

using Json = nlohmann::json;

constexpr const char* kMetaDataKeys[] = {"hostname",   "instance-id", "local-hostname",
                                         "local-ipv4", "mac",         "public-ipv4"};

agent::MetadataResponse text(int status, const std::string& body) {
  return {status, "text/plain; charset=UTF-8", body};
}

std::string ec2_id(int sequence) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "i-%08x", static_cast<unsigned>(sequence));
  return buf;
}

std::string hostname_of(const NovaInstance& i) { return i.name + ".novalocal"; }

// The value of one /latest/meta-data/ key; nullopt for an unknown key.
std::optional<std::string> meta_data_value(const std::string& key, const NovaInstance& i,
                                           const NovaInstanceNet& net) {
  if (key == "hostname" || key == "local-hostname") return hostname_of(i);
  if (key == "instance-id") return ec2_id(i.sequence);
  if (key == "local-ipv4") return net.local_ipv4;
  if (key == "mac") return net.mac;
  if (key == "public-ipv4") return net.public_ipv4;
  return std::nullopt;
}

std::string meta_data_json(const NovaInstance& i) {
  Json j = {{"uuid", i.uuid},
            {"meta", Json::object()},
            {"hostname", hostname_of(i)},
            {"name", i.name},
            {"launch_index", 0},
            {"availability_zone", i.availability_zone},
            {"devices", Json::array()}};
  return j.dump();
}

}  // namespace

agent::MetadataResponse nova_metadata_answer(const std::string& full_path,
                                             const NovaInstance& instance,
                                             const NovaInstanceNet& net) {
  std::string path = full_path.substr(0, full_path.find('?'));
  const std::string prefix = "/latest/meta-data/";
  if (path == "/latest/meta-data" || path == prefix) {
    std::string keys;
    for (const char* k : kMetaDataKeys) keys += std::string(keys.empty() ? "" : "\n") + k;
    return text(200, keys);
  }
  if (path.rfind(prefix, 0) == 0) {
    auto v = meta_data_value(path.substr(prefix.size()), instance, net);
    if (v) return text(200, *v);
  }
  if (path == "/openstack/latest" || path == "/openstack/latest/") {
    return text(200, "meta_data.json");
  }
  if (path == "/openstack/latest/meta_data.json") {
    return {200, "application/json", meta_data_json(instance)};
  }
  return text(404, "404 Not Found\n\nThe resource could not be found.\n\n   ");
}

void NovaMetadata::register_instance(const std::string& uuid, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = instances_.find(uuid);
  if (it != instances_.end()) {
    it->second.name = name;
    return;
  }
  NovaInstance i{uuid, name, static_cast<int>(instances_.size()) + 1};
  instances_.emplace(uuid, std::move(i));
}

Result<NovaInstanceNet> NovaMetadata::instance_net(const std::string& uuid) const {
  auto ports = api_.request("GET", "/v2.0/ports?device_id=" + uuid);
  if (!ports) return ports.error();
  NovaInstanceNet net;
  const Json& list = (*ports)["ports"];
  if (!list.is_array() || list.empty()) return net;
  const Json& p = list[0];
  net.mac = p.value("mac_address", "");
  if (p.contains("fixed_ips") && p["fixed_ips"].is_array() && !p["fixed_ips"].empty()) {
    net.local_ipv4 = p["fixed_ips"][0].value("ip_address", "");
  }
  auto fips = api_.request("GET", "/v2.0/floatingips?port_id=" + p.value("id", ""));
  if (!fips) return fips.error();
  const Json& fl = (*fips)["floatingips"];
  if (fl.is_array() && !fl.empty()) net.public_ipv4 = fl[0].value("floating_ip_address", "");
  return net;
}

agent::MetadataResponse NovaMetadata::handle(const agent::MetadataRequest& request) {
  std::string id = request.header("x-instance-id");
  if (id.empty()) return text(400, "X-Instance-ID header is missing from request.");
  if (request.header("x-instance-id-signature") != agent::instance_signature(secret_, id)) {
    return text(403, "Invalid proxy request signature.");
  }
  NovaInstance instance;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = instances_.find(id);
    if (it == instances_.end()) return text(404, "404 Not Found\n\nInstance not found.\n");
    instance = it->second;
  }
  auto net = instance_net(id);
  if (!net) return text(500, "An unknown error has occurred: " + net.error().message);
  return nova_metadata_answer(request.path, instance, *net);
}

struct NovaMetadataServer::Impl {
  httplib::Server server;
  std::thread thread;
};

Result<std::unique_ptr<NovaMetadataServer>> NovaMetadataServer::start(NovaMetadata& nova) {
  auto s = std::unique_ptr<NovaMetadataServer>(new NovaMetadataServer());
  s->impl_ = std::make_unique<Impl>();
  s->impl_->server.Get(".*", [&nova](const httplib::Request& req, httplib::Response& res) {
    agent::MetadataRequest r{"GET", req.target, {}};
    for (const auto& [k, v] : req.headers) {
      std::string lower = k;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[lower] = v;
    }
    auto a = nova.handle(r);
    res.status = a.status;
    res.set_content(a.body, a.content_type.c_str());
  });
  s->port_ = s->impl_->server.bind_to_any_port("127.0.0.1");
  if (s->port_ <= 0) return make_error("Nova metadata: cannot listen on 127.0.0.1");
  s->impl_->thread = std::thread([srv = &s->impl_->server] { srv->listen_after_bind(); });
  while (!s->impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return s;
}

NovaMetadataServer::~NovaMetadataServer() {
  if (!impl_) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace nt::scenario_internal
