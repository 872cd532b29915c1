// nvs-vsctl engine: bridge, port, interface, controller and fail-mode commands; command-line
// parsing; transactions (all-or-nothing, next_cfg, --dry-run); error texts and exit codes.
#include "vsctl_test_util.h"

namespace nt {
namespace {

TEST(VsctlBridge, AddBrCreatesBridgeLocalPortAndInternalInterface) {
  Db db;
  EXPECT_EQ(ok(db, "add-br br-int"), "");
  Uuid br, port, iface;
  ASSERT_NE(db.find_bridge("br-int", &br), nullptr);
  ASSERT_NE(db.find_port("br-int", &port), nullptr);
  ASSERT_NE(db.find_interface("br-int", &iface), nullptr);
  EXPECT_EQ(db.interfaces[iface].type, "internal");
  EXPECT_EQ(db.ports[port].interfaces, std::set<Uuid>{iface});
  EXPECT_EQ(db.bridges[br].ports, std::set<Uuid>{port});
  EXPECT_EQ(db.ovs().bridges, std::set<Uuid>{br});
  EXPECT_EQ(ok(db, "list-br"), "br-int\n");
  EXPECT_EQ(ok(db, "list-ports br-int"), "");
  EXPECT_EQ(ok(db, "list-ifaces br-int"), "");
}

TEST(VsctlBridge, AddBrConflictsAndMayExist) {
  Db db;
  ok(db, "add-br br0 -- add-port br0 p1");
  EXPECT_EQ(fails(db, "add-br br0"),
            "nvs-vsctl: cannot create a bridge named br0 because a bridge named br0 already "
            "exists\n");
  EXPECT_EQ(fails(db, "add-br p1"),
            "nvs-vsctl: cannot create a bridge named p1 because a port named p1 already exists "
            "on bridge br0\n");
  Db before = db;
  EXPECT_EQ(ok(db, "--may-exist add-br br0"), "");
  EXPECT_TRUE(same_content(before, db));
  EXPECT_EQ(fails(db, "add-br br1 br0"),
            "nvs-vsctl: 'add-br' command takes exactly 1 or 3 arguments\n");
  EXPECT_NE(fails(db, "add-br br1 br0 10").find("not supported"), std::string::npos);
}

TEST(VsctlBridge, DelBrRemovesPortsAndInterfaces) {
  Db db;
  ok(db, "add-br br0 -- add-br br1 -- add-port br0 p1 -- add-port br1 p2");
  ok(db, "del-br br0");
  EXPECT_EQ(ok(db, "list-br"), "br1\n");
  EXPECT_EQ(db.find_port("p1"), nullptr);
  EXPECT_EQ(db.find_interface("p1"), nullptr);
  EXPECT_EQ(db.find_interface("br0"), nullptr);
  EXPECT_NE(db.find_port("p2"), nullptr);
  EXPECT_EQ(db.ports.size(), 2u);
  EXPECT_EQ(fails(db, "del-br br9"), "nvs-vsctl: no bridge named br9\n");
  EXPECT_EQ(ok(db, "--if-exists del-br br9"), "");
}

TEST(VsctlBridge, ListBrSortedAndBrExistsExitCodes) {
  Db db;
  ok(db, "add-br br-tun -- add-br br-ex -- add-br br-int");
  EXPECT_EQ(ok(db, "list-br"), "br-ex\nbr-int\nbr-tun\n");
  EXPECT_EQ(ok(db, "--real list-br"), "br-ex\nbr-int\nbr-tun\n");
  EXPECT_EQ(ok(db, "--fake list-br"), "");
  VsctlResult yes = vsctl(db, "br-exists br-int");
  EXPECT_EQ(yes.status, 0);
  VsctlResult no = vsctl(db, "br-exists br9");
  EXPECT_EQ(no.status, 2);
  EXPECT_EQ(no.out, "");
  EXPECT_EQ(no.err, "");
  // br-exists failing ends the whole transaction: nothing before it is applied.
  EXPECT_EQ(vsctl(db, "add-br br5 -- br-exists br9").status, 2);
  EXPECT_EQ(db.find_bridge("br5"), nullptr);
}

TEST(VsctlBridge, BrToVlanParentAndExternalIds) {
  Db db;
  ok(db, "add-br br0");
  EXPECT_EQ(ok(db, "br-to-vlan br0"), "0\n");
  EXPECT_EQ(ok(db, "br-to-parent br0"), "br0\n");
  EXPECT_EQ(fails(db, "br-to-parent br9"), "nvs-vsctl: no bridge named br9\n");
  ok(db, "br-set-external-id br0 bridge-id br0 -- br-set-external-id br0 a b");
  EXPECT_EQ(ok(db, "br-get-external-id br0"), "a=b\nbridge-id=br0\n");
  EXPECT_EQ(ok(db, "br-get-external-id br0 a"), "b\n");
  EXPECT_EQ(ok(db, "br-get-external-id br0 zzz"), "");
  ok(db, "br-set-external-id br0 a");
  EXPECT_EQ(ok(db, "br-get-external-id br0"), "bridge-id=br0\n");
}

TEST(VsctlPort, AddPortWithSettingsThenSetInterface) {
  Db db;
  ok(db, "add-br br-int");
  EXPECT_EQ(ok(db, "add-port br-int tap1 tag=1 -- set Interface tap1 type=internal"), "");
  const Port* port = db.find_port("tap1");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->tag, 1);
  const Interface* iface = db.find_interface("tap1");
  ASSERT_NE(iface, nullptr);
  EXPECT_EQ(iface->type, "internal");
  EXPECT_EQ(port->interfaces.size(), 1u);
  EXPECT_EQ(ok(db, "list-ports br-int"), "tap1\n");
  EXPECT_EQ(ok(db, "list-ifaces br-int"), "tap1\n");
  EXPECT_EQ(ok(db, "port-to-br tap1"), "br-int\n");
  EXPECT_EQ(ok(db, "iface-to-br tap1"), "br-int\n");
  EXPECT_EQ(ok(db, "get Port tap1 tag"), "1\n");
}

TEST(VsctlPort, AddPortErrors) {
  Db db;
  ok(db, "add-br br0 -- add-br br1 -- add-port br0 p1");
  EXPECT_EQ(fails(db, "add-port br1 p1"),
            "nvs-vsctl: cannot create a port named p1 because a port named p1 already exists "
            "on bridge br0\n");
  EXPECT_EQ(fails(db, "add-port br0 br1"),
            "nvs-vsctl: cannot create a port named br1 because a bridge named br1 already "
            "exists\n");
  EXPECT_EQ(fails(db, "add-port br9 p2"), "nvs-vsctl: no bridge named br9\n");
  EXPECT_EQ(fails(db, "add-port br0 p2 colour=red"),
            "nvs-vsctl: Port does not contain a column whose name matches \"colour\"\n");
  EXPECT_EQ(fails(db, "add-port br0 p2 tag=4096"),
            "nvs-vsctl: constraint violation: 4096 is not in the valid range 0 to 4095 "
            "(inclusive)\n");
  EXPECT_EQ(fails(db, "add-port br0 p2 type=internal"),
            "nvs-vsctl: Port does not contain a column whose name matches \"type\"\n");
  EXPECT_EQ(fails(db, "add-port br0"),
            "nvs-vsctl: 'add-port' command requires at least 2 "
            "arguments\n");
}

TEST(VsctlPort, MayExistAddPort) {
  Db db;
  ok(db, "add-br br0 -- add-br br1 -- add-port br0 p1 tag=5");
  Db before = db;
  EXPECT_EQ(ok(db, "--may-exist add-port br0 p1 tag=7"), "");
  EXPECT_TRUE(same_content(before, db));  // settings are not applied to an existing port
  EXPECT_EQ(fails(db, "--may-exist add-port br1 p1"),
            "nvs-vsctl: \"--may-exist add-port br1 p1\" but p1 is actually attached to bridge "
            "br0\n");
  ok(db, "add-bond br1 bond0 eth0 eth1");
  EXPECT_EQ(fails(db, "-- --may-exist add-bond br1 bond0 eth0 eth2"),
            "nvs-vsctl: \"--may-exist add-bond br1 bond0 eth0 eth2\" but bond0 actually has "
            "interface(s) eth0, eth1\n");
  EXPECT_EQ(ok(db, "--may-exist add-bond br1 bond0 eth1 eth0"), "");
  EXPECT_EQ(ok(db, "list-ifaces br1"), "eth0\neth1\n");
  EXPECT_EQ(ok(db, "list-ports br1"), "bond0\n");
  EXPECT_EQ(fails(db, "add-bond br1 bond1 eth5 tag=1"),
            "nvs-vsctl: add-bond requires at least 2 interfaces, but only 1 were specified\n");
  EXPECT_EQ(fails(db, "add-port br1 eth0"),
            "nvs-vsctl: cannot create a port named eth0 because an interface named eth0 "
            "already exists on bridge br1\n");
}

TEST(VsctlPort, DelPort) {
  Db db;
  ok(db, "add-br br0 -- add-br br1 -- add-port br0 p1 -- add-port br0 p2 -- add-port br1 p3");
  ok(db, "del-port p1");
  EXPECT_EQ(db.find_port("p1"), nullptr);
  EXPECT_EQ(db.find_interface("p1"), nullptr);
  ok(db, "del-port br0 p2");
  EXPECT_EQ(ok(db, "list-ports br0"), "");
  EXPECT_EQ(fails(db, "del-port br0 p3"), "nvs-vsctl: bridge br0 does not have a port p3\n");
  EXPECT_EQ(fails(db, "del-port br9 p3"), "nvs-vsctl: no bridge named br9\n");
  EXPECT_EQ(fails(db, "del-port p9"), "nvs-vsctl: no port named p9\n");
  EXPECT_EQ(ok(db, "--if-exists del-port p9"), "");
  EXPECT_EQ(fails(db, "del-port br0"),
            "nvs-vsctl: cannot delete port br0 because it is the local port for bridge br0 "
            "(deleting this port requires deleting the entire bridge)\n");
  EXPECT_EQ(ok(db, "--if-exists del-port br0"), "");
  ok(db, "add-bond br1 bond0 eth0 eth1");
  EXPECT_EQ(fails(db, "del-port eth0"), "nvs-vsctl: no port named eth0\n");
  EXPECT_EQ(fails(db, "--with-iface del-port eth9"),
            "nvs-vsctl: no port or interface named eth9\n");
  ok(db, "--with-iface del-port eth0");
  EXPECT_EQ(db.find_port("bond0"), nullptr);
  EXPECT_EQ(ok(db, "list-ports br1"), "p3\n");
}

TEST(VsctlPort, PortAndIfaceToBrIgnoreTheLocalPort) {
  Db db;
  ok(db, "add-br br0");
  EXPECT_EQ(fails(db, "port-to-br br0"), "nvs-vsctl: no port named br0\n");
  EXPECT_EQ(fails(db, "iface-to-br br0"), "nvs-vsctl: no interface named br0\n");
  EXPECT_EQ(fails(db, "iface-to-br x"), "nvs-vsctl: no interface named x\n");
  EXPECT_EQ(fails(db, "list-ports br9"), "nvs-vsctl: no bridge named br9\n");
  EXPECT_EQ(fails(db, "list-ifaces br9"), "nvs-vsctl: no bridge named br9\n");
}

TEST(VsctlBridge, ControllerAndFailMode) {
  Db db;
  ok(db, "add-br br0");
  EXPECT_EQ(ok(db, "get-controller br0"), "");
  ok(db, "set-controller br0 tcp:10.0.0.2:6653 tcp:10.0.0.1:6653");
  EXPECT_EQ(ok(db, "get-controller br0"), "tcp:10.0.0.1:6653\ntcp:10.0.0.2:6653\n");
  ok(db, "del-controller br0");
  EXPECT_EQ(ok(db, "get-controller br0"), "");
  EXPECT_EQ(ok(db, "get-fail-mode br0"), "");
  ok(db, "set-fail-mode br0 secure");
  EXPECT_EQ(ok(db, "get-fail-mode br0"), "secure\n");
  EXPECT_EQ(ok(db, "get Bridge br0 fail_mode"), "secure\n");
  EXPECT_EQ(fails(db, "set-fail-mode br0 open"),
            "nvs-vsctl: fail-mode must be \"standalone\" or \"secure\"\n");
  ok(db, "del-fail-mode br0");
  EXPECT_EQ(ok(db, "get Bridge br0 fail_mode"), "[]\n");
}

TEST(VsctlParse, CommandLineErrors) {
  Db db;
  EXPECT_EQ(fails(db, ""), "nvs-vsctl: missing command name (use --help for help)\n");
  EXPECT_EQ(fails(db, "--may-exist"), "nvs-vsctl: missing command name (use --help for help)\n");
  EXPECT_EQ(fails(db, "frobnicate"),
            "nvs-vsctl: unknown command 'frobnicate'; use --help for help\n");
  EXPECT_EQ(fails(db, "--if-exists add-br br0"),
            "nvs-vsctl: 'add-br' command has no '--if-exists' option\n");
  EXPECT_EQ(fails(db, "-- --columns list-br"),
            "nvs-vsctl: 'list-br' command has no '--columns' option\n");
  EXPECT_EQ(fails(db, "-- --columns list Bridge"),
            "nvs-vsctl: missing argument to '--columns' option on 'list' command\n");
  EXPECT_EQ(fails(db, "-- --if-exists=1 del-br br0"),
            "nvs-vsctl: '--if-exists' option on 'del-br' does not accept an argument\n");
  EXPECT_EQ(fails(db, "del-br"), "nvs-vsctl: 'del-br' command requires at least 1 arguments\n");
  EXPECT_EQ(fails(db, "list-br x"), "nvs-vsctl: 'list-br' command takes at most 0 arguments\n");
  EXPECT_EQ(fails(db, "del-br br0 --if-exists"),
            "nvs-vsctl: 'del-br' command takes at most 1 arguments (note that options must "
            "precede command names and follow a \"--\" argument)\n");
  EXPECT_EQ(fails(db, "-- --may-exist --may-exist add-br br0"),
            "nvs-vsctl: '--may-exist' option specified multiple times\n");
  EXPECT_EQ(fails(db, "--bogus add-br br0"), "nvs-vsctl: unrecognized option '--bogus'\n");
  EXPECT_EQ(fails(db, "--format=xml list Bridge"), "nvs-vsctl: unknown output format \"xml\"\n");
}

TEST(VsctlParse, IgnoredGlobalOptions) {
  Db db;
  EXPECT_EQ(ok(db, "--timeout=10 --no-wait -t 5 -v --verbose --db=unix:/x.sock add-br br0"), "");
  EXPECT_EQ(ok(db, "--db unix:/x.sock --timeout 3 -t10 -vconsole:dbg list-br"), "br0\n");
  EXPECT_EQ(ok(db, "-- list-br"), "br0\n");
  EXPECT_EQ(ok(db, "add-br br1 --"), "");  // a trailing "--" is fine
  EXPECT_EQ(ok(db, "list-br -- -- list-br"), "br0\nbr1\nbr0\nbr1\n");
  EXPECT_NE(ok(db, "--help").find("add-br"), std::string::npos);
}

TEST(VsctlTransaction, AllOrNothing) {
  Db db;
  ok(db, "add-br br0");
  Db before = db;
  EXPECT_EQ(fails(db, "add-br br1 -- add-port br1 p1 -- add-br br1"),
            "nvs-vsctl: cannot create a bridge named br1 because a bridge named br1 already "
            "exists\n");
  EXPECT_TRUE(same_content(before, db));
  EXPECT_EQ(db.find_bridge("br1"), nullptr);
  EXPECT_EQ(db.find_port("p1"), nullptr);
  // Outputs of commands before the failing one are not printed either.
  EXPECT_EQ(fails(db, "list-br -- del-br br9"), "nvs-vsctl: no bridge named br9\n");
}

TEST(VsctlTransaction, LaterCommandsSeeEarlierOnes) {
  Db db;
  EXPECT_EQ(ok(db,
               "add-br br0 -- add-port br0 p1 -- list-ports br0 -- del-port p1 -- "
               "list-ports br0 -- add-port br0 p1 -- iface-to-br p1"),
            "p1\nbr0\n");
}

TEST(VsctlTransaction, OutputsInCommandOrder) {
  Db db;
  EXPECT_EQ(ok(db, "add-br br1 -- add-br br0 -- list-br -- br-to-parent br1 -- list-br"),
            "br0\nbr1\nbr1\nbr0\nbr1\n");
}

TEST(VsctlTransaction, NextCfgDryRunAndNoWait) {
  Db db;
  int64_t cfg = db.ovs().next_cfg;
  ok(db, "add-br br0");
  EXPECT_EQ(db.ovs().next_cfg, cfg + 1);
  ok(db, "list-br -- show");
  EXPECT_EQ(db.ovs().next_cfg, cfg + 1);  // nothing changed
  ok(db, "--may-exist add-br br0");
  EXPECT_EQ(db.ovs().next_cfg, cfg + 1);
  ok(db, "--no-wait add-br br1");
  EXPECT_EQ(db.ovs().next_cfg, cfg + 1);
  EXPECT_NE(db.find_bridge("br1"), nullptr);
  EXPECT_EQ(ok(db, "--dry-run add-br br2 -- list-br"), "br0\nbr1\nbr2\n");
  EXPECT_EQ(db.find_bridge("br2"), nullptr);
}

TEST(VsctlTransaction, OnelineJoinsEachCommandsOutput) {
  Db db;
  ok(db, "add-br br0 -- add-br br1");
  EXPECT_EQ(ok(db, "--oneline list-br -- br-to-parent br0 -- list-ports br0"),
            "br0\\nbr1\nbr0\n\n");
}

TEST(VsctlTransaction, DatabaseRoundTripsThroughJsonAfterCommands) {
  Db db;
  ok(db, "add-br br-int -- set Bridge br-int fail_mode=secure protocols=OpenFlow10,OpenFlow13");
  ok(db,
     "add-port br-int vx0 -- set Interface vx0 type=vxlan options:remote_ip=10.0.0.2 "
     "options:key=flow ofport_request=5");
  ok(db, "add-port br-int p1 tag=3 trunks=[] other_config:a=b external_ids:iface-id=abc");
  auto back = db_from_json(db_to_json(db));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(same_content(db, *back));
  EXPECT_EQ(ok(*back, "show"), ok(db, "show"));
}

}  // namespace
}  // namespace nt
