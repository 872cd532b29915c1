#include "vswitchd/flow_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "common/files.h"
#include "common/memory.h"
#include "common/strings.h"
#include "vswitchd/state_files.h"

namespace nt {
namespace {

constexpr std::string_view kRecordMagic = "NTJR";
constexpr std::string_view kCommitMark = "NTJC";
constexpr size_t kHeaderBytes = 12, kTrailerBytes = 4;
constexpr uint32_t kMaxRecordBytes = 1u << 30;
constexpr std::string_view kSnapshotHeader = "# nvs-flows generation=";
constexpr std::string_view kGenerationKey = "generation=";

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t get_u32(std::string_view s, size_t off) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(s[off + i])} << (8 * i);
  return v;
}

// Whether a whole, checked record starts at `off`; if so, its payload and end.
bool record_at(std::string_view data, size_t off, std::string_view* payload, size_t* end,
               std::string* why) {
  if (data.size() - off < kHeaderBytes) return (*why = "incomplete header", false);
  if (data.substr(off, 4) != kRecordMagic) return (*why = "no record magic", false);
  uint32_t len = get_u32(data, off + 4), crc = get_u32(data, off + 8);
  if (len > kMaxRecordBytes || data.size() - off - kHeaderBytes < len + size_t{kTrailerBytes}) {
    return (*why = "record extends past the end", false);
  }
  std::string_view body = data.substr(off + kHeaderBytes, len);
  if (crc32c(body) != crc) return (*why = "checksum mismatch", false);
  if (data.substr(off + kHeaderBytes + len, 4) != kCommitMark) {
    return (*why = "no commit mark", false);
  }
  *payload = body;
  *end = off + kHeaderBytes + len + kTrailerBytes;
  return true;
}

// The offset of the next whole record after `from`, or npos.
size_t next_record(std::string_view data, size_t from) {
  for (size_t at = data.find(kRecordMagic, from); at != std::string_view::npos;
       at = data.find(kRecordMagic, at + 1)) {
    std::string_view payload;
    size_t end;
    std::string why;
    if (record_at(data, at, &payload, &end, &why)) return at;
  }
  return std::string_view::npos;
}

