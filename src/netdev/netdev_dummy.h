// The dummy netdev: an in-memory port for tests, as Open vSwitch's netdev-dummy.
//
// Frames injected with inject() (the `nvs-appctl netdev-dummy/receive PORT HEXBYTES` command)
// queue up and are handed out by receive(); frames the datapath sends are counted, passed to
// an optional hook and, with options:tx_pcap=FILE / options:rx_pcap=FILE, written to pcap
// files frame by frame (each write is flushed, so a reader sees it when the call returns).
// rx_fd() is an eventfd that is readable while injected frames wait, so a dummy port wakes
// the I/O loop like a real one. inject() may be called from another thread than receive()
// (the control thread): the queue is guarded by a mutex, which is fine for a test port.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "netdev/netdev.h"
#include "packet/pcap.h"

namespace nt {

class DummyNetdev final : public Netdev {
 public:
  static constexpr size_t kMaxQueued = 4096;

  // Opens the pcap files named by options tx_pcap / rx_pcap (the only options it reads).
  static Result<std::unique_ptr<DummyNetdev>> open(const PortSpec& spec);
  ~DummyNetdev() override;

  std::string_view type() const override { return type_; }
  void send(PacketBatch& batch, PacketPool& pool) override;
  int rx_fd() const override { return event_fd_; }
  size_t receive(PacketPool& pool, PacketBatch& out) override;
  bool rx_pending() const override;
  Status reconfigure(const PortSpec& spec, const std::optional<TunnelConfig>& tunnel) override;

  // Queues a frame as if it had arrived on the wire (recorded in rx_pcap). False, counted as
  // netdev_rx_queue_full, if kMaxQueued frames already wait.
  bool inject(const uint8_t* data, size_t len, const TunnelMeta* tunnel = nullptr);
  size_t queued() const;

  // Called with every frame sent (an emulated cable, a test's recorder).
  std::function<void(const uint8_t*, size_t)> on_send;

 private:
  struct Frame {
    std::vector<uint8_t> bytes;
    std::optional<TunnelMeta> tunnel;
  };
  explicit DummyNetdev(std::string type) : type_(std::move(type)) {}
  Status open_pcaps(const PortSpec& spec);

  std::string type_;
  int event_fd_ = -1;
  PcapWriter tx_pcap_, rx_pcap_;
  std::string tx_pcap_path_, rx_pcap_path_;
  mutable std::mutex mu_;
  std::deque<Frame> queue_;
};

// Microseconds since the Unix epoch (pcap timestamps).
int64_t netdev_wall_usec();

}  // namespace nt
