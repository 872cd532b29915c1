// ScenarioRunner: packets in and out, and inspection commands.
#include <cstdio>
#include <cstdlib>

#include "common/strings.h"
#include "node/host_port.h"
#include "packet/build.h"
#include "packet/parse.h"
#include "scenario/lab_common.h"
#include "scenario/runner.h"
#include "scenario/runner_util.h"

namespace nt {
namespace {

using scenario_internal::split_kv;
using scenario_internal::usage;

}  // namespace

Result<RecordingPort*> ScenarioRunner::recording_port(const std::string& br,
                                                      const std::string& port) {
  return memory_port(sw(), br, port);
}

Result<std::string> ScenarioRunner::cmd_inject(const Args& a) {
  if (a.size() < 4) return usage("inject BRIDGE PORT FLOW");
  Ofproto* br = sw().bridge(a[1]);
  if (!br) return make_error("no bridge named " + a[1], ErrorCode::kNotFound);
  auto m = parse_match(a.back(), br);
  if (!m.ok()) return m.error();
  const FlowKey& key = m->value;
  Packet pkt;
  if (!compose_packet(key, pkt, 56))
    return make_error("inject: cannot build a packet for that flow");
  TunnelMeta tun;
  const TunnelMeta* tp = nullptr;
  if (key.tun_id || key.tun_src || key.tun_dst) {
    tun.tun_id = key.tun_id;
    tun.ip_src = key.tun_src;
    tun.ip_dst = key.tun_dst;
    tun.valid = true;
    tp = &tun;
  }
  Status st = sw().receive(a[1], a[2], pkt.data(), pkt.size(), tp);
  if (!st.ok()) return st.error();
  return std::string();
}

Result<std::string> ScenarioRunner::cmd_sent(const Args& a, bool count_only) {
  if (a.size() < (count_only ? 4u : 3u)) {
    return usage(count_only ? "sent-count BRIDGE PORT N" : "sent BRIDGE PORT");
  }
  auto rp = recording_port(a[1], a[2]);
  if (!rp.ok()) return rp.error();
  size_t from = sent_mark_[*rp];
  size_t n = (*rp)->sent.size() - from;
  if (count_only) {
    auto want = parse_uint(a[3]);
    if (!want) return make_error("sent-count: '" + a[3] + "' is not a number");
    if (n != *want) {
      return make_error(a[2] + " sent " + std::to_string(n) + " frames, expected " + a[3]);
    }
    return std::to_string(n) + " frames\n";
  }
  std::string out;
  for (size_t i = from; i < (*rp)->sent.size(); ++i) {
    const auto& f = (*rp)->sent[i];
    out += scenario_internal::frame_line(f.data(), f.size()) + "\n";
  }
  return out;
}

Result<std::string> ScenarioRunner::cmd_inspect(const Args& a) {
  const std::string& c = a[0];
  if (c == "receive") {
    if (a.size() < 4) return usage("receive BRIDGE PORT HEX");
    auto bytes = parse_hex_bytes(a[3]);
    if (!bytes) return make_error("receive: '" + a[3] + "' is not hex bytes");
    Status st = sw().receive(a[1], a[2], bytes->data(), bytes->size());
    settle();
    if (!st.ok()) return st.error();
    return std::string();
  }
  if (c == "clear-sent") {
    for (auto& n : nodes_) {
      for (Ofproto* br : n->sw->bridges()) {
        for (const auto& [no, p] : br->ports()) {
          if (auto* rp = dynamic_cast<RecordingPort*>(n->sw->dp_port(*br, no))) {
            sent_mark_[rp] = rp->sent.size();
          }
        }
      }
    }
    underlay_log_.clear();
    return std::string();
  }
  if (c == "link") return cmd_link(a);
  if (c == "conntrack") {  // conntrack [-m] [-s] [zone=N]: the node's dpctl/dump-conntrack
    bool more = false, stats = false;
    std::optional<uint16_t> zone;
    for (size_t i = 1; i < a.size(); ++i) {
      if (a[i] == "-m") {
        more = true;
      } else if (a[i] == "-s") {
        stats = true;
      } else if (auto z =
                     a[i].rfind("zone=", 0) == 0 ? parse_uint(a[i].substr(5), 16) : std::nullopt) {
        zone = static_cast<uint16_t>(*z);
      } else {
        return usage("conntrack [-m] [-s] [zone=N]");
      }
    }
    return sw().datapath().conntrack().dump(zone, more, stats);
  }
  if (c == "fdb") {
    if (a.size() < 2) return usage("fdb BRIDGE");
    Ofproto* br = sw().bridge(a[1]);
    if (!br) return make_error("no bridge named " + a[1], ErrorCode::kNotFound);
    sw().datapath().push_stats();
    return br->mac_table().format_fdb_show(clock_.now_ms());
  }
  if (c == "dpctl") return sw().format_dpctl_dump_flows();
  if (c == "coverage") return sw().datapath().format_coverage();
  if (c == "advance" || c == "run") {
    if (c == "advance") {
      auto s = a.size() > 1 ? parse_uint(a[1]) : std::nullopt;
      if (!s) return usage("advance SECONDS");
      // Every timer due in the meantime fires in order (ARP aging, leases, Switch::run()).
      sched_.run_until(clock_.now_ms() + static_cast<TimeMs>(*s) * 1000);
    }
    for (auto& n : nodes_) n->sw->run();
    return std::string();
  }
  return make_error("unknown scenario command '" + c + "'");
}

}  // namespace nt
