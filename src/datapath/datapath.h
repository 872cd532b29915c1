// Datapath: the per-node fast path.
//
// Packets arrive in batches on a datapath port. Each is parsed once into a FlowKey, looked up
// in the exact-match cache, then in the megaflow cache, and only on a miss handed up to the
// UpcallHandler (the OpenFlow translator), whose answer is installed as a new megaflow. The
// megaflow's datapath actions are then executed on the packet; outputs are gathered per port
// and sent a batch at a time. Nothing on this path allocates: packets come from a fixed pool,
// a packet is cloned only when it must go to a second port, and every drop increments a named
// counter (coverage/show). Offloaded packets (TSO super-frames, partial checksums) stay one
// packet to the output; a port that cannot send offloads gets them finished in software there
// (packet/offload.h), every other port gets them as they are.
//
// The datapath knows nothing of OpenFlow. The layer above tells it when its answers may have
// changed (revalidate()), and the datapath re-asks about every megaflow it holds, keeping the
// ones whose answer is unchanged and dropping the rest, so a stale entry is never used.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "conntrack/conntrack.h"
#include "datapath/dp_port.h"
#include "datapath/megaflow.h"
#include "packet/offload.h"
#include "packet/parse.h"

namespace nt {

// X(name, "counter name")
#define NT_DP_DROPS(X)                             \
  X(kParse, "drop_malformed_packet")               \
  X(kPipeline, "drop_by_pipeline")                 \
  X(kUpcallFailed, "drop_upcall_failed")           \
  X(kPoolExhausted, "drop_pool_exhausted")         \
  X(kNoSuchPort, "drop_no_such_port")              \
  X(kModifyFailed, "drop_header_edit_failed")      \
  X(kTunnelMalformed, "drop_tunnel_malformed")     \
  X(kTunnelNoPort, "drop_tunnel_no_matching_port") \
  X(kLoop, "drop_recursion_too_deep")              \
  X(kOffloadFailed, "drop_offload_not_finished")   \
  X(kRecircDepth, "drop_recirculation_too_deep")   \
  X(kConntrackFull, "drop_conntrack_full")         \
  X(kConntrackNat, "drop_conntrack_nat_exhausted")

enum class DpDrop : uint8_t {
#define NT_DP_DROP_ENUM(name, str) name,
  NT_DP_DROPS(NT_DP_DROP_ENUM)
#undef NT_DP_DROP_ENUM
      kCount
};

class UpcallHandler {
 public:
  virtual ~UpcallHandler() = default;
  // Translates `key` (the packet is given for packet-in and learning side effects). Fills
  // flow.match (value and mask), flow.actions and optionally flow.context. Returns false if
  // no megaflow may be installed (the packet is then dropped and counted).
  virtual bool upcall(const FlowKey& key, const Packet& pkt, Megaflow& flow) = 0;
  // Re-translates `flow.origin` for revalidation without side effects. Returns false if the
  // megaflow must be deleted; otherwise fills a fresh match/actions/context into `out`.
  virtual bool revalidate(const Megaflow& flow, Megaflow& out) = 0;
  // Credits `packets`/`bytes` used since the last push to what the megaflow's context names.
  virtual void push_stats(Megaflow& flow, uint64_t packets, uint64_t bytes) = 0;
};

struct DpStats {
  uint64_t emc_hits = 0;
  uint64_t megaflow_hits = 0;
  uint64_t misses = 0;
  uint64_t lost = 0;
  uint64_t offload_segmented = 0;  // super-frames segmented in software for an output
  uint64_t offload_segments = 0;   // the segments they became
  uint64_t offload_csum = 0;       // partial checksums completed for an output
  uint64_t revalidated = 0;        // megaflows re-translated by revalidate()
  std::array<uint64_t, static_cast<size_t>(DpDrop::kCount)> drops{};
  std::array<uint64_t, static_cast<size_t>(ParseError::kCount)> parse_errors{};
};

class Datapath {
 public:
  // `large_packets`: pool packets of Packet::kLargeCapacity for offloaded super-frames.
  explicit Datapath(const Clock& clock, size_t pool_packets = 4096,
                    size_t packet_capacity = Packet::kDefaultCapacity, size_t large_packets = 0);
  ~Datapath();

