// HttpTransport on libcurl's multi interface: many concurrent transfers driven from one thread,
// connections kept alive and reused across requests. Event-driven: libcurl tells which sockets
// to watch (curl_multi_socket_action), an epoll set watches them, and a wake-up costs the same
// with 10 connections as with 1,000 (curl_multi_poll looked at every connection each time).
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bytemark/http_transport.h"
#include "clock/clock.h"

namespace tc {

struct CurlTransportOptions {
  std::string ca_path;         // CA bundle for TLS verification; empty = the system default
  long max_connections = 256;  // idle connections kept open for reuse (CURLMOPT_MAXCONNECTS)
};

// REQUIRES: one thread calls Start and Drive (and destroys the transport); Wakeup may be called
// from any thread. Destroying the transport drops unfinished requests without running their
// callbacks.
//
// TLS peers are always verified. Proxies come from the standard environment (http_proxy,
// https_proxy, no_proxy), which libcurl honours by default; nothing here turns that off.
// Error messages name the URL and libcurl's reason, never the bearer token (libcurl never puts
// request headers into its messages, and verbose output is never enabled).
class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  void Start(HttpRequest request, HttpCallback done) override;
  // Returns as soon as some callbacks ran; otherwise waits up to max_wait (also with nothing in
  // flight) for network activity or Wakeup().
  size_t Drive(Duration max_wait) override;
  void Wakeup() override;

  // New connections opened by finished transfers so far (libcurl's CURLINFO_NUM_CONNECTS); with
  // keep-alive working this stays far below the number of requests.
  int64_t connections_opened() const { return connections_opened_; }

 private:
  struct Transfer;
  struct Finished {
    HttpCallback done;
    Result<HttpResponse> result;
  };

  Status Configure(Transfer& transfer);
  void CollectFinished(std::vector<Finished>& finished);
  Result<HttpResponse> ResultOf(Transfer& transfer, CURLcode code);
  CURL* TakeEasyHandle();
  void ReleaseEasyHandle(CURL* easy);
  static int OnSocket(CURL* easy, curl_socket_t socket, int what, void* self, void* socket_data);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);
  void Act(curl_socket_t socket, int events);
  void ActOnDueTimeout();

  CurlTransportOptions options_;
  CURLM* multi_ = nullptr;
  std::unordered_map<Transfer*, std::unique_ptr<Transfer>> in_flight_;
  std::vector<Finished> failed_to_start_;  // reported by the next Drive, never from Start itself
  std::vector<CURL*> idle_handles_;        // easy handles kept for reuse (they keep TLS sessions)
  int64_t connections_opened_ = 0;
  int epoll_fd_ = -1;         // the sockets libcurl asked to watch, plus the one below
  int wake_fd_ = -1;          // eventfd: Wakeup()
  bool timeout_now_ = false;  // libcurl asked for its timeout action at once
  // When libcurl wants its timeout action (OnTimer); bounds the wait in Drive.
  std::optional<SteadyTime> timeout_at_;
  SystemClock clock_;  // libcurl's timeouts are real time
};

}  // namespace tc
