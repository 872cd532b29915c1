// nvs-vsctl engine: the database commands (get, set, add, remove, clear, list, find, create,
// destroy, wait-until) on every table, value syntax, record names, and output formats.
#include "vsctl_test_util.h"

namespace nt {
namespace {

class VsctlDb : public ::testing::Test {
 protected:
  void SetUp() override {
    ok(db_,
       "add-br br0 -- add-port br0 p1 tag=1 -- add-port br0 vx0 -- set Interface vx0 "
       "type=vxlan options:remote_ip=192.168.1.2 options:key=flow");
    // Fixed UUIDs: rows list in UUID order (p1, vx0, br0).
    set_uuid(db_, TableId::kPort, "p1", 1);
    set_uuid(db_, TableId::kInterface, "p1", 2);
    set_uuid(db_, TableId::kPort, "vx0", 3);
    set_uuid(db_, TableId::kInterface, "vx0", 4);
    set_uuid(db_, TableId::kPort, "br0", 5);
    set_uuid(db_, TableId::kInterface, "br0", 6);
  }
  Db db_;
};

TEST_F(VsctlDb, GetPrintsOvsdbSyntax) {
  EXPECT_EQ(ok(db_, "get Port p1 tag"), "1\n");
  EXPECT_EQ(ok(db_, "get Port p1 trunks vlan_mode name"), "[]\n[]\n\"p1\"\n");
  EXPECT_EQ(ok(db_, "get Interface vx0 type options"),
            "vxlan\n{key=flow, remote_ip=\"192.168.1.2\"}\n");
  EXPECT_EQ(ok(db_, "get Interface vx0 options:remote_ip"), "\"192.168.1.2\"\n");
  EXPECT_EQ(ok(db_, "get Interface p1 type"), "\"\"\n");
  EXPECT_EQ(ok(db_, "get Port p1 _uuid interfaces"),
            test_uuid(1).to_string() + "\n[" + test_uuid(2).to_string() + "]\n");
  EXPECT_EQ(ok(db_, "get Bridge br0 stp_enable"), "false\n");
  EXPECT_EQ(ok(db_, "get port p1 TAG"), "1\n");  // table and column names are case-blind
  EXPECT_EQ(ok(db_, "get Interface vx0 opt:key"), "flow\n");  // unique abbreviation
}

TEST_F(VsctlDb, GetErrors) {
  EXPECT_EQ(fails(db_, "get Port p9 tag"), "nvs-vsctl: no row \"p9\" in table Port\n");
  EXPECT_EQ(ok(db_, "--if-exists get Port p9 tag"), "");
  EXPECT_EQ(fails(db_, "get Interface vx0 options:dst_port"),
            "nvs-vsctl: no key \"dst_port\" in Interface record \"vx0\" column options\n");
  EXPECT_EQ(ok(db_, "--if-exists get Interface vx0 options:dst_port"), "\n");
  EXPECT_EQ(fails(db_, "get Port p1 tag:x"),
            "nvs-vsctl: cannot specify key to get for non-map column tag\n");
  EXPECT_EQ(fails(db_, "get Port p1 colour"),
            "nvs-vsctl: Port does not contain a column whose name matches \"colour\"\n");
  EXPECT_EQ(fails(db_, "get Interface vx0 o"),
            "nvs-vsctl: Interface contains more than one column whose name matches \"o\": "
            "ofport, ofport_request, options, other_config\n");
  EXPECT_EQ(fails(db_, "get Mirror x"), "nvs-vsctl: unknown table \"Mirror\"\n");
  EXPECT_EQ(fails(db_, "get Port p1 tag=1"),
            "nvs-vsctl: tag=1: trailing garbage \"=1\" in argument\n");
}

TEST_F(VsctlDb, RecordsByNameUuidPrefixAndDot) {
  EXPECT_EQ(ok(db_, "get Port " + test_uuid(1).to_string() + " name"), "\"p1\"\n");
  std::string ovs = db_.ovs_uuid().to_string();
  EXPECT_EQ(ok(db_, "get Open_vSwitch " + ovs.substr(0, 8) + " _uuid"), ovs + "\n");
  EXPECT_EQ(fails(db_, "get Port 00000000-0000-4000-8000-00000000000 name"),
            "nvs-vsctl: Port contains 2 or more rows whose UUIDs begin with "
            "00000000-0000-4000-8000-00000000000: at least " +
                test_uuid(1).to_string() + " and " + test_uuid(3).to_string() + "\n");
  EXPECT_EQ(ok(db_, "get Open_vSwitch . _uuid"), db_.ovs_uuid().to_string() + "\n");
  EXPECT_EQ(ok(db_, "get Open . _uuid"), db_.ovs_uuid().to_string() + "\n");
  EXPECT_EQ(ok(db_, "get Bridge . name"), "\"br0\"\n");  // "." names a table's only row
  ok(db_, "add-br br1");
  EXPECT_EQ(fails(db_, "get Bridge . name"), "nvs-vsctl: no row \".\" in table Bridge\n");
}

TEST_F(VsctlDb, SetScalarsSetsMapsAndKeys) {
  ok(db_, "set Port p1 tag=5 trunks=[1,2,3] vlan_mode=native-untagged");
  // A transaction replaces the database: look rows up again after each command.
  const Port* p = db_.find_port("p1");
  EXPECT_EQ(p->tag, 5);
  EXPECT_EQ(p->trunks, (std::set<int64_t>{1, 2, 3}));
  EXPECT_EQ(p->vlan_mode, "native-untagged");
  ok(db_, "set Port p1 trunks=4,5 tag=[]");
  p = db_.find_port("p1");
  EXPECT_EQ(p->trunks, (std::set<int64_t>{4, 5}));
  EXPECT_FALSE(p->tag.has_value());
  ok(db_, "set Interface vx0 options:key=5 options:dst_port=4790");
  EXPECT_EQ(ok(db_, "get Interface vx0 options"),
            "{dst_port=\"4790\", key=\"5\", remote_ip=\"192.168.1.2\"}\n");
  ok(db_, "set Interface vx0 options={peer=x}");
  EXPECT_EQ(ok(db_, "get Interface vx0 options"), "{peer=x}\n");
  ok(db_, "set Bridge br0 protocols=OpenFlow10,OpenFlow13 stp_enable=true");
  EXPECT_EQ(ok(db_, "get Bridge br0 protocols stp_enable"),
            "[\"OpenFlow10\", \"OpenFlow13\"]\ntrue\n");
  ok(db_, "set Open_vSwitch . external_ids:system-id=node-1");
  EXPECT_EQ(db_.ovs().external_ids.at("system-id"), "node-1");
  auto r =
      vsctl_execute(db_, {"set", "Port", "p1", "external_ids:attached-mac=\"fa:16:3e:00:00:01\"",
                          "other_config:note=two words"});
  ASSERT_EQ(r.status, 0) << r.err;
  p = db_.find_port("p1");
  EXPECT_EQ(p->external_ids.at("attached-mac"), "fa:16:3e:00:00:01");
  EXPECT_EQ(ok(db_, "get Port p1 other_config"), "{note=\"two words\"}\n");
  ok(db_, "--if-exists set Port p9 tag=1");
}

TEST_F(VsctlDb, SetErrors) {
  EXPECT_EQ(fails(db_, "set Port p1 name=p2"),
            "nvs-vsctl: cannot modify read-only column name in table Port\n");
  EXPECT_EQ(fails(db_, "set Port p1 tag=x"), "nvs-vsctl: \"x\" is not a valid integer\n");
  EXPECT_EQ(fails(db_, "set Port p1 tag=1,2"),
            "nvs-vsctl: 1,2: 2 value(s) specified but the maximum number is 1\n");
  EXPECT_EQ(fails(db_, "set Port p1 tag="),
            "nvs-vsctl: tag=: argument does not end in \"=\" followed by a value.\n");
  EXPECT_EQ(fails(db_, "set Port p1 tag"),
            "nvs-vsctl: tag: argument does not end in \"=\" followed by a value.\n");
  EXPECT_EQ(fails(db_, "set Port p1 :x=1"), "nvs-vsctl: :x=1: missing column name\n");
  EXPECT_EQ(fails(db_, "set Port p1 tag:a=1"),
            "nvs-vsctl: cannot specify key to set for non-map column tag\n");
  EXPECT_EQ(fails(db_, "set Bridge br0 fail_mode=open"),
            "nvs-vsctl: constraint violation: open is not one of the allowed values ([secure, "
            "standalone])\n");
  EXPECT_EQ(fails(db_, "set Bridge br0 stp_enable=maybe"),
            "nvs-vsctl: \"maybe\" is not a valid boolean (use \"true\" or \"false\")\n");
  EXPECT_EQ(fails(db_, "set Interface vx0 ofport_request=0"),
            "nvs-vsctl: constraint violation: 0 is not in the valid range 1 to 65279 "
            "(inclusive)\n");
  EXPECT_EQ(fails(db_, "set Port p1 trunks=[1,1]"),
            "nvs-vsctl: [1,1]: set contains duplicate value\n");
  EXPECT_EQ(fails(db_, "set Port p1 trunks=[1,2"),
            "nvs-vsctl: [1,2: missing \"]\" at end of data\n");
  EXPECT_EQ(fails(db_, "set Interface vx0 options={a}"),
            "nvs-vsctl: a}: syntax error at \"}\" expecting \"=\"\n");
  EXPECT_EQ(fails(db_, "set Port p1 interfaces=[]"),
            "nvs-vsctl: []: 0 value(s) specified but the minimum number is 1\n");
  EXPECT_EQ(fails(db_, "set Interface vx0 type=\"abc"),
            "nvs-vsctl: \"abc: quoted string extends past end of argument\n");
}

TEST_F(VsctlDb, AddRemoveClear) {
  ok(db_, "add Port p1 trunks 10 11,12 -- add Port p1 external_ids a=1 b=2");
  auto p = [this] { return db_.find_port("p1"); };
  EXPECT_EQ(p()->trunks, (std::set<int64_t>{10, 11, 12}));
  ok(db_, "add Port p1 external_ids a=9");  // an existing key keeps its value
  EXPECT_EQ(p()->external_ids.at("a"), "1");
  ok(db_, "remove Port p1 trunks 11 -- remove Port p1 external_ids a=9 b");
  EXPECT_EQ(p()->trunks, (std::set<int64_t>{10, 12}));
  EXPECT_EQ(p()->external_ids, (StringMap{{"a", "1"}}));  // a=9 did not match a=1
  ok(db_, "remove Port p1 external_ids a=1");
  EXPECT_TRUE(p()->external_ids.empty());
  EXPECT_EQ(fails(db_, "add Port p1 tag 7"),
            "nvs-vsctl: \"add\" operation would put 2 values in column tag of table Port but "
            "the maximum number is 1\n");
  Uuid iface = *p()->interfaces.begin();
  EXPECT_EQ(fails(db_, "remove Port p1 interfaces " + iface.to_string()),
            "nvs-vsctl: \"remove\" operation would put 0 values in column interfaces of table "
            "Port but the minimum number is 1\n");
  ok(db_, "clear Port p1 tag trunks");
  EXPECT_FALSE(p()->tag.has_value());
  EXPECT_TRUE(p()->trunks.empty());
  EXPECT_EQ(fails(db_, "clear Interface vx0 type"),
            "nvs-vsctl: \"clear\" operation cannot be applied to column type of table "
            "Interface, which is not allowed to be empty\n");
  EXPECT_EQ(fails(db_, "clear Port p1 name"),
            "nvs-vsctl: cannot modify read-only column name in table Port\n");
  EXPECT_EQ(fails(db_, "add Port p9 trunks 1"), "nvs-vsctl: no row \"p9\" in table Port\n");
  EXPECT_EQ(ok(db_, "--if-exists add Port p9 trunks 1"), "");
  EXPECT_EQ(fails(db_, "add Port p9 colour 1"),
            "nvs-vsctl: Port does not contain a column whose name matches \"colour\"\n");
}

TEST_F(VsctlDb, ListFormat) {
  EXPECT_EQ(ok(db_, "list Port p1"), "_uuid               : " + test_uuid(1).to_string() +
                                         "\n"
                                         "external_ids        : {}\n"
                                         "interfaces          : [" +
                                         test_uuid(2).to_string() +
                                         "]\n"
                                         "name                : \"p1\"\n"
                                         "other_config        : {}\n"
                                         "tag                 : 1\n"
                                         "trunks              : []\n"
                                         "vlan_mode           : []\n");
  EXPECT_EQ(ok(db_, "--columns=name,tag list Port p1 vx0"),
            "name                : \"p1\"\n"
            "tag                 : 1\n"
            "\n"
            "name                : \"vx0\"\n"
            "tag                 : []\n");
  // Two tables in one run are separated by a blank line.
  EXPECT_EQ(ok(db_, "-- --columns=name list Bridge -- --columns=name list Bridge"),
            "name                : \"br0\"\n\nname                : \"br0\"\n");
  EXPECT_EQ(fails(db_, "list Port p9"), "nvs-vsctl: no row \"p9\" in table Port\n");
  EXPECT_EQ(ok(db_, "--if-exists --columns=name list Port p9 p1"),
            "name                : \"p1\"\n");
  EXPECT_EQ(fails(db_, "--columns=, list Port"),
            "nvs-vsctl: must specify at least one column name\n");
}

TEST_F(VsctlDb, ListAllRowsInUuidOrder) {
  std::string out = ok(db_, "--columns=_uuid list Port");
  std::vector<Uuid> ids;
  for (const auto& [id, port] : db_.ports) ids.push_back(id);
  std::string want;
  for (size_t i = 0; i < ids.size(); ++i) {
    want += (i ? "\n" : "") + std::string("_uuid               : ") + ids[i].to_string() + "\n";
  }
  EXPECT_EQ(out, want);
}

TEST_F(VsctlDb, FindWithConditions) {
  ok(db_, "set Interface p1 type=internal");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Interface type=internal"), "p1\n\nbr0\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Interface type!=internal"), "vx0\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Port tag=1"), "p1\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Port tag=[] name=vx0"), "vx0\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Interface options:remote_ip=192.168.1.2"), "vx0\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Interface options:remote_ip!=192.168.1.2"), "");
  // A missing key satisfies only the set relations.
  EXPECT_EQ(ok(db_, "--bare --columns=name find Interface options:key{<=}[flow]"),
            "p1\n\nvx0\n\nbr0\n");
  ok(db_, "set Port p1 trunks=1,2,3");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Port trunks{>=}[2,3]"), "p1\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Port trunks{>}[2,3]"), "p1\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Port trunks{<}[1,2,3] name=vx0"), "vx0\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Port trunks{<}[1,2,3] name=p1"), "");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Port trunks{<=}[1,2,3] name=p1"), "p1\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Port trunks{=}[3,2,1]"), "p1\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Port trunks{!=}[]"), "p1\n");
  // Datums compare by size first: an empty tag is less than [2].
  EXPECT_EQ(ok(db_, "--bare --columns=name,trunks find Port tag<2"),
            "p1\n1 2 3\n\nvx0\n\n\nbr0\n\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Port tag>=1"), "p1\n");
  EXPECT_EQ(fails(db_, "find Port tag"),
            "nvs-vsctl: tag: argument does not end in \"=\", \"!=\", \"<\", \">\", \"<=\", "
            "\">=\", \"{=}\", \"{!=}\", \"{<}\", \"{>}\", \"{<=}\", or \"{>=}\" followed by a "
            "value.\n");
  EXPECT_EQ(fails(db_, "find Port tag:a=1"),
            "nvs-vsctl: cannot specify key to check for non-map column tag\n");
}

