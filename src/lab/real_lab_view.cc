// RealLab: what the lab shows — underlay captures (read back with our own pcap reader, or
// decoded by the real tcpdump) and the live topology, asked of each node's daemon.
#include <signal.h>

#include <algorithm>
#include <sstream>

#include "common/process.h"
#include "common/strings.h"
#include "lab/real_lab.h"
#include "packet/pcap.h"
#include "scenario/lab_common.h"
#include "scenario/runner_util.h"
#include "scenario/topology.h"
#include "xlate/switch.h"

namespace nt::lab {
namespace {

using scenario_internal::usage;

struct TimedFrame {
  int64_t ts = 0;
  std::vector<uint8_t> data;
};

std::vector<TimedFrame> read_timed(const std::string& pcap) {
  std::vector<TimedFrame> out;
  for (PcapRecord& rec : read_pcap_records(pcap)) out.push_back({rec.ts_usec, std::move(rec.data)});
  return out;
}

// "{a=b, c=\"d\"}" -> {a: b, c: d}
std::map<std::string, std::string> parse_map(std::string_view s) {
  std::map<std::string, std::string> m;
  s = trim(s);
  if (s.size() < 2 || s.front() != '{') return m;
  s = s.substr(1, s.size() - 2);
  for (std::string_view item : split_top_level(s, ',')) {
    item = trim(item);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string v(trim(item.substr(eq + 1)));
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
    m[std::string(trim(item.substr(0, eq)))] = v;
  }
  return m;
}

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) {
    if (!trim(l).empty()) out.emplace_back(trim(l));
  }
  return out;
}

}  // namespace

// capture-underlay [SEGMENT]: tcpdump on the segment's bridge (every segment when none given).
Result<std::string> RealLab::cmd_capture(const Args& a) {
  std::vector<std::string> which;
  if (a.size() > 1) {
    if (!segments_.count(a[1])) return make_error("no segment named " + a[1], ErrorCode::kNotFound);
    which.push_back(a[1]);
  } else {
    which = segment_order_;
  }
  if (which.empty()) return make_error("capture-underlay: the lab has no underlay segment");
  underlay_captures_.clear();
  for (const std::string& s : which) {
    std::string key = "underlay/" + s;
    auto old = captures_.find(key);
    if (old != captures_.end() && old->second.pid > 0) {
      stop_process(old->second.pid, SIGINT, 1000);
      captures_.erase(old);
    }
    auto c = start_capture(key, underlay_ns_, segments_[s].bridge, "");
    if (!c.ok()) return c.error();
    underlay_captures_.push_back(key);
  }
  last_display_ = "ip netns exec " + underlay_ns_ + " tcpdump -i " +
                  segments_[which.front()].bridge + " -w CAPTURE.pcap &";
  return std::string();
}

// underlay [SEGMENT] / tcpdump-underlay [SEGMENT]: what crossed the captured segments.
Result<std::string> RealLab::cmd_underlay(const Args& a, bool tcpdump) {
  std::vector<std::string> keys = underlay_captures_;
  if (a.size() > 1) keys = {"underlay/" + a[1]};
  if (keys.empty()) return make_error(a[0] + ": nothing captured (run capture-underlay first)");
  std::vector<TimedFrame> frames;
  std::string out;
  for (const std::string& key : keys) {
    auto it = captures_.find(key);
    if (it == captures_.end()) return make_error(a[0] + ": " + key.substr(9) + " is not captured");
    flush_capture(it->second);
    if (tcpdump) {
      last_display_ = "tcpdump -nn -e -vv -r CAPTURE.pcap";
      auto r = run_process({"tcpdump", "-nn", "-e", "-vv", "-r", it->second.pcap});
      if (!r.ok()) return r.error();
      out += r->output;
      continue;
    }
    auto these = read_timed(it->second.pcap);
    frames.insert(frames.end(), these.begin(), these.end());
  }
  if (tcpdump) return out;
  std::stable_sort(frames.begin(), frames.end(),
                   [](const TimedFrame& x, const TimedFrame& y) { return x.ts < y.ts; });
  for (const auto& f : frames)
    out += scenario_internal::underlay_line(f.data.data(), f.data.size()) + "\n";
  return out;
}

// graph: the live topology as Graphviz DOT.
Result<std::string> RealLab::cmd_graph(const Args&) {
  auto t = query_topology();
  if (!t.ok()) return t.error();
  return topology_dot(*t);
}

LabTopology RealLab::topology() const {
  auto t = query_topology();
  return t.ok() ? *t : LabTopology{};
}

// The live topology, from each daemon's own database and what the lab made.
Result<LabTopology> RealLab::query_topology() const {
  LabTopology t;
  for (const auto& [name, s] : segments_) t.segments.push_back({name, s.cidr});
  for (const auto& n : nodes_) {
    TopoNode tn;
    tn.name = n->name;
    for (const Nic& nic : n->nics) {
      auto b = n->port_bridge.find(nic.name);
      tn.nics.push_back(
          {nic.name, nic.segment, nic.cidr, nic.mac, b == n->port_bridge.end() ? "" : b->second});
    }
    auto brs = run_checked(tool_argv(*n, "nvs-vsctl", {"list-br"}));
    if (!brs.ok()) return brs.error();
    for (const std::string& br : lines_of(*brs)) {
      TopoBridge tb;
      tb.name = br;
      auto ports = run_checked(tool_argv(*n, "nvs-vsctl", {"list-ports", br}));
      if (!ports.ok()) return ports.error();
      for (const std::string& p : lines_of(*ports)) {
        auto cols = run_checked(tool_argv(*n, "nvs-vsctl",
                                          {"get", "Interface", p, "ofport", "type", "options", "--",
                                           "get", "Port", p, "tag", "trunks"}));
        if (!cols.ok()) return cols.error();
        std::vector<std::string> v;
        std::istringstream in(*cols);
        for (std::string l; std::getline(in, l);) v.push_back(l);
        if (v.size() < 5) return make_error("graph: unexpected nvs-vsctl output for " + p);
        TopoPort tp;
        tp.name = p;
        tp.ofport = static_cast<uint32_t>(parse_uint(std::string(trim(v[0]))).value_or(0));
        tp.type = unquote(v[1]);
        tp.options = parse_map(v[2]);
        if (auto tag = parse_uint(std::string(trim(v[3])))) tp.tag = static_cast<int>(*tag);
        std::string trunks(trim(v[4]));
        if (trunks.size() > 2) {
          for (std::string_view x : split_top_level(trunks.substr(1, trunks.size() - 2), ',')) {
            if (auto vid = parse_uint(std::string(trim(x)))) tp.trunks.push_back(uint16_t(*vid));
          }
        }
        tb.ports.push_back(tp);
      }
      tn.bridges.push_back(tb);
    }
    t.nodes.push_back(tn);
  }
  for (const auto& [name, i] : instances_) {
    t.instances.push_back({i.name, i.node, i.bridge, i.port, i.cidr, i.mac});
  }
  for (const auto& l : links_) t.links.push_back({l[0], l[1], l[2], l[3], l[4], l[5]});
  return t;
}

}  // namespace nt::lab
