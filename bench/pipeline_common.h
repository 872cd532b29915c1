// The seed's two-bridge VXLAN pipeline, built for benchmarks and allocation tests: br-int
// (NORMAL, access port "vm1" on local VLAN 1) patched to br-tun (the seed's tables 0/2/4/10/
// 20/22, plus an l2pop-style unicast flow for the remote MAC), and a vxlan port whose
// underlay only counts frames.
#pragma once

#include <string>

#include "packet/build.h"
#include "xlate/switch.h"

namespace nt::bench {

class CountingUnderlay final : public Underlay {
 public:
  void transmit(const uint8_t*, size_t len) override {
    ++frames;
    bytes += len;
  }
  uint64_t frames = 0;
  uint64_t bytes = 0;
};

inline const char* kBrTunFlows[] = {
    "table=0,priority=1,in_port=1 actions=resubmit(,2)",
    "table=0,priority=1,in_port=2 actions=resubmit(,4)",
    "table=0,priority=0 actions=drop",
    "table=2,priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,20)",
    "table=2,priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,22)",
    "table=4,priority=1,tun_id=0x64 actions=mod_vlan_vid:1,resubmit(,10)",
    "table=10,priority=1 actions=learn(table=20,hard_timeout=300,priority=1,"
    "NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
    "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[]),output:1",
    "table=20,priority=2,dl_vlan=1,dl_dst=fa:16:3e:fd:8a:ed actions=strip_vlan,"
    "set_tunnel:0x64,output:2",
    "table=20,priority=0 actions=resubmit(,22)",
    "table=22,dl_vlan=1 actions=strip_vlan,set_tunnel:0x64,output:2",
    "table=22,priority=0 actions=drop",
};

inline const MacAddr kVm1 = MacAddr::from_u64(0xfa163e8e3b12ULL);
inline const MacAddr kVm2 = MacAddr::from_u64(0xfa163efd8aedULL);

// Builds the pipeline on `sw` and teaches br-int where vm2 lives (one packet from the tunnel).
inline bool build_vxlan_pipeline(Switch& sw, CountingUnderlay& underlay) {
  sw.set_underlay(&underlay);
  if (!sw.add_bridge("br-int", true).ok() || !sw.add_bridge("br-tun", true).ok()) return false;
  PortSpec p;
  p.name = "patch-tun", p.type = PortType::kPatch, p.options = {{"peer", "patch-int"}};
  if (!sw.add_port("br-int", p).ok()) return false;
  PortSpec vm;
  vm.name = "vm1", vm.type = PortType::kDummy, vm.vlan.tag = 1;
  if (!sw.add_port("br-int", vm).ok()) return false;
  PortSpec pi;
  pi.name = "patch-int", pi.type = PortType::kPatch, pi.options = {{"peer", "patch-tun"}};
  if (!sw.add_port("br-tun", pi).ok()) return false;
  PortSpec vx;
  vx.name = "vxlan-a642100b", vx.type = PortType::kVxlan;
  vx.options = {{"remote_ip", "166.66.16.11"}, {"local_ip", "166.66.16.10"}};
  if (!sw.add_port("br-tun", vx).ok()) return false;
  if (!sw.flow_mod_text("br-int", "priority=0 actions=NORMAL", FlowModCommand::kAdd).ok()) {
    return false;
  }
  for (const char* f : kBrTunFlows) {
    if (!sw.flow_mod_text("br-tun", f, FlowModCommand::kAdd).ok()) return false;
  }
  FlowKey k;
  k.dl_src = kVm2;
  k.dl_dst = kVm1;
  k.dl_type = kEthTypeIp;
  k.nw_proto = kIpProtoIcmp;
  k.nw_ttl = 64;
  Packet pkt;
  if (!compose_packet(k, pkt, 56)) return false;
  TunnelMeta t;
  t.tun_id = 0x64, t.ip_src = 0xa642100b, t.ip_dst = 0xa642100a, t.valid = true;
  return sw.receive("br-tun", "vxlan-a642100b", pkt.data(), pkt.size(), &t).ok();
}

// An ICMP echo from vm1 to vm2 with the given IPv4 source (vary it to defeat the EMC).
inline void vm1_to_vm2(Packet& pkt, uint32_t nw_src, MacAddr dst = kVm2) {
  FlowKey k;
  k.dl_src = kVm1;
  k.dl_dst = dst;
  k.dl_type = kEthTypeIp;
  k.nw_proto = kIpProtoIcmp;
  k.nw_ttl = 64;
  k.nw_src = nw_src;
  k.nw_dst = 0xac106404;
  k.tp_src = 8;
  compose_packet(k, pkt, 56);
}

}  // namespace nt::bench
