// Classic pcap files (the format tcpdump and Wireshark read): a writer for capturing what a
// port or the underlay sees, and a reader for replaying or checking captures.
//
// Files use LINKTYPE_ETHERNET (1) and microsecond timestamps, written in host byte order
// with the standard magic so any reader can tell. The writer flushes after every frame, so a
// `tcpdump -r` or `tail`-style reader sees each frame as soon as write() returns; capture is
// a debugging aid, not a fast path. The reader accepts either byte order and nanosecond
// files (it converts to microseconds).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace nt {

class Packet;

inline constexpr uint32_t kPcapLinkEthernet = 1;

class PcapWriter {
 public:
  PcapWriter() = default;
  PcapWriter(PcapWriter&&) = default;
  PcapWriter& operator=(PcapWriter&&) = default;

  // Creates `path` (mode 0640) and writes the file header. Never follows a symlink
  // (O_NOFOLLOW) and truncates only an empty file or an earlier capture (pcap magic): any
  // other existing file is refused with an error and left as it was.
  Status open(const std::string& path, uint32_t snaplen = 65535);
  // Appends one frame; `ts_usec` is microseconds since the Unix epoch. Frames longer than
  // the snap length are truncated in the file (their original length is recorded).
  Status write(const uint8_t* data, size_t len, int64_t ts_usec);
  Status write(const Packet& pkt, int64_t ts_usec);
  void close() { file_.reset(); }
  bool is_open() const { return file_ != nullptr; }
  uint64_t frames() const { return frames_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file_;
  uint32_t snaplen_ = 65535;
  uint64_t frames_ = 0;
};

struct PcapRecord {
  int64_t ts_usec = 0;
  uint32_t orig_len = 0;  // length on the wire (data may be shorter if snapped)
  std::vector<uint8_t> data;
};

class PcapReader {
 public:
  // Opens `path` and checks the file header.
  Status open(const std::string& path);
  // Reads the next frame into `rec`: true, or false at a clean end of file; an error for a
  // truncated or implausible record.
  Result<bool> next(PcapRecord& rec);
  uint32_t linktype() const { return linktype_; }
  uint32_t snaplen() const { return snaplen_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  uint32_t field(const uint8_t* p) const;
  std::unique_ptr<std::FILE, Closer> file_;
  bool swapped_ = false;
  bool nanosecond_ = false;
  uint32_t linktype_ = 0;
  uint32_t snaplen_ = 0;
};

// The records of a pcap file that a writer may still be appending to: every complete record
// from index `from` on (a record still being written, or a damaged one, ends the list; a file
// that cannot be opened gives none).
std::vector<PcapRecord> read_pcap_records(const std::string& path, size_t from = 0);

}  // namespace nt
