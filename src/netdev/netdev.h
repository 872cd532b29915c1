// Netdev: a datapath port that also receives — real packet I/O for the datapath.
//
// A Netdev is a DpPort (the datapath sends through it in batches) plus the receive side: the
// packet I/O loop polls every port's rx_fd() and, when one is readable, calls receive(), which
// fills a PacketBatch with pool packets without blocking. Providers (dummy, tap, internal,
// system, vxlan, gre) are one table in netdev.cc, reached through netdev_open(); the daemon
// plugs that into Switch::set_port_factory.
//
// What makes it fast: packets are read straight into pool packets (readv/recvmmsg into the
// packet buffer, or one copy out of an mmap'ed TPACKET_V2 ring) and sent in one system call
// per batch where the kernel allows it (sendmmsg); nothing is allocated per packet. Large
// offloaded frames (TSO/GSO super-frames, partial checksums) are accepted from the kernel, so
// one read moves up to 64 KiB. When the pool has large packets (PacketPool::large_capacity,
// the daemon's has) such a frame is checked (a malformed header is a counted drop) and handed
// to the datapath as ONE packet carrying its virtio-net header in Packet::offload; ports that
// accept offloads (system, tap, internal) send it on with that header, so nobody segments it.
// Without large packets (or when they run out) it is completed and segmented in software into
// MTU-sized packets on receive (see packet/offload.h).
//
// Invariants: receive() and send() never throw, never block and never allocate; every packet
// they drop is counted under a named NetdevCounter. A port may exist before its device does
// (a veth end not created yet, a local_ip not yet assigned): it is then down (is_up() false,
// error() says why, rx_fd() is -1, sends are dropped as tx_down) and retry() brings it up.
// netdev_open, retry, reconfigure and destruction are control-side calls that must be
// serialized with the I/O loop (as Switch::add_port is with the datapath). Several ports may
// share one kernel socket (vxlan ports to different remotes): each still has its own rx_fd
// (a dup of the shared socket), so poll and epoll both work; a port may hold packets that
// arrived for it while another port read the socket, which rx_pending() reports.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "datapath/dp_port.h"
#include "netdev/vnet.h"
#include "ofproto/port_spec.h"
#include "packet/packet.h"

namespace nt {

// Packet capacity the daemon's PacketPool should use with real netdevs: an Ethernet jumbo
// frame (MTU 9000) plus two VLAN tags and room to spare.
inline constexpr size_t kNetdevPacketCapacity = 9216;
// Large packets (Packet::kLargeCapacity) in the daemon's pool, for offloaded super-frames that
// travel whole (17 MiB). When they run out, netdevs segment super-frames on receive.
inline constexpr size_t kNetdevLargePackets = 256;
// The largest frame a netdev reads from the kernel (a 64 KiB GSO frame and its headers).
inline constexpr size_t kNetdevMaxFrame = 65536 + 256;

// X(name, "counter_name"): why a netdev dropped or could not deliver a packet.
#define NT_NETDEV_COUNTERS(X)                                            \
  X(kRxNoBuffer, "netdev_rx_no_buffer") /* pool empty */                 \
  X(kRxTooBig, "netdev_rx_too_big")     /* > capacity */                 \
  X(kRxTruncated, "netdev_rx_truncated")                                 \
  X(kRxBadVnetHdr, "netdev_rx_bad_vnet_hdr")                             \
  X(kRxGsoUnsupported, "netdev_rx_gso_unsupported")                      \
  X(kRxQueueFull, "netdev_rx_queue_full")                                \
  X(kRxError, "netdev_rx_error")                                         \
  X(kRxKernelDropped, "netdev_rx_kernel_dropped") /* ring/socket full */ \
  X(kRxBadTunnel, "netdev_rx_bad_tunnel_header")                         \
  X(kRxUnknownRemote, "netdev_rx_unknown_remote")                        \
  X(kRxBadKey, "netdev_rx_bad_tunnel_key")                               \
  X(kTxDown, "netdev_tx_down")                                           \
  X(kTxError, "netdev_tx_error")                                         \
  X(kTxTooBig, "netdev_tx_too_big")                                      \
  X(kTxNoHeadroom, "netdev_tx_no_headroom")

enum class NetdevCounter : uint8_t {
#define NT_NETDEV_ENUM(name, str) name,
  NT_NETDEV_COUNTERS(NT_NETDEV_ENUM)
#undef NT_NETDEV_ENUM
      kCount
};
std::string_view netdev_counter_name(NetdevCounter c);

class Netdev : public DpPort {
 public:
  Netdev() { counts_own_rx = true; }
  // File descriptor to poll for input (POLLIN), or -1 if there is none (a down port).
  virtual int rx_fd() const = 0;
  // Appends up to out's free room of received packets (taken from `pool`) without blocking;
  // returns how many were appended. Each packet's in_port is this port's odp_port. Always
  // pass the same pool: a port may keep some of its packets queued (rx_pending) and gives
  // them back to it when destroyed, so the pool must outlive the port.
  virtual size_t receive(PacketPool& pool, PacketBatch& out) = 0;
  // True if receive() has packets to hand out even though rx_fd() may not be readable (the
  // tail of a segmented super-frame, packets queued by a port sharing the socket).
  virtual bool rx_pending() const { return false; }
  // Applies changed options in place where the provider can (default: unsupported, the caller
  // deletes and re-creates the port).
  virtual Status reconfigure(const PortSpec& spec, const std::optional<TunnelConfig>& tunnel);
  // Tries again to open the device of a down port; ok once the port is up. The I/O loop should
  // read rx_fd() again after is_up() changes (a down port has no fd to poll).
  virtual Status retry();
  // Picks up counters the kernel keeps for the port (frames it dropped before we could read
  // them). Called from the periodic timer, never per packet.
  virtual void poll_stats() {}

