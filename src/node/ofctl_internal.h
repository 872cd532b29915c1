// Shared pieces of the nvs-ofctl commands (ofctl_cmds.cc, ofctl_show.cc, ofctl_parse.cc):
// the parsed options, the per-invocation context and the reply helpers.
#pragma once

#include <string>
#include <vector>

#include "node/commands.h"
#include "ofproto/bundle.h"

namespace nt {

struct OfctlOptions {
  bool strict = false;
  bool no_stats = false;
  bool names = false;
  int sort = 0;         // --sort: 1, --rsort: -1 (by priority, the only key supported)
  int version = 1;      // negotiated OpenFlow version: 1 = 1.0, 4 = 1.3, ...
  bool bundle = false;  // --bundle: flow changes as one OpenFlow 1.4 atomic bundle
  bool readd = false;   // replace-flows --readd
};

struct OfctlCtx {
  CommandHost* host = nullptr;  // null for the local commands
  OfctlOptions opt;
  std::vector<std::string> args;  // args[0] is the command
  const std::string* stdin_data = nullptr;
  bool allow_stream = false;  // a big stdout may be a ReplyStream (the daemon's control socket)
  ControlReply reply;

  void fail(const std::string& message, int status = 1) {
    reply.status = status;
    reply.err += "nvs-ofctl: " + message + "\n";
  }
};

// "OFPST_FLOW reply (OF1.3) (xid=0x2):" / "NXST_FLOW reply (xid=0x4):" — `name10` for OF1.0.
std::string ofctl_reply_header(const OfctlOptions& opt, const std::string& name10,
                               const std::string& name, int xid10, int xid);

void ofctl_show(OfctlCtx& ctx, Ofproto& br);
void ofctl_dump_ports(OfctlCtx& ctx, Ofproto& br);
void ofctl_dump_ports_desc(OfctlCtx& ctx, Ofproto& br);
void ofctl_dump_tables(OfctlCtx& ctx, Ofproto& br);
void ofctl_parse_flow_cmd(OfctlCtx& ctx);
// A flow_mod as ovs-ofctl prints it after its message header: "ADD table:1 priority=5,ip
// cookie:0x5 idle:5 check_overlap actions=drop".
std::string ofctl_format_flow_mod(const FlowSpec& spec, FlowModCommand cmd);
void ofctl_parse_flows_cmd(OfctlCtx& ctx);

}  // namespace nt
