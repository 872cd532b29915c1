#include "common/files.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nt {
namespace {

std::string random_suffix() {
  uint64_t r = 0;
  if (::getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r) {
    r = static_cast<uint64_t>(::getpid()) * 0x9e3779b97f4a7c15ULL ^ reinterpret_cast<uintptr_t>(&r);
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(r));
  return buf;
}

// Creates a fresh temporary file beside `path`; never opens anything that already exists.
int create_temp(const std::string& path, int mode, std::string& tmp) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    tmp = path + ".tmp." + random_suffix();
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Error file_error(const std::string& path, int err) {
  return make_error(path + ": " + std::strerror(err), ErrorCode::kInternal);
}

}  // namespace

Status AtomicFile::open(const std::string& path, int mode) {
  abort();
  path_ = path;
  fd_ = create_temp(path, mode, tmp_);
  if (fd_ < 0) return file_error(tmp_, errno);
  return ok_status();
}

Status AtomicFile::append(std::string_view data) {
  if (fd_ < 0) return file_error(path_, EBADF);
  if (!write_all(fd_, data)) return file_error(path_, errno ? errno : EIO);
  return ok_status();
}

void sync_parent_dir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  ::fsync(dfd);
  ::close(dfd);
}

Status AtomicFile::commit() {
  if (fd_ < 0) return file_error(path_, EBADF);
  bool ok = ::fsync(fd_) == 0;
  int err = errno;
  if (::close(fd_) != 0 && ok) {  // NFS and friends report write errors at close
    ok = false;
    err = errno;
  }
  fd_ = -1;
  if (ok && ::rename(tmp_.c_str(), path_.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(tmp_.c_str());
    return file_error(path_, err);
  }
  sync_parent_dir(path_);
  return ok_status();
}

void AtomicFile::abort() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(tmp_.c_str());
  fd_ = -1;
}

Status write_file_atomic(const std::string& path, std::string_view data, int mode) {
  AtomicFile f;
  NT_TRY(f.open(path, mode));
  NT_TRY(f.append(data));  // on error the destructor removes the temporary file
  return f.commit();
}

}  // namespace nt
