#include "netstack/dhcp_msg.h"

#include <array>
#include <cstring>
#include <memory>

#include "netstack/ipv4_addr.h"
#include "packet/bytes.h"

namespace nt {

namespace {

constexpr size_t kFixedLen = 236;
constexpr size_t kCookieLen = 4;
constexpr uint32_t kMagicCookie = 0x63825363;
constexpr size_t kMinBootp = 300;

std::string_view kTypeNames[] = {
    "",        "DHCPDISCOVER", "DHCPOFFER",   "DHCPREQUEST", "DHCPDECLINE",
    "DHCPACK", "DHCPNAK",      "DHCPRELEASE", "DHCPINFORM"};

// Appends options, failing (once, sticky) when `cap` would be exceeded.
struct OptWriter {
  uint8_t* buf;
  size_t cap;
  size_t pos;
  bool ok = true;

  void raw(uint8_t code, const uint8_t* data, size_t len) {
    // RFC 3396: values longer than 255 bytes are split over several instances.
    do {
      size_t n = len > 255 ? 255 : len;
      if (pos + 2 + n > cap) {
        ok = false;
        return;
      }
      buf[pos] = code;
      buf[pos + 1] = static_cast<uint8_t>(n);
      if (n) std::memcpy(buf + pos + 2, data, n);
      pos += 2 + n;
      data += n;
      len -= n;
    } while (len > 0);
  }
  void u8(uint8_t code, uint8_t v) { raw(code, &v, 1); }
  void u16(uint8_t code, uint16_t v) {
    uint8_t b[2];
    store_be16(b, v);
    raw(code, b, 2);
  }
  void u32(uint8_t code, uint32_t v) {
    uint8_t b[4];
    store_be32(b, v);
    raw(code, b, 4);
  }
  void addrs(uint8_t code, const std::vector<uint32_t>& v) {
    std::vector<uint8_t> b(v.size() * 4);
    for (size_t i = 0; i < v.size(); ++i) store_be32(b.data() + 4 * i, v[i]);
    raw(code, b.data(), b.size());
  }
  void text(uint8_t code, const std::string& s) {
    raw(code, reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
};

std::vector<uint8_t> encode_classless(const std::vector<ClasslessRoute>& routes) {
  std::vector<uint8_t> out;
  for (const ClasslessRoute& r : routes) {
    out.push_back(r.prefix_len);
    uint32_t dst = r.dst & prefix_mask(r.prefix_len);
    for (int i = 0; i < (r.prefix_len + 7) / 8; ++i)
      out.push_back(static_cast<uint8_t>(dst >> (24 - 8 * i)));
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(r.router >> (24 - 8 * i)));
  }
  return out;
}

void write_options(OptWriter& w, const DhcpMessage& m) {
  w.u8(dhcp_opt::kMessageType, static_cast<uint8_t>(m.type));
  if (m.server_id) w.u32(dhcp_opt::kServerId, m.server_id);
  if (m.requested_ip) w.u32(dhcp_opt::kRequestedIp, m.requested_ip);
  if (m.lease_time) w.u32(dhcp_opt::kLeaseTime, m.lease_time);
  if (m.t1) w.u32(dhcp_opt::kT1, m.t1);
  if (m.t2) w.u32(dhcp_opt::kT2, m.t2);
  if (m.has_subnet_mask) w.u32(dhcp_opt::kSubnetMask, m.subnet_mask);
  if (!m.routers.empty()) w.addrs(dhcp_opt::kRouter, m.routers);
  if (!m.dns.empty()) w.addrs(dhcp_opt::kDns, m.dns);
  if (m.mtu) w.u16(dhcp_opt::kMtu, m.mtu);
  if (m.has_classless_routes) {
    std::vector<uint8_t> b = encode_classless(m.classless_routes);
    w.raw(dhcp_opt::kClasslessRoute, b.data(), b.size());
  }
  if (!m.hostname.empty()) w.text(dhcp_opt::kHostname, m.hostname);
  if (!m.domain_name.empty()) w.text(dhcp_opt::kDomainName, m.domain_name);
  if (!m.message.empty()) w.text(dhcp_opt::kMessage, m.message);
  if (!m.param_request.empty()) {
    w.raw(dhcp_opt::kParamRequest, m.param_request.data(), m.param_request.size());
  }
  uint8_t end = dhcp_opt::kEnd;
  if (w.pos + 1 > w.cap) w.ok = false;
  if (w.ok) w.buf[w.pos++] = end;
}

using OptionBytes = std::array<std::vector<uint8_t>, 256>;

// Gathers every option (concatenating repeated ones). False on a truncated option.
bool collect_options(const uint8_t* p, size_t len, OptionBytes& opts, std::array<bool, 256>& seen) {
  size_t i = 0;
  while (i < len) {
    uint8_t code = p[i++];
    if (code == dhcp_opt::kPad) continue;
    if (code == dhcp_opt::kEnd) return true;
    if (i >= len || i + 1 + p[i] > len) return false;
    uint8_t n = p[i++];
    opts[code].insert(opts[code].end(), p + i, p + i + n);
    seen[code] = true;
    i += n;
  }
  return true;  // a missing End option is tolerated
}

bool get_u32(const std::vector<uint8_t>& v, uint32_t& out) {
  if (v.size() != 4) return false;
  out = load_be32(v.data());
  return true;
}

std::vector<uint32_t> get_addrs(const std::vector<uint8_t>& v) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i + 4 <= v.size(); i += 4) out.push_back(load_be32(v.data() + i));
  return out;
}

Result<std::vector<ClasslessRoute>> decode_classless(const std::vector<uint8_t>& v) {
  std::vector<ClasslessRoute> out;
  size_t i = 0;
  while (i < v.size()) {
    uint8_t width = v[i++];
    if (width > 32) return make_error("option 121: prefix length " + std::to_string(width));
    size_t octets = (width + 7) / 8;
    if (i + octets + 4 > v.size()) return make_error("option 121: truncated route");
    uint32_t dst = 0;
    for (size_t k = 0; k < 4; ++k) dst = dst << 8 | (k < octets ? v[i + k] : 0);
    i += octets;
    out.push_back({dst & prefix_mask(width), width, load_be32(v.data() + i)});
    i += 4;
  }
  return out;
}

Status decode_options(const OptionBytes& o, const std::array<bool, 256>& seen, DhcpMessage& m) {
  const auto& type = o[dhcp_opt::kMessageType];
  if (type.size() != 1 || type[0] < 1 || type[0] > 8) return make_error("no valid message type");
  m.type = static_cast<DhcpType>(type[0]);
  get_u32(o[dhcp_opt::kServerId], m.server_id);
  get_u32(o[dhcp_opt::kRequestedIp], m.requested_ip);
  get_u32(o[dhcp_opt::kLeaseTime], m.lease_time);
  get_u32(o[dhcp_opt::kT1], m.t1);
  get_u32(o[dhcp_opt::kT2], m.t2);
  m.has_subnet_mask = get_u32(o[dhcp_opt::kSubnetMask], m.subnet_mask);
  m.routers = get_addrs(o[dhcp_opt::kRouter]);
  m.dns = get_addrs(o[dhcp_opt::kDns]);
  if (o[dhcp_opt::kMtu].size() == 2) m.mtu = load_be16(o[dhcp_opt::kMtu].data());
  if (seen[dhcp_opt::kClasslessRoute]) {
    Result<std::vector<ClasslessRoute>> r = decode_classless(o[dhcp_opt::kClasslessRoute]);
    if (!r) return r.error();
    m.classless_routes = std::move(*r);
    m.has_classless_routes = true;
  }
  auto text = [&](uint8_t c) { return std::string(o[c].begin(), o[c].end()); };
  m.hostname = text(dhcp_opt::kHostname);
  m.domain_name = text(dhcp_opt::kDomainName);
  m.message = text(dhcp_opt::kMessage);
  m.param_request = o[dhcp_opt::kParamRequest];
  return ok_status();
}

}  // namespace

