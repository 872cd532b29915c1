// ScenarioRunner: the underlay — segments, node NICs on them (each node's own IP stack), NICs
// enslaved to bridges, `link` cables, and captures of what crossed the wires.
#include <unistd.h>

#include <cstdio>
#include <functional>

#include "common/strings.h"
#include "scenario/lab_common.h"
#include "scenario/runner.h"
#include "scenario/runner_util.h"

namespace nt {
namespace {

using scenario_internal::split_kv;
using scenario_internal::usage;

// Bounds one settle(): a broadcast storm between bridges on a segment must end somewhere.
constexpr size_t kSettleMaxEvents = 100000;

}  // namespace

ScenarioRunner::Node& ScenarioRunner::new_node(const std::string& name) {
  auto n = std::make_unique<Node>();
  n->name = name;
  n->sw = std::make_unique<Switch>(clock_, kEmulatedPoolPackets);
  n->host = std::make_unique<Host>(sched_, name.empty() ? "default" : name);
  n->underlay = std::make_unique<NodeUnderlay>(*n->host);
  n->sw->set_underlay(n->underlay.get());
  n->commands = std::make_unique<CommandHost>(*n->sw);
  (void)n->commands->vlog().apply_spec("any:any:off");  // an emulated node keeps no log
  n->core = std::make_unique<NodeCore>(*n->commands);
  n->core->seed_uuids(std::hash<std::string>{}("node " + name));
  Switch* sw = n->sw.get();
  // VXLAN/GRE to one of the node's addresses: the whole frame to its datapath's tunnel vports.
  n->host->set_encap_handler([sw](NicId, const uint8_t* frame, size_t len) {
    sw->datapath().receive_underlay(frame, len);
    sw->maybe_revalidate();
  });
  nodes_.push_back(std::move(n));
  return *nodes_.back();
}

Segment& ScenarioRunner::default_segment() {
  auto& seg = segments_[scenario_internal::kVtepSegment];
  if (!seg) {
    seg = std::make_unique<Segment>(sched_, scenario_internal::kVtepSegment, "", kWireLatencyUs);
    seg->set_tap(
        [this](const Segment& s, const uint8_t* f, size_t n) { on_segment_frame(s, f, n); });
  }
  return *seg;
}

// segment NAME [CIDR]
Result<std::string> ScenarioRunner::cmd_segment(const Args& a) {
  if (a.size() < 2 || a.size() > 3) return usage("segment NAME [CIDR]");
  if (segments_.count(a[1])) return make_error("segment " + a[1] + " already exists");
  std::string cidr = a.size() > 2 ? a[2] : "";
  if (!cidr.empty()) {
    auto p = parse_ipv4_prefix(cidr);
    if (!p || cidr.find('/') == std::string::npos) {
      return make_error("segment: '" + cidr + "' is not an IPv4 prefix (A.B.C.D/LEN)");
    }
  }
  auto seg = std::make_unique<Segment>(sched_, a[1], cidr, kWireLatencyUs);
  seg->set_tap([this](const Segment& s, const uint8_t* f, size_t n) { on_segment_frame(s, f, n); });
  segments_[a[1]] = std::move(seg);
  return std::string();
}

// nic NAME segment=SEG [ip=A.B.C.D/LEN] [mac=MAC] [mtu=N]
Result<std::string> ScenarioRunner::cmd_nic(const Args& a) {
  if (a.size() < 3) return usage("nic NAME segment=SEG [ip=A.B.C.D/LEN] [mac=MAC] [mtu=N]");
  std::map<std::string, std::string> kv;
  for (size_t i = 2; i < a.size(); ++i) {
    auto [k, v] = split_kv(a[i]);
    if (k != "segment" && k != "ip" && k != "mac" && k != "mtu") {
      return make_error("nic: unknown option '" + k + "'");
    }
    kv[k] = v;
  }
  auto seg = segments_.find(kv["segment"]);
  if (kv["segment"].empty()) return make_error("nic: segment= is required");
  if (seg == segments_.end()) {
    return make_error("no segment named " + kv["segment"], ErrorCode::kNotFound);
  }
  std::optional<MacAddr> mac;
  if (!kv["mac"].empty()) {
    auto m = scenario_internal::parse_lab_mac(kv["mac"]);
    if (!m.ok()) return m.error();
    mac = *m;
  }
  uint16_t mtu = 1500;
  if (!kv["mtu"].empty()) {
    auto m = parse_uint(kv["mtu"], 16);
    if (!m) return make_error("nic: mtu '" + kv["mtu"] + "' is not a number");
    mtu = static_cast<uint16_t>(*m);
  }
  sw();  // the unnamed node, when no `node` came first
  return add_nic(*current_, a[1], *seg->second, mac, kv["ip"], mtu);
}

ScenarioRunner::NodeNic* ScenarioRunner::find_nic(Node& n, const std::string& name) {
  for (NodeNic& nic : n.nics) {
    if (nic.name == name) return &nic;
  }
  return nullptr;
}

Result<std::string> ScenarioRunner::add_nic(Node& n, const std::string& name, Segment& seg,
                                            const std::optional<MacAddr>& mac,
                                            const std::string& cidr, uint16_t mtu) {
  if (find_nic(n, name)) return make_error("nic " + name + " already exists on this node");
  if (!cidr.empty() && (!parse_ipv4_prefix(cidr) || cidr.find('/') == std::string::npos)) {
    return make_error("nic: ip '" + cidr + "' is not an address with a prefix (A.B.C.D/LEN)");
  }
  MacAddr m = mac ? *mac : scenario_internal::derived_nic_mac(n.name, name);
  Host* host = n.host.get();
  NicId id = host->add_nic(name, m, mtu);
  Segment::AttachmentId att =
      seg.attach_nic(m, [host, id](const uint8_t* f, size_t len) { host->receive(id, f, len); });
  Segment* sp = &seg;
  host->set_transmit(id, [sp, att](const uint8_t* f, size_t len) { sp->send(att, f, len); });
  n.nics.push_back(NodeNic{name, cidr, &seg, att, id, "", ""});
  if (!cidr.empty()) NT_TRY(host->add_address(id, cidr));
  // A dummy port already named like the NIC (add-port before nic) is the NIC, enslaved.
  for (Ofproto* br : n.sw->bridges()) {
    const OfPort* p = br->find_port(name);
    if (p && dynamic_cast<RecordingPort*>(n.sw->dp_port(*br, p->ofport))) {
      NT_TRY(enslave(n, n.nics.back(), br->name()));
    }
  }
  return std::string();
}

// Like Linux with an Open vSwitch-enslaved NIC: what the bridge port sends goes on the segment,
// everything on the segment reaches the port (promiscuous), and the node's stack no longer
// receives on that NIC (it can still send through it, as Linux's can).
Status ScenarioRunner::enslave(Node& n, NodeNic& nic, const std::string& bridge) {
  if (!nic.bridge.empty()) return make_error(nic.name + " is already in " + nic.bridge);
  port_became_device(n, nic.name);  // a port added before its NIC was declared is that NIC now
  Ofproto* br = n.sw->bridge(bridge);
  const OfPort* p = br ? br->find_port(nic.name) : nullptr;
  auto* rp = p ? dynamic_cast<RecordingPort*>(n.sw->dp_port(*br, p->ofport)) : nullptr;
  if (!rp) return make_error(nic.name + " on " + bridge + " is not a dummy port");
  Segment* seg = nic.segment;
  Segment::AttachmentId att = nic.attachment;
  rp->on_send = [seg, att](const uint8_t* f, size_t len) { seg->send(att, f, len); };
  Switch* sw = n.sw.get();
  std::string port = nic.name;
  seg->rewire(
      att,
      [sw, bridge, port](const uint8_t* f, size_t len) { (void)sw->receive(bridge, port, f, len); },
      true);
  nic.bridge = bridge;
  nic.port = port;
  return ok_status();
}

void ScenarioRunner::on_segment_frame(const Segment& seg, const uint8_t* frame, size_t len) {
  if (!live_captures_.empty()) live_segment_frame(seg, frame, len);
  if (captures_.empty()) return;  // nobody captures: nothing is formatted
  auto all = captures_.find("");
  auto own = captures_.find(seg.name());
  if (all == captures_.end() && own == captures_.end()) return;
  if (own == captures_.end()) {  // capturing everything: each segment gets its own file too
    if (!open_capture(seg.name()).ok()) return;
    own = captures_.find(seg.name());
  }
  underlay_log_.emplace_back(seg.name(), scenario_internal::underlay_line(frame, len));
  for (auto it : {all, own}) {
    if (it != captures_.end()) (void)it->second.pcap.write(frame, len, sched_.now_us());
  }
}

Status ScenarioRunner::open_capture(const std::string& key) {
  char tmpl[] = "/tmp/neutrino-underlay-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return make_error("capture-underlay: cannot create a temporary file");
  close(fd);
  Capture& c = captures_[key];
  c.pcap.close();
  if (!c.path.empty()) std::remove(c.path.c_str());
  c.path = tmpl;
  return c.pcap.open(c.path);
}

// capture-underlay [SEG]: from now on keep every frame that crosses the segments (or SEG) for
// `underlay [SEG]` and in temporary pcaps (one for all, one per segment) for
// `tcpdump-underlay [SEG]`.
Result<std::string> ScenarioRunner::cmd_capture(const Args& a) {
  if (a.size() > 2) return usage("capture-underlay [SEGMENT]");
  std::string key = a.size() > 1 ? a[1] : "";
  if (!key.empty() && !segments_.count(key)) {
    return make_error("no segment named " + key, ErrorCode::kNotFound);
  }
  if (key.empty()) {  // everything starts over
    for (auto& [k, c] : captures_) {
      c.pcap.close();
      std::remove(c.path.c_str());
    }
    captures_.clear();
    underlay_log_.clear();
  } else {  // that segment starts over, as a restarted tcpdump on it
    std::erase_if(underlay_log_, [&](const auto& e) { return e.first == key; });
  }
  NT_TRY(open_capture(key));
  return std::string();
}

// underlay [SEG]: the captured frames, one line each, in the order they were sent.
Result<std::string> ScenarioRunner::cmd_underlay(const Args& a) {
  if (a.size() > 2) return usage("underlay [SEGMENT]");
  std::string seg = a.size() > 1 ? a[1] : "";
  if (!captures_.count("") && !captures_.count(seg)) {
    return make_error("underlay: nothing captured; run capture-underlay" +
                      (seg.empty() ? std::string() : " " + seg) + " first");
  }
  std::string out;
  for (const auto& [s, line] : underlay_log_) {
    if (seg.empty() || s == seg) out += line + "\n";
  }
  return out;
}

// tcpdump-underlay [SEG]: what the real `tcpdump -nn -e -vv -r` makes of that capture's pcap.
Result<std::string> ScenarioRunner::cmd_tcpdump(const Args& a) {
  if (a.size() > 2) return usage("tcpdump-underlay [SEGMENT]");
  std::string key = a.size() > 1 ? a[1] : "";
  auto it = captures_.find(key);
  if (it == captures_.end()) {
    return make_error("tcpdump-underlay: no capture-underlay" + (key.empty() ? "" : " " + key) +
                      " first");
  }
  std::string cmd = "tcpdump -nn -e -vv -r " + it->second.path + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return make_error("tcpdump-underlay: cannot run tcpdump");
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  int rc = pclose(p);
  if (rc != 0) return make_error("tcpdump-underlay: tcpdump failed (is it installed?)");
  return out;
}

// link NODE1 BR1 PORT1 NODE2 BR2 PORT2: a cable between two dummy ports — a segment with two
// promiscuous attachments.
Result<std::string> ScenarioRunner::cmd_link(const Args& a) {
  if (a.size() < 7) return usage("link NODE1 BRIDGE1 PORT1 NODE2 BRIDGE2 PORT2");
  Node* ends[2] = {nullptr, nullptr};
  for (auto& n : nodes_) {
    if (n->name == a[1]) ends[0] = n.get();
    if (n->name == a[4]) ends[1] = n.get();
  }
  if (!ends[0] || !ends[1]) return make_error("link: unknown node");
  RecordingPort* ports[2];
  Node* saved = current_;
  for (int i = 0; i < 2; ++i) {
    port_became_device(*ends[i], a[3 + 3 * i]);  // a cable end, as a veth is in the real lab
    current_ = ends[i];
    auto rp = recording_port(a[2 + 3 * i], a[3 + 3 * i]);
    current_ = saved;
    if (!rp.ok()) return rp.error();
    ports[i] = *rp;
  }
  auto cable = std::make_unique<Segment>(
      sched_, "link:" + a[1] + "/" + a[3] + "-" + a[4] + "/" + a[6], "", kWireLatencyUs);
  cable->set_tap(
      [this](const Segment& s, const uint8_t* f, size_t n) { on_segment_frame(s, f, n); });
  Segment* seg = cable.get();
  for (int i = 0; i < 2; ++i) {
    Switch* sw = ends[i]->sw.get();
    std::string br = a[2 + 3 * i], port = a[3 + 3 * i];
    Segment::AttachmentId att = seg->attach_port(
        [sw, br, port](const uint8_t* f, size_t len) { (void)sw->receive(br, port, f, len); });
    ports[i]->on_send = [seg, att](const uint8_t* f, size_t len) { seg->send(att, f, len); };
  }
  cables_.push_back(std::move(cable));
  links_.push_back({{a[1], a[2], a[3]}, {a[4], a[5], a[6]}});
  return std::string();
}

size_t ScenarioRunner::wire_in_flight() const {
  size_t n = instance_wire_in_flight_;
  for (const auto& [name, seg] : segments_) n += seg->in_flight();
  for (const auto& c : cables_) n += c->in_flight();
  return n;
}

void ScenarioRunner::settle() {
  for (size_t events = 0; wire_in_flight() > 0 && events < kSettleMaxEvents; ++events) {
    TimeUs next = sched_.next_event_us();
    if (next == kNever) break;
    sched_.run_until_us(next, 1);
  }
}

}  // namespace nt
