#include "ovsdb/ovsdb.h"

#include <algorithm>

#include "common/addr.h"
#include "common/names.h"

namespace nt {

namespace {

// --- C++ member <-> Datum, by member type (never by column) ---------------------------------

template <typename T>
Datum to_datum(const T& v) {
  return Datum{{Atom{v}, Atom{}}};
}
template <typename T>
Datum to_datum(const std::optional<T>& v) {
  return v ? to_datum(*v) : Datum{};
}
template <typename T>
Datum to_datum(const std::set<T>& v) {
  Datum d;
  for (const T& x : v) d.emplace(Atom{x}, Atom{});
  return d;
}
Datum to_datum(const StringMap& m) {
  Datum d;
  for (const auto& [k, v] : m) d.emplace(Atom{k}, Atom{v});
  return d;
}

template <typename T>
void from_datum(const Datum& d, T& v) {
  v = d.empty() ? T{} : std::get<T>(d.begin()->first);
}
template <typename T>
void from_datum(const Datum& d, std::optional<T>& v) {
  if (d.empty()) {
    v.reset();
  } else {
    T x{};
    from_datum(d, x);
    v = std::move(x);
  }
}
template <typename T>
void from_datum(const Datum& d, std::set<T>& v) {
  v.clear();
  for (const auto& entry : d) v.insert(std::get<T>(entry.first));
}
void from_datum(const Datum& d, StringMap& m) {
  m.clear();
  for (const auto& [k, v] : d) m.emplace(std::get<std::string>(k), std::get<std::string>(v));
}

template <auto M>
struct MemberOf;
template <typename R, typename T, T R::*M>
struct MemberOf<M> {
  using Row = R;
};

template <auto M>
Datum get_member(const void* row) {
  using R = typename MemberOf<M>::Row;
  return to_datum(static_cast<const R*>(row)->*M);
}
template <auto M>
void set_member(void* row, const Datum& value) {
  using R = typename MemberOf<M>::Row;
  from_datum(value, static_cast<R*>(row)->*M);
}

// --- Column types ---------------------------------------------------------------------------

constexpr std::string_view kFailModes[] = {"secure", "standalone"};
constexpr std::string_view kProtocols[] = {"OpenFlow10", "OpenFlow11", "OpenFlow12",
                                           "OpenFlow13", "OpenFlow14", "OpenFlow15"};
constexpr std::string_view kVlanModes[] = {"access", "dot1q-tunnel", "native-tagged",
                                           "native-untagged", "trunk"};
constexpr std::string_view kUpDown[] = {"down", "up"};

constexpr BaseType base(AtomType type) {
  BaseType b;
  b.type = type;
  return b;
}
constexpr ColumnType column_type(BaseType key, unsigned n_min, unsigned n_max,
                                 BaseType value = BaseType{}) {
  ColumnType c;
  c.key = key;
  c.value = value;
  c.n_min = n_min;
  c.n_max = n_max;
  return c;
}
constexpr BaseType int_range(int64_t min, int64_t max) {
  BaseType b = base(AtomType::kInteger);
  b.min = min;
  b.max = max;
  return b;
}
constexpr BaseType string_enum(std::span<const std::string_view> values) {
  BaseType b = base(AtomType::kString);
  b.enums = values;
  return b;
}

constexpr BaseType kStr = base(AtomType::kString);
constexpr BaseType kInt = base(AtomType::kInteger);
constexpr ColumnType kString = column_type(kStr, 1, 1);
constexpr ColumnType kOptString = column_type(kStr, 0, 1);
constexpr ColumnType kInteger = column_type(kInt, 1, 1);
constexpr ColumnType kOptInteger = column_type(kInt, 0, 1);
constexpr ColumnType kBoolean = column_type(base(AtomType::kBoolean), 1, 1);
constexpr ColumnType kStringMap = column_type(kStr, 0, kUnlimited, kStr);
constexpr ColumnType kStringSet = column_type(kStr, 0, kUnlimited);

constexpr ColumnType ref_set(TableId table, unsigned n_min) {
  BaseType b = base(AtomType::kUuid);
  b.ref_table = table;
  return column_type(b, n_min, kUnlimited);
}
constexpr ColumnType opt_enum(std::span<const std::string_view> values) {
  return column_type(string_enum(values), 0, 1);
}
constexpr ColumnType opt_int_range(int64_t min, int64_t max) {
  return column_type(int_range(min, max), 0, 1);
}

constexpr bool kRO = false;  // not mutable
constexpr bool kRun = true;  // runtime column

#define NT_COL(Row, name, type) \
  ColumnSpec { #name, type, true, false, &get_member < &Row::name>, &set_member < &Row::name> }
#define NT_COL_X(Row, name, type, mut, run) \
  ColumnSpec { #name, type, mut, run, &get_member < &Row::name>, &set_member < &Row::name> }

const ColumnSpec kOpenVSwitchColumns[] = {
    NT_COL(OpenVSwitch, bridges, ref_set(TableId::kBridge, 0)),
    NT_COL_X(OpenVSwitch, cur_cfg, kInteger, true, kRun),
    NT_COL(OpenVSwitch, db_version, kOptString),
    NT_COL(OpenVSwitch, external_ids, kStringMap),
    NT_COL(OpenVSwitch, next_cfg, kInteger),
    NT_COL(OpenVSwitch, other_config, kStringMap),
    NT_COL(OpenVSwitch, ovs_version, kOptString),
    NT_COL(OpenVSwitch, system_type, kOptString),
    NT_COL(OpenVSwitch, system_version, kOptString),
};

const ColumnSpec kBridgeColumns[] = {
    NT_COL(Bridge, controller, kStringSet),
    NT_COL_X(Bridge, datapath_id, kOptString, true, kRun),
    NT_COL(Bridge, datapath_type, kString),
    NT_COL(Bridge, external_ids, kStringMap),
    NT_COL(Bridge, fail_mode, opt_enum(kFailModes)),
    NT_COL_X(Bridge, name, kString, kRO, false),
    NT_COL(Bridge, other_config, kStringMap),
    NT_COL(Bridge, ports, ref_set(TableId::kPort, 0)),
    NT_COL(Bridge, protocols, column_type(string_enum(kProtocols), 0, kUnlimited)),
    NT_COL(Bridge, stp_enable, kBoolean),
};

const ColumnSpec kPortColumns[] = {
    NT_COL(Port, external_ids, kStringMap),
    NT_COL(Port, interfaces, ref_set(TableId::kInterface, 1)),
    NT_COL_X(Port, name, kString, kRO, false),
    NT_COL(Port, other_config, kStringMap),
    NT_COL(Port, tag, opt_int_range(0, 4095)),
    NT_COL(Port, trunks, column_type(int_range(0, 4095), 0, 4096)),
    NT_COL(Port, vlan_mode, opt_enum(kVlanModes)),
};

const ColumnSpec kInterfaceColumns[] = {
    NT_COL_X(Interface, admin_state, opt_enum(kUpDown), true, kRun),
    NT_COL_X(Interface, error, kOptString, true, kRun),
    NT_COL(Interface, external_ids, kStringMap),
    NT_COL_X(Interface, link_state, opt_enum(kUpDown), true, kRun),
    NT_COL(Interface, mac, kOptString),
    NT_COL_X(Interface, mac_in_use, kOptString, true, kRun),
    NT_COL_X(Interface, mtu, kOptInteger, true, kRun),
    NT_COL(Interface, mtu_request, opt_int_range(1, std::numeric_limits<int64_t>::max())),
    NT_COL_X(Interface, name, kString, kRO, false),
    NT_COL_X(Interface, ofport, kOptInteger, true, kRun),
    NT_COL(Interface, ofport_request, opt_int_range(1, 65279)),
    NT_COL(Interface, options, kStringMap),
    NT_COL(Interface, other_config, kStringMap),
    NT_COL(Interface, type, kString),
};

#undef NT_COL
#undef NT_COL_X

// --- Row storage, generically -----------------------------------------------------------------

template <typename R>
std::map<Uuid, R>& rows_of(Db& db);
template <>
std::map<Uuid, OpenVSwitch>& rows_of(Db& db) {
  return db.open_vswitch;
}
template <>
std::map<Uuid, Bridge>& rows_of(Db& db) {
  return db.bridges;
}
template <>
std::map<Uuid, Port>& rows_of(Db& db) {
  return db.ports;
}
template <>
std::map<Uuid, Interface>& rows_of(Db& db) {
  return db.interfaces;
}

template <typename R>
std::vector<Uuid> row_uuids(const Db& db) {
  std::vector<Uuid> out;
  for (const auto& entry : rows_of<R>(const_cast<Db&>(db))) out.push_back(entry.first);
  return out;
}
template <typename R>
void* find_row_of(Db& db, const Uuid& uuid) {
  auto& rows = rows_of<R>(db);
  auto it = rows.find(uuid);
  return it == rows.end() ? nullptr : &it->second;
}
template <typename R>
void* insert_row(Db& db, const Uuid& uuid) {
  return &rows_of<R>(db).try_emplace(uuid).first->second;
}
template <typename R>
bool erase_row(Db& db, const Uuid& uuid) {
  return rows_of<R>(db).erase(uuid) > 0;
}

template <typename R>
constexpr TableSpec make_table(std::string_view name, TableId id, bool root, unsigned max_rows,
                               std::string_view name_column, std::span<const ColumnSpec> columns) {
  return TableSpec{name,           id,           root,          max_rows,
                   name_column,    columns,      &row_uuids<R>, &find_row_of<R>,
                   &insert_row<R>, &erase_row<R>};
}

// Indexed by TableId.
const TableSpec kTables[] = {
    make_table<OpenVSwitch>("Open_vSwitch", TableId::kOpenVSwitch, true, 1, "",
                            kOpenVSwitchColumns),
    make_table<Bridge>("Bridge", TableId::kBridge, false, 0, "name", kBridgeColumns),
    make_table<Port>("Port", TableId::kPort, false, 0, "name", kPortColumns),
    make_table<Interface>("Interface", TableId::kInterface, false, 0, "name", kInterfaceColumns),
};

template <typename R>
R* find_by_name(std::map<Uuid, R>& rows, std::string_view name, Uuid* uuid) {
  for (auto& [id, row] : rows) {
    if (row.name == name) {
      if (uuid) *uuid = id;
      return &row;
    }
  }
  return nullptr;
}

using RowKey = std::pair<TableId, Uuid>;

// Every (table, uuid) that some reference column of some row names.
std::set<RowKey> referenced_rows(const Db& db) {
  std::set<RowKey> refs;
  for (const TableSpec& t : ovsdb_tables()) {
    for (const Uuid& row : t.row_uuids(db)) {
      for (const ColumnSpec& c : t.columns) {
        if (!c.type.key.ref_table) continue;
        for (const auto& entry : read_column(db, t.id, row, c)) {
          refs.emplace(*c.type.key.ref_table, std::get<Uuid>(entry.first));
        }
      }
    }
  }
  return refs;
}

std::string integrity_error(const std::string& details, const std::string& tag) {
  return "{\"details\":" + json_quote(details) + ",\"error\":" + json_quote(tag) + "}";
}

Status check_references(const Db& db) {
  for (const TableSpec& t : ovsdb_tables()) {
    for (const Uuid& row : t.row_uuids(db)) {
      for (const ColumnSpec& c : t.columns) {
        if (!c.type.key.ref_table) continue;
        const TableSpec& target = table_spec(*c.type.key.ref_table);
        for (const auto& entry : read_column(db, t.id, row, c)) {
          const Uuid& ref = std::get<Uuid>(entry.first);
          if (find_row(db, target.id, ref)) continue;
          return make_error(integrity_error("Table " + std::string(t.name) + " column " +
                                                std::string(c.name) + " row " + row.to_string() +
                                                " references nonexistent row " + ref.to_string() +
                                                " in table " + std::string(target.name) + ".",
                                            "referential integrity violation"));
        }
      }
    }
  }
  return ok_status();
}

Status check_unique_names(const Db& db) {
  for (const TableSpec& t : ovsdb_tables()) {
    const ColumnSpec* name_col = find_column(t, t.name_column);
    if (!name_col) continue;
    std::set<Datum> seen;
    for (const Uuid& row : t.row_uuids(db)) {
      Datum name = read_column(db, t.id, row, *name_col);
      if (seen.insert(name).second) continue;
      return make_error(integrity_error("Transaction causes multiple rows in \"" +
                                            std::string(t.name) +
                                            "\" table to have identical values (" +
                                            json_quote(std::get<std::string>(name.begin()->first)) +
                                            ") for index on column \"name\".",
                                        "constraint violation"));
    }
  }
  return ok_status();
}

}  // namespace

// --- Db ---------------------------------------------------------------------------------------

Db::Db() { open_vswitch.emplace(random_uuid(), OpenVSwitch{}); }

OpenVSwitch& Db::ovs() {
  if (open_vswitch.empty()) open_vswitch.emplace(new_uuid(), OpenVSwitch{});
  return open_vswitch.begin()->second;
}

const OpenVSwitch* Db::ovs() const {
  return open_vswitch.empty() ? nullptr : &open_vswitch.begin()->second;
}

Uuid Db::ovs_uuid() const { return open_vswitch.empty() ? Uuid{} : open_vswitch.begin()->first; }

Uuid Db::new_uuid() const {
  for (;;) {
    Uuid u = uuid_source ? uuid_source() : random_uuid();
    bool used = open_vswitch.count(u) || bridges.count(u) || ports.count(u) || interfaces.count(u);
    if (!used && !u.is_nil()) return u;
  }
}

Bridge* Db::find_bridge(std::string_view name, Uuid* uuid) {
  return find_by_name(bridges, name, uuid);
}
Port* Db::find_port(std::string_view name, Uuid* uuid) { return find_by_name(ports, name, uuid); }
Interface* Db::find_interface(std::string_view name, Uuid* uuid) {
  return find_by_name(interfaces, name, uuid);
}
const Bridge* Db::find_bridge(std::string_view name, Uuid* uuid) const {
  return const_cast<Db*>(this)->find_bridge(name, uuid);
}
const Port* Db::find_port(std::string_view name, Uuid* uuid) const {
  return const_cast<Db*>(this)->find_port(name, uuid);
}
const Interface* Db::find_interface(std::string_view name, Uuid* uuid) const {
  return const_cast<Db*>(this)->find_interface(name, uuid);
}

std::optional<Uuid> Db::bridge_of_port(const Uuid& port) const {
  for (const auto& [id, br] : bridges) {
    if (br.ports.count(port)) return id;
  }
  return std::nullopt;
}

std::optional<Uuid> Db::port_of_interface(const Uuid& iface) const {
  for (const auto& [id, port] : ports) {
    if (port.interfaces.count(iface)) return id;
  }
  return std::nullopt;
}

Status Db::change_uuid(TableId table, const Uuid& from, const Uuid& to) {
  const TableSpec& spec = table_spec(table);
  if (!spec.find(*this, from))
    return make_error("no row " + from.to_string(), ErrorCode::kNotFound);
  if (from == to) return ok_status();
  if (spec.find(*this, to)) return make_error("row " + to.to_string() + " already exists");
  void* dst = spec.insert(*this, to);
  const void* src = spec.find(*this, from);
  for (const ColumnSpec& c : spec.columns) c.set(dst, c.get(src));
  spec.erase(*this, from);
  for (const TableSpec& t : ovsdb_tables()) {
    for (const Uuid& row : t.row_uuids(*this)) {
      for (const ColumnSpec& c : t.columns) {
        if (c.type.key.ref_table != table) continue;
        Datum d = read_column(*this, t.id, row, c);
        if (d.erase(Atom{from})) {
          d.emplace(Atom{to}, Atom{});
          write_column(*this, t.id, row, c, d);
        }
      }
    }
  }
  return ok_status();
}

bool same_content(const Db& a, const Db& b) {
  return a.open_vswitch == b.open_vswitch && a.bridges == b.bridges && a.ports == b.ports &&
         a.interfaces == b.interfaces;
}

// --- Column tables ------------------------------------------------------------------------------

std::span<const TableSpec> ovsdb_tables() { return kTables; }

const TableSpec& table_spec(TableId id) { return kTables[static_cast<size_t>(id)]; }

const ColumnSpec* find_column(const TableSpec& table, std::string_view name) {
  for (const ColumnSpec& c : table.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const void* find_row(const Db& db, TableId table, const Uuid& uuid) {
  return table_spec(table).find(const_cast<Db&>(db), uuid);
}

Datum read_column(const Db& db, TableId table, const Uuid& row, const ColumnSpec& column) {
  const void* r = find_row(db, table, row);
  return r ? column.get(r) : Datum{};
}

void write_column(Db& db, TableId table, const Uuid& row, const ColumnSpec& column,
                  const Datum& value) {
  if (void* r = table_spec(table).find(db, row)) column.set(r, value);
}

// --- Whole database -----------------------------------------------------------------------------

void collect_garbage(Db& db) {
  for (bool changed = true; changed;) {
    changed = false;
    std::set<RowKey> refs = referenced_rows(db);
    for (const TableSpec& t : ovsdb_tables()) {
      if (t.is_root) continue;
      for (const Uuid& row : t.row_uuids(db)) {
        if (refs.count({t.id, row})) continue;
        t.erase(db, row);
        changed = true;
      }
    }
  }
}

Status check_names(const Db& db) {
  for (const auto& [u, b] : db.bridges) NT_TRY(validate_name("bridge", b.name));
  for (const auto& [u, p] : db.ports) NT_TRY(validate_name("port", p.name));
  for (const auto& [u, i] : db.interfaces) {
    NT_TRY(validate_name("interface", i.name));
    // Interface:mac is an Ethernet address; anything else is refused, not silently ignored.
    if (i.mac && !MacAddr::parse(*i.mac)) {
      return make_error("interface " + i.name + ": mac \"" + escape_for_log(*i.mac) +
                        "\" is not an Ethernet address (xx:xx:xx:xx:xx:xx)");
    }
  }
  return ok_status();
}

Status check_integrity(const Db& db) {
  NT_TRY(check_names(db));
  if (db.open_vswitch.size() > 1) {
    return make_error(
        integrity_error("Transaction causes \"Open_vSwitch\" table to contain " +
                            std::to_string(db.open_vswitch.size()) +
                            " rows, greater than the schema-defined limit of 1 row(s).",
                        "constraint violation"));
  }
  NT_TRY(check_references(db));
  return check_unique_names(db);
}

void clear_runtime_columns(Db& db) {
  for (const TableSpec& t : ovsdb_tables()) {
    for (const Uuid& row : t.row_uuids(db)) {
      for (const ColumnSpec& c : t.columns) {
        if (c.runtime) write_column(db, t.id, row, c, default_datum(c.type));
      }
    }
  }
}

}  // namespace nt
