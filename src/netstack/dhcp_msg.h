// DHCP messages (RFC 2131 / RFC 2132): one struct and its wire codec.
//
// The client here and the DHCP service later both speak through DhcpMessage: the fixed
// BOOTP fields plus the options a cloud uses (message type, server id, requested address,
// lease/T1/T2, subnet mask, routers, DNS, domain, hostname, interface MTU, classless static
// routes of RFC 3442). Parsing never trusts a length: a truncated option, a bad cookie or a
// route wider than /32 is an Error, never a read past the buffer. Split options (RFC 3396)
// are concatenated before decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "packet/flow_key.h"

namespace nt {

inline constexpr uint16_t kDhcpServerPort = 67;
inline constexpr uint16_t kDhcpClientPort = 68;
inline constexpr uint16_t kDhcpBroadcastFlag = 0x8000;
inline constexpr size_t kDhcpMaxMessage = 576;  // what every client must accept

enum class DhcpType : uint8_t {
  kNone = 0,
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
  kInform = 8,
};
std::string_view dhcp_type_name(DhcpType t);  // "DHCPDISCOVER"

// Option codes used here.
namespace dhcp_opt {
inline constexpr uint8_t kPad = 0;
inline constexpr uint8_t kSubnetMask = 1;
inline constexpr uint8_t kRouter = 3;
inline constexpr uint8_t kDns = 6;
inline constexpr uint8_t kHostname = 12;
inline constexpr uint8_t kDomainName = 15;
inline constexpr uint8_t kMtu = 26;
inline constexpr uint8_t kBroadcast = 28;
inline constexpr uint8_t kRequestedIp = 50;
inline constexpr uint8_t kLeaseTime = 51;
inline constexpr uint8_t kMessageType = 53;
inline constexpr uint8_t kServerId = 54;
inline constexpr uint8_t kParamRequest = 55;
inline constexpr uint8_t kMessage = 56;
inline constexpr uint8_t kMaxMessageSize = 57;
inline constexpr uint8_t kT1 = 58;
inline constexpr uint8_t kT2 = 59;
inline constexpr uint8_t kClientId = 61;
inline constexpr uint8_t kClasslessRoute = 121;
inline constexpr uint8_t kEnd = 255;
}  // namespace dhcp_opt

struct ClasslessRoute {
  uint32_t dst = 0;
  uint8_t prefix_len = 0;
  uint32_t router = 0;  // 0.0.0.0: the destination is on-link
  bool operator==(const ClasslessRoute&) const = default;
};

struct DhcpMessage {
  uint8_t op = 1;  // 1 BOOTREQUEST, 2 BOOTREPLY
  uint32_t xid = 0;
  uint16_t secs = 0;
  uint16_t flags = 0;
  uint32_t ciaddr = 0;
  uint32_t yiaddr = 0;
  uint32_t siaddr = 0;
  uint32_t giaddr = 0;
  MacAddr chaddr;
  DhcpType type = DhcpType::kNone;
  // Options; 0 / empty means absent.
  uint32_t server_id = 0;
  uint32_t requested_ip = 0;
  uint32_t lease_time = 0;
  uint32_t t1 = 0;
  uint32_t t2 = 0;
  uint32_t subnet_mask = 0;
  bool has_subnet_mask = false;
  std::vector<uint32_t> routers;
  std::vector<uint32_t> dns;
  uint16_t mtu = 0;
  std::vector<ClasslessRoute> classless_routes;
  bool has_classless_routes = false;
  std::string hostname;
  std::string domain_name;
  std::string message;
  std::vector<uint8_t> param_request;
};

// Writes `m` into buf (at least 300 bytes, BOOTP's minimum, zero padded); returns the length,
// or an error if it does not fit in `cap`.
Result<size_t> dhcp_encode(const DhcpMessage& m, uint8_t* buf, size_t cap);
Result<DhcpMessage> dhcp_parse(const uint8_t* data, size_t len);

}  // namespace nt
