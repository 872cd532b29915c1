// FlowStore: the journal record codec (CRC-32C, torn tail, corrupt record in the middle),
// replay of snapshot + journal, start-up with an unreadable line (good flows kept, the file set
// aside as .rejected-N), and read_state_file's errors for things that are not regular files.
#include "vswitchd/flow_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/files.h"
#include "vswitchd/state_files.h"

namespace nt {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "nt-flowstore-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string slurp(const std::string& path) {
  auto r = read_state_file(path);
  return r.ok() ? *r : "<" + r.error().message + ">";
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t at = 0, nl; at < text.size(); at = nl + 1) {
    nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(at, nl - at));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

void spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// RFC 3720 (iSCSI) B.4's vectors: 32 bytes of zeros, of ones, ascending and descending; lengths
// that are not a multiple of 8 and a checksum continued over two pieces give the same value.
TEST(JournalCodec, Crc32cMatchesTheIscsiVectors) {
  std::string asc, desc;
  for (int i = 0; i < 32; ++i) {
    asc += static_cast<char>(i);
    desc += static_cast<char>(31 - i);
  }
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  EXPECT_EQ(crc32c(asc), 0x46DD794Eu);
  EXPECT_EQ(crc32c(desc), 0x113FDB5Cu);
  std::string text = "the quick brown fox jumps over the lazy dog, 1234567";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    std::string_view t = text;
    EXPECT_EQ(crc32c(t.substr(cut), crc32c(t.substr(0, cut))), crc32c(t)) << cut;
  }
}

TEST(JournalCodec, RoundTripsAndChecksEveryByte) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);  // the CRC-32C check value
  std::string data = encode_journal_record("one") + encode_journal_record("two");
  JournalScan scan = scan_journal(data);
  ASSERT_EQ(scan.records, (std::vector<std::string>{"one", "two"}));
  EXPECT_FALSE(scan.torn_tail);
  EXPECT_TRUE(scan.corrupt.empty());
  EXPECT_EQ(scan.valid_end, data.size());
}

TEST(JournalCodec, TornTailIsDroppedAtEveryCut) {
  std::string first = encode_journal_record("generation=1\nadd actions=drop\n");
  std::string second = encode_journal_record("generation=2\nadd priority=5 actions=drop\n");
  for (size_t cut = 1; cut < second.size(); ++cut) {
    JournalScan scan = scan_journal(first + second.substr(0, cut));
    ASSERT_EQ(scan.records.size(), 1u) << cut;
    EXPECT_TRUE(scan.torn_tail) << cut;
    EXPECT_TRUE(scan.corrupt.empty()) << cut;
    EXPECT_EQ(scan.valid_end, first.size());
  }
}

TEST(JournalCodec, CorruptRecordInTheMiddleIsReportedAndSkipped) {
  std::string a = encode_journal_record("a"), b = encode_journal_record("bbbb"),
              c = encode_journal_record("c");
  std::string data = a + b + c;
  data[a.size() + 13] ^= 0x20;  // a payload byte of b: checksum mismatch
  JournalScan scan = scan_journal(data);
  EXPECT_EQ(scan.records, (std::vector<std::string>{"a", "c"}));
  ASSERT_EQ(scan.corrupt.size(), 1u);
  EXPECT_NE(scan.corrupt[0].find("checksum mismatch"), std::string::npos);
  EXPECT_FALSE(scan.torn_tail);
}

class FlowStoreTest : public ::testing::Test {
 protected:
  Ofproto make() { return Ofproto("br0", clock_); }
  static FlowOp op(FlowModCommand cmd, std::string_view text) {
    auto s = parse_flow(text, flow_text_mode(cmd), nullptr);
    EXPECT_TRUE(s.ok()) << text;
    return {cmd, s.ok() ? *s : FlowSpec{}};
  }
  Status change(FlowStore& store, Ofproto& br, std::vector<FlowOp> ops) {
    return br.apply_bundle(ops, nullptr, [&](const std::vector<RulePtr>& touched) {
      return store.commit(br, touched);
    });
  }
  std::vector<std::string> logs_;
  FlowStore::Logger logger() {
    return [this](bool, const std::string& m) { logs_.push_back(m); };
  }
  std::string dump(const Ofproto& br) { return format_configured_flows(br); }

