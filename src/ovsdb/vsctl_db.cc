// The database commands of ovs-vsctl (get, list, find, set, add, remove, clear, create,
// destroy, wait-until) on any table, driven entirely by the column tables, and the record and
// column lookups they share with the bridge commands.
#include <algorithm>
#include <cctype>

#include "ovsdb/vsctl_internal.h"

namespace nt {

namespace {

// How well user input `s` names `name`: exact > whole name ignoring case and '-'/'_' > a
// prefix (scored by its length) > no match (0). Open vSwitch's rule for tables and columns.
unsigned match_score(std::string_view name, std::string_view s) {
  if (name == s) return UINT_MAX;
  auto norm = [](char c) {
    return c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  size_t i = 0;
  for (;; ++i) {
    char a = i < name.size() ? norm(name[i]) : '\0';
    char b = i < s.size() ? norm(s[i]) : '\0';
    if (a != b) break;
    if (a == '\0') return UINT_MAX - 1;
  }
  return i == s.size() ? static_cast<unsigned>(i) : 0;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_uuid_arg(std::string_view s) { return iequals(s, "_uuid") || iequals(s, "-uuid"); }

// A parsed COLUMN[:KEY][OP VALUE] argument.
struct ColumnArg {
  const ColumnSpec* column = nullptr;
  std::optional<std::string> key;
  size_t op = 0;  // index into the allowed operators
  std::string value;
};

std::string missing_operator_error(std::string_view arg, std::span<const std::string_view> ops) {
  std::string s = std::string(arg) + ": argument does not end in \"" + std::string(ops[0]) + "\"";
  if (ops.size() == 2) s += " or \"" + std::string(ops[1]) + "\"";
  for (size_t i = 1; ops.size() > 2 && i < ops.size(); ++i) {
    s += (i + 1 == ops.size() ? ", or \"" : ", \"") + std::string(ops[i]) + "\"";
  }
  return s + " followed by a value.";
}

// `p` starts with `op` and something follows it.
bool starts_with_op(std::string_view p, std::string_view op) {
  return p.size() > op.size() && p.substr(0, op.size()) == op;
}

// With `ops` empty no operator or value may follow.
Result<ColumnArg> parse_column_arg(std::string_view arg, const TableSpec& table,
                                   std::span<const std::string_view> ops) {
  std::string_view p = arg;
  auto name = parse_token(p);
  if (!name.ok()) return name.error();
  if (name->empty()) return make_error(std::string(arg) + ": missing column name");
  ColumnArg out;
  auto column = lookup_column(table, *name);
  if (!column.ok()) return column.error();
  out.column = *column;
  if (!p.empty() && p.front() == ':') {
    p.remove_prefix(1);
    auto key = parse_token(p);
    if (!key.ok()) return key.error();
    out.key = *key;
  }
  if (ops.empty()) {
    if (p.empty()) return out;
    return make_error(std::string(arg) + ": trailing garbage \"" + std::string(p) +
                      "\" in argument");
  }
  size_t best_len = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].size() > best_len && starts_with_op(p, ops[i])) {
      best_len = ops[i].size();
      out.op = i;
    }
  }
  if (best_len == 0) return make_error(missing_operator_error(arg, ops));
  out.value = std::string(p.substr(best_len));
  return out;
}

Status check_mutable(const VsctlContext& ctx, const TableSpec& table, const Uuid& row,
                     const ColumnSpec& column) {
  if (column.is_mutable || ctx.inserted.count({table.id, row})) return ok_status();
  return make_error("cannot modify read-only column " + std::string(column.name) + " in table " +
                    std::string(table.name));
}

Status set_map_key(VsctlContext& ctx, const TableSpec& table, const Uuid& row, const ColumnArg& a) {
  const ColumnType& type = a.column->type;
  if (!type.is_map()) {
    return make_error("cannot specify key to set for non-map column " +
                      std::string(a.column->name));
  }
  auto key = parse_atom(type.key, *a.key, &ctx.symtab);
  if (!key.ok()) return key.error();
  auto value = parse_atom(type.value, a.value, &ctx.symtab);
  if (!value.ok()) return value.error();
  Datum d = read_column(ctx.db, table.id, row, *a.column);
  d[*key] = *value;
  if (d.size() > type.n_max) {
    return make_error("\"set\" operation would put " + std::to_string(d.size()) +
                      " pairs in column " + std::string(a.column->name) + " of table " +
                      std::string(table.name) + " but the maximum number is " +
                      std::to_string(type.n_max));
  }
  write_column(ctx.db, table.id, row, *a.column, d);
  return ok_status();
}

struct Target {
  const TableSpec* table = nullptr;
  std::optional<Uuid> row;
};

Result<Target> lookup_target(const VsctlContext& ctx, const VsctlCommand& cmd, bool must_exist) {
  auto table = lookup_table(cmd.args[1]);
  if (!table.ok()) return table.error();
  auto row = lookup_row(ctx.db, **table, cmd.args[2], must_exist);
  if (!row.ok()) return row.error();
  return Target{*table, *row};
}

Status get_one(VsctlContext& ctx, VsctlCommand& cmd, const Target& t, std::string_view arg,
               bool must_exist) {
  if (is_uuid_arg(arg)) {
    cmd.output.append(t.row->to_string()).append("\n");
    return ok_status();
  }
  auto a = parse_column_arg(arg, *t.table, {});
  if (!a.ok()) return a.error();
  const ColumnSpec& col = *a->column;
  Datum d = read_column(ctx.db, t.table->id, *t.row, col);
  if (!a->key) {
    cmd.output += datum_to_string(d, col.type) + "\n";
    return ok_status();
  }
  if (!col.type.is_map()) {
    return make_error("cannot specify key to get for non-map column " + std::string(col.name));
  }
  auto key = parse_atom(col.type.key, *a->key, &ctx.symtab);
  if (!key.ok()) return key.error();
  auto it = d.find(*key);
  if (it != d.end()) {
    cmd.output += atom_to_string(it->second);
  } else if (must_exist) {
    return make_error("no key \"" + *a->key + "\" in " + std::string(t.table->name) + " record \"" +
                      cmd.args[2] + "\" column " + std::string(col.name));
  }
  cmd.output += "\n";
  return ok_status();
}

Status define_symbol(VsctlContext& ctx, const std::string& id, const Uuid* existing, Uuid& uuid) {
  if (id.empty() || id[0] != '@') {
    return make_error("row id \"" + id + "\" does not begin with \"@\"");
  }
  auto it = ctx.symtab.symbols.find(id);
  if (it != ctx.symtab.symbols.end() && it->second.created) {
    return make_error("row id \"" + id + "\" may only be specified on one --id option");
  }
  if (existing && it != ctx.symtab.symbols.end()) {
    return make_error("row id \"" + id +
                      "\" specified on \"get\" command was used before it was defined");
  }
  if (it == ctx.symtab.symbols.end()) {
    SymbolTable::Symbol sym;
    sym.uuid = existing ? *existing : ctx.db.new_uuid();
    it = ctx.symtab.symbols.emplace(id, sym).first;
  }
  it->second.created = true;
  if (existing) it->second.referenced = true;  // an existing row needs no reference
  uuid = it->second.uuid;
  return ok_status();
}

// --columns: names separated by commas or spaces; nullptr column stands for _uuid.
Result<std::vector<const ColumnSpec*>> list_columns(const TableSpec& table,
                                                    const VsctlCommand& cmd) {
  std::vector<const ColumnSpec*> out;
  const auto* opt = cmd.option("--columns");
  if (!opt) {
    out.push_back(nullptr);
    for (const ColumnSpec& c : table.columns) out.push_back(&c);
    return out;
  }
  std::string_view s = **opt;
  while (!s.empty()) {
    size_t n = s.find_first_of(", ");
    std::string_view name = s.substr(0, n);
    s = n == std::string_view::npos ? std::string_view() : s.substr(n + 1);
    if (name.empty()) continue;
    if (iequals(name, "_uuid")) {
      out.push_back(nullptr);
      continue;
    }
    auto c = lookup_column(table, name);
    if (!c.ok()) return c.error();
    out.push_back(*c);
  }
  if (out.empty()) return make_error("must specify at least one column name");
  return out;
}

OutputTable make_output_table(const std::vector<const ColumnSpec*>& columns) {
  OutputTable t;
  for (const ColumnSpec* c : columns) t.headings.emplace_back(c ? c->name : "_uuid");
  return t;
}

void add_output_row(const Db& db, const TableSpec& table, const Uuid& row,
                    const std::vector<const ColumnSpec*>& columns, OutputTable& out) {
  std::vector<OutputTable::Cell> cells;
  for (const ColumnSpec* c : columns) {
    if (c) {
      cells.push_back({read_column(db, table.id, row, *c), c->type});
    } else {
      ColumnType uuid_type;
      uuid_type.key.type = AtomType::kUuid;
      cells.push_back({Datum{{Atom{row}, Atom{}}}, uuid_type});
    }
  }
  out.rows.push_back(std::move(cells));
}

constexpr std::string_view kRelops[] = {
    "=", "!=", "<", ">", "<=", ">=", "{=}", "{!=}", "{<}", "{>}", "{<=}", "{>=}"};
enum Relop { kEq, kNe, kLt, kGt, kLe, kGe, kSetEq, kSetNe, kSetLt, kSetGt, kSetLe, kSetGe };

// Every element of `a` (key, and value for maps) is in `b`.
bool includes_all(const Datum& a, const Datum& b) {
  if (a.size() > b.size()) return false;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end() || it->second != v) return false;
  }
  return true;
}

