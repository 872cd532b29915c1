// UDP sockets on an emulated host.
//
// A UdpSocket is what a program holds: bound to a port (and optionally an address and a
// device), it sends datagrams through the host's routing and ARP and receives those addressed
// to it through a callback, plus the ICMP errors its datagrams caused (how traceroute hears
// from routers). Delivery is a hash lookup by port and a callback with a view into the frame:
// no copy, no allocation. Closing is destroying the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "common/result.h"
#include "netstack/icmp.h"
#include "packet/flow_key.h"

namespace nt {

class Host;

// A received datagram; the bytes are valid only during the callback.
struct UdpDatagram {
  uint32_t src = 0;
  uint32_t dst = 0;
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint8_t ttl = 0;
  NicId nic = kNoNic;
  MacAddr src_mac;
  const uint8_t* data = nullptr;
  size_t len = 0;
};

struct UdpSendOptions {
  uint8_t ttl = 0;                   // 0: the host's default (64)
  uint32_t src = 0;                  // 0: chosen by the route (or the socket's address)
  uint16_t sport = 0;                // 0: the socket's port (a VXLAN port hashes its own)
  const MacAddr* dst_mac = nullptr;  // skip ARP (a DHCP server answering an unbound client)
  bool dont_fragment = false;
};

class UdpSocket {
 public:
  using ReceiveFn = std::function<void(const UdpDatagram&)>;
  using ErrorFn = std::function<void(const IcmpError&)>;

  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  uint16_t port() const { return port_; }
  uint32_t address() const { return addr_; }
  NicId device() const { return nic_; }

  // SO_BINDTODEVICE: send and receive only through `nic` (limited broadcasts go out there).
  void bind_device(NicId nic) { nic_ = nic; }
  // Also take datagrams to this port that arrive on the bound device for an address the
  // host does not have yet (a DHCP client before its lease: the OFFER goes to yiaddr).
  void set_accept_unconfigured(bool on) { accept_unconfigured_ = on; }
  void on_receive(ReceiveFn fn) { on_receive_ = std::move(fn); }
  void on_error(ErrorFn fn) { on_error_ = std::move(fn); }

  // Sends `len` bytes to dst:dport. Errors: no route, message too long, no source address.
  Status sendto(uint32_t dst, uint16_t dport, const uint8_t* data, size_t len,
                const UdpSendOptions& opts = {});

 private:
  friend class Host;
  UdpSocket(Host& host, uint32_t addr, uint16_t port) : host_(&host), addr_(addr), port_(port) {}

  Host* host_;
  uint32_t addr_;
  uint16_t port_;
  NicId nic_ = kNoNic;
  bool accept_unconfigured_ = false;
  ReceiveFn on_receive_;
  ErrorFn on_error_;
};

}  // namespace nt