  ManualClock clock_{1'000'000};
  TempDir dir_;
};

TEST_F(FlowStoreTest, ChangesReplayAfterRestartWithoutRewritingTheSnapshot) {
  Ofproto br = make();
  std::string want;
  {
    FlowStore store(dir_.path());
    ASSERT_TRUE(store.compact(br).ok());
    std::string snapshot = slurp(store.path("br0"));
    ASSERT_TRUE(change(store, br, {op(FlowModCommand::kAdd, "priority=5,ip actions=drop")}).ok());
    ASSERT_TRUE(change(store, br,
                       {op(FlowModCommand::kAdd, "priority=6,arp actions=NORMAL"),
                        op(FlowModCommand::kModify, "ip actions=output:3")})
                    .ok());
    ASSERT_TRUE(change(store, br, {op(FlowModCommand::kDeleteStrict, "priority=6,arp")}).ok());
    EXPECT_EQ(slurp(store.path("br0")), snapshot);  // only the journal grew
    EXPECT_EQ(store.n_commits(), 3u);
    want = dump(br);
  }
  Ofproto again = make();
  FlowStore store(dir_.path());
  ASSERT_TRUE(store.load(again, logger()));
  EXPECT_EQ(dump(again), want);
  EXPECT_TRUE(logs_.empty());
  EXPECT_EQ(slurp(store.journal_path("br0")), "");  // compacted at start-up
  EXPECT_EQ(slurp(store.path("br0")).rfind("# nvs-flows generation=3\n", 0), 0u);
}

// An add that replaces a flow of the same identity (what replace-flows does to every changed
// flow) is journaled as one add line, with no delete_strict for the flow it replaced; replay
// still gives the new flow, and a delete after the replacement is still journaled.
TEST_F(FlowStoreTest, ReplacedFlowsCostOneJournalLineEach) {
  Ofproto br = make();
  std::string want;
  {
    FlowStore store(dir_.path());
    ASSERT_TRUE(store.compact(br).ok());
    ASSERT_TRUE(change(store, br,
                       {op(FlowModCommand::kAdd, "priority=5,ip actions=drop"),
                        op(FlowModCommand::kAdd, "priority=6,arp actions=drop")})
                    .ok());
    ASSERT_TRUE(change(store, br,
                       {op(FlowModCommand::kAdd, "priority=5,ip actions=output:2"),
                        op(FlowModCommand::kAdd, "priority=6,arp actions=NORMAL"),
                        op(FlowModCommand::kDeleteStrict, "priority=6,arp")})
                    .ok());
    JournalScan scan = scan_journal(slurp(store.journal_path("br0")));
    ASSERT_EQ(scan.records.size(), 2u);
    EXPECT_EQ(scan.records[1],
              "generation=2\n"
              "delete_strict table=0,priority=6,arp\n"
              "add table=0,priority=5,ip actions=output:2\n");
    want = dump(br);
  }
  Ofproto again = make();
  FlowStore store(dir_.path());
  ASSERT_TRUE(store.load(again, logger()));
  EXPECT_EQ(dump(again), want);
  EXPECT_EQ(want, "table=0,priority=5,ip actions=output:2\n");
}

