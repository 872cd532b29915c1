// `nvs-vsctl show` reproduces the two `ovs-vsctl show` outputs of seed 003 byte for byte.
// Open vSwitch lists bridges and ports in the order of their sets, i.e. by row UUID, so the
// tests give the rows UUIDs in the order the seed shows them.
#include "vsctl_test_util.h"

namespace nt {
namespace {

constexpr char kNode1[] = R"(1a002d63-3057-49fe-be40-44562e01a6e8
    Bridge br-int
        Port patch-tun
            Interface patch-tun
                type: patch
                options: {peer=patch-int}
        Port "qvo081fc401-04"
            tag: 1
            Interface "qvo081fc401-04"
        Port br-int
            Interface br-int
                type: internal
    Bridge br-tun
        Port "vxlan-c0a86465"
            Interface "vxlan-c0a86465"
                type: vxlan
                options: {in_key=flow, local_ip="192.168.100.100", out_key=flow, remote_ip="192.168.100.101"}
        Port br-tun
            Interface br-tun
                type: internal
        Port patch-int
            Interface patch-int
                type: patch
                options: {peer=patch-tun}
    ovs_version: "2.0.1"
)";

constexpr char kNode2[] = R"(8108a40e-292b-4ed0-80c1-23fc08aacd3d
    Bridge br-ex
        Port "qg-070a05ab-ca"
            Interface "qg-070a05ab-ca"
                type: internal
        Port br-ex
            Interface br-ex
                type: internal
    Bridge br-int
        Port "qr-cdb08767-c6"
            tag: 1
            Interface "qr-cdb08767-c6"
                type: internal
        Port "tap168bb8f2-fa"
            tag: 1
            Interface "tap168bb8f2-fa"
                type: internal
        Port br-int
            Interface br-int
                type: internal
        Port patch-tun
            Interface patch-tun
                type: patch
                options: {peer=patch-int}
    Bridge br-tun
        Port br-tun
            Interface br-tun
                type: internal
        Port patch-int
            Interface patch-int
                type: patch
                options: {peer=patch-tun}
        Port "vxlan-c0a86464"
            Interface "vxlan-c0a86464"
                type: vxlan
                options: {in_key=flow, local_ip="192.168.100.101", out_key=flow, remote_ip="192.168.100.100"}
    ovs_version: "2.0.1"
)";

void order_rows(Db& db, TableId table, const std::vector<std::string>& names) {
  int n = table == TableId::kBridge ? 100 : 200;
  for (const std::string& name : names) set_uuid(db, table, name, n++);
}

void set_ovs_uuid(Db& db, const char* text) {
  ASSERT_TRUE(db.change_uuid(TableId::kOpenVSwitch, db.ovs_uuid(), *Uuid::parse(text)).ok());
}

TEST(VsctlShow, SeedNode1ByteForByte) {
  Db db;
  ok(db, "add-br br-int -- add-br br-tun");
  ok(db, "add-port br-int patch-tun -- set Interface patch-tun type=patch options:peer=patch-int");
  ok(db, "--may-exist add-port br-int qvo081fc401-04 tag=1");
  ok(db, "add-port br-tun patch-int -- set interface patch-int type=patch options:peer=patch-tun");
  ok(db,
     "add-port br-tun vxlan-c0a86465 -- set Interface vxlan-c0a86465 type=vxlan "
     "options:remote_ip=192.168.100.101 options:local_ip=192.168.100.100 options:in_key=flow "
     "options:out_key=flow");
  ok(db, "set Open_vSwitch . ovs_version=\"2.0.1\"");
  set_ovs_uuid(db, "1a002d63-3057-49fe-be40-44562e01a6e8");
  order_rows(db, TableId::kBridge, {"br-int", "br-tun"});
  order_rows(db, TableId::kPort,
             {"patch-tun", "qvo081fc401-04", "br-int", "vxlan-c0a86465", "br-tun", "patch-int"});
  EXPECT_EQ(ok(db, "show"), kNode1);
}

TEST(VsctlShow, SeedNode2ByteForByte) {
  Db db;
  ok(db, "--may-exist add-br br-int -- --may-exist add-br br-tun -- add-br br-ex");
  ok(db, "add-port br-int patch-tun -- set Interface patch-tun type=patch options:peer=patch-int");
  ok(db, "add-port br-tun patch-int -- set Interface patch-int type=patch options:peer=patch-tun");
  ok(db,
     "add-port br-tun vxlan-c0a86464 -- set Interface vxlan-c0a86464 type=vxlan "
     "options:in_key=flow options:local_ip=192.168.100.101 options:out_key=flow "
     "options:remote_ip=192.168.100.100");
  ok(db, "add-port br-int tap168bb8f2-fa tag=1 -- set Interface tap168bb8f2-fa type=internal");
  ok(db,
     "add-port br-int qr-cdb08767-c6 -- set Interface qr-cdb08767-c6 type=internal "
     "-- set Port qr-cdb08767-c6 tag=1");
  ok(db, "add-port br-ex qg-070a05ab-ca -- set Interface qg-070a05ab-ca type=internal");
  ok(db, "set Open_vSwitch . ovs_version=2.0.1");
  set_ovs_uuid(db, "8108a40e-292b-4ed0-80c1-23fc08aacd3d");
  order_rows(db, TableId::kBridge, {"br-ex", "br-int", "br-tun"});
  order_rows(db, TableId::kPort,
             {"qg-070a05ab-ca", "br-ex", "qr-cdb08767-c6", "tap168bb8f2-fa", "br-int", "patch-tun",
              "br-tun", "patch-int", "vxlan-c0a86464"});
  EXPECT_EQ(ok(db, "show"), kNode2);
}

// Names with digits are quoted, as Open vSwitch 2.0 prints them (Bridge "br0").
TEST(VsctlShow, ControllerFailModeTrunksErrorAndNoVersion) {
  Db db;
  ok(db, "add-br br0 -- set-controller br0 tcp:127.0.0.1:6633 -- set-fail-mode br0 secure");
  auto r = vsctl_execute(db, {"add-port", "br0", "p1", "trunks=10,20", "--", "set", "Interface",
                              "p1", "error=\"could not open p1\""});
  ASSERT_EQ(r.status, 0) << r.err;
  set_ovs_uuid(db, "1a002d63-3057-49fe-be40-44562e01a6e8");
  order_rows(db, TableId::kPort, {"br0", "p1"});
  EXPECT_EQ(ok(db, "show"),
            "1a002d63-3057-49fe-be40-44562e01a6e8\n"
            "    Bridge \"br0\"\n"
            "        Controller \"tcp:127.0.0.1:6633\"\n"
            "        fail_mode: secure\n"
            "        Port \"br0\"\n"
            "            Interface \"br0\"\n"
            "                type: internal\n"
            "        Port \"p1\"\n"
            "            trunks: [10, 20]\n"
            "            Interface \"p1\"\n"
            "                error: \"could not open p1\"\n");
}

TEST(VsctlShow, EmptyDatabaseShowsOnlyTheUuid) {
  Db db;
  EXPECT_EQ(ok(db, "show"), db.ovs_uuid().to_string() + "\n");
}

}  // namespace
}  // namespace nt
