// UDP, other IP protocols and ICMP/ICMPv6 echo-like exchanges: OVS's conntrack-other.c and
// conntrack-icmp.c. A connection is "first" after one packet, "multiple" after more in the
// same direction, "bidirectional" (ICMP: "reply") once the other side answered; packets stay
// +new until then. Only requests may open an ICMP connection (echo, timestamp and
// information requests for ICMPv4; echo request for ICMPv6).
#include "conntrack/conn.h"

namespace nt::ct {
namespace {

bool icmp_request(const ConnKey& k) {
  if (k.ipv6) return k.stype == 128;
  return k.stype == 8 || k.stype == 13 || k.stype == 15;
}

}  // namespace

bool other_valid_new(const Ctx& ctx) {
  return !is_icmp(ctx.key.proto, ctx.key.ipv6) || icmp_request(ctx.key);
}

void other_new_conn(Table& t, Conn& c, const Ctx& ctx) {
  c.state = 0;  // kOthersFirst == kIcmpsFirst
  t.set_expiration(c, is_icmp(ctx.key.proto, ctx.key.ipv6) ? kIcmpFirst : kOtherFirst);
}

Update other_update(Table& t, Conn& c, const Ctx& ctx, bool reply) {
  if (is_icmp(ctx.key.proto, ctx.key.ipv6)) {
    if (reply && c.state != kIcmpsReply) c.state = kIcmpsReply;
    t.set_expiration(c, c.state == kIcmpsReply ? kIcmpReply : kIcmpFirst);
    return c.state == kIcmpsReply ? Update::kValid : Update::kValidNew;
  }
  if (reply && c.state != kOthersBidir) {
    c.state = kOthersBidir;
  } else if (c.state == kOthersFirst) {
    c.state = kOthersMultiple;
  }
  static constexpr Tm kTm[] = {kOtherFirst, kOtherMultiple, kOtherBidir};
  t.set_expiration(c, kTm[c.state]);
  return c.state == kOthersBidir ? Update::kValid : Update::kValidNew;
}

}  // namespace nt::ct
