// The INI dialect of oslo.config (Neutron's configuration files), read once for every program:
// `[section]` headers, `key = value` (or `key: value`) lines, `#` and `;` comments. The last
// value of a key wins; each program applies the sections it knows (neutrino-server's
// ServerConfig, neutrino-agent's AgentConfig) and words its own errors as "FILE: [SECTION] KEY:
// why". Nothing here knows an option.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace nt {

// The sections and keys of one INI text: section -> key -> value (last one wins).
using IniData = std::map<std::string, std::map<std::string, std::string>>;
// Errors name "FILE:LINE: ".
Result<IniData> parse_ini(const std::string& text, const std::string& file);

// oslo.config's list: comma-separated items, blanks trimmed, empty items dropped.
std::vector<std::string> split_ini_list(const std::string& value);
// oslo.config's booleans: true/false, 1/0, yes/no, on/off (any case).
Result<bool> parse_ini_bool(const std::string& value);

}  // namespace nt
