// NovaMetadata: the lab's stand-in for Nova's metadata API (nova-api-metadata with
// [neutron] service_metadata_proxy = True), the upstream of the metadata agent (agent/metadata.h).
//
// The lab's Nova stand-in registers each instance it boots (its name and uuid, the uuid being
// its port's device_id); the addresses come from the server when asked: the port with that
// device_id gives local-ipv4 (its first fixed IP) and mac, a floating IP on that port gives
// public-ipv4. A request must carry X-Instance-ID and X-Instance-ID-Signature = hex
// HMAC-SHA256(shared secret, instance id), as Nova checks them: a missing id is 400, a wrong
// signature 403 "Invalid proxy request signature.", an instance never registered 404.
//
// What it answers (text/plain unless JSON): /latest/meta-data/ (the keys below, sorted, one a
// line), /latest/meta-data/{hostname, instance-id, local-hostname, local-ipv4, mac,
// public-ipv4}, /openstack/latest/ and /openstack/latest/meta_data.json (uuid, name, hostname,
// availability_zone, launch_index, meta, devices). instance-id is Nova's EC2 form, "i-" and
// eight hex digits of the instance's sequence number; hostname is NAME.novalocal. Other paths
// are 404. Not served: user-data, public keys, vendor and network data, the dated versions.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/metadata.h"
#include "common/result.h"
#include "scenario/cloud.h"

namespace nt::scenario_internal {

struct NovaInstance {
  std::string uuid, name;
  int sequence = 0;  // Nova's database id: 1, 2, ... in boot order
  std::string availability_zone = "nova";
};

// What the server says about an instance's network.
struct NovaInstanceNet {
  std::string local_ipv4, mac, public_ipv4;  // public_ipv4 "" without a floating IP
};

// The answer for `path` about `instance` (no checks: NovaMetadata::handle does them).
agent::MetadataResponse nova_metadata_answer(const std::string& path, const NovaInstance& instance,
                                             const NovaInstanceNet& net);

class NovaMetadata {
 public:
  // `api`: the lab's server (the addresses); it must outlive this object.
  NovaMetadata(std::string shared_secret, const CloudApi& api)
      : secret_(std::move(shared_secret)), api_(api) {}
  void register_instance(const std::string& uuid, const std::string& name);
  // Thread-safe (the HTTP server calls it from its threads).
  agent::MetadataResponse handle(const agent::MetadataRequest& request);

 private:
  Result<NovaInstanceNet> instance_net(const std::string& uuid) const;

  std::string secret_;
  const CloudApi& api_;
  std::mutex mu_;
  std::map<std::string, NovaInstance> instances_;
};

// NovaMetadata over HTTP on 127.0.0.1 (an ephemeral port), on its own thread until destroyed:
// what the metadata agents' nova_metadata_port points at, in both lab back ends.
class NovaMetadataServer {
 public:
  static Result<std::unique_ptr<NovaMetadataServer>> start(NovaMetadata& nova);
  ~NovaMetadataServer();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace nt::scenario_internal
