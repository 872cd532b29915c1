#include "netstack/dhcp_client.h"

#include <algorithm>

namespace nt {

namespace {

const std::vector<uint8_t> kParamRequest = {
    dhcp_opt::kSubnetMask, dhcp_opt::kClasslessRoute, dhcp_opt::kRouter, dhcp_opt::kDns,
    dhcp_opt::kHostname,   dhcp_opt::kDomainName,     dhcp_opt::kMtu,    dhcp_opt::kBroadcast,
    dhcp_opt::kLeaseTime,  dhcp_opt::kServerId,       dhcp_opt::kT1,     dhcp_opt::kT2};

}  // namespace

std::string_view dhcp_state_name(DhcpState s) {
  switch (s) {
    case DhcpState::kStopped:
      return "STOPPED";
    case DhcpState::kInit:
      return "INIT";
    case DhcpState::kSelecting:
      return "SELECTING";
    case DhcpState::kRequesting:
      return "REQUESTING";
    case DhcpState::kBound:
      return "BOUND";
    case DhcpState::kRenewing:
      return "RENEWING";
    case DhcpState::kRebinding:
      return "REBINDING";
  }
  return "?";
}

DhcpClient::DhcpClient(Host& host, NicId nic, DhcpClientConfig config)
    : host_(host), nic_(nic), config_(std::move(config)) {
  timer_.set_callback([this] { on_timer(); });
}

DhcpClient::~DhcpClient() = default;

Status DhcpClient::start() {
  if (socket_) return make_error("DHCP client already running", ErrorCode::kConflict);
  if (nic_ >= host_.nic_count()) return make_error("no such device", ErrorCode::kNotFound);
  auto sock = host_.udp_open(kDhcpClientPort, 0, nic_);
  if (!sock) return sock.error();
  socket_ = std::move(*sock);
  socket_->set_accept_unconfigured(true);
  socket_->on_receive([this](const UdpDatagram& d) { on_datagram(d); });
  original_mtu_ = host_.nic(nic_).mtu();
  log_ += "udhcpc (v1.23.2) started\n";
  enter_init(0);
  return ok_status();
}

void DhcpClient::release() {
  bool bound = state_ == DhcpState::kBound || state_ == DhcpState::kRenewing ||
               state_ == DhcpState::kRebinding;
  if (bound && lease_) {
    DhcpMessage m = base_message(DhcpType::kRelease);
    m.ciaddr = lease_->address;
    m.server_id = lease_->server_id;
    m.param_request.clear();
    send(m, lease_->server_id);
    log_ += "Unicasting a release of " + ipv4_to_string(lease_->address) + " to " +
            ipv4_to_string(lease_->server_id) + "\n";
  }
  unconfigure();
  timer_.cancel();
  state_ = DhcpState::kStopped;
  socket_.reset();
}

void DhcpClient::enter_init(TimeUs delay) {
  state_ = DhcpState::kInit;
  tries_ = 0;
  host_.scheduler().arm_in(timer_, delay);
}

TimeUs DhcpClient::backoff() {
  TimeUs wait = config_.initial_backoff << std::min(tries_, 16);
  wait = std::min(wait, config_.max_backoff);
  ++tries_;
  if (config_.jitter) wait += (static_cast<TimeUs>(host_.random() % 2001) - 1000) * kUsPerMs;
  return wait;
}

void DhcpClient::arm_renew_retrans(TimeUs boundary) {
  TimeUs now = host_.now_us();
  TimeUs wait = std::max((boundary - now) / 2, config_.min_renew_retrans);
  host_.scheduler().arm_at(timer_, std::min(now + wait, boundary));
}

void DhcpClient::on_timer() {
  TimeUs now = host_.now_us();
  switch (state_) {
    case DhcpState::kInit:
    case DhcpState::kSelecting:
      return send_discover();
    case DhcpState::kRequesting:
      if (tries_ < config_.max_request_tries) return send_request();
      log_ += "No lease, failing\n";
      return enter_init(config_.restart_delay);
    case DhcpState::kBound:
      state_ = DhcpState::kRenewing;
      xid_ = host_.random();
      started_ = now;
      return send_request();
    case DhcpState::kRenewing:
      if (now >= lease_->t2) {
        state_ = DhcpState::kRebinding;
        log_ += "Entering rebinding state\n";
      }
      return send_request();
    case DhcpState::kRebinding:
      if (now < lease_->expires) return send_request();
      log_ += "Lease lost, entering init state\n";
      unconfigure();
      return enter_init(config_.restart_delay);
    case DhcpState::kStopped:
      return;
  }
}

DhcpMessage DhcpClient::base_message(DhcpType type) const {
  DhcpMessage m;
  m.op = 1;
  m.type = type;
  m.xid = xid_;
  TimeUs secs = (host_.now_us() - started_) / kUsPerSec;
  m.secs = static_cast<uint16_t>(std::clamp<TimeUs>(secs, 0, 0xffff));
  m.chaddr = host_.nic(nic_).mac();
  m.hostname = config_.hostname;
  m.param_request = kParamRequest;
  return m;
}

void DhcpClient::send(const DhcpMessage& m, uint32_t dst) {
  uint8_t buf[kDhcpMaxMessage];
  Result<size_t> len = dhcp_encode(m, buf, sizeof buf);
  if (!len) {
    log_ += "udhcpc: " + len.error().message + "\n";
    return;
  }
  Status s = socket_->sendto(dst, kDhcpServerPort, buf, *len);
  if (!s) log_ += "udhcpc: sendto: " + s.error().message + "\n";
}

void DhcpClient::send_discover() {
  if (state_ != DhcpState::kSelecting) {
    state_ = DhcpState::kSelecting;
    xid_ = host_.random();
    started_ = host_.now_us();
    tries_ = 0;
  }
  DhcpMessage m = base_message(DhcpType::kDiscover);
  send(m, kIpv4Broadcast);
  ++stats_.discovers;
  log_ += "Sending discover...\n";
  host_.scheduler().arm_in(timer_, backoff());
}

void DhcpClient::send_request() {
  DhcpMessage m = base_message(DhcpType::kRequest);
  request_sent_ = host_.now_us();
  ++stats_.requests;
  if (state_ == DhcpState::kRequesting) {
    m.requested_ip = offer_.yiaddr;
    m.server_id = offer_.server_id;
    send(m, kIpv4Broadcast);
    log_ += "Sending select for " + ipv4_to_string(offer_.yiaddr) + "...\n";
    return host_.scheduler().arm_in(timer_, backoff());
  }
  // RENEWING: unicast to the server that granted the lease; REBINDING: to anyone.
  bool renewing = state_ == DhcpState::kRenewing;
  m.ciaddr = lease_->address;
  send(m, renewing ? lease_->server_id : kIpv4Broadcast);
  log_ += "Sending renew...\n";
  arm_renew_retrans(renewing ? lease_->t2 : lease_->expires);
}

void DhcpClient::on_datagram(const UdpDatagram& d) {
  Result<DhcpMessage> parsed = dhcp_parse(d.data, d.len);
  if (!parsed || parsed->op != 2 || parsed->xid != xid_ ||
      parsed->chaddr != host_.nic(nic_).mac()) {
    ++stats_.ignored;
    return;
  }
  const DhcpMessage& m = *parsed;
  bool waiting_ack = state_ == DhcpState::kRequesting || state_ == DhcpState::kRenewing ||
                     state_ == DhcpState::kRebinding;
  if (m.type == DhcpType::kOffer && state_ == DhcpState::kSelecting) return on_offer(m);
  if (m.type == DhcpType::kAck && waiting_ack) return on_ack(m);
  if (m.type == DhcpType::kNak && waiting_ack) return on_nak();
  ++stats_.ignored;
}

void DhcpClient::on_offer(const DhcpMessage& m) {
  if (m.yiaddr == 0 || is_ipv4_martian(m.yiaddr)) {
    ++stats_.ignored;
    return;
  }
  ++stats_.offers;
  offer_ = m;
  state_ = DhcpState::kRequesting;
  tries_ = 0;
  send_request();
}

void DhcpClient::on_nak() {
  ++stats_.naks;
  log_ += "Received DHCP NAK\n";
  unconfigure();
  enter_init(config_.restart_delay);
}

}  // namespace nt
