// Datapath ports: where packets leave the datapath.
//
// The datapath numbers its ports (odp port numbers, distinct from each bridge's OpenFlow port
// numbers) and hands each one batches of packets to send. A port takes ownership of the
// packets it is given and returns them to the pool when done, so no packet is ever copied
// on the way out unless it goes to several ports. The real providers (tap, AF_PACKET, kernel
// tunnel sockets) live in netdev/; here are the ones the datapath itself needs: a counting sink
// (benchmarks), a recording port (tests, the "dummy" type) and tunnel vports that encapsulate
// into an underlay.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "packet/packet.h"
#include "packet/tunnel.h"

namespace nt {

class DpPort {
 public:
  virtual ~DpPort() = default;
  virtual std::string_view type() const = 0;
  // Sends every packet of `batch` and gives each back to `pool`.
  virtual void send(PacketBatch& batch, PacketPool& pool) = 0;
  // True if the port sends a packet's offloads (Packet::offload: TSO super-frames, partial
  // checksums) as they are; otherwise the datapath finishes them in software before send().
  virtual bool accepts_offload() const { return false; }

  std::string name;
  uint32_t odp_port = 0;
  uint64_t rx_packets = 0, rx_bytes = 0, rx_dropped = 0;
  uint64_t tx_packets = 0, tx_bytes = 0, tx_dropped = 0;
  // True if the port counts what it receives (rx_packets, rx_bytes) itself, as the netdevs
  // do; otherwise Datapath::receive() counts it.
  bool counts_own_rx = false;

 protected:
  void count_tx(const PacketBatch& batch);
};

// Counts and recycles: the far end of a benchmark.
class SinkPort final : public DpPort {
 public:
  std::string_view type() const override { return "sink"; }
  void send(PacketBatch& batch, PacketPool& pool) override;
};

// Keeps a copy of every frame sent (tests, scenarios) and optionally calls a hook for each,
// which is how an emulated wire delivers it somewhere else.
class RecordingPort final : public DpPort {
 public:
  explicit RecordingPort(std::string_view type_name = "dummy") : type_(type_name) {}
  std::string_view type() const override { return type_; }
  void send(PacketBatch& batch, PacketPool& pool) override;

  std::vector<std::vector<uint8_t>> sent;
  std::function<void(const uint8_t*, size_t)> on_send;

 private:
  std::string type_;
};

// Receives the outer (encapsulated) frames a tunnel vport sends.
class Underlay {
 public:
  virtual ~Underlay() = default;
  virtual void transmit(const uint8_t* frame, size_t len) = 0;
};

struct TunnelConfig {
  TunnelKind kind = TunnelKind::kVxlan;
  uint32_t local_ip = 0;   // host order; 0 = any
  uint32_t remote_ip = 0;  // host order
  bool key_flow = true;    // in_key/out_key=flow; otherwise `key`
  uint64_t key = 0;
  uint16_t dst_port = 4789;
  MacAddr local_mac;  // outer Ethernet addresses (set by whoever knows the underlay)
  MacAddr remote_mac;
};

// A vxlan or gre vport: encapsulates with the packet's tunnel metadata and hands the outer
// frame to the underlay.
class TunnelPort final : public DpPort {
 public:
  TunnelPort(const TunnelConfig& cfg, Underlay* underlay) : cfg_(cfg), underlay_(underlay) {}
  std::string_view type() const override {
    return cfg_.kind == TunnelKind::kVxlan ? "vxlan" : "gre";
  }
  void send(PacketBatch& batch, PacketPool& pool) override;
  const TunnelConfig& config() const { return cfg_; }
  void set_underlay(Underlay* u) { underlay_ = u; }
  uint64_t encap_errors = 0;

 private:
  TunnelConfig cfg_;
  Underlay* underlay_;
};

}  // namespace nt
