// State files: reading and writing the files the daemon keeps under its run directory
// (conf.db, flows/<bridge>.flows and .journal) safely.
//
// read_state_file() refuses anything that is not a regular file with a clear message
// ("conf.db: Is a directory") instead of letting a C++ stream fail in odd ways.
// Snapshots are replaced with common/files.h's write_file_atomic(). set_aside() keeps a copy of a
// file the daemon could not read under the first free `<name>.rejected-N`, never overwriting an
// earlier copy and never deleting one. crc32c() is CRC-32C (Castagnoli), the checksum of each
// journal record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nt {

// The whole of the regular file at `path`. A missing file is ErrorCode::kNotFound; every error
// message starts with `path` ("PATH: Is a directory", "PATH: Permission denied").
Result<std::string> read_state_file(const std::string& path);

// Keeps the current `path` as `path.rejected-N` (the first N not taken) and returns that name.
// With `keep_original`, a regular file is hard-linked, so `path` itself stays until it is
// replaced (only for files that are replaced by rename, never written in place); otherwise it
// is renamed away.
Result<std::string> set_aside(const std::string& path, bool keep_original);

uint32_t crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace nt
