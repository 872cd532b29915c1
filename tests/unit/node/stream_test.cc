// Streamed replies (node/command_reply.h): dump-flows and dpctl/dump-flows as snapshots formatted
// slice by slice give the same text as the whole reply, survive flows deleted or changed after
// the request, and a streamed ControlReply is move-only.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "common/clock.h"
#include "node/commands.h"

namespace nt {
namespace {

static_assert(!std::is_copy_constructible_v<ControlReply>);
static_assert(std::is_nothrow_move_constructible_v<ControlReply>);

class StreamTest : public ::testing::Test {
 protected:
  StreamTest() : sw_(clock_), host_(sw_) {
    EXPECT_TRUE(sw_.add_bridge("br0").ok());
    for (const char* name : {"p1", "p2"}) {
      PortSpec spec;
      spec.name = name;
      EXPECT_TRUE(sw_.add_port("br0", spec).ok());
    }
    EXPECT_EQ(ofctl({"del-flows", "br0"}).status, 0);
  }

  ControlReply ofctl(const std::vector<std::string>& argv, const std::string& input = "",
                     bool stream = false) {
    return ofctl_execute(host_, argv, input, stream);
  }

  // `n` flows, distinct priorities; returns the --no-stats dump they make (highest first),
  // written out here rather than by the code under test.
  std::string add_flows(int n) {
    std::string file, expected;
    for (int i = n; i >= 1; --i) {
      std::string match = "priority=" + std::to_string(i) + ",ip,nw_dst=10.0." +
                          std::to_string(i / 256) + "." + std::to_string(i % 256);
      std::string action = i % 2 ? "output:1" : "output:2";
      file += match + " actions=" + action + "\n";
      expected += " " + match + " actions=" + action + "\n";
    }
    ControlReply r = ofctl({"add-flows", "br0", "-"}, file);
    EXPECT_EQ(r.status, 0) << r.err;
    return expected;
  }

  // Drains `r` in slices of `budget` bytes, checking each slice is whole lines.
  static std::string drain_in_slices(ControlReply& r, size_t budget, size_t* slices) {
    std::string text = r.out, slice;
    *slices = 0;
    while (r.stream && r.stream->next(slice, budget)) {
      EXPECT_FALSE(slice.empty());
      EXPECT_EQ(slice.back(), '\n');
      text += slice;
      slice.clear();
      ++*slices;
    }
    EXPECT_TRUE(slice.empty());
    return text;
  }

