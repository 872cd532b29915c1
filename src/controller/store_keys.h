// What both store engines (sqlite_store.cc, pg_store.cc) share about their rows: the indexed
// columns taken from a body, and the fixed-width lowercase hex keys of allocation pools with
// the cursor value of an exhausted range.
#pragma once

#include <string>

#include "controller/store.h"

namespace nt::controller {

// The cursor of an exhausted range: above every hex key, so a release lowers it.
inline constexpr const char* kExhausted = "z";

// "00ff" -> "0100"; "" when the key was the largest of its width.
inline std::string hex_increment(std::string key) {
  for (size_t i = key.size(); i-- > 0;) {
    char& c = key[i];
    if (c == 'f') {
      c = '0';
      continue;
    }
    c = c == '9' ? 'a' : static_cast<char>(c + 1);
    return key;
  }
  return "";
}

// An indexed column's value: the body's string member, or "" when absent or not a string.
inline std::string column_of(const Json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace nt::controller
