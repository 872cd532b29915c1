#include "agent/http_message.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/strings.h"

namespace nt::agent {

std::string http_header_key(std::string_view name) {
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

namespace {

// The start line's words (separated by single or repeated spaces).
std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    size_t j = line.find(' ', i);
    if (j == std::string_view::npos) j = line.size();
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The head's lines after the start line into `headers`.
Status parse_headers(std::string_view lines, std::map<std::string, std::string>& headers) {
  while (!lines.empty()) {
    size_t eol = lines.find("\r\n");
    std::string_view line = lines.substr(0, eol);
    lines = eol == std::string_view::npos ? std::string_view() : lines.substr(eol + 2);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return make_error("malformed HTTP header line '" + std::string(line.substr(0, 80)) + "'");
    }
    std::string name = http_header_key(trim(line.substr(0, colon)));
    headers[name] = std::string(trim(line.substr(colon + 1)));
  }
  return ok_status();
}

// The Content-Length header's value (0 when absent); an error when malformed or too large.
Result<size_t> content_length(const std::map<std::string, std::string>& headers, bool& present) {
  auto it = headers.find("content-length");
  present = it != headers.end();
  if (!present) return size_t{0};
  auto n = parse_uint(it->second, 32);
  if (!n) return make_error("Content-Length '" + it->second + "' is not a number");
  if (*n > kMaxHttpBody) return make_error("HTTP body too large");
  return static_cast<size_t>(*n);
}

// Splits off the head; kIncomplete while "\r\n\r\n" has not arrived.
Result<HttpParse> split_head(std::string_view text, std::string_view& head, size_t& body_at) {
  size_t end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (text.size() > kMaxHttpHead) return make_error("HTTP head too large");
    return HttpParse::kIncomplete;
  }
  if (end > kMaxHttpHead) return make_error("HTTP head too large");
  head = text.substr(0, end + 2);
  body_at = end + 4;
  return HttpParse::kComplete;
}

}  // namespace

Result<HttpParse> parse_http_request(std::string_view text, MetadataRequest& out) {
  std::string_view head;
  size_t body_at = 0;
  auto split = split_head(text, head, body_at);
  if (!split || *split == HttpParse::kIncomplete) return split;
  size_t eol = head.find("\r\n");
  auto words = split_words(head.substr(0, eol));
  if (words.size() != 3 || !starts_with(words[2], "HTTP/1.") || words[1].empty() ||
      words[1][0] != '/') {
    return make_error("malformed HTTP request line '" + std::string(head.substr(0, 80)) + "'");
  }
  MetadataRequest r{words[0], words[1], {}};
  auto s = parse_headers(head.substr(eol + 2), r.headers);
  if (!s) return s.error();
  bool present = false;
  auto len = content_length(r.headers, present);
  if (!len) return len.error();
  if (text.size() - body_at < *len) return HttpParse::kIncomplete;
  out = std::move(r);
  return HttpParse::kComplete;
}

const char* http_reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    default:
      return "Unknown";
  }
}

std::string format_http_response(const MetadataResponse& response) {
  std::string out =
      "HTTP/1.1 " + std::to_string(response.status) + " " + http_reason(response.status) + "\r\n";
  out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  return out + response.body;
}

Result<HttpParse> parse_http_response(std::string_view text, bool eof, MetadataResponse& out) {
  std::string_view head;
  size_t body_at = 0;
  auto split = split_head(text, head, body_at);
  if (!split) return split;
  if (*split == HttpParse::kIncomplete) {
    if (eof) return make_error("connection closed before the HTTP response head");
    return split;
  }
  size_t eol = head.find("\r\n");
  auto words = split_words(head.substr(0, eol));
  auto status = words.size() >= 2 ? parse_uint(words[1], 10) : std::nullopt;
  if (words.size() < 2 || !starts_with(words[0], "HTTP/1.") || !status || *status < 100 ||
      *status > 599) {
    return make_error("malformed HTTP status line '" + std::string(head.substr(0, 80)) + "'");
  }
  std::map<std::string, std::string> headers;
  auto s = parse_headers(head.substr(eol + 2), headers);
  if (!s) return s.error();
  bool present = false;
  auto len = content_length(headers, present);
  if (!len) return len.error();
  std::string_view body = text.substr(body_at);
  if (present ? body.size() < *len : !eof) {
    if (eof) return make_error("connection closed before the HTTP response body");
    return HttpParse::kIncomplete;
  }
  out.status = static_cast<int>(*status);
  out.content_type = headers.count("content-type") ? headers["content-type"] : "";
  out.body = std::string(present ? body.substr(0, *len) : body);
  return HttpParse::kComplete;
}

std::string format_http_request(const MetadataRequest& request, const std::string& host) {
  std::string out = request.method + " " + request.path + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (const auto& [name, value] : request.headers) {
    if (name == "host" || name == "connection" || name == "content-length") continue;
    out += name + ": " + value + "\r\n";
  }
  return out + "Connection: close\r\n\r\n";
}

}  // namespace nt::agent
