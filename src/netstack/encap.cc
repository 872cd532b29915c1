// Encapsulated traffic: the VTEP side of a node's IP stack. VXLAN and GRE packets to one of
// our addresses go whole to the encap handler (the node's switch decapsulates them); a tunnel's
// outer frame goes out through routing and ARP like any datagram the host sends.
#include <array>
#include <cstring>

#include "netstack/host.h"
#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt {

void Host::set_encap_handler(EncapFn fn, uint16_t vxlan_port) {
  encap_ = std::move(fn);
  encap_vxlan_port_ = vxlan_port;
}

// Every IPv4 packet the host accepts sits right behind an untagged Ethernet header (tagged
// frames are dropped on receive, looped ones are built that way), so the frame starts
// kEthHeaderLen before the IP header.
bool Host::encap_input(const IpRx& rx) {
  bool vxlan = rx.proto == kIpProtoUdp && rx.l4_len >= kUdpHeaderLen &&
               load_be16(rx.l4 + 2) == encap_vxlan_port_;
  if (!vxlan && rx.proto != kIpProtoGre) return false;
  ++encap_rx_;
  encap_(rx.nic, rx.ip - kEthHeaderLen, kEthHeaderLen + rx.ip_len);
  return true;
}

Status Host::output_ip_frame(const uint8_t* frame, size_t len) {
  const uint8_t* ip = frame + kEthHeaderLen;
  size_t ihl = len >= kEthHeaderLen + kIpv4HeaderLen ? size_t{ip[0] & 0x0fu} * 4 : 0;
  size_t ip_len = ihl ? load_be16(ip + 2) : 0;
  if (ihl < kIpv4HeaderLen || (ip[0] >> 4) != 4 || ip_len < ihl || kEthHeaderLen + ip_len > len) {
    drop(HostDrop::kMalformed);
    return make_error("not an IPv4 packet");
  }
  uint32_t src = load_be32(ip + 12);
  uint32_t dst = load_be32(ip + 16);
  if (src != 0 && !is_local_address(src)) {
    drop(HostDrop::kIpBadSource);
    return make_error("Cannot assign requested address");
  }
  Result<OutRoute> r = route_output(dst, kNoNic, src);
  if (!r) {
    drop(HostDrop::kIpNoRoute);
    return r.error();
  }
  if (ip_len > (r->local ? kMaxMtu : nics_[r->nic]->mtu_)) {
    drop(HostDrop::kIpTooBig);
    return make_error("Message too long");
  }
  std::array<uint8_t, kMaxFrame> buf;
  size_t n = kEthHeaderLen + ip_len;
  std::memcpy(buf.data(), frame, n);
  uint8_t* out_ip = buf.data() + kEthHeaderLen;
  if (src == 0) {
    store_be32(out_ip + 12, r->src);
    store_be16(out_ip + 10, 0);
    store_be16(out_ip + 10, ipv4_header_checksum(out_ip, ihl));
    uint8_t* l4 = out_ip + ihl;
    if (out_ip[9] == kIpProtoUdp && ip_len >= ihl + kUdpHeaderLen && load_be16(l4 + 6) != 0) {
      store_be16(l4 + 6, 0);
      store_be16(l4 + 6, l4_checksum_ipv4(r->src, dst, kIpProtoUdp, l4, ip_len - ihl));
    }
  }
  if (r->local) {
    store_mac(buf.data(), nics_[r->nic]->mac_);
    store_mac(buf.data() + 6, nics_[r->nic]->mac_);
    store_be16(buf.data() + 12, kEthTypeIp);
    deliver_locally(r->nic, buf.data(), n);
  } else {
    eth_output_ip(r->nic, r->next_hop, buf.data(), n, nullptr);
  }
  return ok_status();
}

}  // namespace nt
