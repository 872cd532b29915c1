// The metadata agent (agent/metadata.h): the header rules, the signature against RFC 4231's
// HMAC-SHA256 vector, the port lookup (router's interface networks, then the one port with
// the address) through a fake server, what Nova is sent; the HTTP text (agent/http_message.h);
// and the UNIX socket server answering a real connection.
#include "agent/metadata.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "agent/config.h"
#include "agent/http_message.h"
#include "agent/metadata_http.h"
#include "agent/metadata_proxy.h"

namespace nt::agent {
namespace {

constexpr const char* kRouter = "8541b578-885d-405d-b70c-99a15a57d0e3";
constexpr const char* kNet = "bc152586-b6aa-4ee4-9851-739f46852e7a";
constexpr const char* kOtherNet = "e0e0e0e0-0000-4000-8000-000000000001";
constexpr const char* kInstance = "5f1b0c2e-1111-4222-8333-444455556666";

rpc::PortInfo port(const std::string& id, const std::string& net, const std::string& ip,
                   const std::string& owner, const std::string& device) {
  rpc::PortInfo p;
  p.id = id;
  p.network_id = net;
  p.fixed_ips = {{"subnet", ip}};
  p.device_owner = owner;
  p.device_id = device;
  p.project_id = "tenant-a";
  return p;
}

// The server's ports, answering GET /v2.0/ports filters; records what it was asked.
class FakePorts final : public PortSource {
 public:
  std::vector<rpc::PortInfo> all;
  std::vector<std::vector<std::pair<std::string, std::string>>> asked;
  bool down = false;
  Result<std::vector<rpc::PortInfo>> ports(
      const std::vector<std::pair<std::string, std::string>>& filters) override {
    asked.push_back(filters);
    if (down) return make_error("server unreachable", ErrorCode::kInternal);
    std::vector<rpc::PortInfo> out;
    for (const auto& p : all) {
      if (matches(p, filters)) out.push_back(p);
    }
    return out;
  }

 private:
  static bool matches(const rpc::PortInfo& p,
                      const std::vector<std::pair<std::string, std::string>>& filters) {
    std::map<std::string, bool> any;
    for (const auto& [k, v] : filters) {
      std::string have = k == "device_id" ? p.device_id : k == "network_id" ? p.network_id : "";
      any[k] = any[k] || have == v;
    }
    for (const auto& [k, ok] : any) {
      if (!ok) return false;
    }
    return true;
  }
};

class FakeNova final : public NovaUpstream {
 public:
  std::vector<MetadataRequest> got;
  bool down = false;
  Result<MetadataResponse> forward(const MetadataRequest& r) override {
    got.push_back(r);
    if (down) return make_error("connection refused", ErrorCode::kInternal);
    return MetadataResponse{200, "text/plain", "i-00000001"};
  }
};

class MetadataAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ports.all = {port("qr", kNet, "10.0.1.1", "network:router_interface", kRouter),
                 port("qg", kOtherNet, "192.168.200.150", "network:router_gateway", kRouter),
                 port("vm", kNet, "10.0.1.3", "compute:nova", kInstance),
                 port("vm-other", kOtherNet, "10.0.1.3", "compute:nova", "other")};
    options.shared_secret = "s3cret";
  }
  MetadataRequest request(const std::string& router, const std::string& xff) {
    MetadataRequest r{"GET", "/latest/meta-data/instance-id", {}};
    if (!router.empty()) r.headers["x-neutron-router-id"] = router;
    if (!xff.empty()) r.headers["x-forwarded-for"] = xff;
    return r;
  }
  FakePorts ports;
  FakeNova nova;
  MetadataOptions options;
};

TEST(MetadataSignature, Rfc4231Vector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(instance_signature("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(MetadataSource, HeaderRules) {
  MetadataRequest r{"GET", "/", {}};
  r.headers["x-forwarded-for"] = "10.0.1.3, 10.0.1.1";
  EXPECT_FALSE(metadata_source(r));  // neither ID
  r.headers["x-neutron-router-id"] = kRouter;
  auto s = metadata_source(r);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->router_id, kRouter);
  EXPECT_EQ(s->address, "10.0.1.3");
  r.headers["x-neutron-network-id"] = kNet;
  auto both = metadata_source(r);
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("Both"), std::string::npos);
  r.headers.erase("x-neutron-network-id");
  r.headers["x-forwarded-for"] = "not-an-ip";
  EXPECT_FALSE(metadata_source(r));
  r.headers.erase("x-forwarded-for");
  EXPECT_FALSE(metadata_source(r));
}

TEST(MetadataLookup, ExactlyOnePort) {
  std::vector<rpc::PortInfo> ps = {port("a", kNet, "10.0.1.3", "compute:nova", "x"),
                                   port("b", kNet, "10.0.1.4", "compute:nova", "y")};
  EXPECT_EQ(port_with_address(ps, "10.0.1.4")->id, "b");
  EXPECT_FALSE(port_with_address(ps, "10.0.1.5"));
  ps.push_back(port("c", kOtherNet, "10.0.1.4", "compute:nova", "z"));
  EXPECT_FALSE(port_with_address(ps, "10.0.1.4"));
  EXPECT_TRUE(is_router_interface_owner("network:router_interface"));
  EXPECT_FALSE(is_router_interface_owner("network:router_gateway"));
}

