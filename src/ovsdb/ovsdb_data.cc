#include "ovsdb/ovsdb_data.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

namespace nt {

namespace {

constexpr std::string_view kTokenDelims = ":=, []{}!<>";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Uuid uuid_from_words(uint64_t hi, uint64_t lo) {
  Uuid u;
  for (int i = 0; i < 8; ++i) {
    u.bytes[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    u.bytes[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  u.bytes[6] = static_cast<uint8_t>((u.bytes[6] & 0x0f) | 0x40);  // version 4
  u.bytes[8] = static_cast<uint8_t>((u.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return u;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view skip_spaces(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

bool is_delim(char c) { return kTokenDelims.find(c) != std::string_view::npos; }

// Appends the UTF-8 encoding of code point `cp`.
void put_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

std::optional<uint32_t> parse_hex4(std::string_view s) {
  if (s.size() < 4) return std::nullopt;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    int h = hex_value(s[i]);
    if (h < 0) return std::nullopt;
    v = v * 16 + static_cast<uint32_t>(h);
  }
  return v;
}

// Decodes the body of a JSON string literal (without its quotes).
// The character a one-letter JSON escape stands for, or 0.
char simple_escape(char c) {
  constexpr std::string_view kFrom = "\"\\/bfnrt";
  constexpr std::string_view kTo = "\"\\/\b\f\n\r\t";
  size_t i = kFrom.find(c);
  return i == std::string_view::npos ? '\0' : kTo[i];
}

// Decodes the body of a JSON string literal (without its quotes).
Result<std::string> json_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i == s.size()) return make_error("quoted string may not end with backslash");
    if (char c = simple_escape(s[i])) {
      out += c;
    } else if (s[i] == 'u') {
      auto cp = parse_hex4(s.substr(i + 1));
      if (!cp) return make_error("malformed \\u escape");
      put_utf8(out, *cp);
      i += 4;
    } else {
      return make_error(std::string("bad escape \\") + s[i]);
    }
  }
  return out;
}

Result<Atom> parse_integer(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || errno != 0 || *end != '\0') {
    return make_error("\"" + s + "\" is not a valid integer");
  }
  return Atom{static_cast<int64_t>(v)};
}

Result<Atom> parse_boolean(std::string_view s) {
  if (s == "true" || s == "yes" || s == "on" || s == "1") return Atom{true};
  if (s == "false" || s == "no" || s == "off" || s == "0") return Atom{false};
  return make_error("\"" + std::string(s) +
                    "\" is not a valid boolean (use \"true\" or \"false\")");
}

Result<Atom> parse_string(std::string_view s) {
  if (s.empty()) {
    return make_error(
        "An empty string is not valid as input; use \"\" to represent the empty string");
  }
  if (s.front() != '"') return Atom{std::string(s)};
  if (s.size() < 2 || s.back() != '"') {
    return make_error(std::string(s) + ": missing quote at end of quoted string");
  }
  auto r = json_unescape(s.substr(1, s.size() - 2));
  if (!r.ok()) return make_error(std::string(s) + ": " + r.error().message);
  return Atom{std::move(r).value()};
}

Result<Atom> parse_uuid(std::string_view s, SymbolTable* symtab) {
  if (!s.empty() && s.front() == '@' && symtab) {
    auto it = symtab->symbols.find(s);
    if (it == symtab->symbols.end()) {
      SymbolTable::Symbol sym;
      sym.uuid = symtab->make_uuid ? symtab->make_uuid() : random_uuid();
      it = symtab->symbols.emplace(std::string(s), sym).first;
    }
    it->second.referenced = true;
    return Atom{it->second.uuid};
  }
  auto u = Uuid::parse(s);
  if (!u) return make_error("\"" + std::string(s) + "\" is not a valid UUID");
  return Atom{*u};
}

std::string enums_to_string(std::span<const std::string_view> enums) {
  std::string out = "[";
  for (size_t i = 0; i < enums.size(); ++i) {
    if (i) out += ", ";
    out += atom_to_string(Atom{std::string(enums[i])});
  }
  return out + "]";
}

Status check_integer_range(const BaseType& type, int64_t v) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (v >= type.min && v <= type.max) return ok_status();
  std::string n = std::to_string(v);
  if (type.min != kMin && type.max != kMax) {
    return make_error("constraint violation: " + n + " is not in the valid range " +
                      std::to_string(type.min) + " to " + std::to_string(type.max) +
                      " (inclusive)");
  }
  if (type.min != kMin) {
    return make_error("constraint violation: " + n + " is less than minimum allowed value " +
                      std::to_string(type.min));
  }
  return make_error("constraint violation: " + n + " is greater than maximum allowed value " +
                    std::to_string(type.max));
}

// One element of a datum: an atom, or for maps key=value. Advances `p`.
Status parse_element(const ColumnType& type, std::string_view& p, SymbolTable* symtab, Datum& out,
                     std::string_view whole) {
  std::string_view start = p;
  auto key_tok = parse_token(p);
  if (!key_tok.ok()) return key_tok.error();
  auto key = parse_atom(type.key, *key_tok, symtab);
  if (!key.ok()) return key.error();
  Atom value;
  if (type.is_map()) {
    p = skip_spaces(p);
    if (p.empty() || p.front() != '=') {
      std::string at = p.empty() ? std::string() : std::string(1, p.front());
      return make_error(std::string(start) + ": syntax error at \"" + at + "\" expecting \"=\"");
    }
    p = skip_spaces(p.substr(1));
    auto value_tok = parse_token(p);
    if (!value_tok.ok()) return value_tok.error();
    auto v = parse_atom(type.value, *value_tok, symtab);
    if (!v.ok()) return v.error();
    value = std::move(v).value();
  }
  if (!out.emplace(std::move(key).value(), std::move(value)).second) {
    return make_error(std::string(whole) + (type.is_map() ? ": map contains duplicate key"
                                                          : ": set contains duplicate value"));
  }
  return ok_status();
}

Status check_size(const ColumnType& type, size_t n, std::string_view text) {
  const char* what = type.is_map() ? "pair(s)" : "value(s)";
  if (n < type.n_min) {
    return make_error(std::string(text) + ": " + std::to_string(n) + " " + what +
                      " specified but the minimum number is " + std::to_string(type.n_min));
  }
  if (n > type.n_max) {
    return make_error(std::string(text) + ": " + std::to_string(n) + " " + what +
                      " specified but the maximum number is " + std::to_string(type.n_max));
  }
  return ok_status();
}

std::string atomic_english(const BaseType& base) {
  switch (base.type) {
    case AtomType::kInteger:
      return "integer";
    case AtomType::kBoolean:
      return "boolean";
    case AtomType::kString:
      return "string";
    case AtomType::kUuid:
      return "uuid";
    case AtomType::kVoid:
      break;
  }
  return "void";
}

int compare_atoms(const Atom& a, const Atom& b) {
  if (a < b) return -1;
  return b < a ? 1 : 0;
}

}  // namespace

std::string Uuid::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
  return out;
}

std::optional<Uuid> Uuid::parse(std::string_view s) {
  if (s.size() != 36) return std::nullopt;
  Uuid u;
  size_t b = 0;
  for (size_t i = 0; i < s.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i++] != '-') return std::nullopt;
      continue;
    }
    int hi = hex_value(s[i]);
    int lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    u.bytes[b++] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return u;
}

