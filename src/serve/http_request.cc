#include "serve/http_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <limits>

namespace tc {

namespace http = boost::beast::http;

namespace {

constexpr size_t kMaxMethodBytes = 16;

bool IsMethodChar(char c) { return c >= 'A' && c <= 'Z'; }

HeadScan Reject(int status) { return HeadScan{HeadScan::State::kReject, 0, 0, status}; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The body's length by the head's framing headers: Content-Length (digits only; copies must
// agree), no Transfer-Encoding. A status to reject with otherwise.
struct BodyFraming {
  size_t length = 0;
  int reject_status = 0;
};

BodyFraming FramingOf(std::string_view head, size_t max_body_bytes) {
  BodyFraming framing;
  bool seen_length = false;
  size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos && line_start + 2 < head.size()) {
    const size_t begin = line_start + 2;
    const size_t end = head.find("\r\n", begin);
    if (end == std::string_view::npos || end == begin) break;
    const std::string_view line = head.substr(begin, end - begin);
    line_start = end;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the parser answers 400
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoringCase(name, "transfer-encoding")) return BodyFraming{0, 411};
    if (!EqualsIgnoringCase(name, "content-length")) continue;
    if (value.empty() || value.size() > 12) return BodyFraming{0, value.empty() ? 400 : 413};
    size_t length = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return BodyFraming{0, 400};
      length = length * 10 + static_cast<size_t>(c - '0');
    }
    if (seen_length && length != framing.length) return BodyFraming{0, 400};
    seen_length = true;
    framing.length = length;
  }
  if (framing.length > max_body_bytes) return BodyFraming{0, 413};
  return framing;
}

}  // namespace

const std::string* HttpServerRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoringCase(key, name)) return &value;
  }
  return nullptr;
}

HttpRequestHandler ByMethodAndTarget(HttpHandler handler) {
  return [handler = std::move(handler)](const HttpServerRequest& request) {
    return handler(request.method, request.target);
  };
}

HeadScan ScanRequestHead(std::string_view bytes, const HttpRequestLimits& limits) {
  // The method is everything before the first space: upper-case letters only, so a request line
  // without a space, an empty one, or binary noise is rejected on its first odd byte.
  const size_t method_end = bytes.find(' ');
  const std::string_view method = bytes.substr(0, method_end);
  for (char c : method) {
    if (!IsMethodChar(c)) return Reject(400);
  }
  if (method.size() > kMaxMethodBytes) return Reject(400);
  if (method_end != std::string_view::npos) {
    const size_t target_end = bytes.find_first_of(" \r\n", method_end + 1);
    const std::string_view target = bytes.substr(method_end + 1, target_end - (method_end + 1));
    if (target.size() > limits.max_target_bytes) return Reject(414);
  }
  const size_t blank_line = bytes.find("\r\n\r\n");
  if (blank_line == std::string_view::npos) {
    if (bytes.size() > limits.max_head_bytes) return Reject(431);
    return HeadScan{};
  }
  const size_t head_bytes = blank_line + 4;
  if (head_bytes > limits.max_head_bytes) return Reject(431);
  if (limits.max_body_bytes == 0) return HeadScan{HeadScan::State::kComplete, head_bytes, 0, 0};
  const BodyFraming framing = FramingOf(bytes.substr(0, head_bytes), limits.max_body_bytes);
  if (framing.reject_status != 0) return Reject(framing.reject_status);
  if (bytes.size() < head_bytes + framing.length) return HeadScan{};
  return HeadScan{HeadScan::State::kComplete, head_bytes, framing.length, 0};
}

ParsedRequest ParseRequest(std::string_view bytes, const HttpRequestLimits& limits) {
  ParsedRequest out;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(
      static_cast<std::uint32_t>(std::min(bytes.size(), limits.max_head_bytes) + 1));
  const bool body_ignored = limits.max_body_bytes == 0;  // a head is all that was waited for
  // Ignored bodies are never fed to the parser: their length must not fail the head.
  parser.body_limit(body_ignored ? std::numeric_limits<std::uint64_t>::max()
                                 : static_cast<std::uint64_t>(limits.max_body_bytes));
  boost::beast::error_code error;
  size_t offset = 0;
  while (offset < bytes.size() && !parser.is_done()) {
    const size_t used =
        parser.put(boost::asio::buffer(bytes.data() + offset, bytes.size() - offset), error);
    offset += used;
    if (error || used == 0) break;
  }
  if ((error && error != http::error::need_more) || !parser.is_header_done() ||
      (!body_ignored && !parser.is_done())) {
    out.answer = HttpAnswer{400, "text/plain; charset=utf-8", "bad request\n"};
    return out;
  }
  const auto& parsed = parser.get();
  const http::verb method = parsed.method();
  const bool post_allowed = !body_ignored && method == http::verb::post;
  if (method != http::verb::get && method != http::verb::head && !post_allowed) {
    out.answer = HttpAnswer{405, "text/plain; charset=utf-8",
                            body_ignored ? "GET or HEAD only\n" : "GET, HEAD or POST only\n"};
    return out;
  }
  out.head_only = method == http::verb::head;
  HttpServerRequest& request = out.request.emplace();
  request.method = std::string(parsed.method_string());
  request.target = std::string(parsed.target());
  for (const auto& field : parsed) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (!body_ignored) request.body = parsed.body();
  return out;
}

HttpAnswer RejectionAnswer(int status) {
  return HttpAnswer{status, "text/plain; charset=utf-8",
                    fmt::format("request rejected ({})\n", status)};
}

HttpAnswer AnswerRequest(std::string_view bytes, const HttpRequestLimits& limits,
                         const HttpRequestHandler& handler, bool* is_head_method) {
  ParsedRequest parsed = ParseRequest(bytes, limits);
  if (is_head_method != nullptr) *is_head_method = parsed.head_only;
  if (!parsed.request) return parsed.answer;
  try {
    return handler(*parsed.request);
  } catch (const std::exception& e) {
    return HttpAnswer{500, "text/plain; charset=utf-8",
                      std::string("internal error: ") + e.what() + "\n"};
  }
}

std::string SerializeAnswer(const HttpAnswer& answer, bool head_only) {
  const auto reason = http::obsolete_reason(static_cast<http::status>(answer.status));
  std::string out = fmt::format(
      "HTTP/1.1 {} {}\r\nServer: ticketcache\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n",
      answer.status, std::string_view(reason.data(), reason.size()), answer.content_type,
      answer.body.size());
  if (!head_only) out += answer.body;
  return out;
}

std::string RespondToBytes(std::string_view bytes, const HttpRequestLimits& limits,
                           const HttpHandler& handler) {
  return RespondToBytes(bytes, limits, ByMethodAndTarget(handler));
}

std::string RespondToBytes(std::string_view bytes, const HttpRequestLimits& limits,
                           const HttpRequestHandler& handler) {
  const HeadScan scan = ScanRequestHead(bytes, limits);
  switch (scan.state) {
    case HeadScan::State::kNeedMore:
      return "";
    case HeadScan::State::kReject:
      return SerializeAnswer(RejectionAnswer(scan.reject_status), false);
    case HeadScan::State::kComplete:
      break;
  }
  bool head_only = false;
  const HttpAnswer answer = AnswerRequest(bytes.substr(0, scan.head_bytes + scan.body_bytes),
                                          limits, handler, &head_only);
  return SerializeAnswer(answer, head_only);
}

}  // namespace tc
