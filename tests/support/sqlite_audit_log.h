// Reads the audit log of a SQLite cache store (tests only: the engine only appends to it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "document/cache_document.h"
#include "error/error.h"

namespace tc::testing {

// The audit entries of one user in `log_table` of the SQLite file `path`, oldest first.
Result<std::vector<AuditEntry>> ReadSqliteAuditLog(const std::string& path,
                                                   const std::string& log_table, int64_t user_id);

}  // namespace tc::testing
