#include "vswitchd/state_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/files.h"

namespace nt {
namespace {

Error file_error(const std::string& path, int err) {
  return make_error(path + ": " + std::strerror(err),
                    err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kInternal);
}

std::array<uint32_t, 256> crc32c_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}

}  // namespace

Result<std::string> read_state_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return file_error(path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return file_error(path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    if (S_ISDIR(st.st_mode)) return file_error(path, EISDIR);
    return make_error(path + ": not a regular file", ErrorCode::kInternal);
  }
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (true) {
    if (got == out.size()) out.resize(out.size() + 65536);
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return file_error(path, err);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Result<std::string> set_aside(const std::string& path, bool keep_original) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return file_error(path, errno);
  for (int n = 1; n < 100000; ++n) {
    std::string to = path + ".rejected-" + std::to_string(n);
    struct stat taken {};
    if (::lstat(to.c_str(), &taken) == 0) continue;
    int r = keep_original && S_ISREG(st.st_mode)
                ? ::link(path.c_str(), to.c_str())
                : ::renameat2(AT_FDCWD, path.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE);
    if (r == 0) {
      sync_parent_dir(path);
      return to;
    }
    if (errno != EEXIST) return file_error(to, errno);
  }
  return make_error(path + ": too many rejected copies", ErrorCode::kInternal);
}

#if defined(__x86_64__)
// SSE4.2's crc32 instruction computes CRC-32C 8 bytes at a time (a bundle's journal record is
// megabytes); the same value as the table below.
static __attribute__((target("sse4.2"))) uint32_t crc32c_sse42(std::string_view data,
                                                               uint32_t crc) {
  uint64_t c = crc;
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, data.data() + i, 8);
    c = __builtin_ia32_crc32di(c, word);
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; i < data.size(); ++i) c32 = __builtin_ia32_crc32qi(c32, static_cast<uint8_t>(data[i]));
  return c32;
}
#endif

uint32_t crc32c(std::string_view data, uint32_t crc) {
#if defined(__x86_64__)
  static const bool kHardware = __builtin_cpu_supports("sse4.2");
  if (kHardware) return ~crc32c_sse42(data, ~crc);
#endif
  static const std::array<uint32_t, 256> kTable = crc32c_table();
  crc = ~crc;
  for (unsigned char c : data) crc = kTable[(crc ^ c) & 0xff] ^ (crc >> 8);
  return ~crc;
}

}  // namespace nt
