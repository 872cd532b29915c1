// Names that come from clients: bridges, ports and interfaces, checked once and never trusted.
//
// A name reaches the daemon from nvs-vsctl, nvs-ofctl, nvs-appctl, the control socket (where
// JSON can carry any byte, NUL included) and lab files. `validate_name` is the one rule every
// entry point applies, in the manner of Open vSwitch (which refuses '/' and names no device
// could have): not empty, at most kMaxNameLen bytes, no '/', no NUL, no control character and
// not "." or "..". The error says which rule failed.
//
// What makes it safe whatever slips past a check: a name is never used as a path. A file named
// after a bridge is named by `escape_file_name`, which keeps only [A-Za-z0-9_.-] and writes
// every other byte (and a leading '.') as %XX, so the result is one path component that can
// never be "", ".", ".." or contain '/' or NUL, and two names never map to one file. Log lines
// carry names through `escape_for_log` (the Vlog sink applies it to every message), so a
// newline or control character in a name cannot forge a log line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nt {

inline constexpr size_t kMaxNameLen = 64;

// `kind` words the error: "bridge", "port", "interface". Error:
//   invalid bridge name "a/b": contains '/'
Status validate_name(std::string_view kind, std::string_view name);

// One path component for `name`: [A-Za-z0-9_.-] kept, any other byte and a leading '.' as %XX.
std::string escape_file_name(std::string_view name);

// `text` with '\\', control characters (newline included) and DEL as C escapes (\n, \t, \\,
// \xHH), so it stays one line.
std::string escape_for_log(std::string_view text);

}  // namespace nt
