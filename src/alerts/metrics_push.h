// `run --push-metrics URL`: a run that lives for one Kubernetes pod cannot be scraped, so it
// sends its metrics to a Prometheus Pushgateway when it ends. The group is job="ticketcache",
// instance="all" (or "shard-K-of-N"), replaced by every push (PUT), so the gateway always holds
// the last run of each shard.
#pragma once

#include <string>

#include "bytemark/http_transport.h"
#include "error/error.h"

namespace tc {

// The Pushgateway URL of the group: <gateway>/metrics/job/ticketcache/instance/<instance>.
std::string PushGroupUrl(const std::string& gateway_url, const std::string& shard);

// PUTs `exposition` (Prometheus text format) to the group of `shard` ("" or "K/N"). An error for
// a transport failure or a non-2xx answer; the caller logs it and carries on.
Status PushMetrics(HttpTransport& transport, const std::string& gateway_url,
                   const std::string& shard, std::string exposition);

}  // namespace tc