TEST_F(VsctlDb, TableCsvJsonAndBareFormats) {
  EXPECT_EQ(ok(db_, "--format=table --columns=name,tag find Port name=p1"),
            "name tag\n---- ---\n\"p1\" 1\n");
  EXPECT_EQ(ok(db_, "--format=table --no-headings --columns=name,tag find Port name=p1"),
            "\"p1\" 1\n");
  EXPECT_EQ(ok(db_, "-f csv --columns=name,options find Interface name=vx0"),
            "name,options\n\"\"\"vx0\"\"\",\"{key=flow, remote_ip=\"\"192.168.1.2\"\"}\"\n");
  EXPECT_EQ(ok(db_, "--format=json --columns=name,tag find Port name=p1"),
            "{\"data\":[[\"p1\",1]],\"headings\":[\"name\",\"tag\"]}\n");
  EXPECT_EQ(ok(db_, "--data=bare --columns=options find Interface name=vx0"),
            "options             : key=flow remote_ip=192.168.1.2\n");
  EXPECT_EQ(ok(db_, "-d json --columns=interfaces find Port name=p1"),
            "interfaces          : [\"uuid\",\"" + test_uuid(2).to_string() + "\"]\n");
}

TEST_F(VsctlDb, CreateWithIdAndReferences) {
  std::string out = ok(db_,
                       "-- --id=@i create Interface name=p7 type=internal -- --id=@p create Port "
                       "name=p7 interfaces=@i -- add Bridge br0 ports @p");
  Uuid port, iface;
  ASSERT_NE(db_.find_port("p7", &port), nullptr);
  ASSERT_NE(db_.find_interface("p7", &iface), nullptr);
  EXPECT_EQ(out, iface.to_string() + "\n" + port.to_string() + "\n");  // create prints UUIDs
  EXPECT_EQ(ok(db_, "port-to-br p7"), "br0\n");
  EXPECT_EQ(ok(db_, "get Interface p7 type"), "internal\n");
  // A reference may come before the row is created.
  ok(db_,
     "add Bridge br0 ports @p -- --id=@p create Port name=p8 interfaces=@i -- --id=@i "
     "create Interface name=p8");
  EXPECT_EQ(ok(db_, "list-ports br0"), "p1\np7\np8\nvx0\n");
}

