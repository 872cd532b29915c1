// MatchBuilder: turns the match items of a flow ("tcp", "nw_src=10.0.0.0/8", "dl_vlan=5",
// "NXM_OF_VLAN_TCI[0..11]=1") into one Match, for parse_match() and parse_flow().
//
// Items accumulate in any order, as in ovs-ofctl: each one ORs its bits into the match, and an
// item that disagrees with bits an earlier item already fixed is an error rather than a silent
// overwrite. Prerequisites are checked once at the end (finish()), so "tp_dst=80,tcp" is as
// good as "tcp,tp_dst=80", and a missing one names the field and what to add.
//
// A few fields carry Open vSwitch's special meanings instead of raw bits: dl_vlan sets the VID
// and the CFI ("tagged") bit, dl_vlan=0xffff means "no VLAN"; dl_vlan_pcp sets PCP and CFI;
// nw_tos sets only the DSCP bits and must have its two ECN bits clear; icmp_type/icmp_code (and
// the icmpv6 names) pin the whole 16-bit tp_src/tp_dst as Open vSwitch does.
#pragma once

#include <bitset>
#include <string_view>

#include "common/result.h"
#include "flow/match.h"
#include "openflow/actions.h"
#include "openflow/text_util.h"

namespace nt::oftext {

class MatchBuilder {
 public:
  explicit MatchBuilder(const PortNamer* names) : names_(names) {}

  // Applies one item. Returns false, with no error, when the key is neither a field, a
  // subfield nor a protocol keyword (the caller decides whether that is an error).
  Result<bool> apply(const KeyValue& kv);
  // The accumulated match, once every used field's prerequisites hold.
  Result<Match> finish() const;

 private:
  Status apply_field(const FieldInfo& f, const KeyValue& kv);
  Status apply_subfield(const KeyValue& kv);
  // ORs value/mask bits into field `f`; `kv` names the item in a conflict message.
  Status merge(const FieldInfo& f, u128 value, u128 mask, const KeyValue& kv);

  Match match_;
  const PortNamer* names_;
  std::bitset<kNumFields> used_;
};

}  // namespace nt::oftext
