// The database file: db_to_json / db_from_json (declared in ovsdb.h), values in the OVSDB
// protocol's JSON notation, driven by the column tables.
#include <nlohmann/json.hpp>

#include "ovsdb/ovsdb.h"

namespace nt {

namespace {

using Json = nlohmann::json;

Json atom_to_json(const Atom& atom) {
  if (auto* i = std::get_if<int64_t>(&atom)) return *i;
  if (auto* b = std::get_if<bool>(&atom)) return *b;
  if (auto* s = std::get_if<std::string>(&atom)) return *s;
  if (auto* u = std::get_if<Uuid>(&atom)) return Json::array({"uuid", u->to_string()});
  return nullptr;
}

Json datum_to_json(const Datum& datum, const ColumnType& type) {
  Json items = Json::array();
  for (const auto& [key, value] : datum) {
    if (type.is_map()) {
      items.push_back(Json::array({atom_to_json(key), atom_to_json(value)}));
    } else {
      items.push_back(atom_to_json(key));
    }
  }
  if (type.is_map()) return Json::array({"map", items});
  if (datum.size() == 1) return items[0];
  return Json::array({"set", items});
}

bool is_tagged(const Json& j, const char* tag) {
  return j.is_array() && j.size() == 2 && j[0].is_string() && j[0] == tag;
}

Result<Atom> atom_from_json(const Json& j, const BaseType& base) {
  Atom atom;
  if (base.type == AtomType::kInteger && j.is_number_integer()) {
    atom = j.get<int64_t>();
  } else if (base.type == AtomType::kBoolean && j.is_boolean()) {
    atom = j.get<bool>();
  } else if (base.type == AtomType::kString && j.is_string()) {
    atom = j.get<std::string>();
  } else if (base.type == AtomType::kUuid && is_tagged(j, "uuid") && j[1].is_string()) {
    auto u = Uuid::parse(j[1].get<std::string>());
    if (!u) return make_error("bad UUID " + j.dump());
    atom = *u;
  } else {
    ColumnType scalar;
    scalar.key = base;
    return make_error("expected " + type_to_english(scalar) + ", got " + j.dump());
  }
  NT_TRY(check_atom(base, atom));
  return atom;
}

Status add_json_element(const Json& j, const ColumnType& type, Datum& datum) {
  Atom value;
  const Json* key_json = &j;
  if (type.is_map()) {
    if (!j.is_array() || j.size() != 2) return make_error("map pair expected, got " + j.dump());
    key_json = &j[0];
    auto v = atom_from_json(j[1], type.value);
    if (!v.ok()) return v.error();
    value = std::move(v).value();
  }
  auto key = atom_from_json(*key_json, type.key);
  if (!key.ok()) return key.error();
  if (!datum.emplace(std::move(key).value(), std::move(value)).second) {
    return make_error("duplicate element " + j.dump());
  }
  return ok_status();
}

Result<Datum> datum_from_json(const Json& j, const ColumnType& type) {
  Datum datum;
  if (type.is_map() && !is_tagged(j, "map")) return make_error("[\"map\", ...] expected");
  if (type.is_map() || is_tagged(j, "set")) {
    if (!j[1].is_array()) return make_error("array expected in " + j.dump());
    for (const Json& e : j[1]) NT_TRY(add_json_element(e, type, datum));
  } else {
    NT_TRY(add_json_element(j, type, datum));
  }
  if (datum.size() < type.n_min || datum.size() > type.n_max) {
    return make_error("wrong number of elements in " + j.dump());
  }
  return datum;
}

Status load_row(Db& db, const TableSpec& table, const std::string& uuid_text, const Json& row) {
  auto uuid = Uuid::parse(uuid_text);
  if (!uuid) return make_error("table " + std::string(table.name) + ": bad row UUID " + uuid_text);
  if (!row.is_object()) return make_error("row " + uuid_text + " is not a JSON object");
  if (table.find(db, *uuid)) return make_error("duplicate row " + uuid_text);
  table.insert(db, *uuid);
  for (const auto& [name, value] : row.items()) {
    const ColumnSpec* column = find_column(table, name);
    if (!column) {
      return make_error("table " + std::string(table.name) + " has no column " + name);
    }
    auto datum = datum_from_json(value, column->type);
    if (!datum.ok()) {
      return make_error("row " + uuid_text + " column " + name + ": " + datum.error().message);
    }
    write_column(db, table.id, *uuid, *column, *datum);
  }
  return ok_status();
}

const TableSpec* table_by_name(std::string_view name) {
  for (const TableSpec& t : ovsdb_tables()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace

std::string datum_to_json_text(const Datum& datum, const ColumnType& type) {
  return datum_to_json(datum, type).dump();
}

std::string db_to_json(const Db& db) {
  Json out = Json::object();
  for (const TableSpec& t : ovsdb_tables()) {
    Json rows = Json::object();
    for (const Uuid& uuid : t.row_uuids(db)) {
      Json row = Json::object();
      for (const ColumnSpec& c : t.columns) {
        Datum d = read_column(db, t.id, uuid, c);
        if (!is_default(d, c.type)) row[std::string(c.name)] = datum_to_json(d, c.type);
      }
      rows[uuid.to_string()] = std::move(row);
    }
    out[std::string(t.name)] = std::move(rows);
  }
  return out.dump(2) + "\n";
}

Result<Db> db_from_json(std::string_view text) {
  Json in = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (in.is_discarded()) return make_error("database file is not valid JSON");
  if (!in.is_object()) return make_error("database file must hold a JSON object");
  Db db;
  db.open_vswitch.clear();
  for (const auto& [name, rows] : in.items()) {
    const TableSpec* table = table_by_name(name);
    if (!table) return make_error("unknown table " + name);
    if (!rows.is_object()) return make_error("table " + name + " is not a JSON object");
    for (const auto& [uuid, row] : rows.items()) NT_TRY(load_row(db, *table, uuid, row));
  }
  db.ovs();
  auto status = check_integrity(db);
  if (!status.ok()) return make_error("database file: " + status.error().message);
  return db;
}

}  // namespace nt
