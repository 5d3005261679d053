// The one rule for names that are spliced into SQL or used as collection names (tables cannot be
// bound as statement parameters): tokens.table, store.cache_collection, store.log_collection.
#pragma once

#include <string_view>

namespace tc {

// [A-Za-z_][A-Za-z0-9_]*, at most 64 characters (MySQL's limit, applied to every store).
bool IsPlainIdentifier(std::string_view name);

}  // namespace tc
