#include "ovsdb/ovsdb.h"

#include <gtest/gtest.h>

namespace nt {
namespace {

Uuid U(const char* s) { return *Uuid::parse(s); }

// A small but complete database: one bridge with its local port and a vxlan port.
Db make_db() {
  Db db;
  db.uuid_source = seeded_uuid_source(7);
  Uuid br = db.new_uuid(), lp = db.new_uuid(), li = db.new_uuid();
  Uuid vp = db.new_uuid(), vi = db.new_uuid();
  Interface& local_if = db.interfaces[li];
  local_if.name = "br-tun";
  local_if.type = "internal";
  Interface& vx_if = db.interfaces[vi];
  vx_if.name = "vxlan-c0a86465";
  vx_if.ofport = 2;
  vx_if.options = {{"in_key", "flow"}, {"remote_ip", "192.168.100.101"}};
  vx_if.type = "vxlan";
  Port& local = db.ports[lp];
  local.interfaces = {li};
  local.name = "br-tun";
  Port& vx = db.ports[vp];
  vx.external_ids = {{"k", "v w"}};
  vx.interfaces = {vi};
  vx.name = "vxlan-c0a86465";
  vx.tag = 5;
  vx.trunks = {1, 2, 3};
  vx.vlan_mode = "trunk";
  Bridge& bridge = db.bridges[br];
  bridge.controller = {"tcp:127.0.0.1:6633"};
  bridge.fail_mode = "secure";
  bridge.name = "br-tun";
  bridge.ports = {lp, vp};
  bridge.protocols = {"OpenFlow10", "OpenFlow13"};
  bridge.stp_enable = true;
  db.ovs().bridges = {br};
  db.ovs().ovs_version = "2.0.1";
  db.ovs().next_cfg = 4;
  return db;
}

TEST(Uuid, ParsePrintRoundTrip) {
  const char* text = "1a002d63-3057-49fe-be40-44562e01a6e8";
  auto u = Uuid::parse(text);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->to_string(), text);
  EXPECT_EQ(Uuid::parse("1A002D63-3057-49FE-BE40-44562E01A6E8")->to_string(), text);
  EXPECT_FALSE(Uuid::parse("1a002d63-3057-49fe-be40-44562e01a6e"));
  EXPECT_FALSE(Uuid::parse("1a002d63x3057-49fe-be40-44562e01a6e8"));
  EXPECT_FALSE(Uuid::parse("1a002d63-3057-49fe-be40-44562e01a6eg"));
}

TEST(Uuid, RandomIsVersion4AndOrderMatchesText) {
  Uuid a = random_uuid(), b = random_uuid();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.to_string()[14], '4');
  EXPECT_TRUE(std::string("89ab").find(a.to_string()[19]) != std::string::npos);
  EXPECT_EQ(a < b, a.to_string() < b.to_string());
  auto s1 = seeded_uuid_source(1), s2 = seeded_uuid_source(1);
  EXPECT_EQ(s1(), s2());
}

