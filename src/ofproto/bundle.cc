#include "ofproto/bundle.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/memory.h"
#include "common/parallel.h"
#include "common/strings.h"

namespace nt {

namespace {

// What the diff and the spec builders read of a flow: a FlowSpec (an add, an agent's parsed
// dump), a Rule (the switch's table, read in place) or a FlowOp (a parsed flow file).
const FlowSpec& spec_of(const FlowSpec& s) { return s; }
const FlowSpec& spec_of(const FlowOp& op) { return op.spec; }
uint8_t table_of(const FlowSpec& s) { return s.table; }
uint8_t table_of(const Rule& r) { return r.table_id; }
uint16_t priority_of(const FlowSpec& s) { return s.priority; }
uint16_t priority_of(const Rule& r) { return r.priority(); }
const Match& match_of(const FlowSpec& s) { return s.match; }
const Match& match_of(const Rule& r) { return r.match(); }

// The flow_mod that recreates a rule, from the rule or from the add that makes it (the fields
// Ofproto::make_rule keeps; the others of `*s` are left as they are).
template <class Flow>
void flow_to_spec(const Flow& f, FlowSpec* s) {
  s->table = table_of(f);
  s->table_given = s->priority_given = s->actions_given = true;
  s->priority = priority_of(f);
  s->cookie = f.cookie;
  s->idle_timeout = f.idle_timeout;
  s->hard_timeout = f.hard_timeout;
  s->importance = f.importance;
  s->send_flow_rem = f.send_flow_rem;
  s->match = match_of(f);
  s->actions.assign(f.actions.begin(), f.actions.end());
}

}  // namespace

void rule_to_spec(const Rule& r, FlowSpec* s) { flow_to_spec(r, s); }
void added_rule_spec(const FlowSpec& add, FlowSpec* s) { flow_to_spec(add, s); }

FlowSpec rule_to_spec(const Rule& r) {
  FlowSpec s;
  rule_to_spec(r, &s);
  return s;
}

std::vector<FlowSpec> bridge_flows(const Ofproto& br, bool with_learned) {
  std::vector<FlowSpec> out;
  for (const RulePtr& r : br.select(FlowSpec{}, false)) {
    if (with_learned || !r->learned) out.push_back(rule_to_spec(*r));
  }
  return out;
}

std::string format_configured_flows(const Ofproto& br) {
  std::string out;
  for (const FlowSpec& s : bridge_flows(br, false))
    out += format_flow(s, FlowTextMode::kAdd) + "\n";
  return out;
}

Status restore_flows(Ofproto& br, std::string_view text) {
  auto parsed = parse_flow_file(text, "", nullptr, FlowModCommand::kAdd, false);
  if (!parsed.ok()) return parsed.error();
  std::vector<FlowOp> ops{{FlowModCommand::kDelete, FlowSpec{}}};
  for (FlowOp& op : *parsed) ops.push_back(std::move(op));
  return br.apply_bundle(ops);
}

FlowTextMode flow_text_mode(FlowModCommand cmd) {
  switch (cmd) {
    case FlowModCommand::kAdd:
      return FlowTextMode::kAdd;
    case FlowModCommand::kModify:
    case FlowModCommand::kModifyStrict:
      return FlowTextMode::kModify;
    case FlowModCommand::kDelete:
    case FlowModCommand::kDeleteStrict:
      break;
  }
  return FlowTextMode::kDelete;
}

namespace {

// A physical line of a flow file as it counts: without its '#' comment, trimmed.
std::string_view without_comment(std::string_view phys) {
  if (size_t hash = phys.find('#'); hash != std::string_view::npos) phys = phys.substr(0, hash);
  return trim(phys);
}

// Walks a flow file's logical lines without copying them: '#' starts a comment, a trailing
// '\\' continues the line. A line is a view into the text; only a continued line is assembled
// (in `joined_`), so a plain file costs no allocation per line. `lines_before` is the number of
// physical lines that precede `text` in its file (a share of a file starts past them).
class FlowFileLines {
 public:
  explicit FlowFileLines(std::string_view text, int lines_before = 0)
      : rest_(text), line_no_(lines_before) {}
  // The next non-empty logical line and the number of its first physical line.
  bool next(std::string_view* line, int* first) {
    joined_.clear();
    bool joining = false;
    while (!rest_.empty()) {
      size_t nl = rest_.find('\n');
      std::string_view phys = rest_.substr(0, nl);
      rest_ = nl == std::string_view::npos ? std::string_view() : rest_.substr(nl + 1);
      ++line_no_;
      if (!joining) *first = line_no_;
      phys = without_comment(phys);
      bool cont = !phys.empty() && phys.back() == '\\';
      if (cont) phys.remove_suffix(1);
      if (!cont && !joining) {
        if (phys.empty()) continue;
        *line = phys;
        return true;
      }
      joined_ += phys;
      if (cont) {
        joined_ += ' ';
        joining = true;
        continue;
      }
      if (!emit_joined(line)) {
        joining = false;
        continue;
      }
      return true;
    }
    return joining && emit_joined(line);
  }

