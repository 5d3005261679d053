#include "commands/http_request.h"

#include <fmt/format.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

namespace tc {

namespace http = boost::beast::http;

namespace {

constexpr size_t kMaxMethodBytes = 16;

bool IsMethodChar(char c) { return c >= 'A' && c <= 'Z'; }

HeadScan Reject(int status) { return HeadScan{HeadScan::State::kReject, 0, status}; }

}  // namespace

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
  return HeadScan{HeadScan::State::kComplete, head_bytes, 0};
}

HttpAnswer AnswerRequestHead(std::string_view head, const HttpHandler& handler,
                             bool* is_head_method) {
  if (is_head_method != nullptr) *is_head_method = false;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(head.size() + 1));
  boost::beast::error_code error;
  parser.put(boost::asio::buffer(head.data(), head.size()), error);
  if ((error && error != http::error::need_more) || !parser.is_header_done()) {
    return HttpAnswer{400, "text/plain; charset=utf-8", "bad request\n"};
  }
  const auto& request = parser.get();
  const http::verb method = request.method();
  if (method != http::verb::get && method != http::verb::head) {
    return HttpAnswer{405, "text/plain; charset=utf-8", "GET or HEAD only\n"};
  }
  if (is_head_method != nullptr) *is_head_method = method == http::verb::head;
  try {
    return handler(std::string(request.method_string()), std::string(request.target()));
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
  const HeadScan scan = ScanRequestHead(bytes, limits);
  switch (scan.state) {
    case HeadScan::State::kNeedMore:
      return "";
    case HeadScan::State::kReject:
      return SerializeAnswer(HttpAnswer{scan.reject_status, "text/plain; charset=utf-8",
                                        fmt::format("request rejected ({})\n", scan.reject_status)},
                             false);
    case HeadScan::State::kComplete:
      break;
  }
  bool head_only = false;
  const HttpAnswer answer =
      AnswerRequestHead(bytes.substr(0, scan.head_bytes), handler, &head_only);
  return SerializeAnswer(answer, head_only);
}

}  // namespace tc
