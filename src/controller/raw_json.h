// Raw JSON: walking the stored bodies of a list as text, without parsing them into Json.
//
// The store keeps each resource's body as Json::dump() wrote it: compact, keys sorted, valid.
// A list response that only splices those bodies, drops a few top-level members or reads one
// string member needs no parser: these functions skip values by tracking strings (and their
// escapes) and bracket depth. They assume valid JSON (what dump() writes) and report a shape
// they do not expect (not an object, a truncated value) as nullopt, so the caller can fall back
// to parsing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nt::controller {

// The values of a comma-separated sequence of JSON values (the text between an array's
// brackets), as views into `text`; nullopt when a value is truncated.
std::optional<std::vector<std::string_view>> split_values(std::string_view text);

// One top-level member of a compact object, as views into its text.
struct RawMember {
  std::string_view whole;  // "key":value
  std::string_view key;    // without its quotes, escapes as written
  std::string_view value;
};

// The top-level members of a compact object, in order; nullopt when `object` is not one.
std::optional<std::vector<RawMember>> raw_members(std::string_view object);

// The raw text of the string member `key`, between its quotes; nullopt when the member is
// absent, not a string or contains an escape.
std::optional<std::string_view> plain_string(const std::vector<RawMember>& members,
                                             std::string_view key);

// The object of `members` without those named in `drop` (names without escapes), appended to
// `out` as dump() would write the object after erasing them.
void append_without(const std::vector<RawMember>& members,
                    const std::vector<std::string_view>& drop, std::string& out);

}  // namespace nt::controller
