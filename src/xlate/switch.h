// Switch: every bridge of one node on one datapath — Open vSwitch's ofproto-dpif.
//
// A Switch owns the node's Datapath and its bridges (Ofproto), maps datapath ports to
// (bridge, OpenFlow port), answers the datapath's upcalls by translating (xlate), and keeps the
// caches honest: after anything that can change a translation (a flow_mod, a learned flow, a
// MAC learned or aged, a port added) it has the datapath revalidate its megaflows, and its
// run() pushes statistics up to the rules, refreshes learned flows that are in use and
// expires flows and MAC entries on the clock.
//
// Every mutation of a bridge from outside the packet path goes through one change guard
// (Switch::Change, taken by each mutating member below and by callers that edit an Ofproto
// directly): opening it pushes the datapath's statistics up to the rules (so counters of rules
// about to change or vanish are complete), closing it revalidates the caches. Guards nest; only
// the outermost one pushes and revalidates, so a change is seen by the very next packet and no
// caller has to remember maybe_revalidate().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "datapath/datapath.h"
#include "ofproto/ofproto.h"
#include "ofproto/port_spec.h"
#include "xlate/dpctl_dump.h"
#include "xlate/recirc.h"
#include "xlate/xlate.h"

namespace nt {

class Switch : public UpcallHandler {
 public:
  // `packet_capacity` is the largest frame a pool packet holds (netdevs: kNetdevPacketCapacity).
  // `large_packets`: pool packets for offloaded super-frames (daemon: kNetdevLargePackets).
  explicit Switch(const Clock& clock, size_t pool_packets = 4096,
                  size_t packet_capacity = Packet::kDefaultCapacity, size_t large_packets = 0);
  ~Switch() override;

  // A new bridge has its LOCAL internal port (named like the bridge) and, unless `secure`,
  // the standalone-mode flow "priority=0 actions=NORMAL", as Open vSwitch does.
  // `local_type` is the LOCAL port's netdev type: kDummy on a datapath_type=dummy bridge.
  Result<Ofproto*> add_bridge(const std::string& name, bool secure = false,
                              PortType local_type = PortType::kInternal);
  Status del_bridge(const std::string& name);
  Ofproto* bridge(std::string_view name) const;
  std::vector<Ofproto*> bridges() const;

  Result<uint32_t> add_port(const std::string& bridge, const PortSpec& spec);
  Status del_port(const std::string& bridge, const std::string& port);
  // The peer of a patch port: its bridge and OpenFlow port, or {nullptr, 0}.
  std::pair<Ofproto*, const OfPort*> patch_peer(const OfPort& port) const;
  DpPort* dp_port(const Ofproto& br, uint32_t ofport) const;

  // The change guard (see above). Hold one while editing an Ofproto directly:
  //   { auto change = sw.change(); br->mac_table().flush(); }
  class Change {
   public:
    explicit Change(Switch& sw);
    ~Change();
    Change(const Change&) = delete;
    Change& operator=(const Change&) = delete;

   private:
    Switch& sw_;
  };
  [[nodiscard]] Change change() { return Change(*this); }

  Status flow_mod(const std::string& bridge, const FlowSpec& spec, FlowModCommand cmd);
  // Ofproto::apply_bundle under the change guard: packets see the old table or the new one.
  Status apply_bundle(const std::string& bridge, const std::vector<FlowOp>& ops,
                      size_t* failed = nullptr, const BundleCommitHook& commit = nullptr);
  Status set_port_vlan(const std::string& bridge, const std::string& port,
                       const PortVlanConfig& cfg);
  // fdb/flush: forgets the learned MACs of one bridge, or of all when `bridge` is empty.
  Status flush_macs(const std::string& bridge);
  // Parses and applies one ovs-ofctl flow line in the given mode.
  Status flow_mod_text(const std::string& bridge, std::string_view text, FlowModCommand cmd);
  std::string dump_flows(const std::string& bridge, const FlowSpec* filter = nullptr,
                         const DumpOptions& opts = {});