  ManualClock clock_;
  Switch sw_;
  CommandHost host_;
};

TEST_F(StreamTest, BigTableStreamsTheSameTextAsTheWholeReply) {
  std::string expected = add_flows(5000);
  ControlReply whole = ofctl({"--no-stats", "dump-flows", "br0"});
  EXPECT_EQ(whole.stream, nullptr);  // nobody asked for a stream
  EXPECT_EQ(whole.out, expected);
  ControlReply streamed = ofctl({"--no-stats", "dump-flows", "br0"}, "", true);
  ASSERT_NE(streamed.stream, nullptr);
  size_t slices = 0;
  EXPECT_EQ(drain_in_slices(streamed, 4096, &slices), expected);
  EXPECT_GT(slices, expected.size() / 4096 / 2);
  EXPECT_LE(slices, expected.size() / 4096 + 1);
}

TEST_F(StreamTest, WithStatsAndOpenFlow13TheTextIsTheWholeReply) {
  add_flows(300);
  clock_.advance_ms(2500);
  for (std::vector<std::string> argv :
       {std::vector<std::string>{"dump-flows", "br0"},
        {"-O", "OpenFlow13", "dump-flows", "br0"},
        {"--rsort", "dump-flows", "br0", "ip,nw_dst=10.0.0.0/24"}}) {
    ControlReply whole = ofctl(argv);
    ControlReply streamed = ofctl(argv, "", true);
    size_t slices = 0;
    EXPECT_EQ(drain_in_slices(streamed, 1000, &slices), whole.out);
    EXPECT_EQ(streamed.status, whole.status);
  }
  // OpenFlow 1.3 replies carry no Nicira ages (strip_nx_ages() removes ", idle_age=N"; after
  // a flag such as reset_counts it is left in, as before streaming).
  ControlReply of13 = drain_reply(ofctl({"-O", "OpenFlow13", "dump-flows", "br0"}, "", true));
  EXPECT_EQ(of13.out.find(", idle_age="), std::string::npos) << of13.out.substr(0, 400);
  EXPECT_NE(of13.out.find("duration=2.5s"), std::string::npos) << of13.out.substr(0, 300);
}

TEST_F(StreamTest, EmptyTableStreamsOnlyTheHeader) {
  ControlReply whole = ofctl({"dump-flows", "br0"});
  EXPECT_EQ(whole.out, "NXST_FLOW reply (xid=0x4):\n");
  ControlReply streamed = ofctl({"dump-flows", "br0"}, "", true);
  ASSERT_NE(streamed.stream, nullptr);
  std::string slice;
  EXPECT_FALSE(streamed.stream->next(slice, 4096));
  EXPECT_EQ(slice, "");
  EXPECT_EQ(drain_reply(std::move(streamed)).out, whole.out);
  EXPECT_EQ(drain_reply(ofctl({"--no-stats", "dump-flows", "br0"}, "", true)).out, "");
}

TEST_F(StreamTest, SnapshotSurvivesDeletesMidStream) {
  std::string expected = add_flows(2000);
  ControlReply r = ofctl({"--no-stats", "--names", "dump-flows", "br0"}, "", true);
  std::string text = r.out, slice;
  ASSERT_TRUE(r.stream->next(text, 2048));
  // Every flow deleted, then the bridge itself: the rest is still the dump at request time.
  ASSERT_EQ(ofctl({"del-flows", "br0"}).status, 0);
  EXPECT_EQ(drain_reply(ofctl({"--no-stats", "dump-flows", "br0"})).out, "");
  ASSERT_TRUE(r.stream->next(text, 2048));
  ASSERT_TRUE(sw_.del_bridge("br0").ok());
  std::string rest = drain_reply(std::move(r)).out;
  // --names: the port names as they were at the request.
  for (const char* port : {"1", "2"}) {
    std::string from = std::string("output:") + port, to = std::string("output:p") + port;
    for (size_t p; (p = expected.find(from)) != std::string::npos;) expected.replace(p, 8, to);
  }
  EXPECT_EQ(text + rest, expected);
}

TEST_F(StreamTest, SnapshotKeepsCountersAndCookiesOfTheRequest) {
  add_flows(1000);
  ControlReply r = ofctl({"dump-flows", "br0"}, "", true);
  ControlReply whole = ofctl({"dump-flows", "br0"});
  // After the request: time passes, every cookie changes, counters are reset by re-adding.
  clock_.advance_ms(7000);
  ASSERT_EQ(ofctl({"mod-flows", "br0", "cookie=0x77,ip actions=output:1"}).status, 0);
  std::string text = drain_reply(std::move(r)).out;
  std::string now = drain_reply(ofctl({"dump-flows", "br0"})).out;
  EXPECT_NE(now.find("cookie=0x77"), std::string::npos);
  EXPECT_EQ(text.find("cookie=0x77"), std::string::npos);
  EXPECT_EQ(text.find("duration=7s"), std::string::npos);
  // Counters, cookies and ages are those of the request; a changed action shows its new value
  // (as Open vSwitch formats a rule's actions when it sends it).
  std::string old_actions = whole.out, new_actions = text;
  for (std::string* s : {&old_actions, &new_actions}) {
    for (size_t p; (p = s->find("output:2")) != std::string::npos;) s->replace(p, 8, "output:1");
  }
  EXPECT_EQ(new_actions, old_actions);
}

TEST_F(StreamTest, DpctlDumpStreamsTheSameTextAsTheWholeReply) {
  add_flows(50);
  // Packets to 50 destinations: 50 megaflows.
  for (int i = 1; i <= 50; ++i) {
    std::string flow =
        "dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,dl_type=0x0800,nw_src=10.1.0.1,"
        "nw_dst=10.0.0." +
        std::to_string(i);
    ASSERT_EQ(appctl_execute(host_, {"netdev-dummy/receive", "p1", flow}).status, 0);
  }
  clock_.advance_ms(1500);
  ControlReply whole = appctl_execute(host_, {"dpctl/dump-flows"});
  ASSERT_EQ(whole.status, 0) << whole.err;
  EXPECT_EQ(whole.stream, nullptr);
  EXPECT_NE(whole.out.find("used:1.5s"), std::string::npos) << whole.out;
  ControlReply streamed = appctl_execute(host_, {"dpctl/dump-flows"}, true);
  ASSERT_NE(streamed.stream, nullptr);
  std::string text = streamed.out, slice;
  ASSERT_TRUE(streamed.stream->next(text, 200));
  sw_.datapath().flush();  // the megaflows go away mid-stream
  clock_.advance_ms(3000);
  EXPECT_EQ(drain_reply(std::move(streamed)).out.insert(0, text), whole.out);
  EXPECT_EQ(appctl_execute(host_, {"dpctl/dump-flows"}, true).status, 0);
  EXPECT_EQ(drain_reply(appctl_execute(host_, {"dpctl/dump-flows"}, true)).out, "");
  // Errors are never streamed.
  ControlReply bad = appctl_execute(host_, {"dpctl/dump-flows", "a", "b", "c", "d"}, true);
  EXPECT_EQ(bad.stream, nullptr);
  EXPECT_EQ(bad.status, 2);
}

TEST_F(StreamTest, MovingAReplyMovesItsStream) {
  add_flows(10);
  ControlReply a = ofctl({"--no-stats", "dump-flows", "br0"}, "", true);
  ControlReply b = std::move(a);
  EXPECT_EQ(a.stream, nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
  ASSERT_NE(b.stream, nullptr);
  std::string text = drain_reply(std::move(b)).out;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10);
}

}  // namespace
}  // namespace nt
