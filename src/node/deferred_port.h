// DeferredNetdev: a port whose device could not be opened yet.
//
// Open vSwitch keeps a port in the configuration (and its OpenFlow number) even when its
// device cannot be opened — no permission to create a tap, a type whose device is missing —
// and reports why in Interface.error. The daemon's port factory does the same: when
// netdev_open() fails, the datapath gets a DeferredNetdev, which is down (it drops what it is
// given to send, counted as netdev_tx_down), says why in error(), and on retry() calls
// netdev_open() again. Once that succeeds it delegates everything to the real netdev, so the
// port comes up in place with its datapath and OpenFlow numbers unchanged.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "netdev/netdev.h"

namespace nt {

class DeferredNetdev final : public Netdev {
 public:
  DeferredNetdev(PortSpec spec, std::optional<TunnelConfig> tunnel, std::string why);

  std::string_view type() const override {
    return inner_ ? inner_->type() : port_type_name(spec_.type);
  }
  void send(PacketBatch& batch, PacketPool& pool) override;
  int rx_fd() const override { return inner_ ? inner_->rx_fd() : -1; }
  size_t receive(PacketPool& pool, PacketBatch& out) override;
  bool rx_pending() const override { return inner_ && inner_->rx_pending(); }
  bool accepts_offload() const override { return inner_ && inner_->accepts_offload(); }
  Status retry() override;
  void poll_stats() override;

  Netdev* inner() const { return inner_.get(); }

 private:
  void sync_counters();

  PortSpec spec_;
  std::optional<TunnelConfig> tunnel_;
  std::unique_ptr<Netdev> inner_;
};

// The daemon's Switch port factory: netdev_open(), or a DeferredNetdev if that fails.
Result<std::unique_ptr<DpPort>> open_port_or_defer(const PortSpec& spec,
                                                   const std::optional<TunnelConfig>& tunnel);

}  // namespace nt