  uint32_t add_port(std::unique_ptr<DpPort> port);  // returns its odp port number
  void remove_port(uint32_t odp_port);
  DpPort* port(uint32_t odp_port) const;
  DpPort* port_by_name(std::string_view name) const;
  void set_upcall_handler(UpcallHandler* h) { upcall_ = h; }
  void set_packet_in_handler(std::function<void(const Packet&, uint32_t reason)> fn) {
    packet_in_ = std::move(fn);
  }

  // Runs a received batch through the caches (and upcalls) and executes the actions. The
  // datapath takes the packets.
  void receive(uint32_t odp_port, PacketBatch& batch);
  // Copies a frame into a pool packet and receives it (tests, netdev-dummy/receive).
  bool inject(uint32_t odp_port, const uint8_t* data, size_t len,
              const TunnelMeta* tunnel = nullptr);
  // An outer frame from the underlay: finds the tunnel vport it belongs to, decapsulates
  // and receives it there.
  bool receive_underlay(const uint8_t* frame, size_t len);
  // Executes `acts` on a copy of `data` (packet-out, trace -generate).
  void execute(uint32_t in_odp_port, const uint8_t* data, size_t len, const OdpActions& acts);

  // The layer above's tables changed: re-translate every megaflow, or only those `affected`
  // says may translate differently now. A megaflow whose match or actions come out different
  // is deleted (and the exact-match cache cleared); the others keep their statistics.
  void revalidate(const std::function<bool(const Megaflow&)>& affected = {});
  // Credits cached-flow statistics upward (before dump-flows, periodically).
  void push_stats();
  void flush();  // drop every cached flow (after pushing stats)

  // Benchmarks and tests can switch the exact-match cache off to measure megaflow hits.
  void set_emc_enabled(bool on) {
    emc_enabled_ = on;
    emc_.clear();
  }
  MegaflowTable& megaflows() { return megaflows_; }
  const DpStats& stats() const { return stats_; }
  PacketPool& pool() { return pool_; }
  const Clock& clock() const { return clock_; }
  // The node's connection tracker (ct() actions; dpctl/*-conntrack).
  Conntrack& conntrack() { return ct_; }
  const Conntrack& conntrack() const { return ct_; }
  std::string format_coverage() const;  // coverage/show
  std::string format_show() const;      // dpctl/show

 private:
  Megaflow* classify(const FlowKey& key, Packet& pkt);
  // One packet through the caches and its actions (a received packet, or a recirculated one).
  void process(Packet* pkt, TimeMs now);
  // ct(): tracks pkt (a clone when the recirculation is not the packet's last send), then
  // recirculates it if asked. Returns false if `pkt` itself was consumed.
  bool execute_ct(Packet* pkt, const odp::Ct& ct, bool more);
  void recirculate(Packet* pkt, uint32_t recirc_id);
  void execute_actions(Packet* pkt, const OdpActions& acts, size_t begin = 0);
  void output(Packet* pkt, uint32_t odp_port);
  void enqueue_tx(Packet* pkt, uint32_t odp_port);
  // Finishes pkt's offloads in software and queues what that made for `odp_port`.
  void output_resolved(Packet* pkt, uint32_t odp_port);
  void flush_tx();
  void drop(Packet* pkt, DpDrop reason);

  const Clock& clock_;
  PacketPool pool_;
  std::vector<std::unique_ptr<DpPort>> ports_;  // index = odp port number (0 unused)
  std::vector<PacketBatch> tx_;
  std::vector<uint32_t> tx_pending_;
  PacketRing resolved_;  // segments of a super-frame on their way to a port
  MegaflowTable megaflows_;
  ExactMatchCache emc_;
  UpcallHandler* upcall_ = nullptr;
  bool emc_enabled_ = true;
  std::function<void(const Packet&, uint32_t)> packet_in_;
  DpStats stats_;
  Conntrack ct_;
};

std::string_view dp_drop_name(DpDrop d);

}  // namespace nt
