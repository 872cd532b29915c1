// FlowStore: a bridge's configured OpenFlow flows, kept durable under the run directory.
//
// Each bridge has a snapshot, `<rundir>/flows/<bridge>.flows` (first line
// `# nvs-flows generation=N`, then one flow per line in add-flows syntax), and an append-only
// journal, `<rundir>/flows/<bridge>.journal`. Every flow change is one journal record
//   "NTJR" | u32 length | u32 CRC-32C of the payload | payload | "NTJC"
// (little-endian) whose payload is `generation=N` and the change as add-flows lines: an `add`
// of each rule the change left in place, a `delete_strict` of each it removed. A record is
// appended and fdatasync'ed inside the bundle's commit hook (Ofproto::apply_bundle), before the
// change is in effect; if that fails the journal is cut back and the bundle undone. So a
// change costs O(size of the change), not O(all flows), and whatever a command reported as
// done survives kill -9.
//
// Compaction writes a new snapshot (O_EXCL temporary, fsync, rename, directory fsync)
// carrying the generation of the last record, then drops the journal records it holds. At
// start-up and on configuration changes it runs at once (compact). On the daemon's timer, once
// a journal is larger than kCompactBytes and than twice its snapshot, it runs in the
// background so forwarding never waits on it: start_compaction captures the bridge's rules
// (pointers with their sort keys) at generation G and a worker thread sorts them into dump
// order; compaction_step then formats the next slice of them into the temporary file from the
// event loop; the worker then fsyncs and renames it (only the file is shared with it);
// finish_compactions, when wake_fd() is readable, keeps the journal's records written since the
// capture and drops the rest. Rules changed after the capture are written as they are by the time
// the slice reaches them; that is safe because every record after G states the whole new state of
// each rule it touched, so replaying them over such a snapshot gives the same flows. A crash at any
// point is harmless: replay skips records whose generation the snapshot already holds.
//
// Start-up (load) removes temporary files a crash left, then replays snapshot + journal. A torn
// record at the end of the journal (a crash in the middle of an append, never acknowledged) is
// dropped. A snapshot line or journal record that cannot be read does not cost the other flows: the
// bridge starts with every flow that could be read, the unreadable file is kept as
// `<file>.rejected-N` (never overwritten, never deleted) and the log says what was set aside and
// why.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/files.h"
#include "common/names.h"
#include "common/parallel.h"
#include "ofproto/bundle.h"

namespace nt {

inline constexpr uint64_t kCompactBytes = 4u << 20;  // journal size that makes compaction due
inline constexpr size_t kCompactSliceRules = 256;    // rules formatted per event-loop step

// One journal record: header, payload, commit mark.
std::string encode_journal_record(std::string_view payload);

// What a journal holds: the payloads of its valid records, in order.
struct JournalScan {
  std::vector<std::string> records;
  size_t valid_end = 0;              // the offset just past the last valid record
  bool torn_tail = false;            // the file ends in an incomplete or unchecked record (dropped)
  std::vector<std::string> corrupt;  // records skipped in the middle: "offset N: why"
};
JournalScan scan_journal(std::string_view data);

class FlowStore {
 public:
  using Logger = std::function<void(bool error, const std::string& msg)>;

  explicit FlowStore(std::string dir);
  ~FlowStore();
  FlowStore(const FlowStore&) = delete;
  FlowStore& operator=(const FlowStore&) = delete;

  // The one place a bridge's file names are built: `<dir>/<bridge><suffix>`, the bridge name
  // escaped into one path component (common/names.h), so no name can reach outside dir_.
  std::string bridge_file(const std::string& bridge, std::string_view suffix) const {
    return dir_ + "/" + escape_file_name(bridge) + std::string(suffix);
  }
  std::string path(const std::string& bridge) const { return bridge_file(bridge, ".flows"); }
  std::string journal_path(const std::string& bridge) const {
    return bridge_file(bridge, ".journal");
  }

