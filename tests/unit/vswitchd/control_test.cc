// The control protocol's encoding, the run directory and atomic file writes.
#include "vswitchd/control.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "vswitchd/control_server.h"

namespace nt {
namespace {

TEST(Control, MessagesRoundTrip) {
  ControlRequest req{"ofctl", {"add-flows", "br0", "-"}, "a\nb\"c\n"};
  std::string wire = encode_request(req);
  EXPECT_EQ(wire.back(), '\n');
  EXPECT_EQ(std::count(wire.begin(), wire.end(), '\n'), 1);
  auto back = decode_request(wire);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->tool, "ofctl");
  EXPECT_EQ(back->argv, req.argv);
  EXPECT_EQ(back->stdin_data, req.stdin_data);
  auto reply = decode_reply(encode_reply(ControlReply{2, "out", "err\n", {}}));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 2);
  EXPECT_EQ(reply->err, "err\n");
  EXPECT_FALSE(decode_request("{\"argv\": []}").ok());
  EXPECT_FALSE(decode_reply("not json").ok());
}

TEST(Control, RunDirAndAtomicWrite) {
  EXPECT_EQ(run_dir(std::string("/x")), "/x");
  ::setenv("NVS_RUNDIR", "/tmp/from-env", 1);
  EXPECT_EQ(run_dir(), "/tmp/from-env");
  ::unsetenv("NVS_RUNDIR");
  EXPECT_EQ(run_dir(), "/var/run/neutrino");
  EXPECT_EQ(control_socket_path("/r"), "/r/neutrino-vswitchd.ctl");

  char tmpl[] = "/tmp/nvs-control-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/f";
  ASSERT_TRUE(write_file_atomic(path, "one").ok());
  ASSERT_TRUE(write_file_atomic(path, "two").ok());
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "two");
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);
  ::unlink(path.c_str());
  ::rmdir(tmpl);
  auto r = control_call(std::string(tmpl) + "/none.ctl", ControlRequest{"appctl", {}, ""}, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "No such file or directory");
}

using RS = RequestReader::State;

// A request whose input follows raw, fed in pieces of every size: the same request comes out,
// its input byte for byte (newlines, quotes, a NUL and invalid UTF-8 included).
TEST(Control, RawStdinRequestAssembles) {
  std::string flows("priority=1 actions=drop\n\"q\"\\\0\xff\n", 31);
  ControlRequest req{"ofctl", {"--bundle", "add-flows", "br0", "f"}, flows};
  std::string head = encode_request_head(req);
  EXPECT_EQ(head.find("stdin\""), std::string::npos);
  EXPECT_NE(head.find("\"stdin_bytes\":31"), std::string::npos);
  std::string wire = head + flows + "ignored";
  for (size_t step = 1; step <= wire.size(); ++step) {
    RequestReader r(1 << 20);
    RS st = RS::kIncomplete;
    for (size_t at = 0; at < wire.size() && st == RS::kIncomplete; at += step) {
      st = r.feed(std::string_view(wire).substr(at, step));
    }
    ASSERT_EQ(st, RS::kWhole) << step;
    ControlRequest got = r.take();
    EXPECT_EQ(got.tool, "ofctl");
    EXPECT_EQ(got.argv, req.argv);
    EXPECT_EQ(got.stdin_data, flows) << step;
  }
}

// The server's way: the header through feed(), the body read straight into body_space().
TEST(Control, RawStdinReadInPlace) {
  std::string flows(100000, 'x');
  RequestReader r(1 << 20);
  EXPECT_TRUE(r.body_space().empty());
  std::string head = encode_request_head({"ofctl", {"add-flows", "br0", "-"}, flows});
  ASSERT_EQ(r.feed(head + flows.substr(0, 10)), RS::kIncomplete);
  size_t at = 10;
  while (r.state() == RS::kIncomplete) {
    std::span<char> room = r.body_space();
    ASSERT_EQ(room.size(), flows.size() - at);
    size_t n = std::min<size_t>(room.size(), 4096);
    std::memcpy(room.data(), flows.data() + at, n);
    at += n;
    r.body_filled(n);
  }
  EXPECT_EQ(r.state(), RS::kWhole);
  EXPECT_TRUE(r.body_space().empty());
  EXPECT_EQ(r.take().stdin_data, flows);
}

TEST(Control, RawStdinLimitsAndErrors) {
  // Refused from its header alone, before any of the body arrives.
  RequestReader big(1000);
  EXPECT_EQ(big.feed(encode_request_head({"ofctl", {"add-flows"}, std::string(990, 'x')})),
            RS::kTooBig);
  RequestReader fits(1000);
  std::string head = encode_request_head({"ofctl", {"add-flows"}, std::string(900, 'x')});
  EXPECT_EQ(fits.feed(head + std::string(900, 'x')), RS::kWhole);
  // The client ends its stream in the middle of the body.
  RequestReader cut(1000);
  EXPECT_EQ(cut.feed(head + "abc"), RS::kIncomplete);
  EXPECT_EQ(cut.finish(), RS::kMalformed);
  EXPECT_EQ(cut.error(), "request cut short: 3 of 900 bytes of stdin_bytes received");
  EXPECT_EQ(cut.feed("more"), RS::kMalformed);  // terminal
  // Bad headers.
  for (const char* bad :
       {"{\"tool\":\"ofctl\",\"stdin_bytes\":-1}\n", "{\"tool\":\"ofctl\",\"stdin_bytes\":\"9\"}\n",
        "{\"tool\":\"ofctl\",\"stdin_bytes\":1.5}\n",
        "{\"tool\":\"ofctl\",\"stdin\":\"a\",\"stdin_bytes\":1}\n"}) {
    RequestReader r(1000);
    EXPECT_EQ(r.feed(bad), RS::kMalformed) << bad;
    EXPECT_FALSE(decode_request(bad).ok()) << bad;
  }
  // No input: the line is the whole request (as are the inline form and an unterminated
  // line at the end of the stream); nothing at all is kEmpty.
  RequestReader none(1000);
  EXPECT_EQ(none.feed(encode_request_head({"vsctl", {"show"}, ""})), RS::kWhole);
  EXPECT_EQ(none.take().stdin_bytes, 0u);
  RequestReader inline_form(1000);
  EXPECT_EQ(inline_form.feed(encode_request({"ofctl", {"add-flows"}, "a\nb"})), RS::kWhole);
  EXPECT_EQ(inline_form.take().stdin_data, "a\nb");
  RequestReader unterminated(1000);
  EXPECT_EQ(unterminated.feed("{\"tool\":\"appctl\"}"), RS::kIncomplete);
  EXPECT_EQ(unterminated.finish(), RS::kWhole);
  RequestReader empty(1000);
  EXPECT_EQ(empty.finish(), RS::kEmpty);
  RequestReader long_line(10);
  EXPECT_EQ(long_line.feed("{\"tool\": \"appctl\"}"), RS::kTooBig);
}

}  // namespace
}  // namespace nt