std::string strip_dir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void set_u32(std::string& out, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Appends `r` as an add-flows line, through `spec` (reused so its action storage is allocated
// once for many rules).
void append_rule_line(std::string& out, FlowSpec& spec, const Rule& r) {
  rule_to_spec(r, &spec);
  out += format_flow(spec, FlowTextMode::kAdd);
  out += '\n';
}

// Appends the delete_strict line of one flow; a cookie mask of 0 (no cookie printed) selects
// the flow whatever its cookie.
void append_delete_line(std::string& out, uint8_t table, uint16_t priority, const Match& match,
                        uint64_t cookie = 0, uint64_t cookie_mask = 0) {
  FlowSpec del;
  del.table = table;
  del.table_given = del.priority_given = true;
  del.priority = priority;
  del.cookie = cookie;
  del.cookie_mask = cookie_mask;
  del.match = match;
  out += "delete_strict ";
  out += format_flow(del, FlowTextMode::kDelete);
  out += '\n';
}

// Appends the add lines of the rules in [begin, end) that are in place and configured.
void append_add_lines(std::string& out, const RulePtr* begin, const RulePtr* end) {
  FlowSpec spec;  // reused, so its action storage is allocated once for many rules
  for (const RulePtr* r = begin; r != end; ++r) {
    if ((*r)->removed || (*r)->learned) continue;
    out += "add ";
    append_rule_line(out, spec, **r);
  }
}

// Appends the journal lines for the rules a bundle touched: delete_strict for each removed,
// then add for each in place. A rule an add of the same identity superseded needs no line:
// the add that replaced it replaces it again on replay (so a replace-flows that changes every
// flow writes one line per flow, not two). A large bundle's adds are formatted in shares
// (common/parallel.h), each into a buffer of its own, appended in order.
// Returns whether any line was written.
bool append_change_lines(std::string& out, const std::vector<RulePtr>& touched) {
  size_t start = out.size();
  for (const RulePtr& r : touched) {
    if (r->removed && !r->superseded)
      append_delete_line(out, r->table_id, r->priority(), r->match());
  }
  size_t n = shares_for(touched.size());
  std::vector<std::string> parts(n);
  run_ranges(touched.size(), n, [&](size_t i, size_t begin, size_t end) {
    std::string& part = i == 0 ? out : parts[i];
    if (i > 0) part.reserve((end - begin) * 96);
    append_add_lines(part, touched.data() + begin, touched.data() + end);
  });
  for (size_t i = 1; i < n; ++i) out += parts[i];
  return out.size() > start;
}

// Whether a bundle's op can be journaled from the op alone: an add (the line of the rule it
// makes), or a delete_strict of one exact flow (the deletes replace-flows makes), written with
// its cookie and mask so that replay removes what the op removed and nothing else.
bool preparable(const FlowOp& op) {
  if (op.cmd == FlowModCommand::kAdd) return true;
  return op.cmd == FlowModCommand::kDeleteStrict && op.spec.table_given && op.spec.priority_given &&
         op.spec.out_port == ofp_port::kNone;
}

void append_op_line(std::string& out, FlowSpec& spec, const FlowOp& op) {
  if (op.cmd != FlowModCommand::kAdd) {
    return append_delete_line(out, op.spec.table, op.spec.priority, op.spec.match, op.spec.cookie,
                              op.spec.cookie_mask);
  }
  added_rule_spec(op.spec, &spec);
  out += "add ";
  out += format_flow(spec, FlowTextMode::kAdd);
  out += '\n';
}

// The worker's "done" to the event loop (-1: no eventfd; the timer carries on instead).
void signal_eventfd(int fd) {
  uint64_t one = 1;
  if (fd >= 0) (void)!::write(fd, &one, sizeof one);
}

std::optional<uint64_t> parse_generation(std::string_view line) {
  if (line.substr(0, kGenerationKey.size()) != kGenerationKey) return std::nullopt;
  auto v = parse_uint(line.substr(kGenerationKey.size()), 64);
  if (!v) return std::nullopt;
  return static_cast<uint64_t>(*v);
}

}  // namespace

// A compaction running in the background: the captured rules, the slice cursor, the new
// snapshot's temporary file and the worker thread (first it sorts the capture into dump order,
// then, once the loop has formatted every slice, it makes the file durable).
struct FlowStore::Background {
  enum class Phase { kSorting, kFormatting, kSyncing };
  Phase phase = Phase::kSorting;
  std::string bridge;
  struct Captured {
    uint32_t order;  // dump_order(): dump-flows order, then seq
    uint64_t seq;
    RulePtr rule;
  };
  std::vector<Captured> rules;  // configured rules at the capture, in dump order
  size_t next = 0;              // the next rule to format
  uint64_t generation = 0;      // the generation the snapshot holds
  uint64_t journal_mark = 0;    // the journal's size at the capture: later records are newer
  uint64_t bytes = 0;           // snapshot size so far
  AtomicFile file;
  FlowSpec spec;  // reused for every rule's line
  std::string buf;
  std::thread writer;
  std::atomic<bool> sorted{false}, done{false};
  Status result = ok_status();

  ~Background() {
    if (writer.joinable()) writer.join();
  }
};

std::string encode_journal_record(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + kHeaderBytes + kTrailerBytes);
  out += kRecordMagic;
  put_u32(out, static_cast<uint32_t>(payload.size()));
  put_u32(out, crc32c(payload));
  out += payload;
  out += kCommitMark;
  return out;
}

JournalScan scan_journal(std::string_view data) {
  JournalScan scan;
  size_t off = 0;
  while (off < data.size()) {
    std::string_view payload;
    size_t end;
    std::string why;
    if (record_at(data, off, &payload, &end, &why)) {
      scan.records.emplace_back(payload);
      scan.valid_end = off = end;
      continue;
    }
    size_t next = next_record(data, off + 1);
    if (next == std::string_view::npos) {
      scan.torn_tail = true;  // nothing whole follows: an append that never completed
      break;
    }
    scan.corrupt.push_back("offset " + std::to_string(off) + ": " + why);
    off = next;
  }
  return scan;
}

bool FlowStore::exists(const std::string& bridge) const {
  struct stat st {};
  return ::lstat(path(bridge).c_str(), &st) == 0 || ::lstat(journal_path(bridge).c_str(), &st) == 0;
}

void FlowStore::close_journal(Files& f) {
  if (f.journal_fd >= 0) ::close(f.journal_fd);
  f.journal_fd = -1;
}

