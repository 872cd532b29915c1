#include "datapath/dp_port.h"

#include "packet/tunnel.h"

namespace nt {

void DpPort::count_tx(const PacketBatch& batch) {
  tx_packets += batch.count;
  for (size_t i = 0; i < batch.count; ++i) tx_bytes += batch.pkts[i]->size();
}

void SinkPort::send(PacketBatch& batch, PacketPool& pool) {
  count_tx(batch);
  for (Packet* p : batch) pool.put(p);
  batch.clear();
}

void RecordingPort::send(PacketBatch& batch, PacketPool& pool) {
  count_tx(batch);
  for (Packet* p : batch) {
    sent.emplace_back(p->data(), p->data() + p->size());
    if (on_send) on_send(p->data(), p->size());
    pool.put(p);
  }
  batch.clear();
}

void TunnelPort::send(PacketBatch& batch, PacketPool& pool) {
  for (Packet* p : batch) {
    TunnelEncap e;
    e.eth_src = cfg_.local_mac;
    e.eth_dst = cfg_.remote_mac;
    e.ip_src = p->tunnel.ip_src ? p->tunnel.ip_src : cfg_.local_ip;
    e.ip_dst = p->tunnel.ip_dst ? p->tunnel.ip_dst : cfg_.remote_ip;
    e.ttl = p->tunnel.ip_ttl ? p->tunnel.ip_ttl : 64;
    e.tos = p->tunnel.ip_tos;
    e.key = cfg_.key_flow ? p->tunnel.tun_id : cfg_.key;
    e.udp_dst = cfg_.dst_port;
    e.flow_hash = p->hash;
    bool ok = cfg_.kind == TunnelKind::kVxlan ? vxlan_encap(*p, e) : gre_encap(*p, e);
    if (!ok || !underlay_) {
      ++encap_errors;
      ++tx_dropped;
    } else {
      ++tx_packets;
      tx_bytes += p->size();
      underlay_->transmit(p->data(), p->size());
    }
    pool.put(p);
  }
  batch.clear();
}

}  // namespace nt
