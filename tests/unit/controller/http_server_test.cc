// HttpApiServer over real HTTP: an ephemeral port, the API through cpp-httplib's client, a
// long-poll answered by stop(), a taken port refused with a clear error.
#include "controller/http_server.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <future>

namespace nt::controller {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nt-http-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

TEST_F(HttpServerTest, ServesTheApiOnAnEphemeralPort) {
  ServerConfig config;
  auto server = HttpApiServer::start(config, dir_ + "/state", "127.0.0.1", 0);
  ASSERT_TRUE(server) << server.error().message;
  int port = (*server)->port();
  ASSERT_GT(port, 0);
  EXPECT_EQ((*server)->url(), "http://127.0.0.1:" + std::to_string(port));

  httplib::Client client("127.0.0.1", port);
  auto r = client.Get("/v2.0/networks");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Json::parse(r->body), Json::parse(R"({"networks": []})"));
  r = client.Post("/v2.0/networks", R"({"network": {"name": "n1"}})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  r = client.Get("/v2.0/networks");
  ASSERT_TRUE(r);
  auto nets = Json::parse(r->body)["networks"];
  ASSERT_EQ(nets.size(), 1u);
  EXPECT_EQ(nets[0]["name"], "n1");
  // Links name the host the client asked.
  r = client.Get("/");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << r->body;

  (*server)->stop();
  httplib::Client after("127.0.0.1", port);
  after.set_connection_timeout(1);
  EXPECT_FALSE(after.Get("/v2.0/networks")) << "still serving after stop";
  (*server)->stop();  // idempotent

  // The store persists in state_dir: a new server there sees the network.
  auto again = HttpApiServer::start(config, dir_ + "/state", "127.0.0.1", 0);
  ASSERT_TRUE(again) << again.error().message;
  httplib::Client c2("127.0.0.1", (*again)->port());
  r = c2.Get("/v2.0/networks?name=n1");
  ASSERT_TRUE(r);
  EXPECT_EQ(Json::parse(r->body)["networks"].size(), 1u);
}

TEST_F(HttpServerTest, StopAnswersALongPollAtOnce) {
  auto server = HttpApiServer::start(ServerConfig{}, dir_, "127.0.0.1", 0);
  ASSERT_TRUE(server) << server.error().message;
  int port = (*server)->port();
  auto poll = std::async(std::launch::async, [port] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30);
    auto r = c.Get("/v2.0/neutrino/changes?since=0&wait=30");
    return r ? r->status : -1;
  });
  // Wait until the long-poll is really waiting.
  for (int i = 0; i < 500 && (*server)->api().feed().waiters() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ((*server)->api().feed().waiters(), 1);
  auto t0 = std::chrono::steady_clock::now();
  (*server)->stop();
  EXPECT_EQ(poll.get(), 200);  // answered (no changes), not cut
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(HttpServerTest, ATakenPortIsAClearError) {
  auto first = HttpApiServer::start(ServerConfig{}, dir_, "127.0.0.1", 0);
  ASSERT_TRUE(first) << first.error().message;
  auto second = HttpApiServer::start(ServerConfig{}, dir_ + "/2", "127.0.0.1", (*first)->port());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message,
            "cannot listen on 127.0.0.1:" + std::to_string((*first)->port()));
}

TEST_F(HttpServerTest, ABadConnectionIsAClearError) {
  ServerConfig config;
  config.connection = "mysql://nobody@nowhere/neutron";
  auto server = HttpApiServer::start(config, dir_, "127.0.0.1", 0);
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("connection"), std::string::npos) << server.error().message;
}

}  // namespace
}  // namespace nt::controller
