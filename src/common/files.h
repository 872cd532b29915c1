// Files the daemon writes, written so that nothing planted in a directory can redirect them.
//
// `write_file_atomic` is the one way the daemon replaces a file (conf.db, flow files, the
// pidfile): the data goes to a temporary file beside the target with a random name created
// with O_CREAT | O_EXCL | O_NOFOLLOW (a symlink or file planted under any name is never opened,
// let alone followed or truncated), is fsync'd, renamed over the target (rename replaces a
// symlink, never writes through it) and the directory is fsync'd. A reader, or a restart after
// kill -9, sees the old file or the new one, never half of one.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace nt {

// fsync of the directory that holds `path` (a rename or a new name is durable after it).
void sync_parent_dir(const std::string& path);

// Errors read "PATH: strerror text".
Status write_file_atomic(const std::string& path, std::string_view data, int mode = 0644);

// The same replacement written a piece at a time: open() creates the temporary file, append()
// writes to it, commit() fsyncs, renames over the target and fsyncs the directory; abort() (or
// the destructor, before commit) removes the temporary file. commit() touches only the file
// and its names, so a worker thread may run it while the caller goes on.
class AtomicFile {
 public:
  AtomicFile() = default;
  ~AtomicFile() { abort(); }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status open(const std::string& path, int mode = 0644);
  Status append(std::string_view data);
  Status commit();
  void abort();

 private:
  int fd_ = -1;
  std::string path_, tmp_;
};

}  // namespace nt