TEST_F(MetadataAgentTest, RouterRequestReachesNovaSigned) {
  MetadataAgent agent(options, ports, nova);
  auto r = agent.handle(request(kRouter, "10.0.1.3"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "i-00000001");
  ASSERT_EQ(ports.asked.size(), 2u);
  EXPECT_EQ(ports.asked[0],
            (std::vector<std::pair<std::string, std::string>>{{"device_id", kRouter}}));
  // Only the interface's network: the gateway's network is not the router's to serve.
  EXPECT_EQ(ports.asked[1],
            (std::vector<std::pair<std::string, std::string>>{{"network_id", kNet}}));
  ASSERT_EQ(nova.got.size(), 1u);
  const auto& h = nova.got[0].headers;
  EXPECT_EQ(nova.got[0].path, "/latest/meta-data/instance-id");
  EXPECT_EQ(h.at("x-instance-id"), kInstance);
  EXPECT_EQ(h.at("x-tenant-id"), "tenant-a");
  EXPECT_EQ(h.at("x-forwarded-for"), "10.0.1.3");
  EXPECT_EQ(h.at("x-instance-id-signature"), instance_signature("s3cret", kInstance));
}

TEST_F(MetadataAgentTest, NetworkRequest) {
  MetadataAgent agent(options, ports, nova);
  MetadataRequest r = request("", "10.0.1.3");
  r.headers["x-neutron-network-id"] = kOtherNet;
  auto a = agent.handle(r);
  EXPECT_EQ(a.status, 200);
  ASSERT_EQ(nova.got.size(), 1u);
  EXPECT_EQ(nova.got[0].headers.at("x-instance-id"), "other");
}

TEST_F(MetadataAgentTest, Errors) {
  MetadataAgent agent(options, ports, nova);
  EXPECT_EQ(agent.handle(request(kRouter, "10.0.1.9")).status, 404);  // no such port
  EXPECT_EQ(agent.handle(request("no-router", "10.0.1.3")).status, 404);
  MetadataRequest both = request(kRouter, "10.0.1.3");
  both.headers["x-neutron-network-id"] = kNet;
  EXPECT_EQ(agent.handle(both).status, 400);
  EXPECT_EQ(agent.handle(request(kRouter, "")).status, 400);
  ports.all.push_back(port("dup", kNet, "10.0.1.3", "compute:nova", "dup"));
  EXPECT_EQ(agent.handle(request(kRouter, "10.0.1.3")).status, 404);  // two ports
  ports.all.pop_back();
  nova.down = true;
  EXPECT_EQ(agent.handle(request(kRouter, "10.0.1.3")).status, 500);
  ports.down = true;
  EXPECT_EQ(agent.handle(request(kRouter, "10.0.1.3")).status, 500);
  EXPECT_EQ(nova.got.size(), 1u);  // only the one that found its port
}

TEST(HttpMessage, Request) {
  MetadataRequest r;
  std::string text =
      "GET /latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\nX-Forwarded-For: 10.0.1.3\r\n";
  auto p = parse_http_request(text, r);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, HttpParse::kIncomplete);
  text += "\r\n";
  p = parse_http_request(text, r);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(*p, HttpParse::kComplete);
  EXPECT_EQ(r.path, "/latest/meta-data/");
  EXPECT_EQ(r.header("x-forwarded-for"), "10.0.1.3");
  EXPECT_FALSE(parse_http_request("GARBAGE\r\n\r\n", r));
  EXPECT_FALSE(parse_http_request("GET / HTTP/1.1\r\nno colon\r\n\r\n", r));
  EXPECT_FALSE(parse_http_request("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", r));
  EXPECT_FALSE(parse_http_request(std::string(kMaxHttpHead + 1, 'a'), r));
  auto body = parse_http_request("POST / HTTP/1.0\r\nContent-Length: 4\r\n\r\nab", r);
  ASSERT_TRUE(body);
  EXPECT_EQ(*body, HttpParse::kIncomplete);
}