 private:
  bool emit_joined(std::string_view* line) {
    std::string_view t = trim(joined_);
    if (t.empty()) {
      joined_.clear();
      return false;
    }
    *line = t;
    return true;
  }

  std::string_view rest_;
  std::string joined_;
  int line_no_ = 0;
};

// A flow file line may start with the command it is (as ovs-ofctl's add-flows files may).
FlowModCommand line_command(std::string_view& line, FlowModCommand dflt) {
  static constexpr std::pair<std::string_view, FlowModCommand> kWords[] = {
      {"add", FlowModCommand::kAdd},
      {"modify", FlowModCommand::kModify},
      {"modify_strict", FlowModCommand::kModifyStrict},
      {"delete", FlowModCommand::kDelete},
      {"delete_strict", FlowModCommand::kDeleteStrict}};
  size_t sp = line.find_first_of(" \t");
  if (sp == std::string_view::npos) return dflt;
  for (const auto& [word, cmd] : kWords) {
    if (line.substr(0, sp) == word) {
      line = trim(line.substr(sp));
      return cmd;
    }
  }
  return dflt;
}

// A flow's identity in a table (what add replaces, what delete_strict selects, what
// replace-flows matches the switch's flows and the file's by): table, priority and match. A
// match's bytes are canonical (value == value & mask), so identities hash and compare as bytes
// of the flows' own matches: nothing is copied or formatted.
uint64_t identity_hash(uint8_t table, uint16_t priority, const Match& m) {
  uint64_t h = hash_words(m.mask.words(), FlowKey::kWords, uint64_t{table} << 16 | priority);
  return hash_words(m.value.words(), FlowKey::kWords, h);
}
bool same_identity(const FlowSpec& a, uint8_t table, uint16_t priority, const Match& m) {
  return a.table == table && a.priority == priority && a.match == m;
}

template <class Flow>
bool same_version(const Flow& a, const FlowSpec& b) {
  return a.cookie == b.cookie && a.idle_timeout == b.idle_timeout &&
         a.hard_timeout == b.hard_timeout && a.importance == b.importance &&
         a.send_flow_rem == b.send_flow_rem && a.actions == b.actions;
}

// The delete_strict that removes exactly this flow (exact cookie: never a flow that changed
// owner meanwhile).
FlowSpec delete_spec(const FlowSpec& h) {
  FlowSpec del = h;
  del.table_given = del.priority_given = true;
  del.cookie_mask = ~uint64_t{0};
  del.actions.clear();
  del.actions_given = false;
  del.out_port = ofp_port::kNone;
  return del;
}
FlowSpec delete_spec(const Rule& r) {
  FlowSpec del;
  del.table = r.table_id;
  del.priority = r.priority();
  del.cookie = r.cookie;
  del.match = r.match();
  return delete_spec(del);
}

// The wanted flows indexed by identity: open addressing with linear probing over a power-of-two
// array of want indexes + 1 (0: empty), so building and probing it allocate nothing per flow.
// A later line of the same identity takes the slot (the last line wins) and marks the earlier
// one redefined. Each want's identity hash is kept (computed in `shares`, the diff's main
// cost), so a probe compares whole matches only when the hashes agree. Once built, the index
// is only read: shares may probe it side by side.
template <class Want>
class WantIndex {
 public:
  WantIndex(const std::vector<Want>& want, size_t shares)
      : want_(want), hashes_(want.size()), redefined_(want.size()) {
    run_ranges(want.size(), shares, [&](size_t, size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const FlowSpec& s = spec_of(want[i]);
        hashes_[i] = identity_hash(s.table, s.priority, s.match);
      }
    });
    size_t n = 16;
    while (n < 2 * want.size()) n <<= 1;
    slots_.assign(n, 0);
    for (size_t i = 0; i < want.size(); ++i) {
      const FlowSpec& s = spec_of(want[i]);
      uint32_t& slot = slots_[position(hashes_[i], s.table, s.priority, s.match)];
      if (slot) redefined_[slot - 1] = true;
      slot = static_cast<uint32_t>(i + 1);
    }
  }
  // The index of the wanted flow of this identity, or -1.
  ptrdiff_t find(uint8_t table, uint16_t priority, const Match& m) const {
    uint32_t slot = slots_[position(identity_hash(table, priority, m), table, priority, m)];
    return static_cast<ptrdiff_t>(slot) - 1;
  }
  bool redefined(size_t i) const { return redefined_[i]; }