Uuid random_uuid() {
  thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }());
  uint64_t hi = gen();
  uint64_t lo = gen();
  return uuid_from_words(hi, lo);
}

std::function<Uuid()> seeded_uuid_source(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return [gen] {
    uint64_t hi = (*gen)();
    uint64_t lo = (*gen)();
    return uuid_from_words(hi, lo);
  };
}

bool string_needs_quotes(std::string_view s) {
  auto alpha = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  if (s.empty() || (!alpha(s[0]) && s[0] != '_')) return true;
  for (char c : s.substr(1)) {
    if (!alpha(c) && c != '_' && c != '-' && c != '.') return true;
  }
  return s == "true" || s == "false";
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string atom_to_string(const Atom& atom) {
  if (auto* i = std::get_if<int64_t>(&atom)) return std::to_string(*i);
  if (auto* b = std::get_if<bool>(&atom)) return *b ? "true" : "false";
  if (auto* s = std::get_if<std::string>(&atom)) {
    return string_needs_quotes(*s) ? json_quote(*s) : *s;
  }
  if (auto* u = std::get_if<Uuid>(&atom)) return u->to_string();
  return "";
}

std::string datum_to_string(const Datum& datum, const ColumnType& type) {
  bool brackets = type.n_max > 1 || datum.empty();
  std::string out;
  if (brackets) out += type.is_map() ? '{' : '[';
  bool first = true;
  for (const auto& [key, value] : datum) {
    if (!first) out += ", ";
    first = false;
    out += atom_to_string(key);
    if (type.is_map()) out += "=" + atom_to_string(value);
  }
  if (brackets) out += type.is_map() ? '}' : ']';
  return out;
}

std::string datum_to_bare(const Datum& datum, const ColumnType& type) {
  std::string out;
  auto bare = [](const Atom& a) {
    auto* s = std::get_if<std::string>(&a);
    return s ? *s : atom_to_string(a);
  };
  for (const auto& [key, value] : datum) {
    if (!out.empty()) out += ' ';
    out += bare(key);
    if (type.is_map()) out += "=" + bare(value);
  }
  return out;
}

Result<std::string> parse_token(std::string_view& s) {
  std::string out;
  bool in_quotes = false;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      if (in_quotes) out += '\\';
      if (i + 1 == s.size()) return make_error(std::string(s) + ": backslash at end of argument");
      out += s[++i];
    } else if (!in_quotes && is_delim(c)) {
      break;
    } else {
      out += c;
      if (c == '"') in_quotes = !in_quotes;
    }
  }
  if (in_quotes) {
    return make_error(std::string(s) + ": quoted string extends past end of argument");
  }
  s.remove_prefix(i);
  return out;
}