  // ofproto/trace: translation of `flow_text` (a match; in_port required) in `bridge`, as
  // Open vSwitch's text or as JSON (schema in trace.h). With `generate`, the packet is built
  // and really processed (side effects included).
  // A ct(table=N) is followed into the recirculated pass, with the ct_state values of
  // `ct_next` in order (--ct-next), then trk|new.
  Result<std::string> trace(const std::string& bridge, std::string_view flow_text,
                            bool generate = false, TraceFormat format = TraceFormat::kText,
                            std::vector<uint8_t> ct_next = {});
  // Injects a frame as received on a port (netdev-dummy/receive).
  Status receive(const std::string& bridge, const std::string& port, const uint8_t* data,
                 size_t len, const TunnelMeta* tunnel = nullptr);

  // A batch a netdev received on datapath port `odp_port` (the packet I/O loop calls this).
  void receive_batch(uint32_t odp_port, PacketBatch& batch) {
    dp_->receive(odp_port, batch);
    maybe_revalidate();
  }

  // Periodic work: push stats, refresh learned flows, expire timeouts, revalidate.
  void run();
  // Revalidates the datapath if any bridge's version moved since the last check.
  void maybe_revalidate();

  Datapath& datapath() { return *dp_; }
  const Datapath& datapath() const { return *dp_; }
  const Clock& clock() const { return clock_; }
  void set_underlay(Underlay* u);
  // Where datapath ports come from. The default makes in-memory ports (dummy ports that record
  // what they send, counting sinks, vxlan/gre vports that encapsulate into the Underlay);
  // neutrino-vswitchd installs the netdev providers (tap, AF_PACKET, kernel tunnel sockets).
  using PortFactory = std::function<Result<std::unique_ptr<DpPort>>(
      const PortSpec& spec, const std::optional<TunnelConfig>& tunnel)>;
  void set_port_factory(PortFactory f) { port_factory_ = std::move(f); }
  // dpctl/dump-flows: the whole text, or a snapshot that formats it slice by slice.
  std::string format_dpctl_dump_flows();
  DpctlDump snapshot_megaflows();

  // Recirculation: the id of a frozen pipeline state (translation allocates it; see recirc.h).
  uint32_t freeze(const FrozenState& s) const { return recirc_.intern(s); }
  const FrozenState* frozen(uint32_t id) const { return recirc_.find(id); }

  // UpcallHandler
  bool upcall(const FlowKey& key, const Packet& pkt, Megaflow& flow) override;
  bool revalidate(const Megaflow& flow, Megaflow& out) override;
  void push_stats(Megaflow& flow, uint64_t packets, uint64_t bytes) override;

 private:
  struct PortRef {
    Ofproto* bridge = nullptr;
    uint32_t ofport = 0;
  };
  bool translate_megaflow(const FlowKey& key, const Packet* pkt, bool may_learn, Megaflow& mf);
  std::string trace_recirculations(const XlateOut& first, std::vector<uint8_t> ct_next,
                                   bool generate);
  Result<std::unique_ptr<DpPort>> make_dp_port(const PortSpec& spec,
                                               const std::optional<TunnelConfig>& tunnel);
  uint64_t total_version() const;
  uint64_t total_flow_version() const;

  const Clock& clock_;
  std::unique_ptr<Datapath> dp_;
  std::map<std::string, std::unique_ptr<Ofproto>, std::less<>> bridges_;
  std::vector<PortRef> odp_to_of_;  // index: odp port
  Underlay* underlay_ = nullptr;
  PortFactory port_factory_;
  int change_depth_ = 0;  // open Change guards
  uint64_t seen_version_ = 0;
  uint64_t seen_flow_version_ = 0;
  std::vector<uint64_t> mac_keys_;  // scratch for maybe_revalidate()
  mutable RecircTable recirc_;      // translation freezes states from const paths
};

// A packet's whole flow as ofproto/trace prints it on its "Flow:" line.
std::string format_flow(const FlowKey& key, const PortNamer* names = nullptr,
                        bool with_in_port = true);

}  // namespace nt
