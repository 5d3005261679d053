// A document row of the SQL stores (SQLite and MySQL/MariaDB) read back: both keep the text
// DocumentText wrote, beside the row's version, and read it the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "document/cache_document.h"
#include "error/error.h"
#include "store/cache_store.h"

namespace tc {

// User `user_id`'s stored text as a StoredDocument. Text that does not read as a document is a
// store error naming the store (`where`: "sqlite:<path>", "mysql") and the user, never the text.
// The key column gives the user id: ids beyond 2^53 do not survive JSON's doubles.
inline Result<std::optional<StoredDocument>> StoredDocumentFromText(std::string_view where,
                                                                    int64_t user_id,
                                                                    std::string_view text,
                                                                    int64_t version) {
  Result<CacheDocument> document = DocumentFromText(text);
  if (!document.ok()) {
    return MakeError(ErrorClass::kStore, std::string(where) + ": the stored document of user " +
                                             std::to_string(user_id) +
                                             " is unreadable: " + document.error().ToString());
  }
  document->user_id = user_id;
  return std::optional<StoredDocument>(StoredDocument{std::move(document).value(), version});
}

}  // namespace tc