// A large bundle's record is formatted from its ops while the bundle is applied
// (FlowStore::prepare_lines): replace-flows' adds and exact deletes. Replayed, the record gives
// exactly the flows in effect: replaced, kept, new and deleted ones, another owner's flow whose
// cookie a delete does not match included. Bundles with other ops, or small ones, are not
// prepared.
TEST_F(FlowStoreTest, PreparedRecordsOfLargeBundlesReplayToTheFlowsInEffect) {
  const size_t n = FlowStore::kPrepareOps + 100;
  auto flow = [](size_t i, int port) {
    return "priority=" + std::to_string(100 + i % 1000) + ",ip,nw_dst=10.0." +
           std::to_string(i / 256) + "." + std::to_string(i % 256) +
           " actions=output:" + std::to_string(port);
  };
  Ofproto br = make();
  std::string want;
  {
    FlowStore store(dir_.path());
    ASSERT_TRUE(store.compact(br).ok());
    std::vector<FlowOp> first;
    for (size_t i = 0; i < n; ++i) first.push_back(op(FlowModCommand::kAdd, flow(i, 1)));
    first.push_back(op(FlowModCommand::kAdd, "cookie=0x7,priority=3,arp actions=drop"));
    first.push_back(op(FlowModCommand::kAdd, "cookie=0x8,priority=4,arp actions=drop"));
    auto prepared = FlowStore::prepare_lines(first);
    ASSERT_NE(prepared, nullptr);
    ASSERT_TRUE(br.apply_bundle(first, nullptr, [&](const std::vector<RulePtr>& touched) {
                    return store.commit(br, touched, prepared.get());
                  }).ok());
    // replace-flows: every flow changes (half to port 2, half to port 3), the last 50 go, 30
    // are new, and the cookie-0x7 flow goes (its delete carries its cookie); a stale delete of
    // the 0x8 flow under cookie 0x9 must remove nothing.
    std::vector<FlowOp> file;
    for (size_t i = 0; i < n - 50; ++i)
      file.push_back(op(FlowModCommand::kAdd, flow(i, i % 2 ? 2 : 3)));
    for (size_t i = n; i < n + 30; ++i) file.push_back(op(FlowModCommand::kAdd, flow(i, 4)));
    file.push_back(op(FlowModCommand::kAdd, "cookie=0x8,priority=4,arp actions=drop"));
    std::vector<FlowOp> ops = diff_flows(br, std::move(file));
    FlowOp stale = op(FlowModCommand::kDeleteStrict, "cookie=0x9/-1,priority=4,arp");
    stale.spec.table_given = true;
    ops.push_back(stale);
    auto again = FlowStore::prepare_lines(ops);
    ASSERT_NE(again, nullptr);
    ASSERT_TRUE(br.apply_bundle(ops, nullptr, [&](const std::vector<RulePtr>& touched) {
                    return store.commit(br, touched, again.get());
                  }).ok());
    want = dump(br);
    EXPECT_NE(want.find("cookie=0x8,"), std::string::npos);
    EXPECT_EQ(want.find("cookie=0x7"), std::string::npos);
    // Not prepared: a bundle with a modify, and a small one.
    std::vector<FlowOp> mixed(ops.begin(), ops.end());
    mixed.push_back(op(FlowModCommand::kModify, "ip actions=drop"));
    EXPECT_EQ(FlowStore::prepare_lines(mixed), nullptr);
    EXPECT_EQ(FlowStore::prepare_lines({op(FlowModCommand::kAdd, flow(1, 1))}), nullptr);
  }
  Ofproto restarted = make();
  FlowStore store(dir_.path());
  ASSERT_TRUE(store.load(restarted, logger()));
  EXPECT_TRUE(logs_.empty());
  EXPECT_EQ(dump(restarted), want);
}

