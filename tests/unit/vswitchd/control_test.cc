// The control protocol's encoding, the run directory and atomic file writes.
#include "vswitchd/control.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

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

}  // namespace
}  // namespace nt