TEST_F(VsctlDb, CreateErrorsAndGarbageCollection) {
  EXPECT_EQ(fails(db_, "add Bridge br0 ports @nope"),
            "nvs-vsctl: row id \"@nope\" is referenced but never created (e.g. with \"-- "
            "--id=@nope create ...\")\n");
  EXPECT_EQ(fails(db_, "--id=nope create Port name=x"),
            "nvs-vsctl: row id \"nope\" does not begin with \"@\"\n");
  EXPECT_EQ(fails(db_, "-- --id=@a create Interface name=x -- --id=@a create Interface name=y"),
            "nvs-vsctl: row id \"@a\" may only be specified on one --id option\n");
  // An unreferenced row of a non-root table is collected at commit, with a warning.
  size_t ports = db_.ports.size();
  VsctlResult r = vsctl(db_, "create Port name=lonely");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("without --id option will have no effect"), std::string::npos);
  EXPECT_EQ(db_.ports.size(), ports);
  // Duplicate names break the name index.
  std::string err = fails(db_,
                          "-- --id=@i create Interface name=p1 -- --id=@p create Port name=p9 "
                          "interfaces=@i -- add Bridge br0 ports @p");
  EXPECT_NE(err.find("transaction error: {\"details\":\"Transaction causes multiple rows in "
                     "\\\"Interface\\\" table to have identical values (\\\"p1\\\") for index "
                     "on column \\\"name\\\".\",\"error\":\"constraint violation\"}"),
            std::string::npos)
      << err;
  EXPECT_EQ(fails(db_, "create Open_vSwitch ovs_version=x"),
            "nvs-vsctl: transaction error: {\"details\":\"Transaction causes \\\"Open_vSwitch\\\" "
            "table to contain 2 rows, greater than the schema-defined limit of 1 row(s).\","
            "\"error\":\"constraint violation\"}\n");
}

