// The control socket: how nvs-vsctl, nvs-ofctl and nvs-appctl talk to neutrino-vswitchd.
//
// A Unix domain stream socket, `neutrino-vswitchd.ctl` in the run directory, carries one
// request per connection: the client writes one JSON object and a newline,
//
//   {"tool": "vsctl" | "ofctl" | "appctl", "argv": ["add-br", "br-int"], "stdin": "..."}
//
// A request with a large standard input (the flows of `add-flows br FILE`: megabytes) sends it
// raw instead, after the line: the line says how many bytes follow,
//
//   {"argv": ["--bundle", "add-flows", "br0", "f"], "stdin_bytes": 14000000, "tool": "ofctl"}
//   <exactly stdin_bytes bytes>
//
// so neither side escapes, unescapes or copies the file through a JSON string: the daemon
// knows the size before the body arrives (too big is refused at once), reserves it and reads
// it straight into the request (RequestReader, control_server.h). A request has "stdin" or
// "stdin_bytes", not both.
//
// and the daemon answers with one JSON object and a newline, then closes the connection:
//
//   {"status": 0, "out": "...", "err": "..."}
//
// `status` is the exit code the tool exits with, `out` goes to its stdout and `err` to its
// stderr, so the daemon decides every byte a user sees, exactly as ovs-vsctl's and
// ovs-appctl's own servers do. The run directory is --rundir, else $NVS_RUNDIR, else
// /var/run/neutrino, so several daemons (and their tools) coexist on one machine.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/files.h"  // write_file_atomic (flow_files.cc, daemon)
#include "common/result.h"
#include "node/command_reply.h"

namespace nt {

inline constexpr const char* kDefaultRunDir = "/var/run/neutrino";
inline constexpr const char* kDaemonName = "neutrino-vswitchd";

struct ControlRequest {
  std::string tool;
  std::vector<std::string> argv;
  std::string stdin_data;
  // Decoded from a header: bytes of raw standard input that follow its newline (0: none; the
  // input, if any, was inline). encode_request_head() takes the size from stdin_data instead.
  size_t stdin_bytes = 0;
};

std::string encode_request(const ControlRequest& req);  // one line, stdin inline (escaped)
// The line of a request whose stdin_data follows raw: `stdin_bytes` is stdin_data's size (the
// key is absent when it is empty, and the line is then a whole request).
std::string encode_request_head(const ControlRequest& req);
// One request line: its stdin inline, or announced (stdin_bytes) to follow raw.
Result<ControlRequest> decode_request(std::string_view json);
std::string encode_reply(const ControlReply& reply);  // a whole reply (its stream ignored)
// A streamed reply on the wire, the same bytes encode_reply() gives once it is drained:
// encode_reply_head(r), then json_string_body() of every slice of r.stream, then
// encode_reply_tail(r). A slice must end at a line end (no UTF-8 sequence is cut).
std::string encode_reply_head(const ControlReply& reply);
std::string json_string_body(std::string_view text);  // JSON-escaped, without the quotes
std::string encode_reply_tail(const ControlReply& reply);
Result<ControlReply> decode_reply(std::string_view json);

// --rundir if given, else $NVS_RUNDIR, else /var/run/neutrino.
std::string run_dir(const std::optional<std::string>& override_dir = std::nullopt);
std::string control_socket_path(const std::string& rundir);  // <rundir>/neutrino-vswitchd.ctl

// Client side: connects to `socket_path`, sends `req` and waits (up to `timeout_ms`; 0 waits
// forever) for the reply. On failure the Error's message is strerror's text ("No such file or
// directory"), so each tool words the error as its Open vSwitch counterpart does.
Result<ControlReply> control_call(const std::string& socket_path, const ControlRequest& req,
                                  int timeout_ms = 0);

// What a tool does: sends `req` to the daemon at `socket_path`, writes the reply's out to
// stdout and err to stderr and returns its status. If the daemon cannot be reached, prints
// `unreachable(strerror text)` (a whole line) to stderr and returns 1.
int relay_to_daemon(const std::string& socket_path, const ControlRequest& req, int timeout_ms,
                    const std::function<std::string(const std::string&)>& unreachable);

// Server side: a listening socket at `path` (an existing stale socket file is replaced).
Result<int> control_listen(const std::string& path);

// Reads a whole file (`-` reads standard input). The Error carries strerror's text.
Result<std::string> read_file_or_stdin(const std::string& path);

}  // namespace nt