bool evaluate(const Datum& a, const Datum& b, size_t op) {
  int c = compare_datums(a, b);
  switch (op) {
    case kEq:
    case kSetEq:
      return c == 0;
    case kNe:
    case kSetNe:
      return c != 0;
    case kLt:
      return c < 0;
    case kGt:
      return c > 0;
    case kLe:
      return c <= 0;
    case kGe:
      return c >= 0;
    case kSetLt:
      return b.size() > a.size() && includes_all(a, b);
    case kSetGt:
      return a.size() > b.size() && includes_all(b, a);
    case kSetLe:
      return includes_all(a, b);
    case kSetGe:
      return includes_all(b, a);
    default:
      return false;
  }
}

Result<bool> key_condition(VsctlContext& ctx, const Datum& have, const ColumnArg& a) {
  const ColumnType& type = a.column->type;
  if (!type.is_map()) {
    return make_error("cannot specify key to check for non-map column " +
                      std::string(a.column->name));
  }
  auto key = parse_atom(type.key, *a.key, &ctx.symtab);
  if (!key.ok()) return key.error();
  ColumnType value_type = type;
  value_type.key = type.value;
  value_type.value = BaseType{};
  value_type.n_max = kUnlimited;
  auto want = parse_datum(value_type, a.value, &ctx.symtab);
  if (!want.ok()) return want.error();
  auto it = have.find(*key);
  if (it == have.end() && a.op < kSetEq) return false;
  Datum got;
  if (it != have.end()) got.emplace(it->second, Atom{});
  return evaluate(got, *want, a.op);
}

