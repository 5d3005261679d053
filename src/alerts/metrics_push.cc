#include "alerts/metrics_push.h"

#include <chrono>

namespace tc {

std::string PushGroupUrl(const std::string& gateway_url, const std::string& shard) {
  std::string base = gateway_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string instance = "all";
  if (const auto slash = shard.find('/'); slash != std::string::npos) {
    instance = "shard-" + shard.substr(0, slash) + "-of-" + shard.substr(slash + 1);
  }
  return base + "/metrics/job/ticketcache/instance/" + instance;
}

Status PushMetrics(HttpTransport& transport, const std::string& gateway_url,
                   const std::string& shard, std::string exposition) {
  HttpRequest request;
  request.url = PushGroupUrl(gateway_url, shard);
  request.method = "PUT";
  request.body = std::move(exposition);
  request.content_type = "text/plain; version=0.0.4; charset=utf-8";
  request.timeout = std::chrono::seconds(10);
  request.connect_timeout = std::chrono::seconds(5);
  request.max_response_bytes = 64 * 1024;
  auto response = FetchBlocking(transport, request);
  if (!response.ok()) return response.error();
  if (response->status < 200 || response->status > 299) {
    return MakeError(ErrorClass::kTransient, "PUT " + request.url + ": HTTP " +
                                                 std::to_string(response->status) + ": " +
                                                 response->body.substr(0, 200));
  }
  return Status::Ok();
}

}  // namespace tc
