// Internals of the nvs-vsctl engine shared by its files: the parsed command, the transaction
// context, the command table, the record/column lookup helpers and table output.
//
// One table lists every command (vsctl_commands() in vsctl.cc): name, argument counts, the
// options it accepts, its handler and whether it writes. Handlers change only ctx.db (the
// transaction's copy) and append to their command's output; they fail with a Status whose message
// is the ovs-vsctl error text.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ovsdb/ovsdb.h"

namespace nt {

// A result table of list/find, printed after the transaction in the global --format.
struct OutputTable {
  struct Cell {
    Datum datum;
    ColumnType type;
  };
  std::vector<std::string> headings;
  std::vector<std::vector<Cell>> rows;
};

struct CommandSpec;

struct VsctlCommand {
  const CommandSpec* spec = nullptr;
  // "--may-exist" -> nullopt, "--columns" -> "name,ofport".
  std::map<std::string, std::optional<std::string>, std::less<>> options;
  std::vector<std::string> args;  // args[0] is the command name
  std::string output;
  std::optional<OutputTable> table;

  bool has(std::string_view option) const { return options.count(option) > 0; }
  const std::optional<std::string>* option(std::string_view name) const;
};

using RowKey = std::pair<TableId, Uuid>;

struct VsctlContext {
  Db& db;
  SymbolTable symtab;
  std::set<RowKey> inserted;  // rows created by this transaction (immutable columns settable)
  std::set<RowKey> deleted;   // rows destroyed by this transaction
  int exit_status = 0;        // set with a failing Status to exit with something other than 1
  std::string warnings;       // printed on stderr even when the transaction succeeds
};

using CommandHandler = Status (*)(VsctlContext& ctx, VsctlCommand& cmd);

struct CommandSpec {
  std::string_view name;
  int min_args;
  int max_args;
  std::string_view options;  // "--if-exists,--columns=" ('=' means it takes an argument)
  CommandHandler run;
  bool writes;
};

constexpr int kManyArgs = 1 << 30;

std::span<const CommandSpec> vsctl_commands();  // the command table (vsctl.cc)

// Handlers. Bridge, port, interface, controller and fail-mode commands (vsctl_bridge.cc):
Status cmd_add_br(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_del_br(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_list_br(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_br_exists(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_br_to_vlan(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_br_to_parent(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_br_set_external_id(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_br_get_external_id(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_list_ports(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_add_port(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_add_bond(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_del_port(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_port_to_br(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_list_ifaces(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_iface_to_br(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_get_controller(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_del_controller(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_set_controller(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_get_fail_mode(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_del_fail_mode(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_set_fail_mode(VsctlContext& ctx, VsctlCommand& cmd);
// Database commands on any table (vsctl_db.cc):
Status cmd_get(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_list(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_find(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_set(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_add(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_remove(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_clear(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_create(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_destroy(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_wait_until(VsctlContext& ctx, VsctlCommand& cmd);
// show, init, comment (vsctl_output.cc):
Status cmd_show(VsctlContext& ctx, VsctlCommand& cmd);
Status cmd_nothing(VsctlContext& ctx, VsctlCommand& cmd);

// --- Lookups shared by the command families (vsctl_db.cc) ----------------------------------

Result<const TableSpec*> lookup_table(std::string_view name);  // abbreviations allowed
Result<const ColumnSpec*> lookup_column(const TableSpec& table, std::string_view name);
// By UUID (or a unique prefix of 4+ digits), ".", or name. nullopt: absent and !must_exist.
Result<std::optional<Uuid>> lookup_row(const Db& db, const TableSpec& table,
                                       std::string_view record, bool must_exist);
// Applies COLUMN[:KEY]=VALUE to a row (set, create, add-port's settings).
Status set_column(VsctlContext& ctx, const TableSpec& table, const Uuid& row, std::string_view arg);
// A new row with every column at its default; `uuid` nil: a fresh one.
Uuid insert_row(VsctlContext& ctx, TableId table, Uuid uuid = Uuid{});
// ovs-vsctl's quoting of a command line (process_escape_args).
std::string escape_args(const std::vector<std::string>& words);

// --- Output (vsctl_output.cc) ---------------------------------------------------------------

enum class TableFormat { kList, kTable, kCsv, kJson };
enum class CellFormat { kString, kBare, kJson };

struct OutputStyle {
  TableFormat format = TableFormat::kList;
  CellFormat cell = CellFormat::kString;
  bool headings = true;
};

// Appends `table` formatted in `style`; `index` counts the tables printed before it.
void format_table(const OutputTable& table, const OutputStyle& style, int index, std::string& out);
std::string format_show(const Db& db);

}  // namespace nt
