// The lab's Nova metadata stand-in (scenario/nova_metadata.h): Nova's answers per path, its
// checks of the proxy's headers (400 without X-Instance-ID, 403 on a bad signature, 404 for an
// unknown instance), and the `metadata` line's syntax (scenario/lab_metadata.h).
#include "scenario/nova_metadata.h"

#include <gtest/gtest.h>

#include "scenario/lab_metadata.h"

namespace nt::scenario_internal {
namespace {

const NovaInstance kVm{"5f1b0c2e-1111-4222-8333-444455556666", "cirros-vm1", 77, "nova"};
const NovaInstanceNet kNet{"172.16.100.3", "fa:16:3e:00:00:01", "10.10.10.10"};

TEST(NovaMetadata, MetaDataKeys) {
  auto list = nova_metadata_answer("/latest/meta-data/", kVm, kNet);
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body, "hostname\ninstance-id\nlocal-hostname\nlocal-ipv4\nmac\npublic-ipv4");
  EXPECT_EQ(nova_metadata_answer("/latest/meta-data/instance-id", kVm, kNet).body, "i-0000004d");
  EXPECT_EQ(nova_metadata_answer("/latest/meta-data/hostname", kVm, kNet).body,
            "cirros-vm1.novalocal");
  EXPECT_EQ(nova_metadata_answer("/latest/meta-data/local-ipv4", kVm, kNet).body, "172.16.100.3");
  EXPECT_EQ(nova_metadata_answer("/latest/meta-data/public-ipv4", kVm, kNet).body, "10.10.10.10");
  EXPECT_EQ(nova_metadata_answer("/latest/meta-data/mac?x=1", kVm, kNet).body, "fa:16:3e:00:00:01");
  EXPECT_EQ(nova_metadata_answer("/latest/meta-data/nope", kVm, kNet).status, 404);
  EXPECT_EQ(nova_metadata_answer("/../etc/passwd", kVm, kNet).status, 404);
}

TEST(NovaMetadata, MetaDataJson) {
  auto a = nova_metadata_answer("/openstack/latest/meta_data.json", kVm, kNet);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.content_type, "application/json");
  auto j = nlohmann::json::parse(a.body);
  EXPECT_EQ(j["uuid"], kVm.uuid);
  EXPECT_EQ(j["name"], "cirros-vm1");
  EXPECT_EQ(j["hostname"], "cirros-vm1.novalocal");
  EXPECT_EQ(j["availability_zone"], "nova");
}

TEST(NovaMetadata, ChecksTheProxy) {
  CloudApi api(1);  // never reached: every request here fails a check first
  NovaMetadata nova("secret", api);
  nova.register_instance(kVm.uuid, kVm.name);
  agent::MetadataRequest r{"GET", "/latest/meta-data/instance-id", {}};
  EXPECT_EQ(nova.handle(r).status, 400);
  r.headers["x-instance-id"] = kVm.uuid;
  r.headers["x-instance-id-signature"] = agent::instance_signature("wrong", kVm.uuid);
  auto bad = nova.handle(r);
  EXPECT_EQ(bad.status, 403);
  EXPECT_EQ(bad.body, "Invalid proxy request signature.");
  r.headers["x-instance-id"] = "unknown";
  r.headers["x-instance-id-signature"] = agent::instance_signature("secret", "unknown");
  EXPECT_EQ(nova.handle(r).status, 404);
}

TEST(LabMetadata, Line) {
  auto ok = parse_metadata_line({"metadata", "vm1", "/latest/meta-data/"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->instance, "vm1");
  EXPECT_FALSE(parse_metadata_line({"metadata", "vm1"}).ok());
  EXPECT_FALSE(parse_metadata_line({"metadata", "vm1", "latest"}).ok());
  EXPECT_FALSE(parse_metadata_line({"metadata", "vm1", "/a;reboot"}).ok());
  EXPECT_EQ(metadata_output("i-00000001"), "i-00000001\n");
  EXPECT_EQ(metadata_output(""), "\n");
}

}  // namespace
}  // namespace nt::scenario_internal
