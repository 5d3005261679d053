#include "bytemark/transport_options.h"

#include <algorithm>

namespace tc {

CurlTransportOptions TransportOptionsFor(const Config& config) {
  CurlTransportOptions options;
  options.ca_path = config.bytemark.ca_path;
  options.max_connections = std::max(8, config.refresh.concurrency * 2);
  return options;
}

}  // namespace tc
