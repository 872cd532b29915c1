// Netfilter's rule text: `iptables -t T -S` lines parsed into nf::Table, and printed back.
#include <algorithm>
#include <cctype>
#include <utility>

#include "common/addr.h"
#include "common/strings.h"
#include "netstack/ipv4_addr.h"
#include "netstack/netfilter.h"

namespace nt::nf {

namespace {

// Built-in chains per table, in the order iptables prints them.
std::vector<std::string_view> builtins(std::string_view table) {
  if (table == "filter") return {"INPUT", "FORWARD", "OUTPUT"};
  if (table == "nat") return {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"};
  if (table == "mangle") return {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"};
  return {};
}

// Splits on blanks; a double-quoted word (--comment "...") is one token without its quotes.
Result<std::vector<std::string>> tokenize(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t') {
      ++i;
      continue;
    }
    std::string tok;
    if (line[i] == '"') {
      size_t end = line.find('"', i + 1);
      if (end == std::string_view::npos) return make_error("unterminated quote");
      tok = std::string(line.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      size_t end = line.find_first_of(" \t", i);
      if (end == std::string_view::npos) end = line.size();
      tok = std::string(line.substr(i, end - i));
      i = end;
    }
    out.push_back(std::move(tok));
  }
  return out;
}

bool parse_u32(std::string_view s, uint32_t& v) {
  auto n = parse_uint(s, 32);
  if (n) v = static_cast<uint32_t>(*n);
  return n.has_value();
}

bool parse_port(std::string_view s, uint16_t& v) {
  uint32_t n = 0;
  if (!parse_u32(s, n) || n > 0xffff) return false;
  v = static_cast<uint16_t>(n);
  return true;
}

// "N" or "N:M" (either side may be empty: 0 and 65535).
bool parse_port_range(std::string_view s, uint16_t& lo, uint16_t& hi) {
  size_t c = s.find(':');
  if (c == std::string_view::npos) {
    if (!parse_port(s, lo)) return false;
    hi = lo;
    return true;
  }
  lo = 0;
  hi = 0xffff;
  if (c > 0 && !parse_port(s.substr(0, c), lo)) return false;
  if (c + 1 < s.size() && !parse_port(s.substr(c + 1), hi)) return false;
  return lo <= hi;
}

bool parse_addr_mask(std::string_view s, uint32_t& addr, uint32_t& mask) {
  size_t slash = s.find('/');
  auto a = ipv4_parse(s.substr(0, slash));
  if (!a) return false;
  uint32_t len = 32;
  if (slash != std::string_view::npos) {
    std::string_view l = s.substr(slash + 1);
    if (auto m = ipv4_parse(l); m && mask_to_prefix(*m)) {
      len = *mask_to_prefix(*m);
    } else if (!parse_u32(l, len) || len > 32 || l.starts_with("0x")) {
      return false;
    }
  }
  mask = prefix_mask(static_cast<uint8_t>(len));
  addr = *a & mask;
  return true;
}

// V or V/M (M defaults to all ones).
bool parse_mark(std::string_view s, uint32_t& v, uint32_t& m) {
  size_t slash = s.find('/');
  m = 0xffffffff;
  if (slash != std::string_view::npos && !parse_u32(s.substr(slash + 1), m)) return false;
  return parse_u32(s.substr(0, slash), v);
}

bool parse_ctstate(std::string_view s, uint8_t& bits) {
  bits = 0;
  while (!s.empty()) {
    size_t c = s.find(',');
    std::string_view w = s.substr(0, c);
    s = c == std::string_view::npos ? std::string_view{} : s.substr(c + 1);
    if (w == "NEW") {
      bits |= kCsNew;
    } else if (w == "ESTABLISHED") {
      bits |= kCsEst;
    } else if (w == "RELATED") {
      bits |= kCsRel;
    } else if (w == "INVALID") {
      bits |= kCsInv;
    } else if (w == "SNAT") {
      bits |= kCsSnat;
    } else if (w == "DNAT") {
      bits |= kCsDnat;
    } else {
      return false;
    }
  }
  return bits != 0;
}

// IP[-IP][:PORT[-PORT]]
bool parse_nat_range(std::string_view s, Rule& r) {
  size_t colon = s.find(':');
  std::string_view a = s.substr(0, colon);
  if (!a.empty()) {
    size_t dash = a.find('-');
    auto lo = ipv4_parse(a.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : ipv4_parse(a.substr(dash + 1));
    if (!lo || !hi || *hi < *lo) return false;
    r.addr_min = *lo;
    r.addr_max = *hi;
  }
  if (colon == std::string_view::npos) return !a.empty();
  std::string_view p = s.substr(colon + 1);
  size_t dash = p.find('-');
  if (!parse_port(p.substr(0, dash), r.port_min)) return false;
  r.port_max = r.port_min;
  if (dash != std::string_view::npos && !parse_port(p.substr(dash + 1), r.port_max)) return false;
  return r.port_min != 0 && r.port_min <= r.port_max;
}

bool parse_iface(std::string_view s, std::string& name, bool& prefix) {
  prefix = s.ends_with('+');
  if (prefix) s.remove_suffix(1);
  name = std::string(s);
  return name.size() < 16 && name.find_first_of("/ ") == std::string::npos;
}

// Takes the value of option `opt` into `var`, or returns the error.
#define NF_VALUE(var, opt)              \
  auto var##_r = value(opt);            \
  if (!var##_r) return var##_r.error(); \
  std::string_view var = *var##_r

struct RuleParser {
  const Table& t;
  std::string_view table;
  const std::vector<std::string>& tok;
  size_t i = 0;
  Rule& r;
  bool neg = false;
  std::vector<std::string> modules;

  Status err(std::string what) { return make_error(std::move(what)); }
  bool has_module(std::string_view m) const {
    return std::find(modules.begin(), modules.end(), m) != modules.end();
  }
  std::string_view last_of(std::string_view a, std::string_view b) const {
    for (auto it = modules.rbegin(); it != modules.rend(); ++it) {
      if (*it == a || *it == b) return *it;
    }
    return {};
  }
  Result<std::string_view> value(std::string_view opt) {
    if (i + 1 >= tok.size()) return make_error(std::string(opt) + " needs a value");
    return std::string_view(tok[++i]);
  }

  Status option(std::string_view o) {
    bool n = std::exchange(neg, false);
    if (o == "-s" || o == "--source" || o == "-d" || o == "--destination") {
      NF_VALUE(v, o);
      bool src = o == "-s" || o == "--source";
      if (!parse_addr_mask(v, src ? r.src : r.dst, src ? r.src_mask : r.dst_mask)) {
        return err("bad address \"" + std::string(v) + "\"");
      }
      (src ? r.src_neg : r.dst_neg) = n;
      if ((src ? r.src_mask : r.dst_mask) == 0) (src ? r.src_neg : r.dst_neg) = false;
      return ok_status();
    }
    if (o == "-i" || o == "--in-interface" || o == "-o" || o == "--out-interface") {
      NF_VALUE(v, o);
      bool in = o == "-i" || o == "--in-interface";
      if (!parse_iface(v, in ? r.in_if : r.out_if, in ? r.in_prefix : r.out_prefix)) {
        return err("bad interface name \"" + std::string(v) + "\"");
      }
      (in ? r.has_in : r.has_out) = true;
      (in ? r.in_neg : r.out_neg) = n;
      return ok_status();
    }
    if (o == "-p" || o == "--protocol") {
      NF_VALUE(v, o);
      uint32_t num = 0;
      if (v == "tcp") {
        r.proto = kIpProtoTcp;
      } else if (v == "udp") {
        r.proto = kIpProtoUdp;
      } else if (v == "icmp") {
        r.proto = kIpProtoIcmp;
      } else if (v == "all") {
        r.proto = 0;
      } else if (parse_u32(v, num) && num < 256) {
        r.proto = static_cast<uint8_t>(num);
      } else {
        return err("unknown protocol \"" + std::string(v) + "\"");
      }
      r.proto_neg = n && r.proto;
      return ok_status();
    }
    if (o == "-m" || o == "--match") {
      if (n) return err("cannot negate -m");
      NF_VALUE(v, o);
      bool l4 = v == "tcp" || v == "udp";
      if (l4 && (r.proto != (v == "tcp" ? kIpProtoTcp : kIpProtoUdp) || r.proto_neg)) {
        return err("-m " + std::string(v) + " needs -p " + std::string(v));
      }
      if (!l4 && v != "conntrack" && v != "state" && v != "mark" && v != "connmark" &&
          v != "comment") {
        return err("unknown match \"" + std::string(v) + "\"");
      }
      modules.emplace_back(v);
      return ok_status();
    }
    if (o == "--sport" || o == "--source-port" || o == "--dport" || o == "--destination-port") {
      if (!has_module("tcp") && !has_module("udp")) {
        return err(std::string(o) + " needs -m tcp or -m udp");
      }
      NF_VALUE(v, o);
      bool s = o == "--sport" || o == "--source-port";
      if (!parse_port_range(v, s ? r.sport_min : r.dport_min, s ? r.sport_max : r.dport_max)) {
        return err("bad port \"" + std::string(v) + "\"");
      }
      (s ? r.has_sport : r.has_dport) = true;
      (s ? r.sport_neg : r.dport_neg) = n;
      return ok_status();
    }
    if ((o == "--ctstate" && has_module("conntrack")) || (o == "--state" && has_module("state"))) {
      NF_VALUE(v, o);
      if (!parse_ctstate(v, r.ctstate)) return err("bad state \"" + std::string(v) + "\"");
      r.ctstate_neg = n;
      return ok_status();
    }
    if (o == "--mark" && (has_module("mark") || has_module("connmark"))) {
      NF_VALUE(v, o);
      // The option belongs to the module loaded last, as in iptables.
      bool conn = last_of("mark", "connmark") == "connmark";
      uint32_t& val = conn ? r.connmark : r.mark;
      uint32_t& mask = conn ? r.connmark_mask : r.mark_mask;
      if (!parse_mark(v, val, mask)) return err("bad mark \"" + std::string(v) + "\"");
      val &= mask;
      (conn ? r.has_connmark : r.has_mark) = true;
      (conn ? r.connmark_neg : r.mark_neg) = n;
      return ok_status();
    }
    if (o == "--comment" && has_module("comment")) {
      NF_VALUE(v, o);
      (void)v;
      return ok_status();
    }
    if (o == "-j" || o == "--jump") return jump(n);
    return err("unknown option \"" + std::string(o) + "\"");
  }

  Status jump(bool n) {
    if (n) return err("cannot negate -j");
    if (r.target != Target::kNone) return err("more than one -j");
    NF_VALUE(v, "-j");
    bool nat = table == "nat";
    if (v == "ACCEPT") {
      r.target = Target::kAccept;
    } else if (v == "DROP") {
      r.target = Target::kDrop;
    } else if (v == "RETURN") {
      r.target = Target::kReturn;
    } else if (v == "SNAT" && nat) {
      r.target = Target::kSnat;
    } else if (v == "DNAT" && nat) {
      r.target = Target::kDnat;
    } else if (v == "REDIRECT" && nat) {
      r.target = Target::kRedirect;
    } else if (v == "MARK" && table == "mangle") {
      r.target = Target::kMark;
    } else if (v == "CONNMARK" && table == "mangle") {
      r.target = Target::kConnmark;
    } else if (int c = t.find(v); c >= 0 && !t.chains[static_cast<size_t>(c)].builtin) {
      r.target = Target::kJump;
      r.jump = static_cast<size_t>(c);
    } else if (v == "SNAT" || v == "DNAT" || v == "REDIRECT" || v == "MARK" || v == "CONNMARK") {
      return err("target " + std::string(v) + " is not allowed in table " + std::string(table));
    } else if (v.empty() || std::islower(static_cast<unsigned char>(v[0])) ||
               v.find('-') != std::string_view::npos) {
      return err("jump to undefined chain \"" + std::string(v) + "\"");
    } else {
      return err("unknown target \"" + std::string(v) + "\"");
    }
    return ok_status();
  }

  // Options after the target's name (--to-source and the like).
  Status target_option(std::string_view o) {
    switch (r.target) {
      case Target::kSnat:
      case Target::kDnat: {
        bool snat = r.target == Target::kSnat;
        if (o == (snat ? "--to-source" : "--to-destination")) {
          NF_VALUE(v, o);
          if (!parse_nat_range(v, r)) return err("bad NAT range \"" + std::string(v) + "\"");
          return ok_status();
        }
        if (o == "--random" || o == "--random-fully") {
          r.random = true;
          return ok_status();
        }
        if (o == "--persistent") {
          r.persistent = true;
          return ok_status();
        }
        break;
      }
      case Target::kRedirect:
        if (o == "--to-ports" || o == "--to-port") {
          NF_VALUE(v, o);
          size_t dash = v.find('-');
          bool ok = parse_port(v.substr(0, dash), r.port_min);
          r.port_max = r.port_min;
          if (ok && dash != std::string_view::npos) ok = parse_port(v.substr(dash + 1), r.port_max);
          if (!ok || r.port_min == 0 || r.port_max < r.port_min) {
            return err("bad port \"" + std::string(v) + "\"");
          }
          return ok_status();
        }
        if (o == "--random") return ok_status();
        break;
      case Target::kMark:
        if (o == "--set-xmark" || o == "--set-mark") {
          NF_VALUE(v, o);
          uint32_t val = 0, mask = 0;
          if (!parse_mark(v, val, mask)) return err("bad mark \"" + std::string(v) + "\"");
          // --set-mark V/M is --set-xmark V/(M|V).
          r.set_value = val;
          r.set_mask = o == "--set-mark" ? (mask | val) : mask;
          return ok_status();
        }
        break;
      case Target::kConnmark:
        return connmark_option(o);
      default:
        break;
    }
    return err("unknown option \"" + std::string(o) + "\"");
  }

  Status connmark_option(std::string_view o) {
    if (o == "--save-mark" || o == "--restore-mark") {
      r.connmark_op = o == "--save-mark" ? ConnmarkOp::kSave : ConnmarkOp::kRestore;
      r.set_mask = 0xffffffff;  // marks the rule as complete
      return ok_status();
    }
    if (o == "--nfmask" || o == "--ctmask" || o == "--mask") {
      NF_VALUE(v, o);
      uint32_t m = 0;
      if (!parse_u32(v, m)) return err("bad mask \"" + std::string(v) + "\"");
      if (o != "--ctmask") r.nfmask = m;
      if (o != "--nfmask") r.ctmask = m;
      return ok_status();
    }
    if (o == "--set-xmark" || o == "--set-mark") {
      NF_VALUE(v, o);
      uint32_t val = 0, mask = 0;
      if (!parse_mark(v, val, mask)) return err("bad mark \"" + std::string(v) + "\"");
      r.connmark_op = ConnmarkOp::kSet;
      r.set_value = val;
      r.set_mask = o == "--set-mark" ? (mask | val) : mask;
      r.ctmask = r.set_mask;
      return ok_status();
    }
    return err("unknown option \"" + std::string(o) + "\"");
  }

  Status parse() {
    for (; i < tok.size(); ++i) {
      std::string_view o = tok[i];
      if (o == "!") {
        if (neg) return err("double negation");
        neg = true;
        continue;
      }
      bool after_target = r.target != Target::kNone && r.target != Target::kJump &&
                          r.target != Target::kAccept && r.target != Target::kDrop &&
                          r.target != Target::kReturn;
      bool target_opt = o.starts_with("--to") || o.starts_with("--random") ||
                        o.starts_with("--persistent") || o.starts_with("--set") ||
                        o == "--save-mark" || o == "--restore-mark" || o == "--nfmask" ||
                        o == "--ctmask" || o == "--mask";
      Status s = after_target && target_opt ? target_option(o) : option(o);
      if (!s) return s;
    }
    if (neg) return err("dangling \"!\"");
    return check_target();
  }

  Status check_target() {
    if ((r.target == Target::kSnat || r.target == Target::kDnat) && r.addr_min == 0 &&
        r.port_min == 0) {
      return err(std::string(r.target == Target::kSnat ? "SNAT needs --to-source"
                                                       : "DNAT needs --to-destination"));
    }
    if (r.target == Target::kRedirect && r.port_min == 0) return err("REDIRECT needs --to-ports");
    if (r.target == Target::kMark && r.set_mask == 0 && r.set_value == 0) {
      return err("MARK needs --set-xmark");
    }
    if (r.target == Target::kConnmark && r.set_mask == 0 && r.set_value == 0) {
      return err("CONNMARK needs --set-xmark, --save-mark or --restore-mark");
    }
    if ((r.port_min || r.target == Target::kRedirect) && r.proto != kIpProtoTcp &&
        r.proto != kIpProtoUdp) {
      return err("a NAT port needs -p tcp or -p udp");
    }
    return ok_status();
  }
};

Status line_error(size_t n, std::string_view line, const Error& e) {
  return make_error("line " + std::to_string(n) + " \"" + std::string(line) + "\": " + e.message);
}

}  // namespace

int Table::find(std::string_view name) const {
  for (size_t i = 0; i < chains.size(); ++i) {
    if (chains[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status parse_table(std::string_view table, const std::vector<std::string>& rules, Table& out) {
  std::vector<std::string_view> bi = builtins(table);
  if (bi.empty()) return make_error("unknown table \"" + std::string(table) + "\"");
  Table t;
  for (std::string_view b : bi) t.chains.push_back({std::string(b), true, false, {}});
  // First pass: -P and -N (iptables prints them before any -A); user chains in name order.
  std::vector<std::vector<std::string>> toks(rules.size());
  std::vector<std::string> user;
  for (size_t n = 0; n < rules.size(); ++n) {
    auto tk = tokenize(rules[n]);
    if (!tk) return line_error(n + 1, rules[n], tk.error());
    toks[n] = std::move(*tk);
    const auto& w = toks[n];
    if (w.empty()) continue;
    if (w[0] == "-P") {
      int c = w.size() == 3 ? t.find(w[1]) : -1;
      if (c < 0 || !t.chains[static_cast<size_t>(c)].builtin) {
        return line_error(n + 1, rules[n], make_error("-P needs a built-in chain and a policy"));
      }
      if (w[2] != "ACCEPT" && w[2] != "DROP") {
        return line_error(n + 1, rules[n], make_error("bad policy \"" + w[2] + "\""));
      }
      t.chains[static_cast<size_t>(c)].policy_drop = w[2] == "DROP";
    } else if (w[0] == "-N") {
      if (w.size() != 2 || w[1].empty() || w[1].size() > 28 || w[1][0] == '-' ||
          w[1].find('!') != std::string::npos) {
        return line_error(n + 1, rules[n], make_error("-N needs one chain name"));
      }
      if (std::find(bi.begin(), bi.end(), w[1]) != bi.end() ||
          std::find(user.begin(), user.end(), w[1]) != user.end()) {
        return line_error(n + 1, rules[n], make_error("chain \"" + w[1] + "\" already exists"));
      }
      user.push_back(w[1]);
    } else if (w[0] != "-A") {
      return line_error(n + 1, rules[n], make_error("unknown command \"" + w[0] + "\""));
    }
  }
  std::sort(user.begin(), user.end());
  for (auto& u : user) t.chains.push_back({std::move(u), false, false, {}});
  // Second pass: -A.
  for (size_t n = 0; n < rules.size(); ++n) {
    const auto& w = toks[n];
    if (w.empty() || w[0] != "-A") continue;
    int c = w.size() >= 2 ? t.find(w[1]) : -1;
    if (c < 0) {
      std::string what = w.size() >= 2 ? "no chain \"" + w[1] + "\"" : "-A needs a chain";
      return line_error(n + 1, rules[n], make_error(what));
    }
    Rule r;
    std::string_view text = rules[n];
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    r.text = std::string(text);
    RuleParser p{t, table, w, 2, r, false, {}};
    if (Status s = p.parse(); !s) return line_error(n + 1, rules[n], s.error());
    t.chains[static_cast<size_t>(c)].rules.push_back(std::move(r));
  }
  // A jump loop would never end: refuse it as iptables does ("Too many levels of links").
  for (size_t c = bi.size(); c < t.chains.size(); ++c) {
    std::vector<size_t> stack{c};
    std::vector<bool> seen(t.chains.size(), false);
    while (!stack.empty()) {
      size_t x = stack.back();
      stack.pop_back();
      for (const Rule& r : t.chains[x].rules) {
        if (r.target != Target::kJump) continue;
        if (r.jump == c) return make_error("chain \"" + t.chains[c].name + "\" jumps to itself");
        if (!seen[r.jump]) {
          seen[r.jump] = true;
          stack.push_back(r.jump);
        }
      }
    }
  }
  t.loaded = false;
  for (const Chain& ch : t.chains) t.loaded |= !ch.rules.empty() || ch.policy_drop;
  out = std::move(t);
  return ok_status();
}

std::string format_table(const Table& t) {
  std::string s;
  for (const Chain& c : t.chains) {
    if (c.builtin) s += "-P " + c.name + (c.policy_drop ? " DROP\n" : " ACCEPT\n");
  }
  for (const Chain& c : t.chains) {
    if (!c.builtin) s += "-N " + c.name + "\n";
  }
  for (const Chain& c : t.chains) {
    for (const Rule& r : c.rules) s += r.text + "\n";
  }
  return s;
}

}  // namespace nt::nf
