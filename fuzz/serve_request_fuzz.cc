// libFuzzer target for `serve`'s request handling: any bytes a client may send, through the head
// scanner, the parser and the router, to the bytes of the answer. Checks, beyond "no crash, no
// sanitizer report": every answer is a well-formed HTTP/1.1 response, and the scanner is
// consistent with itself as bytes arrive (a head found complete or rejected on a prefix stays so).
// fuzz-libs: fmt::fmt Boost::headers
// fuzz-sources: src/serve/http_request.cc
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "serve/http_request.h"

namespace {

tc::HttpAnswer Route(const std::string& method, const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") __builtin_trap();  // the parser lets only these through
  if (path == "/healthz") return tc::HttpAnswer{200, "text/plain", "ok\n"};
  if (path == "/readyz") return tc::HttpAnswer{503, "text/plain", "not ready\n"};
  if (path == "/metrics") return tc::HttpAnswer{200, "text/plain; version=0.0.4", "# metrics\n"};
  if (path == "/") return tc::HttpAnswer{200, "text/html; charset=utf-8", "<html></html>"};
  return tc::HttpAnswer{404, "text/plain", "not found\n"};
}

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tc::HttpRequestLimits limits;  // small limits, so the fuzzer reaches 414 and 431
  limits.max_target_bytes = 64;
  limits.max_head_bytes = 512;

  const std::string answer = tc::RespondToBytes(bytes, limits, Route);
  const tc::HeadScan full = tc::ScanRequestHead(bytes, limits);
  Check(answer.empty() == (full.state == tc::HeadScan::State::kNeedMore));
  if (!answer.empty()) {
    Check(answer.rfind("HTTP/1.1 ", 0) == 0);
    Check(answer.find("\r\n\r\n") != std::string::npos);
    Check(answer.find("Connection: close\r\n") != std::string::npos);
  }
  if (full.state == tc::HeadScan::State::kComplete) Check(full.head_bytes <= size);

  const tc::HeadScan prefix = tc::ScanRequestHead(bytes.substr(0, size / 2), limits);
  if (prefix.state == tc::HeadScan::State::kReject)
    Check(full.state == tc::HeadScan::State::kReject);
  if (prefix.state == tc::HeadScan::State::kComplete) {
    Check(full.state == tc::HeadScan::State::kComplete && full.head_bytes == prefix.head_bytes);
  }
  return 0;
}