Status FlowStore::open_journal(const std::string& bridge, Files& f) {
  if (f.journal_fd >= 0) return ok_status();
  std::string jpath = journal_path(bridge);
  ::mkdir(dir_.c_str(), 0755);
  int fd = ::open(jpath.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  bool created = false;
  if (fd < 0 && errno == ENOENT) {
    fd = ::open(jpath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    created = true;
  }
  if (fd < 0) return make_error(jpath + ": " + std::strerror(errno), ErrorCode::kInternal);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(jpath + ": not a regular file", ErrorCode::kInternal);
  }
  if (created) sync_parent_dir(jpath);
  f.journal_fd = fd;
  f.journal_size = static_cast<uint64_t>(st.st_size);
  return ok_status();
}

FlowStore::PreparedLines::PreparedLines(const std::vector<FlowOp>& ops) {
  writer_ = std::thread([this, &ops] {
    lines_.reserve(ops.size() * 96);
    FlowSpec spec;  // reused, so its action storage is allocated once
    for (const FlowOp& op : ops) append_op_line(lines_, spec, op);
  });
}

FlowStore::PreparedLines::~PreparedLines() {
  if (writer_.joinable()) writer_.join();
}

std::string FlowStore::PreparedLines::take() {
  if (writer_.joinable()) writer_.join();
  return std::move(lines_);
}

std::unique_ptr<FlowStore::PreparedLines> FlowStore::prepare_lines(const std::vector<FlowOp>& ops) {
  if (ops.size() < kPrepareOps) return nullptr;
  if (!std::all_of(ops.begin(), ops.end(), preparable)) return nullptr;
  try {
    return std::make_unique<PreparedLines>(ops);
  } catch (const std::system_error&) {
    return nullptr;  // no thread to be had: commit() formats the lines itself
  }
}

// The record is built in place in one buffer (header, payload, then length and CRC filled in,
// commit mark), written with one write() and made durable with one fdatasync(): a bundle of
// any size costs one record and one sync.
Status FlowStore::commit(const Ofproto& br, const std::vector<RulePtr>& touched,
                         PreparedLines* prepared) {
  auto start = std::chrono::steady_clock::now();
  Files& f = files(br.name());
  std::string rec;
  rec.reserve(kHeaderBytes + 32 + touched.size() * 96 + kTrailerBytes);
  advise_huge_pages_for(rec);
  rec += kRecordMagic;
  rec.append(8, '\0');  // length and CRC, filled in below
  rec += "generation=" + std::to_string(f.generation + 1) + "\n";
  if (prepared) {
    rec += prepared->take();
  } else if (!append_change_lines(rec, touched)) {
    return ok_status();  // only learned flows changed: never persisted
  }
  std::string_view payload = std::string_view(rec).substr(kHeaderBytes);
  set_u32(rec, 4, static_cast<uint32_t>(payload.size()));
  set_u32(rec, 8, crc32c(payload));
  rec += kCommitMark;
  auto fail = [&](const std::string& why) {
    return make_error(
        "cannot save the flows of " + br.name() + " (" + why + "); nothing was changed",
        ErrorCode::kInternal);
  };
  if (Status st = open_journal(br.name(), f); !st.ok()) return fail(st.error().message);
  std::string_view rest = rec;
  int err = 0;
  while (!rest.empty()) {
    ssize_t n = ::write(f.journal_fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (!err && ::fdatasync(f.journal_fd) != 0) err = errno;
  if (err) {
    // Cut the journal back so no part of this record remains; if even that fails, close it:
    // the next commit reopens it and finds the size on disk.
    if (::ftruncate(f.journal_fd, static_cast<off_t>(f.journal_size)) != 0) close_journal(f);
    return fail(journal_path(br.name()) + ": " + std::strerror(err));
  }
  f.journal_size += rec.size();
  ++f.generation;
  ++n_commits_;
  commit_usec_ += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::steady_clock::now() - start)
                                            .count());
  return ok_status();
}

Status FlowStore::write_snapshot(const Ofproto& br) {
  Files& f = files(br.name());
  std::string text = std::string(kSnapshotHeader) + std::to_string(f.generation) + "\n" +
                     format_configured_flows(br);
  ::mkdir(dir_.c_str(), 0755);
  NT_TRY(write_file_atomic(path(br.name()), text));
  f.snapshot_size = text.size();
  ++n_compactions_;
  return ok_status();
}

Status FlowStore::compact(const Ofproto& br) {
  cancel_compaction(br.name());
  NT_TRY(write_snapshot(br));
  // The snapshot holds every record's change now; replay skips records it already holds, so a
  // crash before this truncation loses nothing.
  return drop_journal_before(br.name(), files(br.name()), UINT64_MAX);
}

bool FlowStore::compaction_due(const std::string& bridge) const {
  auto it = files_.find(bridge);
  if (it == files_.end() || (bg_ && bg_->bridge == bridge)) return false;
  return it->second.journal_size > kCompactBytes &&
         it->second.journal_size > 2 * it->second.snapshot_size;
}

void FlowStore::remove(const std::string& bridge) {
  cancel_compaction(bridge);
  if (auto it = files_.find(bridge); it != files_.end()) {
    close_journal(it->second);
    files_.erase(it);
  }
  ::unlink(path(bridge).c_str());
  ::unlink(journal_path(bridge).c_str());
}

// Applies `adds` (after a delete of everything) as one bundle; a flow the bridge refuses is
// logged, dropped and the rest applied.
static void apply_restored(Ofproto& br, std::vector<FlowOp> adds, const std::string& file,
                           const FlowStore::Logger& log, bool* bad) {
  adds.insert(adds.begin(), FlowOp{FlowModCommand::kDelete, FlowSpec{}});
  while (true) {
    size_t failed = 0;
    Status st = br.apply_bundle(adds, &failed);
    if (st.ok() || failed == 0) return;
    log(true, file + ": cannot restore \"" + format_flow(adds[failed].spec, FlowTextMode::kAdd) +
                  "\": " + st.error().message);
    *bad = true;
    adds.erase(adds.begin() + static_cast<std::ptrdiff_t>(failed));
  }
}

uint64_t FlowStore::replay_snapshot(Ofproto& br, const std::string& text, const Logger& log,
                                    bool* bad) {
  std::string file = path(br.name());
  uint64_t gen = 0;
  if (text.compare(0, kSnapshotHeader.size(), kSnapshotHeader) == 0) {
    size_t nl = text.find('\n');
    std::string_view first = std::string_view(text).substr(0, nl);
    if (auto g = parse_generation(first.substr(2))) gen = *g;
  }
  auto whole = parse_flow_file(text, file, nullptr, FlowModCommand::kAdd, false);
  std::vector<FlowOp> adds;
  if (whole.ok()) {
    adds = std::move(*whole);
  } else {
    // One line at a time: keep every flow that can be read.
    int line_no = 0;
    for (std::string_view rest = text; !rest.empty();) {
      size_t nl = rest.find('\n');
      std::string_view line = trim(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      ++line_no;
      if (line.empty() || line[0] == '#') continue;
      auto spec = parse_flow(line, FlowTextMode::kAdd, nullptr);
      if (spec.ok()) {
        adds.push_back({FlowModCommand::kAdd, std::move(*spec)});
        continue;
      }
      *bad = true;
      log(true, file + ":" + std::to_string(line_no) + ": " + spec.error().message);
    }
  }
  apply_restored(br, std::move(adds), file, log, bad);
  return gen;
}

uint64_t FlowStore::replay_journal(Ofproto& br, const std::string& data, uint64_t from,
                                   const Logger& log, bool* bad) {
  std::string file = journal_path(br.name());
  JournalScan scan = scan_journal(data);
  if (scan.torn_tail) {
    log(false, file + ": dropped an incomplete record at offset " + std::to_string(scan.valid_end) +
                   " (a change interrupted before it was saved)");
  }
  for (const std::string& why : scan.corrupt) {
    *bad = true;
    log(true, file + ": skipped a corrupt record at " + why);
  }
  uint64_t gen = from;
  for (const std::string& rec : scan.records) {
    std::string_view body = rec;
    size_t nl = body.find('\n');
    auto g = parse_generation(body.substr(0, nl));
    if (!g) {
      *bad = true;
      log(true, file + ": skipped a record without a generation");
      continue;
    }
    if (*g <= from) continue;  // the snapshot already holds it
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    auto ops = parse_flow_file(body, "", nullptr, FlowModCommand::kAdd, true);
    Status st = ops.ok() ? br.apply_bundle(*ops) : Status(ops.error());
    if (!st.ok()) {
      *bad = true;
      log(true,
          file + ": skipped record generation=" + std::to_string(*g) + ": " + st.error().message);
    }
    gen = std::max(gen, *g);
  }
  return gen;
}

void FlowStore::set_aside_logged(const Ofproto& br, const std::string& file, bool keep_original,
                                 const Logger& log, bool* kept) {
  auto aside = set_aside(file, keep_original);
  *kept = aside.ok();
  if (!aside.ok()) {
    log(true, "cannot keep the unreadable " + file + " aside (" + aside.error().message +
                  "); it is left as it is");
    return;
  }
  log(true, "kept the unreadable " + file + " as " + strip_dir(*aside) + "; bridge " + br.name() +
                " starts with the " + std::to_string(br.n_rules()) + " flows that could be read");
}

// Removes the temporary files a crash left while this bridge's snapshot or journal was being
// replaced (`<file>.tmp.` and the 16 hex digits common/files.cc adds; nothing else matches).
void FlowStore::remove_stale_temporaries(const std::string& bridge) {
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return;
  std::vector<std::string> stale;
  for (const char* suffix : {".flows.tmp.", ".journal.tmp."}) {
    std::string prefix = strip_dir(bridge_file(bridge, suffix));
    ::rewinddir(d);
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n.size() != prefix.size() + 16 || n.substr(0, prefix.size()) != prefix) continue;
      std::string_view hex = n.substr(prefix.size());
      if (hex.find_first_not_of("0123456789abcdef") == std::string_view::npos) {
        stale.push_back(dir_ + "/" + std::string(n));
      }
    }
  }
  ::closedir(d);
  for (const std::string& path : stale) ::unlink(path.c_str());
}