  bool is_up() const { return up_ && !lost_; }
  // Why the port is down ("" when it is up).
  std::string error() const {
    return lost_ && error_.empty() ? name + ": device went away" : error_;
  }
  uint64_t counter(NetdevCounter c) const { return counters_[static_cast<size_t>(c)]; }
  const std::array<uint64_t, static_cast<size_t>(NetdevCounter::kCount)>& counters() const {
    return counters_;
  }

  // Offload statistics (not drops): super-frames segmented, segments they made, partial
  // checksums completed.
  uint64_t rx_gso_frames = 0, rx_gso_segments = 0, rx_csum_completed = 0;
  // Frames handed on with their offloads (super-frames, partial checksums).
  uint64_t rx_offload_passed = 0;

 protected:
  void set_up() {
    up_ = true;
    lost_ = false;
    error_.clear();
  }
  void set_down(std::string why) {
    up_ = false;
    error_ = std::move(why);
  }
  // The data path noticed the device vanished: down until retry() (no allocation here).
  void mark_lost() { lost_ = true; }
  // Counts a dropped packet under `c` (and in rx_dropped / tx_dropped).
  void drop(NetdevCounter c, uint64_t n = 1);
  // Counts packets handed to the datapath (rx_packets, rx_bytes) and stamps in_port.
  void count_rx(PacketBatch& out, size_t first);
  // Completes a partial checksum of the frame in `p` if `hdr` asks for it; false (counted)
  // if the header is bad and the packet must be dropped.
  bool finish_csum(const VnetHdr& hdr, Packet& p);
  // How a received frame's virtio-net header is handled.
  enum class RxOffload : uint8_t {
    kNone,    // no offload asked for
    kPass,    // valid: keep it in Packet::offload (the pool has large packets)
    kFinish,  // complete / segment in software now (the pool has no large packets)
    kDrop,    // malformed or unsupported: counted, drop the frame
  };
  RxOffload rx_offload(const VnetHdr& hdr, const uint8_t* frame, size_t len,
                       const PacketPool& pool);
  // Segments a super-frame into `ring`, counting what it made and what it lost.
  void segment(const VnetHdr& hdr, const uint8_t* frame, size_t len, PacketPool& pool,
               PacketRing& ring);

 private:
  bool up_ = false;
  bool lost_ = false;
  std::string error_;
  std::array<uint64_t, static_cast<size_t>(NetdevCounter::kCount)> counters_{};
};

// The provider table (DESIGN.md §6): opens the netdev for a port of type spec.type (dummy,
// internal, tap, system, vxlan, gre). `tunnel` is the parsed vxlan/gre configuration.
Result<std::unique_ptr<Netdev>> netdev_open(const PortSpec& spec,
                                            const std::optional<TunnelConfig>& tunnel);
// Dummy netdevs (type=dummy, internal ports of a datapath_type=dummy bridge) and their
// options:tx_pcap / rx_pcap, which write and read files the daemon names, exist only when the
// daemon was started with --enable-dummy, as in Open vSwitch. Off by default, process-wide.
void netdev_enable_dummy(bool enable);
bool netdev_dummy_enabled();
// True if netdev_open has a provider for the type (patch and sink ports have none).
bool netdev_type_supported(PortType type);

// "<name>: <what>: <strerror(err)>", the shape of every system-call error message.
std::string netdev_errno_message(std::string_view name, std::string_view what, int err);

}  // namespace nt
