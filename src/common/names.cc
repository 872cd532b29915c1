#include "common/names.h"

#include <cstdio>

namespace nt {
namespace {

std::string hex_escape(const char* fmt, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, fmt, c);
  return buf;
}

// Printable form of a name inside an error message (the name itself may hold anything).
std::string quoted(std::string_view name) {
  return "\"" + escape_for_log(name.substr(0, 2 * kMaxNameLen)) +
         (name.size() > 2 * kMaxNameLen ? "...\"" : "\"");
}

}  // namespace

Status validate_name(std::string_view kind, std::string_view name) {
  auto bad = [&](const std::string& why) {
    return make_error("invalid " + std::string(kind) + " name " + quoted(name) + ": " + why,
                      ErrorCode::kInvalidArgument);
  };
  if (name.empty()) return bad("name must not be empty");
  if (name.size() > kMaxNameLen) {
    return bad("longer than " + std::to_string(kMaxNameLen) + " bytes");
  }
  if (name == "." || name == "..") return bad("not a valid name");
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '/') return bad("contains '/'");
    if (c == 0) return bad("contains a NUL byte");
    if (c < 0x20 || c == 0x7f) return bad("contains control character " + hex_escape("0x%02x", c));
  }
  return ok_status();
}

std::string escape_file_name(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 8);
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || (c == '.' && i > 0);
    out += keep ? std::string(1, static_cast<char>(c)) : hex_escape("%%%02X", c);
  }
  if (out.empty()) out = "%";  // the empty name: still one component, unlike any other name
  return out;
}

std::string escape_for_log(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\\':
        out += "\\\\";
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
        if (c < 0x20 || c == 0x7f) {
          out += hex_escape("\\x%02x", c);
        } else {
          out += ch;
        }
    }
  }
  return out;
}

}  // namespace nt
