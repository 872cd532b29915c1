// The engine's front: global options, splitting `--`-joined commands, checking each against
// the command table, running them as one all-or-nothing transaction, and printing.
#include "ovsdb/vsctl.h"

#include <algorithm>

#include "common/strings.h"
#include "ovsdb/vsctl_internal.h"

namespace nt {

namespace {

// name, min args, max args, options, handler, writes.
const CommandSpec kCommands[] = {
    {"init", 0, 0, "", cmd_nothing, true},
    {"show", 0, 0, "", cmd_show, false},
    {"comment", 0, kManyArgs, "", cmd_nothing, false},
    // Bridges.
    {"add-br", 1, 3, "--may-exist", cmd_add_br, true},
    {"del-br", 1, 1, "--if-exists", cmd_del_br, true},
    {"list-br", 0, 0, "--real,--fake", cmd_list_br, false},
    {"br-exists", 1, 1, "", cmd_br_exists, false},
    {"br-to-vlan", 1, 1, "", cmd_br_to_vlan, false},
    {"br-to-parent", 1, 1, "", cmd_br_to_parent, false},
    {"br-set-external-id", 2, 3, "", cmd_br_set_external_id, true},
    {"br-get-external-id", 1, 2, "", cmd_br_get_external_id, false},
    // Ports and interfaces.
    {"list-ports", 1, 1, "", cmd_list_ports, false},
    {"add-port", 2, kManyArgs, "--may-exist", cmd_add_port, true},
    {"add-bond", 4, kManyArgs, "--may-exist,--fake-iface", cmd_add_bond, true},
    {"del-port", 1, 2, "--if-exists,--with-iface", cmd_del_port, true},
    {"port-to-br", 1, 1, "", cmd_port_to_br, false},
    {"list-ifaces", 1, 1, "", cmd_list_ifaces, false},
    {"iface-to-br", 1, 1, "", cmd_iface_to_br, false},
    // Controllers and fail mode.
    {"get-controller", 1, 1, "", cmd_get_controller, false},
    {"del-controller", 1, 1, "", cmd_del_controller, true},
    {"set-controller", 1, kManyArgs, "", cmd_set_controller, true},
    {"get-fail-mode", 1, 1, "", cmd_get_fail_mode, false},
    {"del-fail-mode", 1, 1, "", cmd_del_fail_mode, true},
    {"set-fail-mode", 2, 2, "", cmd_set_fail_mode, true},
    // Database commands.
    {"get", 2, kManyArgs, "--if-exists,--id=", cmd_get, false},
    {"list", 1, kManyArgs, "--if-exists,--columns=", cmd_list, false},
    {"find", 1, kManyArgs, "--columns=", cmd_find, false},
    {"set", 3, kManyArgs, "--if-exists", cmd_set, true},
    {"add", 4, kManyArgs, "--if-exists", cmd_add, true},
    {"remove", 4, kManyArgs, "--if-exists", cmd_remove, true},
    {"clear", 3, kManyArgs, "--if-exists", cmd_clear, true},
    {"create", 2, kManyArgs, "--id=", cmd_create, true},
    {"destroy", 1, kManyArgs, "--if-exists,--all", cmd_destroy, true},
    {"wait-until", 2, kManyArgs, "", cmd_wait_until, false},
};

constexpr std::string_view kProgram = "nvs-vsctl";

struct GlobalOptions {
  OutputStyle style;
  bool dry_run = false;
  bool oneline = false;
  bool no_wait = false;
  bool help = false;
  bool version = false;
};

// Options of the command line before the first command. `local` collects command options
// (--may-exist, ...) given there; they belong to the first command.
struct ArgCursor {
  const std::vector<std::string>& argv;
  size_t i = 0;
};

bool all_commands_accept(std::string_view name) {
  for (const CommandSpec& c : vsctl_commands()) {
    std::string_view opts = c.options;
    size_t pos = opts.find(name);
    while (pos != std::string_view::npos) {
      size_t end = pos + name.size();
      bool starts = pos == 0 || opts[pos - 1] == ',';
      bool ends = end == opts.size() || opts[end] == ',' || opts[end] == '=';
      if (starts && ends) return true;
      pos = opts.find(name, pos + 1);
    }
  }
  return false;
}

bool command_option_takes_arg(std::string_view name) {
  for (const CommandSpec& c : vsctl_commands()) {
    std::string_view opts = c.options;
    size_t pos = opts.find(std::string(name) + "=");
    if (pos != std::string_view::npos && (pos == 0 || opts[pos - 1] == ',')) return true;
  }
  return false;
}

Status parse_format(std::string_view v, OutputStyle& style) {
  if (v == "list") {
    style.format = TableFormat::kList;
  } else if (v == "table") {
    style.format = TableFormat::kTable;
  } else if (v == "csv") {
    style.format = TableFormat::kCsv;
  } else if (v == "json") {
    style.format = TableFormat::kJson;
  } else {
    return make_error("unknown output format \"" + std::string(v) + "\"");
  }
  return ok_status();
}

Status parse_cell_format(std::string_view v, OutputStyle& style) {
  if (v == "string") {
    style.cell = CellFormat::kString;
  } else if (v == "bare") {
    style.cell = CellFormat::kBare;
  } else if (v == "json") {
    style.cell = CellFormat::kJson;
  } else {
    return make_error("unknown data format \"" + std::string(v) + "\"");
  }
  return ok_status();
}

// A global long option taking an argument: value after '=' or in the next word.
Result<std::string> option_value(ArgCursor& cur, std::string_view name, std::string_view word) {
  size_t eq = word.find('=');
  if (eq != std::string_view::npos) return std::string(word.substr(eq + 1));
  if (cur.i + 1 >= cur.argv.size()) {
    return make_error("option '" + std::string(name) + "' requires an argument");
  }
  return cur.argv[++cur.i];
}

Status apply_global_flag(std::string_view name, GlobalOptions& g) {
  if (name == "--dry-run") {
    g.dry_run = true;
  } else if (name == "--oneline") {
    g.oneline = true;
  } else if (name == "--no-wait") {
    g.no_wait = true;
  } else if (name == "--no-headings") {
    g.style.headings = false;
  } else if (name == "--bare") {
    g.style = OutputStyle{TableFormat::kList, CellFormat::kBare, false};
  } else if (name == "--help" || name == "-h") {
    g.help = true;
  } else if (name == "--version" || name == "-V") {
    g.version = true;
  }
  return ok_status();
}

bool is_ignored_flag(std::string_view name) {
  return name == "--retry" || name == "--no-syslog" || name == "--pretty" || name == "-v" ||
         name == "--verbose" || starts_with(name, "--verbose=") || starts_with(name, "-v");
}

constexpr std::string_view kGlobalFlags[] = {"--dry-run", "--oneline", "--no-wait", "--no-headings",
                                             "--bare",    "--help",    "-h",        "--version",
                                             "-V"};

Status parse_long_with_value(ArgCursor& cur, std::string_view word, GlobalOptions& g) {
  std::string_view name = word.substr(0, word.find('='));
  if (name == "--db" || name == "--timeout" || name == "--format" || name == "--data" ||
      name == "--private-key" || name == "--certificate" || name == "--ca-cert") {
    auto v = option_value(cur, name, word);
    if (!v.ok()) return v.error();
    if (name == "--format") return parse_format(*v, g.style);
    if (name == "--data") return parse_cell_format(*v, g.style);
    return ok_status();
  }
  return make_error("unrecognized option '" + std::string(word) + "'");
}

// Short options with an argument: -t N / -tN, -f FMT, -d FMT.
Result<bool> parse_short_with_value(ArgCursor& cur, std::string_view word, GlobalOptions& g) {
  if (word.size() < 2 || (word[1] != 't' && word[1] != 'f' && word[1] != 'd')) return false;
  std::string value;
  if (word.size() > 2) {
    value = std::string(word.substr(2));
  } else if (cur.i + 1 < cur.argv.size()) {
    value = cur.argv[++cur.i];
  } else {
    return make_error("option requires an argument -- '" + std::string(1, word[1]) + "'");
  }
  if (word[1] == 'f') NT_TRY(parse_format(value, g.style));
  if (word[1] == 'd') NT_TRY(parse_cell_format(value, g.style));
  return true;
}

Status add_local_option(VsctlCommand& local, ArgCursor& cur, std::string_view word) {
  size_t eq = word.find('=');
  std::string name(word.substr(0, eq));
  std::optional<std::string> value;
  if (eq != std::string_view::npos) {
    value = std::string(word.substr(eq + 1));
  } else if (command_option_takes_arg(name)) {
    auto v = option_value(cur, name, word);
    if (!v.ok()) return v.error();
    value = *v;
  }
  if (local.has(name))
    return make_error("'" + name.substr(2) + "' option specified multiple times");
  local.options.emplace(name, value);
  return ok_status();
}

// Consumes the global options; cur.i ends at the first command word (or past "--").
Status parse_global_options(ArgCursor& cur, GlobalOptions& g, VsctlCommand& local) {
  for (; cur.i < cur.argv.size(); ++cur.i) {
    std::string_view w = cur.argv[cur.i];
    if (w == "--") {
      ++cur.i;
      break;
    }
    if (w.size() < 2 || w[0] != '-') break;
    std::string_view name = w.substr(0, w.find('='));
    if (std::find(std::begin(kGlobalFlags), std::end(kGlobalFlags), w) != std::end(kGlobalFlags)) {
      NT_TRY(apply_global_flag(w, g));
    } else if (is_ignored_flag(w)) {
      continue;
    } else if (w[1] != '-') {
      auto r = parse_short_with_value(cur, w, g);
      if (!r.ok()) return r.error();
      if (!*r) return make_error("invalid option -- '" + std::string(w.substr(1, 1)) + "'");
    } else if (all_commands_accept(name)) {
      NT_TRY(add_local_option(local, cur, w));
    } else {
      NT_TRY(parse_long_with_value(cur, w, g));
    }
  }
  return ok_status();
}

const CommandSpec* find_command(std::string_view name) {
  for (const CommandSpec& c : vsctl_commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Status check_command_options(const VsctlCommand& cmd) {
  const std::string& name = cmd.args[0];
  std::string_view opts = cmd.spec->options;
  for (const auto& [opt, value] : cmd.options) {
    size_t pos = opts.find(opt);
    char end = pos == std::string_view::npos    ? '\x01'
               : pos + opt.size() < opts.size() ? opts[pos + opt.size()]
                                                : '\0';
    if (end != '=' && end != ',' && end != '\0') {
      return make_error("'" + name + "' command has no '" + opt + "' option");
    }
    if ((end == '=') != value.has_value()) {
      if (end == '=') {
        return make_error("missing argument to '" + opt + "' option on '" + name + "' command");
      }
      return make_error("'" + opt + "' option on '" + name + "' does not accept an argument");
    }
  }
  return ok_status();
}

Status check_arg_count(const VsctlCommand& cmd) {
  const CommandSpec& spec = *cmd.spec;
  int n = static_cast<int>(cmd.args.size()) - 1;
  if (n < spec.min_args) {
    return make_error("'" + std::string(spec.name) + "' command requires at least " +
                      std::to_string(spec.min_args) + " arguments");
  }
  if (n <= spec.max_args) return ok_status();
  std::string msg = "'" + std::string(spec.name) + "' command takes at most " +
                    std::to_string(spec.max_args) + " arguments";
  for (size_t j = 1; j < cmd.args.size(); ++j) {
    if (starts_with(cmd.args[j], "-")) {
      return make_error(msg +
                        " (note that options must precede command names and follow a "
                        "\"--\" argument)");
    }
  }
  return make_error(msg);
}

// One command: its options, then its name and arguments. `words` excludes "--".
Status parse_command(std::span<const std::string> words, VsctlCommand& cmd) {
  size_t i = 0;
  for (; i < words.size() && starts_with(words[i], "-"); ++i) {
    size_t eq = words[i].find('=');
    std::string key = words[i].substr(0, eq);
    if (cmd.has(key)) return make_error("'" + words[i] + "' option specified multiple times");
    std::optional<std::string> value;
    if (eq != std::string::npos) value = words[i].substr(eq + 1);
    cmd.options.emplace(key, value);
  }
  if (i == words.size()) return make_error("missing command name (use --help for help)");
  cmd.spec = find_command(words[i]);
  if (!cmd.spec) return make_error("unknown command '" + words[i] + "'; use --help for help");
  cmd.args.assign(words.begin() + static_cast<long>(i), words.end());
  NT_TRY(check_command_options(cmd));
  return check_arg_count(cmd);
}

Result<std::vector<VsctlCommand>> parse_commands(const std::vector<std::string>& argv, size_t start,
                                                 VsctlCommand local) {
  std::vector<VsctlCommand> commands;
  size_t begin = start;
  for (size_t i = start; i <= argv.size(); ++i) {
    if (i < argv.size() && argv[i] != "--") continue;
    if (i > begin) {
      VsctlCommand cmd;
      cmd.options = std::move(local.options);
      local.options.clear();
      NT_TRY(parse_command(std::span(argv).subspan(begin, i - begin), cmd));
      commands.push_back(std::move(cmd));
    } else if (!local.options.empty()) {
      return make_error("missing command name (use --help for help)");
    }
    begin = i + 1;
  }
  if (commands.empty()) return make_error("missing command name (use --help for help)");
  return commands;
}

// Rows destroyed while something still refers to them make the transaction fail, as in OVSDB.
Status check_deleted_rows(const VsctlContext& ctx) {
  for (const auto& [table, uuid] : ctx.deleted) {
    int refs = 0;
    for (const TableSpec& t : ovsdb_tables()) {
      for (const Uuid& row : t.row_uuids(ctx.db)) {
        for (const ColumnSpec& c : t.columns) {
          if (c.type.key.ref_table == table) refs += read_column(ctx.db, t.id, row, c).count(uuid);
        }
      }
    }
    if (refs == 0) continue;
    std::string details = "cannot delete " + std::string(table_spec(table).name) + " row " +
                          uuid.to_string() + " because of " + std::to_string(refs) +
                          " remaining reference(s)";
    return make_error("transaction error: {\"details\":" + json_quote(details) +
                      ",\"error\":\"referential integrity violation\"}");
  }
  return ok_status();
}

// After the commands: symbols, references, garbage collection, integrity.
Status finish_transaction(VsctlContext& ctx, std::string& warnings) {
  for (const auto& [name, sym] : ctx.symtab.symbols) {
    if (!sym.created) {
      return make_error("row id \"" + name +
                        "\" is referenced but never created (e.g. with \"-- --id=" + name +
                        " create ...\")");
    }
    if (sym.referenced) continue;
    for (const auto& [table, uuid] : ctx.inserted) {
      if (uuid != sym.uuid || table_spec(table).is_root) continue;
      warnings += std::string(kProgram) + ": row id \"" + name +
                  "\" was created but no reference to it was inserted, so it will not "
                  "actually appear in the database\n";
    }
  }
  NT_TRY(check_deleted_rows(ctx));
  collect_garbage(ctx.db);
  NT_TRY(check_names(ctx.db));  // "invalid bridge name ...", not wrapped as a transaction error
  auto st = check_integrity(ctx.db);
  if (!st.ok()) return make_error("transaction error: " + st.error().message);
  return ok_status();
}

std::string oneline(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  return out + "\n";
}

std::string collect_output(const std::vector<VsctlCommand>& commands, const GlobalOptions& g) {
  std::string out;
  int tables = 0;
  for (const VsctlCommand& cmd : commands) {
    if (cmd.table) {
      format_table(*cmd.table, g.style, tables++, out);
    } else {
      out += g.oneline ? oneline(cmd.output) : cmd.output;
    }
  }
  return out;
}

VsctlResult fail(const std::string& message, int status = 1) {
  VsctlResult r;
  r.status = status;
  if (!message.empty()) r.err = std::string(kProgram) + ": " + message + "\n";
  return r;
}

std::string usage() {
  std::string out = std::string(kProgram) + ": Open vSwitch-compatible configuration utility\n";
  out += "usage: " + std::string(kProgram) + " [OPTIONS] COMMAND [ARG...] [-- COMMAND ...]\n\n";
  out += "Commands:\n";
  for (const CommandSpec& c : vsctl_commands()) out += "  " + std::string(c.name) + "\n";
  return out;
}

Result<VsctlResult> run_transaction(Db& db, std::vector<VsctlCommand>& commands,
                                    const GlobalOptions& g) {
  Db work = db;
  work.ovs();
  VsctlContext ctx{work, {}, {}, {}, 0, {}};
  ctx.symtab.make_uuid = [&work] { return work.new_uuid(); };
  for (VsctlCommand& cmd : commands) {
    auto st = cmd.spec->run(ctx, cmd);
    if (!st.ok()) return fail(st.error().message, ctx.exit_status ? ctx.exit_status : 1);
  }
  VsctlResult result;
  result.err = ctx.warnings;
  NT_TRY(finish_transaction(ctx, result.err));
  bool changed = !same_content(db, work);
  if (changed && !g.no_wait) ++work.ovs().next_cfg;
  if (changed && !g.dry_run) db = std::move(work);
  result.out = collect_output(commands, g);
  return result;
}

}  // namespace

std::span<const CommandSpec> vsctl_commands() { return kCommands; }

const std::optional<std::string>* VsctlCommand::option(std::string_view name) const {
  auto it = options.find(name);
  return it == options.end() ? nullptr : &it->second;
}

VsctlResult vsctl_execute(Db& db, const std::vector<std::string>& argv) {
  GlobalOptions g;
  VsctlCommand local;
  ArgCursor cur{argv};
  auto st = parse_global_options(cur, g, local);
  if (!st.ok()) return fail(st.error().message);
  if (g.help) return VsctlResult{0, usage(), ""};
  if (g.version) return VsctlResult{0, std::string(kProgram) + " (Neutrino)\n", ""};
  auto commands = parse_commands(argv, cur.i, std::move(local));
  if (!commands.ok()) return fail(commands.error().message);
  auto result = run_transaction(db, *commands, g);
  if (!result.ok()) return fail(result.error().message);
  return std::move(result).value();
}

}  // namespace nt