Result<bool> condition_holds(VsctlContext& ctx, const TableSpec& table, const Uuid& row,
                             std::string_view arg) {
  auto a = parse_column_arg(arg, table, kRelops);
  if (!a.ok()) return a.error();
  Datum have = read_column(ctx.db, table.id, row, *a->column);
  if (a->key) return key_condition(ctx, have, *a);
  ColumnType type = a->column->type;
  type.n_max = kUnlimited;
  auto want = parse_datum(type, a->value, &ctx.symtab);
  if (!want.ok()) return want.error();
  return evaluate(have, *want, a->op);
}

Result<bool> all_conditions(VsctlContext& ctx, const TableSpec& table, const Uuid& row,
                            std::span<const std::string> conditions) {
  for (const std::string& c : conditions) {
    auto ok = condition_holds(ctx, table, row, c);
    if (!ok.ok() || !*ok) return ok;
  }
  return true;
}

std::string count_words(size_t n, const ColumnType& type) {
  return std::to_string(n) + (type.is_map() ? " pairs" : " values");
}

// Parses one [KEY=]VALUE argument of add/remove: a non-empty set or map.
Result<Datum> parse_elements(VsctlContext& ctx, const ColumnType& type, std::string_view arg,
                             bool keys_only) {
  ColumnType t = type;
  t.n_min = 1;
  t.n_max = kUnlimited;
  if (keys_only) t.value = BaseType{};
  return parse_datum(t, arg, &ctx.symtab);
}

