// OVSDB values: UUIDs, atoms, datums, their types, and their text syntax.
//
// Every column of the configuration database holds a *datum*: a sorted set of atoms, or a sorted
// map from atoms to atoms, whose size lies between the column type's n_min and n_max. A scalar
// column is a set of exactly one atom, an optional one a set of zero or one. Keeping every value
// in this one shape is what lets the nvs-vsctl engine get, set, add, remove, clear and compare
// any column with no per-column code: the column's ColumnType says how to parse and check it.
//
// Two text forms exist, both Open vSwitch's (lib/ovsdb-data.c): the command-line syntax that
// ovs-vsctl reads and prints (`[1, 2]`, `{a=b, c="1.2.3.4"}`, strings quoted only when they do
// not look like identifiers), and the JSON form of the OVSDB protocol (["set", ...],
// ["map", ...], ["uuid", ...]) that the database file uses. Datums are ordered as OVSDB orders
// them (by atom; UUIDs in their textual order), so a bridge's ports print in the order
// Open vSwitch prints them.
#pragma once

#include <array>
#include <climits>
#include <compare>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"

namespace nt {

// An RFC 4122 UUID, printed like 1a002d63-3057-49fe-be40-44562e01a6e8. Byte order comparison
// equals the comparison of the printed forms.
struct Uuid {
  std::array<uint8_t, 16> bytes{};

  auto operator<=>(const Uuid&) const = default;
  bool is_nil() const { return *this == Uuid{}; }
  std::string to_string() const;
  // Accepts exactly the 36-character form (either case).
  static std::optional<Uuid> parse(std::string_view s);
};

Uuid random_uuid();  // version 4, from the system's random source
// Deterministic version-4-shaped UUIDs (tests, reproducible scenarios).
std::function<Uuid()> seeded_uuid_source(uint64_t seed);

enum class AtomType { kVoid, kInteger, kBoolean, kString, kUuid };
enum class TableId { kOpenVSwitch, kBridge, kPort, kInterface };

using Atom = std::variant<std::monostate, int64_t, bool, std::string, Uuid>;
// key -> value; a set maps each key to std::monostate.
using Datum = std::map<Atom, Atom>;

constexpr unsigned kUnlimited = UINT_MAX;

struct BaseType {
  AtomType type = AtomType::kVoid;
  int64_t min = std::numeric_limits<int64_t>::min();  // integers only
  int64_t max = std::numeric_limits<int64_t>::max();
  std::span<const std::string_view> enums;  // allowed strings, sorted; empty: any string
  std::optional<TableId> ref_table;         // uuids only: the table the uuid refers to
};

struct ColumnType {
  BaseType key;
  BaseType value;  // kVoid unless a map
  unsigned n_min = 1;
  unsigned n_max = 1;

  bool is_map() const { return value.type != AtomType::kVoid; }
};

// --- Text syntax (ovs-vsctl) -----------------------------------------------------------------

// True unless `s` starts with a letter or '_' and holds only letters, '_', '-' and '.', and is
// not "true" or "false" (digits force quotes: Port "qvo081fc401-04", Port patch-tun).
bool string_needs_quotes(std::string_view s);
std::string json_quote(std::string_view s);  // a JSON string literal
std::string atom_to_string(const Atom& atom);
// `[a, b]` / `{k=v}`; a datum of a column with n_max 1 prints bare unless empty (`[]`).
std::string datum_to_string(const Datum& datum, const ColumnType& type);
std::string datum_to_bare(const Datum& datum, const ColumnType& type);  // --data=bare

// Names given to rows created in this transaction (`--id=@name`) and referenced as "@name".
struct SymbolTable {
  struct Symbol {
    Uuid uuid;
    bool created = false;
    bool referenced = false;
  };
  std::map<std::string, Symbol, std::less<>> symbols;
  std::function<Uuid()> make_uuid;
};

// One token of the syntax: up to the next unquoted delimiter among ":=, []{}!<>"; a quoted part
// keeps its quotes, a backslash escapes the next character. Advances `s`.
Result<std::string> parse_token(std::string_view& s);
// `text` is the whole atom (not tokenized): a quoted string is JSON-unescaped.
Result<Atom> parse_atom(const BaseType& type, std::string_view text, SymbolTable* symtab);
// Atoms separated by spaces or commas, optionally in [] (sets) or {} (maps, k=v pairs).
Result<Datum> parse_datum(const ColumnType& type, std::string_view text, SymbolTable* symtab);
Status check_atom(const BaseType& type, const Atom& atom);  // enum and range constraints

Atom default_atom(AtomType type);
Datum default_datum(const ColumnType& type);
bool is_default(const Datum& datum, const ColumnType& type);
// OVSDB's total order on datums: by size, then keys, then values.
int compare_datums(const Datum& a, const Datum& b);
std::string type_to_english(const ColumnType& type);

}  // namespace nt