TEST(OvsdbData, QuotingRule) {
  EXPECT_FALSE(string_needs_quotes("patch-tun"));
  EXPECT_FALSE(string_needs_quotes("_a.b-c"));
  EXPECT_TRUE(string_needs_quotes("qvo081fc401-04"));  // digits force quotes
  EXPECT_TRUE(string_needs_quotes("192.168.100.100"));
  EXPECT_TRUE(string_needs_quotes("true"));
  EXPECT_TRUE(string_needs_quotes("false"));
  EXPECT_TRUE(string_needs_quotes(""));
  EXPECT_TRUE(string_needs_quotes("a b"));
  EXPECT_EQ(atom_to_string(Atom{std::string("a\"b\\c\nd")}), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_EQ(atom_to_string(Atom{int64_t{-5}}), "-5");
  EXPECT_EQ(atom_to_string(Atom{true}), "true");
}

TEST(OvsdbData, ParseAtomsTokensAndDatums) {
  BaseType str;
  str.type = AtomType::kString;
  auto a = parse_atom(str, "\"a\\nb\\u0041\"", nullptr);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(std::get<std::string>(*a), "a\nbA");
  EXPECT_EQ(parse_atom(str, "", nullptr).error().message,
            "An empty string is not valid as input; use \"\" to represent the empty string");
  EXPECT_EQ(parse_atom(str, "\"abc", nullptr).error().message,
            "\"abc: missing quote at end of quoted string");
  std::string_view p = "a\\:b:c";
  auto tok = parse_token(p);
  ASSERT_TRUE(tok.ok());
  EXPECT_EQ(*tok, "a:b");
  EXPECT_EQ(p, ":c");
  ColumnType map;
  map.key = str;
  map.value = str;
  map.n_min = 0;
  map.n_max = kUnlimited;
  auto d = parse_datum(map, " { b = \"x y\" , a=1 } ", nullptr);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(datum_to_string(*d, map), "{a=\"1\", b=\"x y\"}");
  EXPECT_EQ(datum_to_bare(*d, map), "a=1 b=x y");
  EXPECT_EQ(parse_datum(map, "", nullptr).error().message, "use \"{}\" to specify the empty map");
  EXPECT_EQ(parse_datum(map, "{a=1} x", nullptr).error().message,
            "{a=1} x: trailing garbage after \"}\"");
  EXPECT_EQ(type_to_english(map), "map of (string, string) pairs");
  BaseType uuid;
  uuid.type = AtomType::kUuid;
  SymbolTable symtab;
  symtab.make_uuid = seeded_uuid_source(3);
  auto u1 = parse_atom(uuid, "@x", &symtab);
  auto u2 = parse_atom(uuid, "@x", &symtab);
  ASSERT_TRUE(u1.ok() && u2.ok());
  EXPECT_EQ(*u1, *u2);
  EXPECT_TRUE(symtab.symbols.at("@x").referenced);
  EXPECT_EQ(parse_atom(uuid, "@x", nullptr).error().message, "\"@x\" is not a valid UUID");
}

TEST(ColumnTables, SortedByNameAndConsistent) {
  for (const TableSpec& t : ovsdb_tables()) {
    EXPECT_EQ(&table_spec(t.id), &t);
    for (size_t i = 1; i < t.columns.size(); ++i) {
      EXPECT_LT(t.columns[i - 1].name, t.columns[i].name) << t.name;
    }
  }
  const ColumnSpec* name = find_column(table_spec(TableId::kBridge), "name");
  ASSERT_NE(name, nullptr);
  EXPECT_FALSE(name->is_mutable);
  EXPECT_TRUE(find_column(table_spec(TableId::kInterface), "ofport")->runtime);
  EXPECT_EQ(find_column(table_spec(TableId::kPort), "tag")->type.key.max, 4095);
}

TEST(ColumnTables, ReadWriteAnyColumnAsDatum) {
  Db db = make_db();
  Uuid id;
  ASSERT_NE(db.find_port("vxlan-c0a86465", &id), nullptr);
  const TableSpec& port = table_spec(TableId::kPort);
  const ColumnSpec& tag = *find_column(port, "tag");
  EXPECT_EQ(datum_to_string(read_column(db, TableId::kPort, id, tag), tag.type), "5");
  write_column(db, TableId::kPort, id, tag, Datum{});
  EXPECT_FALSE(db.ports[id].tag.has_value());
  const ColumnSpec& trunks = *find_column(port, "trunks");
  EXPECT_EQ(datum_to_string(read_column(db, TableId::kPort, id, trunks), trunks.type), "[1, 2, 3]");
  const ColumnSpec& ext = *find_column(port, "external_ids");
  EXPECT_EQ(datum_to_string(read_column(db, TableId::kPort, id, ext), ext.type), "{k=\"v w\"}");
}

TEST(Db, JsonRoundTripOfPopulatedDb) {
  Db db = make_db();
  std::string text = db_to_json(db);
  auto back = db_from_json(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(same_content(db, *back));
  EXPECT_EQ(back->ovs_uuid(), db.ovs_uuid());
  EXPECT_EQ(db_to_json(*back), text);
  EXPECT_NE(text.find("\"ovs_version\": \"2.0.1\""), std::string::npos);
  EXPECT_NE(text.find("\"map\""), std::string::npos);
  EXPECT_NE(text.find("\"uuid\""), std::string::npos);
}

TEST(Db, JsonRejectsBadFiles) {
  EXPECT_FALSE(db_from_json("{").ok());
  EXPECT_FALSE(db_from_json("[]").ok());
  EXPECT_EQ(db_from_json(R"({"Mirror": {}})").error().message, "unknown table Mirror");
  auto bad_col =
      db_from_json(R"({"Bridge": {"1a002d63-3057-49fe-be40-44562e01a6e8": {"colour": "red"}}})");
  EXPECT_EQ(bad_col.error().message, "table Bridge has no column colour");
  auto bad_tag =
      db_from_json(R"({"Port": {"1a002d63-3057-49fe-be40-44562e01a6e8": {"tag": 5000}}})");
  ASSERT_FALSE(bad_tag.ok());
  EXPECT_NE(bad_tag.error().message.find("5000 is not in the valid range 0 to 4095"),
            std::string::npos);
  // A dangling reference is refused.
  auto dangling = db_from_json(
      R"({"Open_vSwitch": {"1a002d63-3057-49fe-be40-44562e01a6e8":
           {"bridges": ["uuid", "8108a40e-292b-4ed0-80c1-23fc08aacd3d"]}}})");
  ASSERT_FALSE(dangling.ok());
  EXPECT_NE(dangling.error().message.find("referential integrity violation"), std::string::npos);
}

