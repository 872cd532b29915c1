// HTTP/1.x messages as text, for the metadata path's own transports: the metadata agent's UNIX
// socket (cpp-httplib 0.11 has no AF_UNIX), the emulated router's proxy on port 9697 and the
// emulated instance's GET, which run over netstack TCP.
//
// Only what those need: a request or response head (start line, headers with case-insensitive
// names, stored in lower case) and a Content-Length body; no chunked bodies, no keep-alive (every
// answer closes). Parsing a prefix of a message says kIncomplete until the message is whole, so
// a stream reader calls it after each read; anything malformed is an error naming what is wrong.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "agent/metadata.h"
#include "common/result.h"

namespace nt::agent {

inline constexpr size_t kMaxHttpHead = 16 * 1024;
inline constexpr size_t kMaxHttpBody = 1024 * 1024;

enum class HttpParse { kComplete, kIncomplete };

// A header's name as MetadataRequest's map keys it: lower case.
std::string http_header_key(std::string_view name);

// `text` parsed into `out` when it holds a whole request (head + Content-Length body).
Result<HttpParse> parse_http_request(std::string_view text, MetadataRequest& out);
// "HTTP/1.1 200 OK" + Content-Type, Content-Length, Connection: close + body.
std::string format_http_response(const MetadataResponse& response);

// A response as a client reads it; complete when the Content-Length body is in (or, without
// Content-Length, when `eof`: the server closed).
Result<HttpParse> parse_http_response(std::string_view text, bool eof, MetadataResponse& out);
// "GET path HTTP/1.1" with the headers, Host first; Connection: close.
std::string format_http_request(const MetadataRequest& request, const std::string& host);

// The reason phrase of a status (200 "OK", 404 "Not Found"...).
const char* http_reason(int status);

}  // namespace nt::agent
