#include "xlate/trace.h"

#include <cstdio>

#include "common/strings.h"

namespace nt {

std::optional<TraceFormat> parse_trace_format(std::string_view s) {
  if (s == "text") return TraceFormat::kText;
  if (s == "json") return TraceFormat::kJson;
  return std::nullopt;
}

TraceNode TraceNode::bridge(std::string name) {
  TraceNode n;
  n.kind = Kind::kBridge;
  n.text = std::move(name);
  return n;
}

TraceNode TraceNode::action(std::string text) {
  TraceNode n;
  n.kind = Kind::kAction;
  n.text = std::move(text);
  return n;
}

TraceNode TraceNode::make_note(NoteKind k, std::string text) {
  TraceNode n;
  n.kind = Kind::kNote;
  n.note = k;
  n.text = std::move(text);
  return n;
}

namespace {

using Kind = TraceNode::Kind;

std::string cookie_hex(uint64_t c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(c));
  return buf;
}

// ---- text -----------------------------------------------------------------------------------

class TextFormatter {
 public:
  std::string out;

  void node(const TraceNode& n, int col, int table_col) {
    switch (n.kind) {
      case Kind::kBridge:
        return bridge(n, col);
      case Kind::kTable:
        return table(n, col);
      case Kind::kAction:
        return action(n, col, table_col);
      case Kind::kNote:
        return note(n, col);
    }
  }

 private:
  void line(int col, std::string_view s) {
    out.append(static_cast<size_t>(col), ' ');
    out += s;
    out += '\n';
  }
  void bridge(const TraceNode& n, int col) {
    std::string title = "bridge(\"" + n.text + "\")";
    line(col, title);
    line(col, std::string(title.size(), '-'));
    for (const TraceNode& c : n.children) node(c, col, col);
  }
  void table(const TraceNode& n, int col) {
    char num[8];
    std::snprintf(num, sizeof num, "%2u. ", n.table);
    std::string s = num;
    if (!n.matched) {
      line(col, s + "No match.");
      line(col + 4, "drop");
    } else {
      if (!n.text.empty()) s += n.text + ", ";
      s += "priority " + std::to_string(n.priority);
      if (n.cookie) s += ", cookie " + cookie_hex(n.cookie);
      line(col, s);
    }
    for (const TraceNode& c : n.children) node(c, col + 4, col);
  }
  // An action's nested tables and notes print at its column; a tail table at its rule's
  // table's column; a patch port's bridge after a blank line, one level deeper.
  void action(const TraceNode& n, int col, int table_col) {
    line(col, n.text);
    for (const TraceNode& c : n.children) {
      if (c.kind == Kind::kBridge) {
        out += '\n';
        node(c, col + 4, col + 4);
      } else if (c.kind == Kind::kTable && c.tail) {
        node(c, table_col, table_col);
      } else {
        node(c, col, col);
      }
    }
  }
  void note(const TraceNode& n, int col) {
    switch (n.note) {
      case TraceNode::NoteKind::kResult:
        return line(col, " -> " + n.text);
      case TraceNode::NoteKind::kDetail:
        return line(col, n.text);
      case TraceNode::NoteKind::kError:
        return line(col, ">>>> " + n.text + " <<<<");
    }
  }
};

// ---- JSON -----------------------------------------------------------------------------------

const char* note_kind_name(TraceNode::NoteKind k) {
  switch (k) {
    case TraceNode::NoteKind::kResult:
      return "result";
    case TraceNode::NoteKind::kDetail:
      return "detail";
    case TraceNode::NoteKind::kError:
      return "error";
  }
  return "";
}

void json_node(const TraceNode& n, std::string& s);

void json_children(const TraceNode& n, std::string& s) {
  s += ",\"children\":[";
  for (size_t i = 0; i < n.children.size(); ++i) {
    if (i) s += ',';
    json_node(n.children[i], s);
  }
  s += "]}";
}

void json_table(const TraceNode& n, std::string& s) {
  s += "{\"type\":\"table\",\"table\":" + std::to_string(n.table);
  s += std::string(",\"tail\":") + (n.tail ? "true" : "false") + ",\"rule\":";
  if (n.matched) {
    s += "{\"match\":" + json_string(n.text) + ",\"priority\":" + std::to_string(n.priority) +
         ",\"cookie\":\"" + to_hex(n.cookie) + "\"}";
  } else {
    s += "null";
  }
  json_children(n, s);
}

void json_node(const TraceNode& n, std::string& s) {
  switch (n.kind) {
    case Kind::kBridge:
      s += "{\"type\":\"bridge\",\"name\":" + json_string(n.text);
      return json_children(n, s);
    case Kind::kTable:
      return json_table(n, s);
    case Kind::kAction:
      s += "{\"type\":\"action\",\"action\":" + json_string(n.text);
      return json_children(n, s);
    case Kind::kNote:
      s += std::string("{\"type\":\"note\",\"kind\":\"") + note_kind_name(n.note) +
           "\",\"text\":" + json_string(n.text) + "}";
      return;
  }
}

}  // namespace

std::string format_trace_text(const TraceNode& root) {
  TextFormatter f;
  f.node(root, 0, 0);
  return std::move(f.out);
}

std::string format_trace_json(const TraceNode& root) {
  std::string s;
  json_node(root, s);
  return s;
}

std::string json_string(std::string_view v) {
  std::string s = "\"";
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      s += '\\';
      s += c;
    } else if (c == '\n') {
      s += "\\n";
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      s += buf;
    } else {
      s += c;
    }
  }
  return s + "\"";
}

}  // namespace nt
