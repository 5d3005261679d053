// The one place that knows every CacheStore implementation: the interface sits in src/store/,
// each backend (driver and store) in src/sqlite/, src/mysql/ and src/mongo/, and this opener
// above them all picks one by the URL scheme of store.url.
#pragma once

#include <memory>

#include "config/config.h"
#include "error/error.h"
#include "store/cache_store.h"

namespace tc {

// Opens the store named by config.url (sqlite:PATH, mysql://…, mongodb://…; parsed by
// config/storage_url.h). kConfig for an unknown scheme or a password in the URL, kStore when it
// cannot connect or (sqlite, unless kCreate) the file does not exist.
Result<std::unique_ptr<CacheStore>> OpenCacheStore(const StoreConfig& config,
                                                   StoreAccess access = StoreAccess::kReadWrite);

}  // namespace tc
