// Table names come from configuration and cannot be bound as statement parameters, so they are
// validated (config/plain_identifier.h) and quoted before they are spliced into SQL.
#pragma once

#include <string>
#include <string_view>

#include "error/error.h"

namespace tc {

// "\"name\"" for a plain identifier; kConfig naming `setting` otherwise.
Result<std::string> QuoteSqliteIdentifier(std::string_view name, std::string_view setting);

}  // namespace tc