// Background compaction: changes made while the snapshot is being formatted (a modify of a
// flow already written and of one not yet written, a delete, an add) stay in the journal, the
// records the snapshot holds are dropped, and a restart gives exactly the flows in effect.
TEST_F(FlowStoreTest, BackgroundCompactionKeepsChangesMadeWhileItRuns) {
  Ofproto br = make();
  std::string want;
  size_t n = 3 * kCompactSliceRules;
  {
    FlowStore store(dir_.path());
    ASSERT_TRUE(store.compact(br).ok());
    std::vector<FlowOp> adds;
    for (size_t i = 0; i < n; ++i) {
      adds.push_back(op(FlowModCommand::kAdd, "priority=" + std::to_string(100 + i % 7) +
                                                  ",tcp,tp_dst=" + std::to_string(i + 1) +
                                                  " actions=drop"));
    }
    ASSERT_TRUE(change(store, br, adds).ok());
    ASSERT_TRUE(store.start_compaction(br).ok());
    EXPECT_FALSE(store.start_compaction(br).ok());  // one at a time
    EXPECT_TRUE(store.compacting());
    // The worker sorts the capture; then the first slice is written.
    bool first = false;
    for (int i = 0; i < 5000 && !(first = store.compaction_step()); ++i) ::usleep(1000);
    ASSERT_TRUE(first);
    ASSERT_TRUE(change(store, br,
                       {op(FlowModCommand::kModifyStrict,  // the first flow in dump order
                           "priority=106,tcp,tp_dst=7 actions=output:1"),
                        op(FlowModCommand::kModifyStrict,  // the last
                           "priority=100,tcp,tp_dst=" + std::to_string((n - 1) / 7 * 7 + 1) +
                               " actions=output:2"),
                        op(FlowModCommand::kDeleteStrict, "priority=101,tcp,tp_dst=2"),
                        op(FlowModCommand::kAdd, "priority=9,udp actions=output:3")})
                    .ok());
    while (store.compaction_step()) {
    }
    for (int i = 0; i < 5000 && store.compacting(); ++i) {  // the worker syncs and renames
      ::usleep(1000);
      store.finish_compactions(logger());
    }
    ASSERT_FALSE(store.compacting());
    EXPECT_TRUE(logs_.empty()) << logs_.front();
    EXPECT_EQ(store.n_compactions(), 2u);
    std::string snapshot = slurp(store.path("br0"));
    EXPECT_EQ(snapshot.rfind("# nvs-flows generation=1\n", 0), 0u);
    JournalScan scan = scan_journal(slurp(store.journal_path("br0")));
    ASSERT_EQ(scan.records.size(), 1u);  // only the change made during the compaction
    EXPECT_EQ(scan.records[0].rfind("generation=2\n", 0), 0u);
    ASSERT_TRUE(change(store, br, {op(FlowModCommand::kAdd, "priority=8,udp actions=drop")}).ok());
    want = dump(br);
  }
  Ofproto again = make();
  FlowStore store(dir_.path());
  ASSERT_TRUE(store.load(again, logger()));
  // The same flows. (A journaled modify replays as an add, which lists the flow last among
  // its equal-priority peers: the order of those lines may differ.)
  EXPECT_EQ(sorted_lines(dump(again)), sorted_lines(want));
  EXPECT_TRUE(logs_.empty());
  EXPECT_EQ(again.n_rules(), n + 1);
}

// A bridge removed, or compacted at once, while a background compaction runs: the worker is
// stopped and its temporary file removed; nothing of it is left in the directory.
TEST_F(FlowStoreTest, CancelledCompactionLeavesNoTemporaryFile) {
  Ofproto br = make();
  FlowStore store(dir_.path());
  ASSERT_TRUE(change(store, br, {op(FlowModCommand::kAdd, "priority=5,ip actions=drop")}).ok());
  ASSERT_TRUE(store.start_compaction(br).ok());
  ASSERT_TRUE(store.compact(br).ok());  // while the worker sorts
  EXPECT_FALSE(store.compacting());
  ASSERT_TRUE(store.start_compaction(br).ok());
  for (int i = 0; i < 20; ++i) {  // one slice holds it all; then the worker syncs
    EXPECT_FALSE(store.compaction_step());
    ::usleep(1000);
  }
  store.remove("br0");
  EXPECT_FALSE(store.compacting());
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir_.path())) {
    ADD_FAILURE() << "left behind: " << e.path();
    ++files;
  }
  EXPECT_EQ(files, 0u);
}

// Temporary files a crash left while br0's snapshot or journal was being replaced are removed
// at start-up; names that only look alike (another bridge's files, other suffixes) are not.
TEST_F(FlowStoreTest, LoadRemovesOnlyThisBridgesStaleTemporaries) {
  std::string d = dir_.path() + "/";
  for (const char* n : {"br0.flows.tmp.0123456789abcdef", "br0.journal.tmp.fedcba9876543210",
                        "br0.flows.tmp.0123456789abcdef.flows", "br0.flows.tmp.0123",
                        "br1.flows.tmp.0123456789abcdef"}) {
    spit(d + n, "x");
  }
  Ofproto br = make();
  FlowStore store(dir_.path());
  EXPECT_FALSE(store.load(br, logger()));
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir_.path())) left.push_back(e.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left,
            (std::vector<std::string>{"br0.flows.tmp.0123", "br0.flows.tmp.0123456789abcdef.flows",
                                      "br1.flows.tmp.0123456789abcdef"}));
}