Result<Atom> parse_atom(const BaseType& type, std::string_view text, SymbolTable* symtab) {
  Result<Atom> atom = make_error("void atom");
  switch (type.type) {
    case AtomType::kInteger:
      atom = parse_integer(text);
      break;
    case AtomType::kBoolean:
      atom = parse_boolean(text);
      break;
    case AtomType::kString:
      atom = parse_string(text);
      break;
    case AtomType::kUuid:
      atom = parse_uuid(text, symtab);
      break;
    case AtomType::kVoid:
      break;
  }
  if (!atom.ok()) return atom;
  NT_TRY(check_atom(type, *atom));
  return atom;
}

Result<Datum> parse_datum(const ColumnType& type, std::string_view text, SymbolTable* symtab) {
  const char open = type.is_map() ? '{' : '[';
  std::string_view p = skip_spaces(text);
  char end_delim = 0;
  if (!p.empty() && p.front() == open) {
    end_delim = type.is_map() ? '}' : ']';
    p = skip_spaces(p.substr(1));
  } else if (p.empty()) {
    return make_error(type.is_map() ? "use \"{}\" to specify the empty map"
                                    : "use \"[]\" to specify the empty set");
  }
  Datum datum;
  while (!p.empty() && p.front() != end_delim) {
    if (is_delim(p.front())) {
      return make_error(std::string(text) + ": unexpected \"" + std::string(1, p.front()) +
                        "\" parsing " + type_to_english(type));
    }
    NT_TRY(parse_element(type, p, symtab, datum, text));
    p = skip_spaces(p);
    if (!p.empty() && p.front() == ',') p = skip_spaces(p.substr(1));
  }
  if (end_delim != 0) {
    if (p.empty()) {
      return make_error(std::string(text) + ": missing \"" + std::string(1, end_delim) +
                        "\" at end of data");
    }
    if (!skip_spaces(p.substr(1)).empty()) {
      return make_error(std::string(text) + ": trailing garbage after \"" +
                        std::string(1, end_delim) + "\"");
    }
  }
  NT_TRY(check_size(type, datum.size(), text));
  return datum;
}

Status check_atom(const BaseType& type, const Atom& atom) {
  if (auto* s = std::get_if<std::string>(&atom); s && !type.enums.empty()) {
    for (std::string_view e : type.enums) {
      if (e == *s) return ok_status();
    }
    return make_error("constraint violation: " + atom_to_string(atom) +
                      " is not one of the allowed values (" + enums_to_string(type.enums) + ")");
  }
  if (auto* i = std::get_if<int64_t>(&atom)) return check_integer_range(type, *i);
  return ok_status();
}

Atom default_atom(AtomType type) {
  switch (type) {
    case AtomType::kInteger:
      return Atom{int64_t{0}};
    case AtomType::kBoolean:
      return Atom{false};
    case AtomType::kString:
      return Atom{std::string()};
    case AtomType::kUuid:
      return Atom{Uuid{}};
    case AtomType::kVoid:
      break;
  }
  return Atom{};
}

Datum default_datum(const ColumnType& type) {
  Datum d;
  if (type.n_min > 0) d.emplace(default_atom(type.key.type), default_atom(type.value.type));
  return d;
}

bool is_default(const Datum& datum, const ColumnType& type) { return datum == default_datum(type); }

int compare_datums(const Datum& a, const Datum& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (int c = compare_atoms(ia->first, ib->first)) return c;
  }
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (int c = compare_atoms(ia->second, ib->second)) return c;
  }
  return 0;
}

std::string type_to_english(const ColumnType& type) {
  std::string key = atomic_english(type.key);
  if (type.n_min == 1 && type.n_max == 1 && !type.is_map()) return key;
  std::string elem = type.is_map() ? "(" + key + ", " + atomic_english(type.value) + ") pair" : key;
  if (type.n_min == 0 && type.n_max == 1) return "optional " + elem;
  std::string what = type.is_map() ? "map of " : "set of ";
  if (type.n_max == kUnlimited) {
    return what + (type.n_min ? "1 or more " : "") + elem + "s";
  }
  return what + "up to " + std::to_string(type.n_max) + " " + elem + "s";
}

}  // namespace nt
