// The configuration database: the part of Open vSwitch's OVSDB schema (ovs-vswitchd.conf.db(5))
// that a Neutrino node needs — tables Open_vSwitch, Bridge, Port and Interface.
//
// The model is plain data. Each table is a map from row UUID to a typed row struct, so the
// daemon reconciles with ordinary code (`for (auto& [id, port] : db.ports)`), and references
// between tables are UUID sets exactly as in OVSDB (Open_vSwitch.bridges, Bridge.ports,
// Port.interfaces). Alongside the structs sits one *column table* per table (TableSpec /
// ColumnSpec): name, type (ColumnType: atom types, n_min..n_max, enum and range constraints,
// referenced table), whether ovs-vsctl may change it, and whether it is a runtime column that the
// daemon fills (ofport, mac_in_use, link_state, ...). The column table reads and writes any
// column of any row as a Datum, which is all the nvs-vsctl engine and the JSON codec use: a new
// column is one struct member plus one table line.
//
// Invariants the engine keeps after every committed transaction (check_integrity): every UUID in
// a reference column names an existing row of the referenced table; Bridge, Port and Interface
// names are unique within their table; there is exactly one Open_vSwitch row; rows of the
// non-root tables (Bridge, Port, Interface) that nothing references are garbage-collected, as
// OVSDB does.
//
// The database file is JSON: {"Open_vSwitch": {UUID: {column: value, ...}}, "Bridge": ...},
// every value in the OVSDB protocol's JSON notation (["set", ...], ["map", ...],
// ["uuid", ...]). Everything here is pure: no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "ovsdb/ovsdb_data.h"

namespace nt {

using StringMap = std::map<std::string, std::string>;

// What neutrino-vswitchd writes to Open_vSwitch.ovs_version (`nvs-vsctl show` ends with it).
inline constexpr const char* kNvsVersion = "0.1.0";

struct OpenVSwitch {
  std::set<Uuid> bridges;
  int64_t cur_cfg = 0;  // runtime: the daemon's applied configuration sequence
  std::optional<std::string> db_version;
  StringMap external_ids;
  int64_t next_cfg = 0;  // bumped by every nvs-vsctl transaction that changes something
  StringMap other_config;
  std::optional<std::string> ovs_version;  // the daemon sets its own version string
  std::optional<std::string> system_type;
  std::optional<std::string> system_version;

  bool operator==(const OpenVSwitch&) const = default;
};

struct Bridge {
  std::set<std::string> controller;  // targets ("tcp:127.0.0.1:6633"); OVS keeps Controller rows
  std::optional<std::string> datapath_id;  // runtime
  std::string datapath_type;               // "" (default), "netdev", "system"
  StringMap external_ids;
  std::optional<std::string> fail_mode;  // standalone | secure
  std::string name;
  StringMap other_config;
  std::set<Uuid> ports;
  std::set<std::string> protocols;  // OpenFlow10 ... OpenFlow15
  bool stp_enable = false;

  bool operator==(const Bridge&) const = default;
};

struct Port {
  StringMap external_ids;
  std::set<Uuid> interfaces;  // at least one
  std::string name;
  StringMap other_config;
  std::optional<int64_t> tag;            // 0..4095
  std::set<int64_t> trunks;              // 0..4095
  std::optional<std::string> vlan_mode;  // trunk | access | native-tagged | native-untagged | ...

  bool operator==(const Port&) const = default;
};

struct Interface {
  std::optional<std::string> admin_state;  // runtime: up | down
  std::optional<std::string> error;        // runtime
  StringMap external_ids;
  std::optional<std::string> link_state;  // runtime: up | down
  std::optional<std::string> mac;         // requested MAC (internal ports)
  std::optional<std::string> mac_in_use;  // runtime
  std::optional<int64_t> mtu;             // runtime
  std::optional<int64_t> mtu_request;
  std::string name;
  std::optional<int64_t> ofport;          // runtime: OpenFlow port number, -1 on failure
  std::optional<int64_t> ofport_request;  // 1..65279
  StringMap options;                      // peer, remote_ip, local_ip, key, ...
  StringMap other_config;
  std::string type;  // "" (system), internal, tap, patch, vxlan, gre, dummy