struct ColumnTarget {
  const TableSpec* table = nullptr;
  const ColumnSpec* column = nullptr;
  std::optional<Uuid> row;
};

// add/remove: TABLE RECORD COLUMN; the column is resolved before the row, as in ovs-vsctl.
Result<ColumnTarget> lookup_column_target(VsctlContext& ctx, const VsctlCommand& cmd) {
  auto table = lookup_table(cmd.args[1]);
  if (!table.ok()) return table.error();
  auto column = lookup_column(**table, cmd.args[3]);
  if (!column.ok()) return column.error();
  auto row = lookup_row(ctx.db, **table, cmd.args[2], !cmd.has("--if-exists"));
  if (!row.ok()) return row.error();
  if (*row) NT_TRY(check_mutable(ctx, **table, **row, **column));
  return ColumnTarget{*table, *column, *row};
}

// Removes from `d` each element of `rm`: by key, and by value too when `rm` has values.
void subtract(Datum& d, const Datum& rm, bool match_values) {
  for (const auto& [k, v] : rm) {
    auto it = d.find(k);
    if (it != d.end() && (!match_values || it->second == v)) d.erase(it);
  }
}

}  // namespace

// --- Shared lookups ---------------------------------------------------------------------------

Result<const TableSpec*> lookup_table(std::string_view name) {
  const TableSpec* best = nullptr;
  unsigned best_score = 0;
  for (const TableSpec& t : ovsdb_tables()) {
    unsigned score = match_score(t.name, name);
    if (score > best_score) {
      best = &t;
      best_score = score;
    } else if (score == best_score) {
      best = nullptr;
    }
  }
  if (best) return best;
  if (best_score) return make_error("multiple table names match \"" + std::string(name) + "\"");
  return make_error("unknown table \"" + std::string(name) + "\"");
}

Result<const ColumnSpec*> lookup_column(const TableSpec& table, std::string_view name) {
  std::vector<const ColumnSpec*> best;
  unsigned best_score = 0;
  for (const ColumnSpec& c : table.columns) {
    unsigned score = match_score(c.name, name);
    if (score == 0 || score < best_score) continue;
    if (score > best_score) best.clear();
    best.push_back(&c);
    best_score = score;
  }
  if (best.size() == 1) return best[0];
  if (best.empty()) {
    return make_error(std::string(table.name) + " does not contain a column whose name matches \"" +
                      std::string(name) + "\"");
  }
  std::string names;
  for (const ColumnSpec* c : best) names += (names.empty() ? "" : ", ") + std::string(c->name);
  return make_error(std::string(table.name) +
                    " contains more than one column whose name matches \"" + std::string(name) +
                    "\": " + names);
}

namespace {

bool is_partial_uuid(std::string_view s) {
  if (s.size() < 4 || s.size() > 36) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == '-' || std::isxdigit(static_cast<unsigned char>(c));
  });
}