TEST(Db, EmptyFileGetsOneOpenVSwitchRow) {
  auto db = db_from_json("{}");
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db->open_vswitch.size(), 1u);
  EXPECT_FALSE(db->ovs_uuid().is_nil());
}

TEST(Db, GarbageCollectionAndIntegrity) {
  Db db = make_db();
  Uuid br;
  db.find_bridge("br-tun", &br);
  ASSERT_TRUE(check_integrity(db).ok());
  db.ovs().bridges.clear();
  collect_garbage(db);
  EXPECT_TRUE(db.bridges.empty());
  EXPECT_TRUE(db.ports.empty());
  EXPECT_TRUE(db.interfaces.empty());

  Db dup = make_db();
  Uuid extra = dup.new_uuid();
  dup.interfaces[extra].name = "br-tun";
  dup.ports.begin()->second.interfaces.insert(extra);
  auto st = check_integrity(dup);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("identical values (\\\"br-tun\\\")"), std::string::npos);
}

TEST(Db, ChangeUuidRewritesReferences) {
  Db db = make_db();
  Uuid old_port;
  db.find_port("br-tun", &old_port);
  Uuid new_port = U("00000000-0000-4000-8000-000000000001");
  ASSERT_TRUE(db.change_uuid(TableId::kPort, old_port, new_port).ok());
  EXPECT_TRUE(db.ports.count(new_port));
  EXPECT_FALSE(db.ports.count(old_port));
  EXPECT_TRUE(db.bridges.begin()->second.ports.count(new_port));
  EXPECT_EQ(db.ports[new_port].name, "br-tun");
  EXPECT_TRUE(check_integrity(db).ok());

  Uuid ovs = U("1a002d63-3057-49fe-be40-44562e01a6e8");
  ASSERT_TRUE(db.change_uuid(TableId::kOpenVSwitch, db.ovs_uuid(), ovs).ok());
  EXPECT_EQ(db.ovs_uuid(), ovs);
  EXPECT_FALSE(db.change_uuid(TableId::kPort, old_port, new_port).ok());
}

TEST(Db, ClearRuntimeColumns) {
  Db db = make_db();
  clear_runtime_columns(db);
  const Interface* vx = db.find_interface("vxlan-c0a86465");
  EXPECT_FALSE(vx->ofport.has_value());
  EXPECT_EQ(vx->type, "vxlan");
}

TEST(Db, BridgeOfPortAndPortOfInterface) {
  Db db = make_db();
  Uuid br, port, iface;
  db.find_bridge("br-tun", &br);
  db.find_port("vxlan-c0a86465", &port);
  db.find_interface("vxlan-c0a86465", &iface);
  EXPECT_EQ(db.bridge_of_port(port), br);
  EXPECT_EQ(db.port_of_interface(iface), port);
  EXPECT_FALSE(db.bridge_of_port(iface));
}

}  // namespace
}  // namespace nt
