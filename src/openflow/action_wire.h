// Actions in the form an OpenFlow version carries them ("wire form").
//
// Open vSwitch keeps a flow's actions as they arrived: each remembers which OpenFlow (or Nicira)
// action it was decoded from, and ovs-ofctl prints whatever the switch re-encodes for the
// protocol of the request. So the same rule dumps differently under OpenFlow 1.0 + NXM and
// under OpenFlow 1.3: goto_table travels as resubmit(,N) in 1.0, mod_vlan_vid:1 as
// push_vlan:0x8100,set_field:4097->vlan_vid in 1.3, set_field on a tunnel id as an NXM
// load:...->NXM_NX_TUN_ID[] in 1.0, and a note is padded to the 8-byte action boundary.
//
// wire_form() is that round trip — encode for `version`, decode back — done on our action
// model (NT_OFPACTS stays the one source of truth: the wire form is again an ActionList).
// Neutrino applies it twice, as Open vSwitch effectively does: when nvs-ofctl adds or modifies
// flows (the rule is stored in the form its protocol delivered, so a flow added with
// -O OpenFlow13 keeps its 1.3 form) and when dump-flows or parse-flow prints them. Where
// ovs-ofctl refuses a flow because no allowed protocol can carry it (push_vlan under
// OpenFlow 1.0; pop_vlan or mod_nw_src without the matching prerequisites under 1.1+), the
// check step returns the same message. Pure function of its inputs; not on the fast path.
#pragma once

#include "openflow/actions.h"

namespace nt {

// OpenFlow versions as ofp_header.version - 0: 1 = OpenFlow 1.0, 2 = 1.1, 4 = 1.3, 6 = 1.5.
// Version 0 means "no protocol": the actions are returned as they are.
struct WireOptions {
  int version = 1;
  bool check = false;  // refuse, as ovs-ofctl's protocol negotiation would (adding a flow)
  bool match_needs_nxm = false;  // the match cannot be expressed in OpenFlow 1.0's 12 fields
};

Result<ActionList> wire_form(const ActionList& acts, const Match& match, const WireOptions& opt);

// The match as `version` carries it. OXM (OpenFlow 1.2+) matches the VLAN as vlan_vid (13 bits,
// with the "present" bit) and vlan_pcp, so an exact "no tag" vlan_tci=0x0000 travels as
// vlan_vid=0 and comes back as vlan_tci=0x0000/0x1fff; everything else is unchanged.
Match match_wire_form(const Match& m, int version);

// True when an OpenFlow 1.0 match can express `m` (its twelve fields, exact MACs, CIDR IPv4
// addresses); anything else needs the Nicira extended match (NXM) or OpenFlow 1.2+ (OXM).
bool of10_can_match(const Match& m);

// Pads a note's payload as its Nicira encoding does (the action to a multiple of 8 bytes).
std::vector<uint8_t> padded_note(const std::vector<uint8_t>& data);

}  // namespace nt