std::string_view dhcp_type_name(DhcpType t) {
  auto i = static_cast<size_t>(t);
  return i < std::size(kTypeNames) ? kTypeNames[i] : "DHCP?";
}

Result<size_t> dhcp_encode(const DhcpMessage& m, uint8_t* buf, size_t cap) {
  if (cap < kMinBootp) return make_error("buffer too small for a DHCP message");
  std::memset(buf, 0, kMinBootp);
  buf[0] = m.op;
  buf[1] = 1;  // Ethernet
  buf[2] = 6;
  store_be32(buf + 4, m.xid);
  store_be16(buf + 8, m.secs);
  store_be16(buf + 10, m.flags);
  store_be32(buf + 12, m.ciaddr);
  store_be32(buf + 16, m.yiaddr);
  store_be32(buf + 20, m.siaddr);
  store_be32(buf + 24, m.giaddr);
  store_mac(buf + 28, m.chaddr);
  store_be32(buf + kFixedLen, kMagicCookie);
  OptWriter w{buf, cap, kFixedLen + kCookieLen};
  write_options(w, m);
  if (!w.ok) return make_error("DHCP options do not fit");
  return w.pos < kMinBootp ? kMinBootp : w.pos;
}

Result<DhcpMessage> dhcp_parse(const uint8_t* data, size_t len) {
  if (len < kFixedLen + kCookieLen) return make_error("DHCP message truncated");
  if (data[1] != 1 || data[2] != 6) return make_error("not an Ethernet DHCP message");
  if (load_be32(data + kFixedLen) != kMagicCookie) return make_error("bad DHCP magic cookie");
  DhcpMessage m;
  m.op = data[0];
  m.xid = load_be32(data + 4);
  m.secs = load_be16(data + 8);
  m.flags = load_be16(data + 10);
  m.ciaddr = load_be32(data + 12);
  m.yiaddr = load_be32(data + 16);
  m.siaddr = load_be32(data + 20);
  m.giaddr = load_be32(data + 24);
  m.chaddr = load_mac(data + 28);
  auto opts = std::make_unique<OptionBytes>();
  std::array<bool, 256> seen{};
  size_t at = kFixedLen + kCookieLen;
  if (!collect_options(data + at, len - at, *opts, seen))
    return make_error("DHCP option truncated");
  Status s = decode_options(*opts, seen, m);
  if (!s) return s.error();
  return m;
}

}  // namespace nt