TEST_F(FlowStoreTest, FailedCommitLeavesNothingInEffectOrOnDisk) {
  Ofproto br = make();
  FlowStore store(dir_.path());
  ASSERT_TRUE(store.compact(br).ok());
  // A directory where the journal should be: the journal cannot be opened.
  fs::create_directory(store.journal_path("br0"));
  Status st = change(store, br, {op(FlowModCommand::kAdd, "priority=5,ip actions=drop")});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("cannot save the flows of br0 ("), std::string::npos);
  EXPECT_NE(st.error().message.find("; nothing was changed"), std::string::npos);
  EXPECT_EQ(br.n_rules(), 0u);
}

TEST_F(FlowStoreTest, BadSnapshotLineKeepsTheGoodFlowsAndSetsTheFileAside) {
  std::string text =
      "# nvs-flows generation=0\n"
      "priority=5,ip actions=drop\n"
      "priority=6,ip,nw_dst=300.1.1.1 actions=drop\n"
      "priority=7,arp actions=NORMAL\n";
  fs::create_directories(dir_.path());
  FlowStore store(dir_.path());
  spit(store.path("br0"), text);
  spit(store.path("br0") + ".rejected-1", "an earlier copy\n");
  Ofproto br = make();
  ASSERT_TRUE(store.load(br, logger()));
  EXPECT_EQ(br.n_rules(), 2u);
  EXPECT_EQ(slurp(store.path("br0") + ".rejected-1"), "an earlier copy\n");  // never overwritten
  EXPECT_EQ(slurp(store.path("br0") + ".rejected-2"), text);
  std::string all;
  for (const std::string& l : logs_) all += l + "\n";
  EXPECT_NE(all.find("br0.flows:3: "), std::string::npos) << all;
  EXPECT_NE(all.find("as br0.flows.rejected-2"), std::string::npos) << all;
  // The new snapshot holds the good flows; a restart brings exactly them back, silently.
  logs_.clear();
  Ofproto again = make();
  FlowStore store2(dir_.path());
  ASSERT_TRUE(store2.load(again, logger()));
  EXPECT_EQ(dump(again), dump(br));
  EXPECT_TRUE(logs_.empty());
}

TEST_F(FlowStoreTest, CorruptJournalRecordKeepsTheOthersAndSetsTheJournalAside) {
  Ofproto br = make();
  {
    FlowStore store(dir_.path());
    ASSERT_TRUE(store.compact(br).ok());
    for (int p = 1; p <= 3; ++p) {
      ASSERT_TRUE(
          change(store, br,
                 {op(FlowModCommand::kAdd, "priority=" + std::to_string(p) + ",ip actions=drop")})
              .ok());
    }
  }
  FlowStore store(dir_.path());
  std::string journal = slurp(store.journal_path("br0"));
  size_t second = journal.find("NTJR", 4);
  journal[second + 14] ^= 1;
  spit(store.journal_path("br0"), journal);
  Ofproto again = make();
  ASSERT_TRUE(store.load(again, logger()));
  EXPECT_EQ(again.n_rules(), 2u);  // records 1 and 3
  EXPECT_EQ(slurp(store.journal_path("br0") + ".rejected-1"), journal);
}

TEST(StateFiles, ReadStateFileNamesWhatIsWrong) {
  TempDir dir;
  auto r = read_state_file(dir.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, dir.path() + ": Is a directory");
  auto missing = read_state_file(dir.path() + "/conf.db");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  spit(dir.path() + "/f", "data");
  EXPECT_EQ(slurp(dir.path() + "/f"), "data");
  ASSERT_TRUE(write_file_atomic(dir.path() + "/f", "new").ok());
  EXPECT_EQ(slurp(dir.path() + "/f"), "new");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

}  // namespace
}  // namespace nt