Result<std::optional<Uuid>> lookup_by_name(const Db& db, const TableSpec& table,
                                           std::string_view record) {
  const ColumnSpec* name_col = find_column(table, table.name_column);
  if (!name_col) return std::optional<Uuid>();
  std::optional<Uuid> found;
  for (const Uuid& row : table.row_uuids(db)) {
    Datum name = read_column(db, table.id, row, *name_col);
    if (name.size() != 1 || std::get<std::string>(name.begin()->first) != record) continue;
    if (found) {
      return make_error("multiple rows in " + std::string(table.name) + " match \"" +
                        std::string(record) + "\"");
    }
    found = row;
  }
  return found;
}

Result<std::optional<Uuid>> lookup_by_prefix(const Db& db, const TableSpec& table,
                                             std::string_view record) {
  std::optional<Uuid> found;
  if (!is_partial_uuid(record)) return found;
  std::string prefix(record);
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const Uuid& row : table.row_uuids(db)) {
    if (row.to_string().compare(0, prefix.size(), prefix) != 0) continue;
    if (found) {
      return make_error(std::string(table.name) +
                        " contains 2 or more rows whose UUIDs begin with " + std::string(record) +
                        ": at least " + found->to_string() + " and " + row.to_string());
    }
    found = row;
  }
  return found;
}

}  // namespace

Result<std::optional<Uuid>> lookup_row(const Db& db, const TableSpec& table,
                                       std::string_view record, bool must_exist) {
  std::optional<Uuid> row;
  if (auto u = Uuid::parse(record); u && table.find(const_cast<Db&>(db), *u)) row = *u;
  if (!row && record == ".") {
    std::vector<Uuid> all = table.row_uuids(db);
    if (all.size() == 1) row = all[0];
  }
  for (auto* by : {&lookup_by_name, &lookup_by_prefix}) {
    if (row) break;
    auto r = by(db, table, record);
    if (!r.ok()) return r.error();
    row = *r;
  }
  if (!row && must_exist) {
    return make_error("no row \"" + std::string(record) + "\" in table " + std::string(table.name));
  }
  return row;
}

Status set_column(VsctlContext& ctx, const TableSpec& table, const Uuid& row,
                  std::string_view arg) {
  static constexpr std::string_view kEquals[] = {"="};
  auto a = parse_column_arg(arg, table, kEquals);
  if (!a.ok()) return a.error();
  NT_TRY(check_mutable(ctx, table, row, *a->column));
  if (a->key) return set_map_key(ctx, table, row, *a);
  auto d = parse_datum(a->column->type, a->value, &ctx.symtab);
  if (!d.ok()) return d.error();
  write_column(ctx.db, table.id, row, *a->column, *d);
  return ok_status();
}

Uuid insert_row(VsctlContext& ctx, TableId table, Uuid uuid) {
  if (uuid.is_nil()) uuid = ctx.db.new_uuid();
  table_spec(table).insert(ctx.db, uuid);
  ctx.inserted.insert({table, uuid});
  return uuid;
}

