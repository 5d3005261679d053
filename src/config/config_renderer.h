// `ticketcache config`: the effective configuration rendered back as TOML, secrets redacted.
#pragma once

#include <string>

#include "config/config.h"

namespace tc {

// Every section and key with its value, each password and each password inside a URL replaced by
// "<redacted>" (config/url_credentials.h). An unset password is a comment, so without secrets the
// text is a config file that loads back to the same values.
std::string RenderRedactedConfig(const Config& config);

}  // namespace tc