  // Whether the bridge has a snapshot or a journal on disk.
  bool exists(const std::string& bridge) const;
  // Replaces the flows of `br` with the saved ones (snapshot + journal), setting aside what
  // cannot be read (see above), then compacts. Returns false if nothing was saved.
  bool load(Ofproto& br, const Logger& log);
  // The journal lines of a large bundle, formatted on a thread of its own while the bundle is
  // applied: an add's line is the line of the rule it makes (added_rule_spec), a delete_strict
  // of one exact flow (cookie and mask kept) the op itself, so neither needs the rules.
  // prepare_lines() returns null unless every op is one of these and there are at least
  // kPrepareOps of them; commit() then takes the lines instead of formatting them.
  class PreparedLines {
   public:
    explicit PreparedLines(const std::vector<FlowOp>& ops);  // ops must outlive it
    ~PreparedLines();
    PreparedLines(const PreparedLines&) = delete;
    PreparedLines& operator=(const PreparedLines&) = delete;
    std::string take();  // the lines, once the thread has written them all

   private:
    std::string lines_;
    std::thread writer_;
  };
  static constexpr size_t kPrepareOps = kShareMinItems;
  static std::unique_ptr<PreparedLines> prepare_lines(const std::vector<FlowOp>& ops);
  // Makes one change durable: appends a record for the rules a bundle touched (or, given
  // `prepared`, the bundle's prepared lines). On error the journal is as before and the
  // message reads "cannot save the flows of BR (PATH: why)".
  Status commit(const Ofproto& br, const std::vector<RulePtr>& touched,
                PreparedLines* prepared = nullptr);
  // Writes a snapshot of `br`'s configured flows and empties its journal.
  Status compact(const Ofproto& br);
  // Only the snapshot part of compact().
  Status write_snapshot(const Ofproto& br);
  // Whether the journal has grown enough for compaction (kCompactBytes and 2x the snapshot).
  bool compaction_due(const std::string& bridge) const;
  void remove(const std::string& bridge);

  // Background compaction, one bridge at a time (see above); start_compaction fails if one is
  // already running or the temporary file cannot be made. compaction_step formats one slice
  // (kCompactSliceRules rules) and returns whether slices remain, so the loop keeps calling it
  // without sleeping; it returns false while the worker sorts or syncs (the worker signals
  // wake_fd() when it is done with either).
  Status start_compaction(const Ofproto& br);
  bool compaction_step();
  // Completes a compaction whose snapshot is durable (or logs why it failed; the journal
  // then keeps every record). Call when wake_fd() is readable (then call compaction_step too).
  void finish_compactions(const Logger& log);
  bool compacting() const { return bg_ != nullptr; }
  // An eventfd the worker thread signals when the capture is sorted and when the snapshot is
  // written (-1 if none could be made: the timer's wake-ups then carry the compaction on).
  int wake_fd();

  // Counters for coverage/show: journal records written and the time spent writing them.
  uint64_t n_commits() const { return n_commits_; }
  uint64_t commit_usec() const { return commit_usec_; }
  uint64_t n_compactions() const { return n_compactions_; }

 private:
  struct Files {
    int journal_fd = -1;
    uint64_t generation = 0;
    uint64_t journal_size = 0;
    uint64_t snapshot_size = 0;
  };
  Files& files(const std::string& bridge) { return files_[bridge]; }
  Status open_journal(const std::string& bridge, Files& f);
  void close_journal(Files& f);
  uint64_t replay_snapshot(Ofproto& br, const std::string& text, const Logger& log, bool* bad);
  void set_aside_logged(const Ofproto& br, const std::string& file, bool keep_original,
                        const Logger& log, bool* kept);
  uint64_t replay_journal(Ofproto& br, const std::string& data, uint64_t from, const Logger& log,
                          bool* bad);

  struct Background;
  void cancel_compaction(const std::string& bridge);
  void remove_stale_temporaries(const std::string& bridge);
  Status drop_journal_before(const std::string& bridge, Files& f, uint64_t mark);

  std::string dir_;
  std::map<std::string, Files> files_;
  std::unique_ptr<Background> bg_;
  int wake_fd_ = -1;
  uint64_t n_commits_ = 0, commit_usec_ = 0, n_compactions_ = 0;
};

}  // namespace nt