 private:
  // The slot of this identity: the one holding it, or the empty one where it would go.
  size_t position(uint64_t hash, uint8_t table, uint16_t priority, const Match& m) const {
    size_t mask = slots_.size() - 1;
    for (size_t at = hash & mask;; at = (at + 1) & mask) {
      uint32_t slot = slots_[at];
      if (!slot) return at;
      if (hashes_[slot - 1] == hash && same_identity(spec_of(want_[slot - 1]), table, priority, m))
        return at;
    }
  }
  const std::vector<Want>& want_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> slots_;
  std::vector<bool> redefined_;
};

// The add that installs a wanted flow as replace-flows does.
void as_replacement(FlowSpec& add) {
  add.table_given = add.priority_given = true;
  add.cookie_mask = 0;
  add.check_overlap = false;  // replace-flows never asks (ovs-ofctl drops the flag too)
}

// The diff's first half, for one flow `h` the switch has: it is the held version of the wanted
// flow of its identity, or, if none is wanted and the caller owns it (cookie/mask), unwanted.
template <class Want, class Have>
void file_have(const WantIndex<Want>& index, const Have& h, uint64_t cookie, uint64_t cookie_mask,
               std::vector<const Have*>& held, std::vector<const Have*>& unwanted) {
  ptrdiff_t i = index.find(table_of(h), priority_of(h), match_of(h));
  if (i >= 0) {
    held[static_cast<size_t>(i)] = &h;
  } else if ((h.cookie & cookie_mask) == (cookie & cookie_mask)) {
    unwanted.push_back(&h);
  }
}

// Files of at least this size are parsed in shares side by side (common/parallel.h): about
// 13,000 lines of typical flows. Smaller ones are parsed on the caller's thread alone.
constexpr size_t kShareParseBytes = size_t{1} << 20;

// A share of a flow file: whole logical lines, parsed into the flows from
// ops[lines_before] on (a physical line makes at most one flow, so shares never overlap).
struct FileShare {
  std::string_view text;
  size_t lines_before = 0;  // physical lines of the file before this share
  size_t parsed = 0;        // flows parsed
  Status status = ok_status();
  int error_line = 0;
};

size_t line_count(std::string_view text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// Where a share may start at or after `from`: just past a physical line that does not continue
// ('\\') into the next, so no logical line straddles two shares.
size_t share_start(std::string_view text, size_t from) {
  for (size_t nl = text.find('\n', from); nl != std::string_view::npos;
       nl = text.find('\n', nl + 1)) {
    size_t prev = nl == 0 ? std::string_view::npos : text.rfind('\n', nl - 1);
    size_t begin = prev == std::string_view::npos ? 0 : prev + 1;
    std::string_view phys = without_comment(text.substr(begin, nl - begin));
    if (phys.empty() || phys.back() != '\\') return nl + 1;
  }
  return text.size();
}

// Splits `text` into up to `n` shares of about equal size (fewer if it has few lines).
std::vector<FileShare> split_file(std::string_view text, size_t n) {
  std::vector<FileShare> shares;
  size_t at = 0, lines = 0;
  for (size_t i = 0; i < n && (i == 0 || at < text.size()); ++i) {
    size_t end =
        i + 1 == n ? text.size() : share_start(text, std::max(at, text.size() * (i + 1) / n));
    FileShare& sh = shares.emplace_back();
    sh.text = text.substr(at, end - at);
    sh.lines_before = lines;
    lines += static_cast<size_t>(std::count(sh.text.begin(), sh.text.end(), '\n'));
    at = end;
  }
  return shares;
}

// Parses one share into the flows from `out` on; on an error, the line.
Status parse_share(FileShare& sh, FlowOp* out, const PortNamer* names, FlowModCommand dflt,
                   bool keywords, const FlowFixup& fixup) {
  FlowFileLines lines(sh.text, static_cast<int>(sh.lines_before));
  std::string_view line;
  while (lines.next(&line, &sh.error_line)) {
    FlowModCommand cmd = keywords ? line_command(line, dflt) : dflt;
    FlowOp& op = out[sh.parsed++];
    op.cmd = cmd;
    Status st = parse_flow_into(line, flow_text_mode(cmd), names, &op.spec);
    if (st.ok() && fixup) st = fixup(op.spec, flow_text_mode(cmd));
    if (!st.ok()) return st;
  }
  return ok_status();
}

}  // namespace

Result<std::vector<FlowOp>> parse_flow_file(std::string_view text, const std::string& file,
                                            const PortNamer* names, FlowModCommand dflt,
                                            bool keywords, const FlowFixup& fixup) {
  // Room for one flow per physical line, made at once (no copies of a growing vector of
  // large FlowOps) and backed by huge pages where the kernel allows (far fewer page faults).
  std::vector<FlowOp> ops;
  ops.reserve(line_count(text));
  advise_huge_pages_for(ops);
  ops.resize(ops.capacity());
  size_t n = text.size() >= kShareParseBytes ? parallel_shares() : 1;
  std::vector<FileShare> shares = split_file(text, n);
  run_shares(shares.size(), [&](size_t i) {
    FileShare& sh = shares[i];
    sh.status = parse_share(sh, ops.data() + sh.lines_before, names, dflt, keywords, fixup);
  });
  size_t end = 0;  // the flows parsed so far, moved together (blank and comment lines left gaps)
  for (const FileShare& sh : shares) {
    if (!sh.status.ok()) {  // the first error in the file's order
      const Error& e = sh.status.error();
      std::string where = file.empty() ? "line " + std::to_string(sh.error_line)
                                       : file + ":" + std::to_string(sh.error_line);
      return make_error(where + ": " + e.message, e.code);
    }
    if (end != sh.lines_before) {
      std::move(ops.begin() + static_cast<ptrdiff_t>(sh.lines_before),
                ops.begin() + static_cast<ptrdiff_t>(sh.lines_before + sh.parsed),
                ops.begin() + static_cast<ptrdiff_t>(end));
    }
    end += sh.parsed;
  }
  ops.erase(ops.begin() + static_cast<ptrdiff_t>(end), ops.end());
  return ops;
}

std::vector<FlowOp> diff_flows(const std::vector<FlowSpec>& have, const std::vector<FlowSpec>& want,
                               uint64_t cookie, uint64_t cookie_mask, bool readd) {
  const WantIndex<FlowSpec> index(want, shares_for(want.size()));
  std::vector<const FlowSpec*> held(want.size()), unwanted;  // held: the switch's flow of each
  for (const FlowSpec& h : have) file_have(index, h, cookie, cookie_mask, held, unwanted);
  std::vector<FlowOp> ops;
  for (const FlowSpec* h : unwanted)
    ops.push_back({FlowModCommand::kDeleteStrict, delete_spec(*h)});
  for (size_t i = 0; i < want.size(); ++i) {
    if (index.redefined(i)) continue;
    if (!readd && held[i] && same_version(*held[i], want[i])) continue;
    FlowOp& add = ops.emplace_back(FlowOp{FlowModCommand::kAdd, want[i]});
    as_replacement(add.spec);
  }
  return ops;
}

// The same over the switch's own rules, turning `want` itself into the result: kept adds are
// moved down in place and the deletes (usually none) put in front, so a large replace-flows
// copies no flow.
std::vector<FlowOp> diff_flows(const Ofproto& br, std::vector<FlowOp> want, uint64_t cookie,
                               uint64_t cookie_mask, bool readd) {
  std::vector<const Rule*> rules;
  rules.reserve(br.n_rules());
  br.for_each_rule([&](const RulePtr& r) { rules.push_back(r.get()); });
  size_t n = shares_for(std::max(want.size(), rules.size()));
  const WantIndex<FlowOp> index(want, n);
  // Probing in shares too: distinct rules have distinct identities, so no two write one `held`.
  std::vector<const Rule*> held(want.size());
  std::vector<std::vector<const Rule*>> unwanted_of(n);
  run_ranges(rules.size(), n, [&](size_t share, size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r)
      file_have(index, *rules[r], cookie, cookie_mask, held, unwanted_of[share]);
  });
  std::vector<const Rule*> unwanted;
  for (auto& u : unwanted_of) unwanted.insert(unwanted.end(), u.begin(), u.end());
  // Deletes in dump-flows order (for_each_rule's order is the tables' hash order).
  std::sort(unwanted.begin(), unwanted.end(),
            [](const Rule* a, const Rule* b) { return dumped_before(*a, *b); });
  size_t kept = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (index.redefined(i)) continue;
    if (!readd && held[i] && same_version(*held[i], want[i].spec)) continue;
    if (kept != i) want[kept] = std::move(want[i]);
    want[kept].cmd = FlowModCommand::kAdd;
    as_replacement(want[kept].spec);
    ++kept;
  }
  want.erase(want.begin() + static_cast<ptrdiff_t>(kept), want.end());
  std::vector<FlowOp> deletes;
  for (const Rule* r : unwanted)
    deletes.push_back({FlowModCommand::kDeleteStrict, delete_spec(*r)});
  want.insert(want.begin(), std::make_move_iterator(deletes.begin()),
              std::make_move_iterator(deletes.end()));
  return want;
}

}  // namespace nt
