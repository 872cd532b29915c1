#include "controller/raw_json.h"

#include <algorithm>

namespace nt::controller {
namespace {

constexpr size_t kBad = std::string_view::npos;

// `s[i]` is the opening quote of a string: the index after its closing quote, or kBad.
size_t skip_string(std::string_view s, size_t i) {
  for (i = s.find('"', i + 1); i != kBad; i = s.find('"', i + 1)) {
    size_t slashes = 0;  // an odd run of backslashes before it escapes the quote
    while (s[i - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 0) return i + 1;
  }
  return kBad;
}

// An object or array at `s[i]`: the index after its closing bracket, or kBad.
size_t skip_container(std::string_view s, size_t i) {
  int depth = 0;
  for (; i < s.size(); i = s.find_first_of("\"{}[]", i + 1)) {
    if (i == kBad) return kBad;
    char c = s[i];
    if (c == '"') {
      i = skip_string(s, i);
      if (i == kBad) return kBad;
      --i;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return kBad;
}

// The value at `s[i]` (compact JSON): the index after it, or kBad.
size_t skip_value(std::string_view s, size_t i) {
  if (i >= s.size()) return kBad;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') return skip_container(s, i);
  size_t end = s.find_first_of(",}]", i);  // a number, true, false or null
  return end == i ? kBad : std::min(end, s.size());
}

}  // namespace

std::optional<std::vector<RawMember>> raw_members(std::string_view s) {
  std::vector<RawMember> out;
  out.reserve(32);
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return std::nullopt;
  size_t i = 1;
  while (i < s.size() - 1) {
    if (s[i] != '"') return std::nullopt;
    size_t key_end = skip_string(s, i);
    if (key_end == kBad || key_end >= s.size() || s[key_end] != ':') return std::nullopt;
    size_t value_end = skip_value(s, key_end + 1);
    if (value_end == kBad || value_end >= s.size()) return std::nullopt;
    out.push_back({s.substr(i, value_end - i), s.substr(i + 1, key_end - i - 2),
                   s.substr(key_end + 1, value_end - key_end - 1)});
    i = value_end;
    if (s[i] == ',')
      ++i;
    else if (i != s.size() - 1)
      return std::nullopt;
  }
  return out;
}

std::optional<std::vector<std::string_view>> split_values(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = skip_value(text, i);
    if (end == kBad) return std::nullopt;
    out.push_back(text.substr(i, end - i));
    if (end < text.size() && text[end] != ',') return std::nullopt;
    i = end + 1;
  }
  return out;
}

std::optional<std::string_view> plain_string(const std::vector<RawMember>& members,
                                             std::string_view key) {
  for (const auto& m : members) {
    if (m.key != key) continue;
    std::string_view v = m.value;
    if (v.size() < 2 || v.front() != '"' || v.find('\\') != kBad) return std::nullopt;
    return v.substr(1, v.size() - 2);
  }
  return std::nullopt;
}

void append_without(const std::vector<RawMember>& members,
                    const std::vector<std::string_view>& drop, std::string& out) {
  out += '{';
  bool first = true;
  for (const auto& m : members) {
    if (std::find(drop.begin(), drop.end(), m.key) != drop.end()) continue;
    if (!first) out += ',';
    first = false;
    out.append(m.whole);
  }
  out += '}';
}

}  // namespace nt::controller
