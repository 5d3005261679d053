// Structured logging to stderr (spdlog), as JSON lines or text. Logs never go to stdout: stdout
// carries the run summary only (docs/operations.md).
//
//   LogInfo("user refresh failed", {{"user_id", 5}, {"stage", "fetch"}, {"error_class",
//   "timeout"}});
//
// json: {"time":"2026-01-01T10:00:00.123Z","level":"info","message":"user refresh failed",
//        "user_id":5,"stage":"fetch","error_class":"timeout"}
// text: 2026-01-01T10:00:00.123Z info user refresh failed user_id=5 stage=fetch error_class=timeout
//
// Every message and every string in a field value passes through RedactSecrets
// (log/secret_redactor.h), and fields named like a credential are masked whole, so bearer tokens
// and passwords cannot be printed. All functions are thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "error/error.h"

namespace tc {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };

// Named fields in the order given; values are any JSON value.
using LogFields = std::vector<std::pair<std::string, nlohmann::json>>;

// (Re)configures the process logger from `config` (level, format). Writes to stderr, or to `out`
// when given (tests; `out` must outlive later log calls). kConfig on an unknown level or format.
// Before the first call, logging is text at info level to stderr.
Status InitLogging(const LogConfig& config, std::ostream* out = nullptr);

bool LogEnabled(LogLevel level);
void Log(LogLevel level, std::string_view message, const LogFields& fields = {});

inline void LogTrace(std::string_view message, const LogFields& fields = {}) {
  Log(LogLevel::kTrace, message, fields);
}
inline void LogDebug(std::string_view message, const LogFields& fields = {}) {
  Log(LogLevel::kDebug, message, fields);
}
inline void LogInfo(std::string_view message, const LogFields& fields = {}) {
  Log(LogLevel::kInfo, message, fields);
}
inline void LogWarn(std::string_view message, const LogFields& fields = {}) {
  Log(LogLevel::kWarn, message, fields);
}
inline void LogError(std::string_view message, const LogFields& fields = {}) {
  Log(LogLevel::kError, message, fields);
}

// Flushes buffered output (before exit).
void FlushLogs();

// "json" or "text": the format lines are written in now.
std::string_view LogFormatName();

// Fields added to every line this thread logs while the context lives, after the message (a
// field the call names itself wins). A run gives each of its threads {"run_id", …}. Contexts
// nest; destroy them in reverse order (they are scoped objects).
class ScopedLogContext {
 public:
  explicit ScopedLogContext(LogFields fields);
  ~ScopedLogContext();
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;

 private:
  size_t added_ = 0;
};

// While true, every line written to stderr first clears the terminal's current line: a live
// progress line (redrawn in place without a newline) is overwritten instead of run into.
void SetTerminalLineActive(bool active);

}  // namespace tc
