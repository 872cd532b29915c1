#include "common/ini.h"

#include <cctype>
#include <sstream>

#include "common/strings.h"

namespace nt {

Result<IniData> parse_ini(const std::string& text, const std::string& file) {
  IniData ini;
  std::string section;
  std::istringstream in(text);
  std::string raw;
  int lineno = 0;
  while (std::getline(in, raw)) {
    ++lineno;
    std::string_view line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    std::string where = file + ":" + std::to_string(lineno) + ": ";
    if (line[0] == '[') {
      if (line.back() != ']' || line.size() < 3) return make_error(where + "malformed section");
      section = std::string(trim(line.substr(1, line.size() - 2)));
      ini[section];
      continue;
    }
    size_t eq = line.find_first_of("=:");
    if (eq == std::string_view::npos) return make_error(where + "expected 'key = value'");
    if (section.empty()) return make_error(where + "option outside of any [section]");
    std::string key(trim(line.substr(0, eq)));
    if (key.empty()) return make_error(where + "empty option name");
    ini[section][key] = std::string(trim(line.substr(eq + 1)));
  }
  return ini;
}

std::vector<std::string> split_ini_list(const std::string& value) {
  std::vector<std::string> out;
  std::string_view rest = value;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

Result<bool> parse_ini_bool(const std::string& value) {
  std::string t(trim(value));
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  return make_error("'" + std::string(trim(value)) + "' is not a boolean");
}

}  // namespace nt
