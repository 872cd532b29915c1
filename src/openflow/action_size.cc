// ofpacts_size(): how big an action list is in Open vSwitch's own representation.
//
// Open vSwitch parses actions into "ofpacts", one struct per action padded to 8 bytes, and
// refuses a list whose ofpacts exceed 65535 bytes ("input too big", lib/ofp-actions.c), because
// every OpenFlow encoding of it carries a 16-bit length. The sizes below are those structs'
// sizes on a 64-bit host (struct ofpact is 4 bytes; a subfield is a field pointer plus offset
// and width, 16 bytes). So a flow with 4095 output actions is accepted and one with 4096 is
// not, exactly as ovs-ofctl 3.1 decides.
#include "openflow/actions.h"

namespace nt {
namespace {

constexpr size_t kOfpact = 4;     // struct ofpact: type, raw, len
constexpr size_t kSubfield = 16;  // struct mf_subfield: field pointer, ofs, n_bits

constexpr size_t pad8(size_t n) { return (n + 7) / 8 * 8; }

size_t field_bytes(const FieldInfo* f) { return f ? f->size : 16; }

size_t ofpact_size(const Action& a);

// struct ofpact_conntrack (flags, zone_imm, zone_src, alg, recirc_table) and its nested
// actions; a nat is a nested struct ofpact_nat (flags, range_af, two 16-byte addresses, two
// ports).
size_t ct_size(const CtAction& c) {
  size_t n = pad8(kOfpact + 2 + 2 + kSubfield + 2 + 1);
  if (c.nat) n += pad8(kOfpact + 2 + 2 + 16 + 16 + 2 + 2);
  for (const CtExecAction& e : c.exec) n += ofpact_size(ct_exec_action(e));
  return n;
}

size_t ofpact_size(const Action& a) {
  return std::visit(
      Overloaded{
          [](const OutputAction&) { return pad8(kOfpact + 4 + 2); },
          [](const OutputRegAction&) { return pad8(kOfpact + 2 + 2 + kSubfield); },
          [](const ControllerAction&) { return pad8(kOfpact + 2 + 2 + 4 + 1 + 1 + 2 + 8); },
          [](const ResubmitAction&) { return pad8(kOfpact + 4 + 1 + 1); },
          [](const GotoTableAction&) { return pad8(kOfpact + 1); },
          [](const SetVlanVidAction&) { return pad8(kOfpact + 2 + 1 + 1); },
          [](const SetVlanPcpAction&) { return pad8(kOfpact + 1 + 1); },
          [](const PushVlanAction&) { return pad8(kOfpact + 2); },
          [](const SetFieldAction& s) { return pad8(kOfpact + 8 + 2 * field_bytes(s.field)); },
          [](const RegLoadAction& s) { return pad8(kOfpact + 8 + 2 * field_bytes(s.dst.field)); },
          [](const RegMoveAction&) { return pad8(kOfpact + 2 * kSubfield); },
          [](const SetEthSrcAction&) { return pad8(kOfpact + 6); },
          [](const SetEthDstAction&) { return pad8(kOfpact + 6); },
          [](const SetIpv4SrcAction&) { return pad8(kOfpact + 4); },
          [](const SetIpv4DstAction&) { return pad8(kOfpact + 4); },
          [](const SetL4SrcAction&) { return pad8(kOfpact + 2 + 1); },
          [](const SetL4DstAction&) { return pad8(kOfpact + 2 + 1); },
          [](const DecTtlAction&) { return pad8(kOfpact + 2 + 2); },
          [](const SetTunnelAction&) { return pad8(kOfpact + 4 + 8); },
          [](const WriteMetadataAction&) { return pad8(kOfpact + 4 + 8 + 8); },
          [](const NoteAction& n) { return pad8(kOfpact + 2 + n.data.size()); },
          [](const LearnAction& l) { return pad8(kOfpact + 60 + l.specs.size() * 48); },
          [](const SetIpDscpAction&) { return pad8(kOfpact + 1); },
          [](const ConjunctionAction&) { return pad8(kOfpact + 1 + 1 + 4); },
          [](const CtAction& c) { return ct_size(c); },
          [](const auto&) { return pad8(kOfpact); },  // strip/pop_vlan, ct_clear: no payload
      },
      a);
}

}  // namespace

size_t ofpacts_size(const ActionList& acts) {
  size_t n = 0;
  for (const Action& a : acts) n += ofpact_size(a);
  return n;
}

}  // namespace nt
