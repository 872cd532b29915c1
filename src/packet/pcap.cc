#include "packet/pcap.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "packet/packet.h"

namespace nt {

namespace {

constexpr uint32_t kMagicUsec = 0xa1b2c3d4;
constexpr uint32_t kMagicNsec = 0xa1b23c4d;
constexpr uint32_t kMaxRecord = 256 * 1024;

void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }  // host order, as the magic
void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

Error io_error(const std::string& what, const std::string& path) {
  return make_error(what + " " + path + ": " + std::strerror(errno), ErrorCode::kInternal);
}

uint32_t bswap32(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

bool is_pcap_magic(uint32_t m) {
  return m == kMagicUsec || m == kMagicNsec || m == bswap32(kMagicUsec) || m == bswap32(kMagicNsec);
}

// Opens `path` for a new capture without following a symlink (O_NOFOLLOW) and truncates it
// only if it is empty or already a pcap file; anything else is refused, untouched.
Result<int> open_capture_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) {
    if (errno == ELOOP) {
      return make_error(path + ": is a symbolic link; refusing to write a capture through it");
    }
    return io_error("cannot create", path);
  }
  struct stat st {};
  uint32_t magic = 0;
  const char* refuse = nullptr;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    refuse = "is not a regular file";
  } else if (st.st_size > 0 &&
             (::pread(fd, &magic, sizeof magic, 0) != sizeof magic || !is_pcap_magic(magic))) {
    refuse = "exists and is not a pcap file";
  } else if (st.st_size > 0 && ::ftruncate(fd, 0) != 0) {
    refuse = "cannot be truncated";
  }
  if (refuse) {
    ::close(fd);
    return make_error(path + ": " + refuse + "; refusing to overwrite it");
  }
  return fd;
}

}  // namespace

Status PcapWriter::open(const std::string& path, uint32_t snaplen) {
  file_.reset();
  auto fd = open_capture_file(path);
  if (!fd.ok()) return fd.error();
  file_.reset(::fdopen(*fd, "wb"));
  if (!file_) {
    ::close(*fd);
    return io_error("cannot create", path);
  }
  snaplen_ = snaplen;
  frames_ = 0;
  uint8_t h[24] = {};
  put32(h, kMagicUsec);
  put16(h + 4, 2);  // version 2.4
  put16(h + 6, 4);
  put32(h + 16, snaplen);
  put32(h + 20, kPcapLinkEthernet);
  if (std::fwrite(h, 1, sizeof h, file_.get()) != sizeof h || std::fflush(file_.get()) != 0) {
    file_.reset();
    return io_error("cannot write", path);
  }
  return ok_status();
}

Status PcapWriter::write(const uint8_t* data, size_t len, int64_t ts_usec) {
  if (!file_) return make_error("pcap writer is not open", ErrorCode::kInternal);
  uint32_t caplen = static_cast<uint32_t>(len < snaplen_ ? len : snaplen_);
  uint8_t h[16];
  put32(h, static_cast<uint32_t>(ts_usec / 1000000));
  put32(h + 4, static_cast<uint32_t>(ts_usec % 1000000));
  put32(h + 8, caplen);
  put32(h + 12, static_cast<uint32_t>(len));
  bool ok = std::fwrite(h, 1, sizeof h, file_.get()) == sizeof h &&
            std::fwrite(data, 1, caplen, file_.get()) == caplen && std::fflush(file_.get()) == 0;
  if (!ok)
    return make_error(std::string("pcap write failed: ") + std::strerror(errno),
                      ErrorCode::kInternal);
  ++frames_;
  return ok_status();
}

Status PcapWriter::write(const Packet& pkt, int64_t ts_usec) {
  return write(pkt.data(), pkt.size(), ts_usec);
}

uint32_t PcapReader::field(const uint8_t* p) const {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return swapped_ ? bswap32(v) : v;
}

Status PcapReader::open(const std::string& path) {
  file_.reset();
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) file_.reset(::fdopen(fd, "rb"));
  if (!file_) {
    if (fd >= 0) ::close(fd);
    return io_error("cannot open", path);
  }
  uint8_t h[24];
  if (std::fread(h, 1, sizeof h, file_.get()) != sizeof h) {
    return make_error(path + ": not a pcap file (short header)");
  }
  uint32_t magic;
  std::memcpy(&magic, h, 4);
  swapped_ = magic == bswap32(kMagicUsec) || magic == bswap32(kMagicNsec);
  uint32_t m = swapped_ ? bswap32(magic) : magic;
  if (m != kMagicUsec && m != kMagicNsec) return make_error(path + ": not a pcap file (magic)");
  nanosecond_ = m == kMagicNsec;
  snaplen_ = field(h + 16);
  linktype_ = field(h + 20);
  return ok_status();
}

Result<bool> PcapReader::next(PcapRecord& rec) {
  if (!file_) return make_error("pcap reader is not open", ErrorCode::kInternal);
  uint8_t h[16];
  size_t got = std::fread(h, 1, sizeof h, file_.get());
  if (got == 0) return false;
  if (got != sizeof h) return make_error("pcap: truncated record header");
  uint32_t caplen = field(h + 8);
  if (caplen > kMaxRecord) return make_error("pcap: implausible record length");
  uint32_t frac = field(h + 4);
  rec.ts_usec = int64_t{field(h)} * 1000000 + (nanosecond_ ? frac / 1000 : frac);
  rec.orig_len = field(h + 12);
  rec.data.resize(caplen);
  if (caplen && std::fread(rec.data.data(), 1, caplen, file_.get()) != caplen) {
    return make_error("pcap: truncated record data");
  }
  return true;
}

std::vector<PcapRecord> read_pcap_records(const std::string& path, size_t from) {
  std::vector<PcapRecord> out;
  PcapReader r;
  if (!r.open(path).ok()) return out;
  PcapRecord rec;
  for (size_t i = 0;; ++i) {
    auto more = r.next(rec);
    if (!more.ok() || !*more) break;
    if (i >= from) out.push_back(rec);
  }
  return out;
}

}  // namespace nt
