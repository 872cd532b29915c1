// The metadata agent's transports on a real node: the server's ports over its API
// (ServerPortSource), Nova's metadata API over TCP (HttpNovaUpstream), and the HTTP server on
// the UNIX socket <state_path>/metadata_proxy where the routers' haproxy sends requests
// (UnixHttpServer: one thread, one connection at a time, each answered and closed; a client
// that sends nothing for 30 s, haproxy's timeout, or a malformed request is answered 400 and
// dropped).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "agent/metadata.h"
#include "rpc/server_client.h"

namespace nt::agent {

class ServerPortSource final : public PortSource {
 public:
  explicit ServerPortSource(std::string server_url) : client_(std::move(server_url)) {}
  Result<std::vector<rpc::PortInfo>> ports(
      const std::vector<std::pair<std::string, std::string>>& filters) override {
    return client_.list_ports(filters);
  }

 private:
  rpc::ServerClient client_;
};

class HttpNovaUpstream final : public NovaUpstream {
 public:
  HttpNovaUpstream(std::string host, int port) : host_(std::move(host)), port_(port) {}
  Result<MetadataResponse> forward(const MetadataRequest& request) override;

 private:
  std::string host_;
  int port_;
};

class UnixHttpServer {
 public:
  using Handler = std::function<MetadataResponse(const MetadataRequest&)>;
  explicit UnixHttpServer(Handler handler) : handler_(std::move(handler)) {}
  ~UnixHttpServer();
  // Binds `path` (a stale socket file is replaced; mode 0666 so haproxy's user reaches it) and
  // serves on a thread until stop().
  Status start(const std::string& path);
  void stop();

 private:
  void serve();
  void serve_one(int fd);

  Handler handler_;
  std::string path_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace nt::agent