bool FlowStore::load(Ofproto& br, const Logger& log) {
  const std::string& name = br.name();
  cancel_compaction(name);
  remove_stale_temporaries(name);
  if (auto it = files_.find(name); it != files_.end()) close_journal(it->second);
  files_.erase(name);
  bool found = false, bad_snapshot = false, bad_journal = false;
  uint64_t gen = 0;
  auto snap = read_state_file(path(name));
  if (snap.ok()) {
    found = true;
    gen = replay_snapshot(br, *snap, log, &bad_snapshot);
  } else if (snap.error().code != ErrorCode::kNotFound) {
    log(true, snap.error().message);
    found = bad_snapshot = true;
  }
  auto journal = read_state_file(journal_path(name));
  if (journal.ok()) {
    found = true;
    gen = replay_journal(br, *journal, gen, log, &bad_journal);
  } else if (journal.error().code != ErrorCode::kNotFound) {
    log(true, journal.error().message);
    found = bad_journal = true;
  }
  files(name).generation = gen;
  if (!found) return false;
  // The unreadable snapshot stays (hard link) until the new one replaces it by rename; the
  // journal is moved aside only once a snapshot holds every good record.
  bool kept = true;
  if (bad_snapshot) set_aside_logged(br, path(name), true, log, &kept);
  if (!kept) return true;  // never replace the only copy
  if (!bad_journal) {
    if (Status st = compact(br); !st.ok()) log(true, st.error().message);
    return true;
  }
  if (Status st = write_snapshot(br); !st.ok()) {
    log(true, st.error().message);
    return true;
  }
  set_aside_logged(br, journal_path(name), false, log, &kept);
  return true;
}