  bool operator==(const Interface&) const = default;
};

struct Db {
  Db();  // one Open_vSwitch row with a fresh random UUID

  std::map<Uuid, OpenVSwitch> open_vswitch;  // exactly one row
  std::map<Uuid, Bridge> bridges;
  std::map<Uuid, Port> ports;
  std::map<Uuid, Interface> interfaces;
  // Where new row UUIDs come from; empty: random version 4. Not part of the content.
  std::function<Uuid()> uuid_source;

  OpenVSwitch& ovs();  // the Open_vSwitch row, created if the table is empty
  const OpenVSwitch* ovs() const;
  Uuid ovs_uuid() const;
  Uuid new_uuid() const;  // fresh, unused in every table

  Bridge* find_bridge(std::string_view name, Uuid* uuid = nullptr);
  Port* find_port(std::string_view name, Uuid* uuid = nullptr);
  Interface* find_interface(std::string_view name, Uuid* uuid = nullptr);
  const Bridge* find_bridge(std::string_view name, Uuid* uuid = nullptr) const;
  const Port* find_port(std::string_view name, Uuid* uuid = nullptr) const;
  const Interface* find_interface(std::string_view name, Uuid* uuid = nullptr) const;
  // The bridge whose `ports` holds `port`, the port whose `interfaces` holds `iface`.
  std::optional<Uuid> bridge_of_port(const Uuid& port) const;
  std::optional<Uuid> port_of_interface(const Uuid& iface) const;

  // Test and migration hook: renames a row's UUID, rewriting every reference to it.
  Status change_uuid(TableId table, const Uuid& from, const Uuid& to);
};

// Same rows with the same contents (uuid_source is not compared).
bool same_content(const Db& a, const Db& b);

// --- The column tables ---------------------------------------------------------------------

struct ColumnSpec {
  std::string_view name;
  ColumnType type;
  bool is_mutable = true;  // false: fixed at insertion ("cannot modify read-only column")
  bool runtime = false;    // filled by the daemon, not by the user
  Datum (*get)(const void* row) = nullptr;
  void (*set)(void* row, const Datum& value) = nullptr;  // value already checked against type
};

struct TableSpec {
  std::string_view name;
  TableId id;
  bool is_root;                         // rows survive without references (only Open_vSwitch)
  unsigned max_rows;                    // 0: unlimited
  std::string_view name_column;         // how records are named on the command line; "" for none
  std::span<const ColumnSpec> columns;  // sorted by name, as ovs-vsctl lists them
  std::vector<Uuid> (*row_uuids)(const Db& db);  // sorted
  void* (*find)(Db& db, const Uuid& uuid);
  void* (*insert)(Db& db, const Uuid& uuid);  // a row with every column at its default
  bool (*erase)(Db& db, const Uuid& uuid);
};

std::span<const TableSpec> ovsdb_tables();
const TableSpec& table_spec(TableId id);
const ColumnSpec* find_column(const TableSpec& table, std::string_view name);  // exact name
const void* find_row(const Db& db, TableId table, const Uuid& uuid);
Datum read_column(const Db& db, TableId table, const Uuid& row, const ColumnSpec& column);
void write_column(Db& db, TableId table, const Uuid& row, const ColumnSpec& column,
                  const Datum& value);

// --- Whole-database operations ----------------------------------------------------------------

// Deletes Bridge, Port and Interface rows that no row references (OVSDB garbage collection).
void collect_garbage(Db& db);
// Bridge, Port and Interface names pass validate_name (common/names.h); part of check_integrity.
Status check_names(const Db& db);
// References resolve, names are unique, one Open_vSwitch row. The error says which rule broke.
Status check_integrity(const Db& db);
// Clears every runtime column (on daemon start, before it fills them again).
void clear_runtime_columns(Db& db);

std::string db_to_json(const Db& db);  // pretty-printed, stable order
// One value in the OVSDB protocol's JSON notation (nvs-vsctl --data=json).
std::string datum_to_json_text(const Datum& datum, const ColumnType& type);
Result<Db> db_from_json(std::string_view text);

}  // namespace nt
