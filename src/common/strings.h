// Small string helpers shared by every text parser and formatter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nt {

std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
// Splits on `sep` at nesting depth 0 of (), so "a,learn(b,c),d" -> {"a","learn(b,c)","d"}.
std::vector<std::string_view> split_top_level(std::string_view s, char sep);
// The words of `v` from index `from` on, joined by single spaces.
std::string join_words(const std::vector<std::string>& v, size_t from = 0);
// Parses a decimal or 0x-hex unsigned integer that must fit in `bits` bits.
std::optional<uint64_t> parse_uint(std::string_view s, int bits = 64);
std::string to_hex(uint64_t v);                        // "0x64"
std::string hex_bytes(const uint8_t* data, size_t n);  // "0a0b..."
std::optional<std::vector<uint8_t>> parse_hex_bytes(std::string_view s);
// One line of coverage/show: the event name padded to 36 columns, then "total: N".
std::string coverage_line(std::string_view name, uint64_t total);

}  // namespace nt