FlowStore::FlowStore(std::string dir) : dir_(std::move(dir)) {}

FlowStore::~FlowStore() {
  bg_.reset();  // joins the writer, removes an unfinished temporary file
  for (auto& [name, f] : files_) close_journal(f);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

int FlowStore::wake_fd() {
  if (wake_fd_ < 0) wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return wake_fd_;
}

Status FlowStore::start_compaction(const Ofproto& br) {
  if (bg_) return make_error("a compaction is running", ErrorCode::kConflict);
  auto bg = std::make_unique<Background>();
  bg->bridge = br.name();
  Files& f = files(br.name());
  NT_TRY(open_journal(br.name(), f));  // its size on disk is the mark
  bg->generation = f.generation;
  bg->journal_mark = f.journal_size;
  ::mkdir(dir_.c_str(), 0755);
  NT_TRY(bg->file.open(path(br.name())));
  // The table's rules read in place (no classifier walk, no lookup per rule) with their sort
  // keys beside them, so the worker orders the array without reading a rule.
  bg->rules.reserve(br.n_rules());
  br.for_each_rule([&](const RulePtr& r) {
    if (r->learned) return;
    bg->rules.push_back({dump_order(*r), r->seq, r});
  });
  bg->buf = std::string(kSnapshotHeader) + std::to_string(bg->generation) + "\n";
  int wake = wake_fd();
  Background* b = bg.get();
  bg->writer = std::thread([b, wake] {
    std::sort(b->rules.begin(), b->rules.end(), [](const auto& x, const auto& y) {
      return x.order != y.order ? x.order < y.order : x.seq < y.seq;
    });
    b->sorted = true;
    signal_eventfd(wake);
  });
  bg_ = std::move(bg);
  return ok_status();
}

bool FlowStore::compaction_step() {
  if (!bg_) return false;
  Background& bg = *bg_;
  if (bg.phase == Background::Phase::kSorting) {
    if (!bg.sorted) return false;  // the worker wakes the loop when it is
    bg.writer.join();
    bg.phase = Background::Phase::kFormatting;
  }
  if (bg.phase != Background::Phase::kFormatting) return false;
  size_t end = std::min(bg.rules.size(), bg.next + kCompactSliceRules);
  for (; bg.next < end; ++bg.next) {
    RulePtr& r = bg.rules[bg.next].rule;
    if (!r->removed && !r->learned) append_rule_line(bg.buf, bg.spec, *r);
    r.reset();  // released a slice at a time, on the loop's thread
  }
  bool last = bg.next == bg.rules.size();
  if (bg.buf.size() >= (256u << 10) || last) {
    bg.bytes += bg.buf.size();
    bg.result = bg.file.append(bg.buf);
    bg.buf.clear();
  }
  if (!last && bg.result.ok()) return true;
  bg.rules = {};  // the rest of the references, on the loop's thread
  bg.phase = Background::Phase::kSyncing;
  int wake = wake_fd();
  bg.writer = std::thread([&bg, wake] {
    if (bg.result.ok()) bg.result = bg.file.commit();
    bg.done = true;
    signal_eventfd(wake);
  });
  return false;
}

void FlowStore::finish_compactions(const Logger& log) {
  if (wake_fd_ >= 0) {
    uint64_t n;
    (void)!::read(wake_fd_, &n, sizeof n);
  }
  if (!bg_ || !bg_->done) return;
  std::unique_ptr<Background> bg = std::move(bg_);
  bg->writer.join();
  if (!bg->result.ok()) {
    log(true, "compaction of " + bg->bridge + ": " + bg->result.error().message +
                  " (the journal keeps every change)");
    return;
  }
  Files& f = files(bg->bridge);
  f.snapshot_size = bg->bytes;
  ++n_compactions_;
  if (Status st = drop_journal_before(bg->bridge, f, bg->journal_mark); !st.ok()) {
    log(true, "compaction of " + bg->bridge + ": " + st.error().message);
  }
}

void FlowStore::cancel_compaction(const std::string& bridge) {
  if (bg_ && bg_->bridge == bridge) bg_.reset();  // joins the writer; aborts the temporary file
}

// Drops the journal's records before byte `mark` (the snapshot holds them; UINT64_MAX: all of
// them) and keeps the rest: truncation when nothing came after, else the newer records rewritten as
// the whole journal (atomically: until the rename the old journal, with every record, stays).
Status FlowStore::drop_journal_before(const std::string& bridge, Files& f, uint64_t mark) {
  std::string jpath = journal_path(bridge);
  struct stat st {};
  if (f.journal_fd < 0 && ::lstat(jpath.c_str(), &st) != 0) return ok_status();
  NT_TRY(open_journal(bridge, f));
  if (f.journal_size <= mark) {
    if (::ftruncate(f.journal_fd, 0) != 0 || ::fdatasync(f.journal_fd) != 0) {
      return make_error(jpath + ": " + std::strerror(errno), ErrorCode::kInternal);
    }
    f.journal_size = 0;
    return ok_status();
  }
  auto text = read_state_file(jpath);  // the journal's fd is write-only
  if (!text.ok()) return text.error();
  if (text->size() < f.journal_size) {
    return make_error(jpath + ": shorter than written", ErrorCode::kInternal);
  }
  std::string newer = text->substr(mark, f.journal_size - mark);
  NT_TRY(write_file_atomic(jpath, newer));
  close_journal(f);
  f.journal_size = newer.size();
  return ok_status();
}

}  // namespace nt