std::string escape_args(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    if (w.find_first_of(" \t\r\n\v\\'\"") == std::string::npos) {
      out += w;
      continue;
    }
    out += '"';
    for (char c : w) {
      if (c == '\\' || c == '"') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out;
}

// --- Commands ---------------------------------------------------------------------------------

Status cmd_get(VsctlContext& ctx, VsctlCommand& cmd) {
  const auto* id = cmd.option("--id");
  bool must_exist = !cmd.has("--if-exists");
  if (id && !must_exist) return make_error("--if-exists and --id may not be specified together");
  auto t = lookup_target(ctx, cmd, must_exist);
  if (!t.ok()) return t.error();
  if (!t->row) return ok_status();
  if (id) {
    Uuid uuid;
    NT_TRY(define_symbol(ctx, id->value_or(""), &*t->row, uuid));
  }
  for (size_t i = 3; i < cmd.args.size(); ++i) {
    NT_TRY(get_one(ctx, cmd, *t, cmd.args[i], must_exist));
  }
  return ok_status();
}

Status cmd_list(VsctlContext& ctx, VsctlCommand& cmd) {
  auto table = lookup_table(cmd.args[1]);
  if (!table.ok()) return table.error();
  auto columns = list_columns(**table, cmd);
  if (!columns.ok()) return columns.error();
  OutputTable out = make_output_table(*columns);
  std::vector<Uuid> rows;
  if (cmd.args.size() > 2) {
    for (size_t i = 2; i < cmd.args.size(); ++i) {
      auto row = lookup_row(ctx.db, **table, cmd.args[i], !cmd.has("--if-exists"));
      if (!row.ok()) return row.error();
      if (*row) rows.push_back(**row);
    }
  } else {
    rows = (*table)->row_uuids(ctx.db);
  }
  for (const Uuid& row : rows) add_output_row(ctx.db, **table, row, *columns, out);
  cmd.table = std::move(out);
  return ok_status();
}

Status cmd_find(VsctlContext& ctx, VsctlCommand& cmd) {
  auto table = lookup_table(cmd.args[1]);
  if (!table.ok()) return table.error();
  auto columns = list_columns(**table, cmd);
  if (!columns.ok()) return columns.error();
  OutputTable out = make_output_table(*columns);
  auto conditions = std::span(cmd.args).subspan(2);
  for (const Uuid& row : (*table)->row_uuids(ctx.db)) {
    auto match = all_conditions(ctx, **table, row, conditions);
    if (!match.ok()) return match.error();
    if (*match) add_output_row(ctx.db, **table, row, *columns, out);
  }
  cmd.table = std::move(out);
  return ok_status();
}

Status cmd_set(VsctlContext& ctx, VsctlCommand& cmd) {
  auto t = lookup_target(ctx, cmd, !cmd.has("--if-exists"));
  if (!t.ok()) return t.error();
  if (!t->row) return ok_status();
  for (size_t i = 3; i < cmd.args.size(); ++i) {
    NT_TRY(set_column(ctx, *t->table, *t->row, cmd.args[i]));
  }
  return ok_status();
}

Status cmd_add(VsctlContext& ctx, VsctlCommand& cmd) {
  auto t = lookup_column_target(ctx, cmd);
  if (!t.ok()) return t.error();
  if (!t->row) return ok_status();
  const ColumnType& type = t->column->type;
  Datum d = read_column(ctx.db, t->table->id, *t->row, *t->column);
  for (size_t i = 4; i < cmd.args.size(); ++i) {
    auto add = parse_elements(ctx, type, cmd.args[i], false);
    if (!add.ok()) return add.error();
    for (auto& [k, v] : *add) d.emplace(k, v);  // an existing key keeps its value
  }
  if (d.size() > type.n_max) {
    return make_error("\"add\" operation would put " + count_words(d.size(), type) + " in column " +
                      std::string(t->column->name) + " of table " + std::string(t->table->name) +
                      " but the maximum number is " + std::to_string(type.n_max));
  }
  write_column(ctx.db, t->table->id, *t->row, *t->column, d);
  return ok_status();
}

Status cmd_remove(VsctlContext& ctx, VsctlCommand& cmd) {
  auto t = lookup_column_target(ctx, cmd);
  if (!t.ok()) return t.error();
  if (!t->row) return ok_status();
  const ColumnType& type = t->column->type;
  Datum d = read_column(ctx.db, t->table->id, *t->row, *t->column);
  for (size_t i = 4; i < cmd.args.size(); ++i) {
    auto rm = parse_elements(ctx, type, cmd.args[i], false);
    bool by_value = rm.ok() && type.is_map();
    if (!rm.ok() && type.is_map()) rm = parse_elements(ctx, type, cmd.args[i], true);
    if (!rm.ok()) return rm.error();
    subtract(d, *rm, by_value);
  }
  if (d.size() < type.n_min) {
    return make_error("\"remove\" operation would put " + count_words(d.size(), type) +
                      " in column " + std::string(t->column->name) + " of table " +
                      std::string(t->table->name) + " but the minimum number is " +
                      std::to_string(type.n_min));
  }
  write_column(ctx.db, t->table->id, *t->row, *t->column, d);
  return ok_status();
}

Status cmd_clear(VsctlContext& ctx, VsctlCommand& cmd) {
  auto t = lookup_target(ctx, cmd, !cmd.has("--if-exists"));
  if (!t.ok()) return t.error();
  if (!t->row) return ok_status();
  for (size_t i = 3; i < cmd.args.size(); ++i) {
    auto column = lookup_column(*t->table, cmd.args[i]);
    if (!column.ok()) return column.error();
    NT_TRY(check_mutable(ctx, *t->table, *t->row, **column));
    if ((*column)->type.n_min > 0) {
      return make_error("\"clear\" operation cannot be applied to column " +
                        std::string((*column)->name) + " of table " + std::string(t->table->name) +
                        ", which is not allowed to be empty");
    }
    write_column(ctx.db, t->table->id, *t->row, **column, Datum{});
  }
  return ok_status();
}

Status cmd_create(VsctlContext& ctx, VsctlCommand& cmd) {
  auto table = lookup_table(cmd.args[1]);
  if (!table.ok()) return table.error();
  const auto* id = cmd.option("--id");
  Uuid uuid;
  if (id) {
    NT_TRY(define_symbol(ctx, id->value_or(""), nullptr, uuid));
  } else if (!(*table)->is_root) {
    ctx.warnings += "nvs-vsctl: applying \"create\" command to table " +
                    std::string((*table)->name) + " without --id option will have no effect\n";
  }
  uuid = insert_row(ctx, (*table)->id, uuid);
  for (size_t i = 2; i < cmd.args.size(); ++i) {
    NT_TRY(set_column(ctx, **table, uuid, cmd.args[i]));
  }
  cmd.output = uuid.to_string() + "\n";
  return ok_status();
}

Status cmd_destroy(VsctlContext& ctx, VsctlCommand& cmd) {
  auto table = lookup_table(cmd.args[1]);
  if (!table.ok()) return table.error();
  bool all = cmd.has("--all");
  bool must_exist = !cmd.has("--if-exists");
  if (all && cmd.args.size() > 2) {
    return make_error("--all and records argument should not be specified together");
  }
  if (all && !must_exist)
    return make_error("--all and --if-exists should not be specified together");
  std::vector<Uuid> rows;
  if (all) rows = (*table)->row_uuids(ctx.db);
  for (size_t i = 2; i < cmd.args.size(); ++i) {
    auto row = lookup_row(ctx.db, **table, cmd.args[i], must_exist);
    if (!row.ok()) return row.error();
    if (*row) rows.push_back(**row);
  }
  for (const Uuid& row : rows) {
    (*table)->erase(ctx.db, row);
    ctx.deleted.insert({(*table)->id, row});
  }
  return ok_status();
}

Status cmd_wait_until(VsctlContext& ctx, VsctlCommand& cmd) {
  auto t = lookup_target(ctx, cmd, false);
  if (!t.ok()) return t.error();
  if (!t->row) {
    return make_error("wait-until: no row \"" + cmd.args[2] + "\" in table " +
                      std::string(t->table->name) + " (nvs-vsctl does not wait)");
  }
  auto conditions = std::span(cmd.args).subspan(3);
  auto match = all_conditions(ctx, *t->table, *t->row, conditions);
  if (!match.ok()) return match.error();
  if (!*match) return make_error("wait-until: condition not satisfied (nvs-vsctl does not wait)");
  return ok_status();
}

}  // namespace nt