TEST(HttpMessage, ResponseRoundTrip) {
  std::string text = format_http_response({404, "text/plain", "404 Not Found\n"});
  EXPECT_EQ(text.substr(0, text.find("\r\n")), "HTTP/1.1 404 Not Found");
  MetadataResponse r;
  auto p = parse_http_response(text.substr(0, text.size() - 3), false, r);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, HttpParse::kIncomplete);
  EXPECT_FALSE(parse_http_response(text.substr(0, text.size() - 3), true, r));
  p = parse_http_response(text, false, r);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, HttpParse::kComplete);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 Not Found\n");
  // Without Content-Length the body ends where the connection does.
  p = parse_http_response("HTTP/1.0 200 OK\r\n\r\nabc", true, r);
  ASSERT_TRUE(p);
  EXPECT_EQ(r.body, "abc");
  EXPECT_FALSE(parse_http_response("HTTP/1.1 abc OK\r\n\r\n", true, r));
  MetadataRequest q{"GET", "/latest/meta-data/local-ipv4", {{"x-forwarded-for", "10.0.1.3"}}};
  EXPECT_EQ(format_http_request(q, "169.254.169.254"),
            "GET /latest/meta-data/local-ipv4 HTTP/1.1\r\nHost: 169.254.169.254\r\n"
            "x-forwarded-for: 10.0.1.3\r\nConnection: close\r\n\r\n");
}

// One request over a UNIX socket to the server, the whole answer back.
std::string unix_exchange(const std::string& path, const std::string& request) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  (void)!::write(fd, request.data(), request.size());
  std::string out;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

TEST_F(MetadataAgentTest, UnixSocketServer) {
  std::string dir = ::testing::TempDir() + "/nt-metadata-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string path = dir + "/metadata_proxy";
  MetadataAgent agent(options, ports, nova);
  UnixHttpServer server([&](const MetadataRequest& r) { return agent.handle(r); });
  ASSERT_TRUE(server.start(path));
  std::string ok =
      unix_exchange(path,
                    "GET /latest/meta-data/instance-id HTTP/1.1\r\n"
                    "X-Neutron-Router-ID: " +
                        std::string(kRouter) + "\r\nX-Forwarded-For: 10.0.1.3\r\n\r\n");
  MetadataResponse r;
  ASSERT_TRUE(parse_http_response(ok, true, r)) << ok;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "i-00000001");
  std::string bad = unix_exchange(path, "NONSENSE\r\n\r\n");
  ASSERT_TRUE(parse_http_response(bad, true, r)) << bad;
  EXPECT_EQ(r.status, 400);
  server.stop();
  EXPECT_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(UnixHttpServer([](const MetadataRequest&) {
                 return MetadataResponse{};
               }).start(std::string(200, 'x')));
}

TEST(MetadataConfig, Options) {
  auto c = parse_agent_config({{"metadata_agent.ini",
                                "[DEFAULT]\nnova_metadata_host = 10.0.0.5\n"
                                "nova_metadata_port = 8776\n"
                                "metadata_proxy_shared_secret = abc\n"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->metadata.nova_metadata_host, "10.0.0.5");
  EXPECT_EQ(c->metadata.nova_metadata_port, 8776);
  EXPECT_EQ(c->metadata.shared_secret, "abc");
  EXPECT_FALSE(parse_agent_config({{"m.ini", "[DEFAULT]\nnova_metadata_port = 0\n"}}));
  EXPECT_FALSE(parse_agent_config({{"m.ini", "[DEFAULT]\nnova_metadata_protocol = https\n"}}));
  EXPECT_FALSE(parse_agent_config({{"m.ini", "[DEFAULT]\nnova_metadata_host = a/b\n"}}));
}

TEST(MetadataProxyConfig, NeutronsHaproxy) {
  std::string c = haproxy_config(router_metadata_proxy("r1", 9697),
                                 "/var/lib/neutron/metadata_proxy", "/p/r1.pid");
  for (const char* line :
       {"    bind 0.0.0.0:9697\n", "    server metadata /var/lib/neutron/metadata_proxy\n",
        "    http-request del-header X-Neutron-Network-ID\n",
        "    http-request set-header X-Neutron-Router-ID r1\n", "    option forwardfor\n",
        "    pidfile     /p/r1.pid\n"}) {
    EXPECT_NE(c.find(line), std::string::npos) << line;
  }
  HaproxyMetadataProxy proxy("/nonexistent/metadata_proxy");
  EXPECT_EQ(proxy.running_pid("r1"), 0);
  EXPECT_FALSE(proxy.start("qrouter-x", router_metadata_proxy("../r1", 9697)));
  EXPECT_FALSE(proxy.start("qdhcp-x", network_metadata_proxy("..")));
  EXPECT_EQ(proxy.running_pid(".."), 0);
}

// The DHCP namespace's proxy of an isolated network: 169.254.169.254:80, the network's id set
// and a forged router id dropped (Neutron's metadata driver for the DHCP agent).
TEST(MetadataProxyConfig, IsolatedNetworksHaproxy) {
  std::string c =
      haproxy_config(network_metadata_proxy("n1"), "/var/lib/neutron/metadata_proxy", "/p/n1.pid");
  for (const char* line :
       {"    bind 169.254.169.254:80\n", "    http-request del-header X-Neutron-Router-ID\n",
        "    http-request set-header X-Neutron-Network-ID n1\n"}) {
    EXPECT_NE(c.find(line), std::string::npos) << line;
  }
  EXPECT_EQ(c.find("set-header X-Neutron-Router-ID"), std::string::npos);
}

}  // namespace
}  // namespace nt::agent
