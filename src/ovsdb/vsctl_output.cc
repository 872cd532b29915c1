// What nvs-vsctl prints: `show` (Open vSwitch's overview, driven by a show table as in
// ovs-vsctl) and the result tables of list/find in the list, table, csv and json formats of
// Open vSwitch's lib/table.c.
#include <array>
#include <cstdio>

#include "ovsdb/vsctl_internal.h"

namespace nt {

namespace {

// One line per row: "<Table> <name>" (or the row's UUID), then each column that is not at its
// default as "column: value", one level deeper. A reference column shows the referenced rows
// instead; a column with a `row_label` shows each element as a row of that name (Bridge
// controller targets print like Open vSwitch's Controller rows).
struct ShowColumn {
  std::string_view name;
  std::string_view row_label;
};

struct ShowTable {
  TableId table;
  bool named;  // first line "<Table> <name>" (else the row's UUID)
  std::array<ShowColumn, 3> columns;
};

constexpr ShowTable kShowTables[] = {
    {TableId::kOpenVSwitch, false, {{{"bridges", ""}, {"ovs_version", ""}, {"", ""}}}},
    {TableId::kBridge, true, {{{"controller", "Controller"}, {"fail_mode", ""}, {"ports", ""}}}},
    {TableId::kPort, true, {{{"tag", ""}, {"trunks", ""}, {"interfaces", ""}}}},
    {TableId::kInterface, true, {{{"type", ""}, {"options", ""}, {"error", ""}}}},
};

const ShowTable* show_table(TableId id) {
  for (const ShowTable& t : kShowTables) {
    if (t.table == id) return &t;
  }
  return nullptr;
}

void show_row(const Db& db, TableId table, const Uuid& row, int level, std::string& out);

void show_column(const Db& db, const TableSpec& spec, const Uuid& row, const ShowColumn& sc,
                 int level, std::string& out) {
  const ColumnSpec* column = find_column(spec, sc.name);
  if (!column) return;
  Datum d = read_column(db, spec.id, row, *column);
  std::string indent(static_cast<size_t>(level + 1) * 4, ' ');
  if (column->type.key.ref_table && show_table(*column->type.key.ref_table)) {
    for (const auto& entry : d) {
      const Uuid& ref = std::get<Uuid>(entry.first);
      if (find_row(db, *column->type.key.ref_table, ref)) {
        show_row(db, *column->type.key.ref_table, ref, level + 1, out);
      }
    }
  } else if (!sc.row_label.empty()) {
    for (const auto& entry : d) {
      out += indent + std::string(sc.row_label) + " " + atom_to_string(entry.first) + "\n";
    }
  } else if (!is_default(d, column->type)) {
    out += indent + std::string(column->name) + ": " + datum_to_string(d, column->type) + "\n";
  }
}

void show_row(const Db& db, TableId table, const Uuid& row, int level, std::string& out) {
  const TableSpec& spec = table_spec(table);
  const ShowTable* st = show_table(table);
  out += std::string(static_cast<size_t>(level) * 4, ' ');
  const ColumnSpec* name = find_column(spec, spec.name_column);
  if (st && st->named && name) {
    out += std::string(spec.name) + " " +
           datum_to_string(read_column(db, table, row, *name), name->type) + "\n";
  } else {
    out += row.to_string() + "\n";
  }
  if (!st) return;
  for (const ShowColumn& sc : st->columns) {
    if (!sc.name.empty()) show_column(db, spec, row, sc, level, out);
  }
}

std::string cell_text(const OutputTable::Cell& cell, CellFormat format) {
  switch (format) {
    case CellFormat::kBare:
      return datum_to_bare(cell.datum, cell.type);
    case CellFormat::kJson:
      return datum_to_json_text(cell.datum, cell.type);
    case CellFormat::kString:
      break;
  }
  return datum_to_string(cell.datum, cell.type);
}

void finish_line(std::string& out) {
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += '\n';
}

void pad(std::string& out, std::string_view text, size_t width) {
  out += text;
  if (text.size() < width) out.append(width - text.size(), ' ');
}

void format_list(const OutputTable& t, const OutputStyle& style, std::string& out) {
  for (size_t y = 0; y < t.rows.size(); ++y) {
    if (y > 0) out += '\n';
    for (size_t x = 0; x < t.headings.size(); ++x) {
      if (style.headings) {
        pad(out, t.headings[x], 20);
        out += ": ";
      }
      out += cell_text(t.rows[y][x], style.cell) + "\n";
    }
  }
}

void format_columns(const OutputTable& t, const OutputStyle& style, std::string& out) {
  std::vector<size_t> widths(t.headings.size(), 0);
  std::vector<std::vector<std::string>> texts;
  for (const auto& row : t.rows) {
    texts.emplace_back();
    for (size_t x = 0; x < row.size(); ++x) {
      texts.back().push_back(cell_text(row[x], style.cell));
      widths[x] = std::max(widths[x], texts.back().back().size());
    }
  }
  if (style.headings) {
    for (size_t x = 0; x < widths.size(); ++x) {
      widths[x] = std::max(widths[x], t.headings[x].size());
      if (x) out += ' ';
      pad(out, t.headings[x], widths[x]);
    }
    finish_line(out);
    for (size_t x = 0; x < widths.size(); ++x) out += (x ? " " : "") + std::string(widths[x], '-');
    finish_line(out);
  }
  for (const auto& row : texts) {
    for (size_t x = 0; x < row.size(); ++x) {
      if (x) out += ' ';
      pad(out, row[x], widths[x]);
    }
    finish_line(out);
  }
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of("\n\",") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void format_csv(const OutputTable& t, const OutputStyle& style, std::string& out) {
  if (style.headings) {
    for (size_t x = 0; x < t.headings.size(); ++x) out += (x ? "," : "") + csv_cell(t.headings[x]);
    out += '\n';
  }
  for (const auto& row : t.rows) {
    for (size_t x = 0; x < row.size(); ++x) {
      out += (x ? "," : "") + csv_cell(cell_text(row[x], style.cell));
    }
    out += '\n';
  }
}

void format_json(const OutputTable& t, std::string& out) {
  out += "{\"data\":[";
  for (size_t y = 0; y < t.rows.size(); ++y) {
    out += y ? ",[" : "[";
    for (size_t x = 0; x < t.rows[y].size(); ++x) {
      out += (x ? "," : "") + datum_to_json_text(t.rows[y][x].datum, t.rows[y][x].type);
    }
    out += "]";
  }
  out += "],\"headings\":[";
  for (size_t x = 0; x < t.headings.size(); ++x) out += (x ? "," : "") + json_quote(t.headings[x]);
  out += "]}\n";
}

}  // namespace

void format_table(const OutputTable& table, const OutputStyle& style, int index, std::string& out) {
  if (index > 0 && style.format != TableFormat::kJson) out += '\n';
  switch (style.format) {
    case TableFormat::kList:
      format_list(table, style, out);
      break;
    case TableFormat::kTable:
      format_columns(table, style, out);
      break;
    case TableFormat::kCsv:
      format_csv(table, style, out);
      break;
    case TableFormat::kJson:
      format_json(table, out);
      break;
  }
}

std::string format_show(const Db& db) {
  std::string out;
  for (const auto& entry : db.open_vswitch) {
    show_row(db, TableId::kOpenVSwitch, entry.first, 0, out);
  }
  return out;
}

Status cmd_show(VsctlContext& ctx, VsctlCommand& cmd) {
  cmd.output = format_show(ctx.db);
  return ok_status();
}

Status cmd_nothing(VsctlContext&, VsctlCommand&) { return ok_status(); }

}  // namespace nt
