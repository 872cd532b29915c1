#include "netstack/dhcp_server.h"

#include <algorithm>

#include "netstack/ipv4_addr.h"

namespace nt {

namespace {

constexpr std::string_view kDropNames[] = {
#define NT_DHCP_SERVER_DROP_NAME(name, str) str,
    NT_DHCP_SERVER_DROPS(NT_DHCP_SERVER_DROP_NAME)
#undef NT_DHCP_SERVER_DROP_NAME
};

void append_counter(std::string& out, std::string_view name, uint64_t n) {
  if (n) out += std::string(name) + ": " + std::to_string(n) + "\n";
}

}  // namespace

std::string_view dhcp_server_drop_name(DhcpServerDrop d) {
  return kDropNames[static_cast<size_t>(d)];
}

DhcpServer::DhcpServer(Host& host, NicId nic, DhcpServerConfig config)
    : host_(host), nic_(nic), config_(std::move(config)) {
  network_ = config_.server_address & prefix_mask(config_.prefix_len);
  index_static_hosts();
  expiry_timer_.set_callback([this] { expire(); });
}

void DhcpServer::index_static_hosts() {
  static_by_mac_.clear();
  static_by_addr_.clear();
  for (const DhcpStaticHost& s : config_.static_hosts) {
    static_by_mac_[s.mac.to_u64()] = s.address;
    static_by_addr_[s.address] = s.mac.to_u64();
  }
}

Status DhcpServer::reconfigure(DhcpServerConfig config) {
  if (config.server_address != config_.server_address || config.prefix_len != config_.prefix_len)
    return make_error("DHCP server: reconfigure cannot move the server address or subnet");
  DhcpServerConfig old = std::move(config_);
  config_ = std::move(config);
  if (Status s = check_config(); !s) {
    config_ = std::move(old);
    return s;
  }
  index_static_hosts();
  std::vector<uint64_t> stale;
  for (const auto& [mac, l] : leases_) {
    uint32_t s = static_address(l.mac);
    if ((s && s != l.address) || (!s && config_.static_only)) stale.push_back(mac);
  }
  for (uint64_t mac : stale) erase_lease(mac);
  return ok_status();
}

DhcpServer::~DhcpServer() = default;

Status DhcpServer::check_config() const {
  const DhcpServerConfig& c = config_;
  if (c.server_address == 0) return make_error("DHCP server: no server address");
  if (c.prefix_len < 1 || c.prefix_len > 30) return make_error("DHCP server: bad prefix length");
  uint32_t broadcast = network_ | ~prefix_mask(c.prefix_len);
  auto usable = [&](uint32_t a) {
    return in_prefix(a, network_, c.prefix_len) && a != network_ && a != broadcast;
  };
  if (!c.static_only &&
      (!usable(c.pool_first) || !usable(c.pool_last) || c.pool_first > c.pool_last))
    return make_error("DHCP server: pool outside the subnet");
  for (const DhcpStaticHost& s : c.static_hosts) {
    if (!usable(s.address)) return make_error("DHCP server: static host outside the subnet");
  }
  if (c.lease_secs == 0) return make_error("DHCP server: zero lease time");
  return ok_status();
}

Status DhcpServer::start() {
  if (socket_) return make_error("DHCP server already running", ErrorCode::kConflict);
  if (nic_ >= host_.nic_count()) return make_error("no such device", ErrorCode::kNotFound);
  if (Status s = check_config(); !s) return s;
  auto sock = host_.udp_open(kDhcpServerPort, 0, nic_);
  if (!sock) return sock.error();
  socket_ = std::move(*sock);
  socket_->on_receive([this](const UdpDatagram& d) { on_datagram(d); });
  return ok_status();
}

uint64_t DhcpServer::total_drops() const {
  uint64_t n = 0;
  for (uint64_t d : drops_) n += d;
  return n;
}

std::string DhcpServer::counters_text() const {
  std::string out;
  append_counter(out, "dhcp_discover", stats_.discovers);
  append_counter(out, "dhcp_request", stats_.requests);
  append_counter(out, "dhcp_release", stats_.releases);
  append_counter(out, "dhcp_decline", stats_.declines);
  append_counter(out, "dhcp_offer", stats_.offers);
  append_counter(out, "dhcp_ack", stats_.acks);
  append_counter(out, "dhcp_nak", stats_.naks);
  for (size_t i = 0; i < drops_.size(); ++i) append_counter(out, kDropNames[i], drops_[i]);
  return out;
}

const DhcpServerLease* DhcpServer::find_lease(const MacAddr& mac) const {
  auto it = leases_.find(mac.to_u64());
  if (it == leases_.end() || it->second.expires <= host_.now_us()) return nullptr;
  return &it->second;
}

std::string DhcpServer::leases_text() const {
  std::vector<const DhcpServerLease*> bound;
  for (const auto& [mac, l] : leases_) {
    if (l.bound && l.expires > host_.now_us()) bound.push_back(&l);
  }
  std::sort(bound.begin(), bound.end(),
            [](const auto* a, const auto* b) { return a->address < b->address; });
  std::string out;
  for (const DhcpServerLease* l : bound) {
    out += std::to_string(l->expires / kUsPerSec) + " " + l->mac.to_string() + " " +
           ipv4_to_string(l->address) + " " + (l->hostname.empty() ? "*" : l->hostname) + " *\n";
  }
  return out;
}

// --- Receiving.

void DhcpServer::on_datagram(const UdpDatagram& d) {
  auto m = dhcp_parse(d.data, d.len);
  if (!m) return drop(DhcpServerDrop::kMalformed);
  if (m->op != 1) return drop(DhcpServerDrop::kNotBootRequest);
  if (m->giaddr) return drop(DhcpServerDrop::kRelayed);
  switch (m->type) {
    case DhcpType::kDiscover:
      return on_discover(*m);
    case DhcpType::kRequest:
      return on_request(*m);
    case DhcpType::kRelease:
      return on_release(*m);
    case DhcpType::kDecline:
      return on_decline(*m);
    default:
      return drop(DhcpServerDrop::kUnhandledType);
  }
}

void DhcpServer::on_discover(const DhcpMessage& m) {
  ++stats_.discovers;
  uint32_t addr = choose_address(m);
  if (!addr && config_.static_only) return drop(DhcpServerDrop::kNoStaticHost);
  if (!addr) return drop(DhcpServerDrop::kPoolExhausted);
  const DhcpServerLease* l = find_lease(m.chaddr);
  if (!l || l->address != addr || !l->bound) {
    set_lease(m, addr, false, host_.now_us() + config_.offer_hold);
  }
  reply(m, DhcpType::kOffer, addr);
}

void DhcpServer::on_request(const DhcpMessage& m) {
  ++stats_.requests;
  if (m.server_id && m.server_id != config_.server_address) {
    // SELECTING another server's offer: ours is free again.
    const DhcpServerLease* l = find_lease(m.chaddr);
    if (l && !l->bound) erase_lease(m.chaddr.to_u64());
    return drop(DhcpServerDrop::kOtherServer);
  }
  uint32_t want = m.requested_ip ? m.requested_ip : m.ciaddr;
  if (!want) return drop(DhcpServerDrop::kNoAddress);
  if (!acceptable(want, m.chaddr)) return reply(m, DhcpType::kNak, 0);
  TimeUs expires = host_.now_us() + static_cast<TimeUs>(config_.lease_secs) * kUsPerSec;
  set_lease(m, want, true, expires);
  reply(m, DhcpType::kAck, want);
}

void DhcpServer::on_release(const DhcpMessage& m) {
  ++stats_.releases;
  if (m.server_id && m.server_id != config_.server_address) {
    return drop(DhcpServerDrop::kOtherServer);
  }
  const DhcpServerLease* l = find_lease(m.chaddr);
  if (!l || l->address != m.ciaddr) return drop(DhcpServerDrop::kUnknownLease);
  erase_lease(m.chaddr.to_u64());
}

void DhcpServer::on_decline(const DhcpMessage& m) {
  ++stats_.declines;
  if (m.server_id && m.server_id != config_.server_address) {
    return drop(DhcpServerDrop::kOtherServer);
  }
  const DhcpServerLease* l = find_lease(m.chaddr);
  if (!l || l->address != m.requested_ip) return drop(DhcpServerDrop::kUnknownLease);
  erase_lease(m.chaddr.to_u64());
  declined_[m.requested_ip] = host_.now_us() + config_.decline_hold;
  arm_expiry();
}

// --- Addresses.

uint32_t DhcpServer::static_address(const MacAddr& mac) const {
  auto it = static_by_mac_.find(mac.to_u64());
  return it == static_by_mac_.end() ? 0 : it->second;
}

uint32_t DhcpServer::choose_address(const DhcpMessage& m) const {
  if (uint32_t s = static_address(m.chaddr)) return s;
  if (const DhcpServerLease* l = find_lease(m.chaddr)) return l->address;
  if (m.requested_ip && allocatable(m.requested_ip, m.chaddr)) return m.requested_ip;
  for (uint32_t a = config_.pool_first; a <= config_.pool_last; ++a) {
    if (allocatable(a, m.chaddr)) return a;
  }
  return 0;
}

// A pool address nobody else holds, reserves or has declined.
bool DhcpServer::allocatable(uint32_t addr, const MacAddr& mac) const {
  if (config_.static_only) return false;
  if (addr < config_.pool_first || addr > config_.pool_last) return false;
  if (addr == config_.server_address || static_by_addr_.count(addr)) return false;
  const auto& routers = config_.routers;
  if (std::find(routers.begin(), routers.end(), addr) != routers.end()) return false;
  TimeUs now = host_.now_us();
  if (auto d = declined_.find(addr); d != declined_.end() && d->second > now) return false;
  auto o = owners_.find(addr);
  if (o == owners_.end() || o->second == mac.to_u64()) return true;
  return leases_.at(o->second).expires <= now;
}

// May `mac` have `addr` (a REQUEST)? Its static address, its lease, or a free pool address.
bool DhcpServer::acceptable(uint32_t addr, const MacAddr& mac) const {
  if (uint32_t s = static_address(mac)) return addr == s;
  const DhcpServerLease* l = find_lease(mac);
  return (l && l->address == addr) || allocatable(addr, mac);
}

void DhcpServer::set_lease(const DhcpMessage& m, uint32_t addr, bool bound, TimeUs expires) {
  uint64_t mac = m.chaddr.to_u64();
  erase_lease(mac);
  if (auto o = owners_.find(addr); o != owners_.end()) erase_lease(o->second);  // expired
  leases_[mac] = {m.chaddr, addr, expires, bound, m.hostname};
  owners_[addr] = mac;
  arm_expiry();
}

void DhcpServer::erase_lease(uint64_t mac) {
  auto it = leases_.find(mac);
  if (it == leases_.end()) return;
  owners_.erase(it->second.address);
  leases_.erase(it);
}

void DhcpServer::expire() {
  TimeUs now = host_.now_us();
  std::erase_if(declined_, [now](const auto& d) { return d.second <= now; });
  std::vector<uint64_t> gone;
  for (const auto& [mac, l] : leases_) {
    if (l.expires <= now) gone.push_back(mac);
  }
  for (uint64_t mac : gone) erase_lease(mac);
  arm_expiry();
}

void DhcpServer::arm_expiry() {
  TimeUs next = kNever;
  for (const auto& [mac, l] : leases_) next = std::min(next, l.expires);
  for (const auto& [addr, until] : declined_) next = std::min(next, until);
  if (next == kNever) {
    expiry_timer_.cancel();
  } else if (next != expiry_timer_.deadline()) {
    host_.scheduler().arm_at(expiry_timer_, next);
  }
}

// --- Replying.

DhcpMessage DhcpServer::make_reply(const DhcpMessage& req, DhcpType type, uint32_t yiaddr) const {
  DhcpMessage r;
  r.op = 2;
  r.type = type;
  r.xid = req.xid;
  r.flags = req.flags;
  r.chaddr = req.chaddr;
  r.server_id = config_.server_address;
  if (type == DhcpType::kNak) return r;
  if (type == DhcpType::kAck) r.ciaddr = req.ciaddr;
  r.yiaddr = yiaddr;
  r.lease_time = config_.lease_secs;
  r.t1 = config_.lease_secs / 2;
  r.t2 = static_cast<uint32_t>(uint64_t{config_.lease_secs} * 7 / 8);
  r.subnet_mask = prefix_mask(config_.prefix_len);
  r.has_subnet_mask = true;
  r.routers = config_.routers;
  r.dns = config_.dns_servers;
  r.mtu = config_.mtu;
  r.classless_routes = config_.classless_routes;
  r.has_classless_routes = !config_.classless_routes.empty();
  return r;
}

void DhcpServer::reply(const DhcpMessage& req, DhcpType type, uint32_t yiaddr) {
  uint8_t buf[kDhcpMaxMessage];
  auto len = dhcp_encode(make_reply(req, type, yiaddr), buf, sizeof buf);
  if (!len) return drop(DhcpServerDrop::kReplyFailed);
  UdpSendOptions o;
  o.src = config_.server_address;
  uint32_t dst = kIpv4Broadcast;  // a NAK, or a client that asked for broadcast
  if (type != DhcpType::kNak && req.ciaddr) {
    dst = req.ciaddr;
  } else if (type != DhcpType::kNak && !(req.flags & kDhcpBroadcastFlag)) {
    dst = yiaddr;
    o.dst_mac = &req.chaddr;  // the client has no address yet: straight to its MAC
  }
  if (!socket_->sendto(dst, kDhcpClientPort, buf, *len, o)) {
    return drop(DhcpServerDrop::kReplyFailed);
  }
  stats_.offers += type == DhcpType::kOffer;
  stats_.acks += type == DhcpType::kAck;
  stats_.naks += type == DhcpType::kNak;
}

}  // namespace nt
