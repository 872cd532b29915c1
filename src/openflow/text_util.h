// Shared pieces of the ovs-ofctl text syntax, used by the match, action, learn and flow parsers
// and formatters of this directory (not a public interface of the layer).
//
// Tokenizing follows ovs-ofctl: a list is a sequence of items separated by commas and/or white
// space; an item is "key", "key=value", "key:value" or "key(value)". A value given after '=' or
// ':' runs to the next separator outside parentheses and double quotes, so "learn(a,b)" and
// "in_port=\"my port\"" stay one item. The scanner never allocates: items are views into the
// input, which is what keeps bulk flow loading cheap.
//
// Values print the way Open vSwitch's mf_format() prints them: hexadecimal fields as minimal hex
// ("0" for zero, else "0x64"), decimal fields in decimal with a hex mask, addresses with CIDR
// prefixes when the mask is one, ports by reserved name ("LOCAL") or by the PortNamer's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "flow/fields.h"
#include "flow/match.h"
#include "openflow/actions.h"

namespace nt::oftext {

// ---- Tokenizing --------------------------------------------------------------------------------

struct KeyValue {
  std::string_view key;
  std::string_view value;
  char delim = 0;  // '=', ':', '(' or 0 when the item is a bare key
};

class KeyValueScanner {
 public:
  enum class Step { kItem, kEnd, kError };

  explicit KeyValueScanner(std::string_view s) : s_(s) {}
  // Reads the next item into *kv. On kError, error() says what is malformed.
  Step next(KeyValue* kv);
  const std::string& error() const { return error_; }

 private:
  size_t scan_value(size_t from, bool paren);  // index one past the value's last character

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

bool is_space_or_comma(char c);
bool iequals(std::string_view a, std::string_view b);

// ---- Numbers -----------------------------------------------------------------------------------

// Decimal or 0x-hex unsigned integer of at most `bits` bits (bits <= 128).
std::optional<u128> parse_u128(std::string_view s, int bits = 128);
// "0" for zero, else "0x" and the minimal hex digits (ds_put_hex / "%#x" in Open vSwitch).
std::string hex_u128(u128 v);
void append_hex(std::string& out, u128 v);
void append_dec(std::string& out, uint64_t v);
// "NAME: 'VALUE' is not a valid value (expected EXPECTED)".
Error bad_value(std::string_view name, std::string_view value, std::string_view expected);
// Parses an unsigned integer of at most `max` into *out, or fails with bad_value().
Status parse_bounded(std::string_view name, std::string_view value, uint64_t max, uint64_t* out);

// ---- Ports -------------------------------------------------------------------------------------

// A port number (decimal or hex, at most 0xffff), a reserved name (IN_PORT, TABLE, NORMAL,
// FLOOD, ALL, CONTROLLER, LOCAL, ANY/NONE; any case), or a name known to `names`, optionally
// in double quotes.
std::optional<uint32_t> parse_port(std::string_view s, const PortNamer* names);
// Reserved names first, then the namer's name (quoted when it is not a plain word), else the
// number — ofputil_format_port().
void append_port(std::string& out, uint32_t port, const PortNamer* names);
// True for ports an output action may name: physical ports below kMax and the reserved ports
// except ANY/NONE (ofpact_check_output_port()).
bool valid_output_port(uint32_t port);

// ---- Fields ------------------------------------------------------------------------------------

// Field lookup by name, alias or NXM/OXM name through a hash table built once.
const FieldInfo* find_field(std::string_view name);
// The name Open vSwitch's meta-flow uses for a field where it differs from the match-printing
// name: eth_src, eth_dst, eth_type, ip_src, ip_dst, ip_frag. Used by set_field and learn.
std::string_view mf_name(const FieldInfo& f);
// "FIELD[]", "FIELD[N]", "FIELD[A..B]", or a bare field name meaning the whole field.
Result<Subfield> parse_subfield_any(std::string_view s);
// A field value (and optional mask) in the field's own syntax; ports go through parse_port().
Result<std::pair<u128, u128>> parse_value_masked(const FieldInfo& f, std::string_view s,
                                                 const PortNamer* names);
// mf_format(): value (and mask, unless it covers the whole field) in the field's syntax.
void append_field_value(std::string& out, const FieldInfo& f, u128 value, u128 mask,
                        const PortNamer* names);
void append_ipv4_masked(std::string& out, uint32_t ip, uint32_t mask);
void append_ipv6_masked(std::string& out, u128 ip, u128 mask);
void append_mac_masked(std::string& out, uint64_t mac, uint64_t mask);

// Prerequisites of using (matching, reading or writing) `f` given what `value`/`mask` pin down.
// Follows Open vSwitch, which also accepts nw_src/nw_dst/nw_proto on ARP (they are the ARP
// SPA/TPA/opcode) and icmp_type/icmp_code on ICMPv6.
bool field_prereqs_ok(const FieldInfo& f, const FlowKey& value, const FlowKey& mask);
// What to add to satisfy field_prereqs_ok(), for error messages.
std::string_view field_prereq_hint(const FieldInfo& f);

// ---- learn (learn_text.cc) ----------------------------------------------------------------------

Result<LearnAction> parse_learn(std::string_view args);
void append_learn(std::string& out, const LearnAction& learn);
Status check_learn(const LearnAction& learn, const Match& rule_match);

// ---- checks shared by action_check.cc and learn_text.cc -----------------------------------------

// Instruction order, as Open vSwitch requires it in the text syntax: write_metadata and
// goto_table at most once each, after all other actions, goto_table last.
Status check_instruction_order(const ActionList& acts);
// conjunction() may share a flow only with note (the error ovs-ofctl gives otherwise).
Status check_conjunction_company(const ActionList& acts);

// The subfield lies inside its field and its prerequisites hold in `value`/`mask`.
Status check_subfield_src(std::string_view what, const Subfield& sf, const FlowKey& value,
                          const FlowKey& mask);
// As check_subfield_src(), and the field is writable.
Status check_subfield_dst(std::string_view what, const Subfield& sf, const FlowKey& value,
                          const FlowKey& mask);

}  // namespace nt::oftext
