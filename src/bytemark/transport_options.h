// The API transport a run uses, from the configuration.
#pragma once

#include "bytemark/curl_transport.h"
#include "config/config.h"

namespace tc {

// The configured CA bundle and enough idle connections to keep every request slot on a reused
// connection.
CurlTransportOptions TransportOptionsFor(const Config& config);

}  // namespace tc