TEST_F(VsctlDb, DestroyNeedsNoRemainingReferences) {
  std::string err = fails(db_, "destroy Port p1");
  EXPECT_EQ(err, "nvs-vsctl: transaction error: {\"details\":\"cannot delete Port row " +
                     test_uuid(1).to_string() +
                     " because of 1 remaining reference(s)\",\"error\":\"referential integrity "
                     "violation\"}\n");
  ok(db_, "remove Bridge br0 ports " + test_uuid(1).to_string() + " -- destroy Port p1");
  EXPECT_EQ(db_.find_port("p1"), nullptr);
  EXPECT_EQ(db_.find_interface("p1"), nullptr);  // collected
  EXPECT_EQ(fails(db_, "destroy Port p1"), "nvs-vsctl: no row \"p1\" in table Port\n");
  EXPECT_EQ(ok(db_, "--if-exists destroy Port p1"), "");
  EXPECT_EQ(fails(db_, "--all destroy Port vx0"),
            "nvs-vsctl: --all and records argument should not be specified together\n");
  EXPECT_EQ(fails(db_, "--all --if-exists destroy Port"),
            "nvs-vsctl: --all and --if-exists should not be specified together\n");
  ok(db_, "clear Bridge br0 ports -- --all destroy Port");
  EXPECT_TRUE(db_.ports.empty());
  EXPECT_TRUE(db_.interfaces.empty());
  EXPECT_NE(fails(db_, "set Bridge br0 ports=" + test_uuid(77).to_string())
                .find("references nonexistent row " + test_uuid(77).to_string() + " in table Port"),
            std::string::npos);
}

TEST_F(VsctlDb, WaitUntilChecksWithoutWaiting) {
  EXPECT_EQ(ok(db_, "wait-until Port p1 tag=1"), "");
  EXPECT_NE(fails(db_, "wait-until Port p1 tag=2").find("not satisfied"), std::string::npos);
  EXPECT_NE(fails(db_, "wait-until Port p9").find("no row"), std::string::npos);
}

TEST_F(VsctlDb, RuntimeColumnsAreVisibleAndSettable) {
  ok(db_, "set Interface p1 ofport=3 mac_in_use=\"fa:16:3e:00:00:01\" link_state=up");
  EXPECT_EQ(ok(db_, "get Interface p1 ofport mac_in_use link_state"),
            "3\n\"fa:16:3e:00:00:01\"\nup\n");
  EXPECT_EQ(ok(db_, "--bare --columns=name find Interface ofport=3"), "p1\n");
}

}  // namespace
}  // namespace nt
