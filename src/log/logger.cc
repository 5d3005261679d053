#include "log/logger.h"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>

#include "clock/clock.h"
#include "clock/iso_time.h"
#include "log/secret_redactor.h"

namespace tc {
namespace {

enum class Format { kJson, kText };

struct LoggerState {
  std::shared_ptr<spdlog::logger> logger;
  Format format = Format::kText;
  bool to_stderr = true;
};

thread_local LogFields thread_context;
std::atomic<bool> terminal_line_active{false};

// The thread's context fields that the call does not name itself.
LogFields ContextFieldsFor(const LogFields& fields) {
  LogFields extra;
  for (const auto& entry : thread_context) {
    const bool named = std::any_of(fields.begin(), fields.end(),
                                   [&](const auto& field) { return field.first == entry.first; });
    if (!named) extra.push_back(entry);
  }
  return extra;
}

std::mutex state_mutex;

LoggerState MakeLogger(spdlog::level::level_enum level, Format format, std::ostream* out) {
  spdlog::sink_ptr sink;
  if (out != nullptr) {
    sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out, /*force_flush=*/true);
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  auto logger = std::make_shared<spdlog::logger>("ticketcache", sink);
  // JSON lines are assembled whole here (time included) so every line is one valid object; text
  // lines get spdlog's UTC timestamp in front.
  if (format == Format::kJson) {
    logger->set_formatter(
        std::make_unique<spdlog::pattern_formatter>("%v", spdlog::pattern_time_type::utc));
  } else {
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc));
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  return LoggerState{std::move(logger), format, out == nullptr};
}

LoggerState& State() {
  static LoggerState state = MakeLogger(spdlog::level::info, Format::kText, nullptr);
  return state;
}

LoggerState Snapshot() {
  std::lock_guard lock(state_mutex);
  return State();
}

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// The value with every string redacted and credential-named members masked.
nlohmann::ordered_json RedactValue(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return RedactSecrets(value.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      for (const nlohmann::json& item : value) array.push_back(RedactValue(item));
      return array;
    }
    case nlohmann::json::value_t::object: {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (const auto& [key, item] : value.items()) {
        object[RedactSecrets(key)] =
            IsSecretFieldName(key) ? nlohmann::ordered_json(kRedactedText) : RedactValue(item);
      }
      return object;
    }
    case nlohmann::json::value_t::number_integer:
      return value.get<int64_t>();
    case nlohmann::json::value_t::number_unsigned:
      return value.get<uint64_t>();
    case nlohmann::json::value_t::number_float:
      return value.get<double>();
    case nlohmann::json::value_t::boolean:
      return value.get<bool>();
    default:
      return nullptr;
  }
}

// Log lines carry real wall time (to line up with other logs), also when a FakeClock drives the
// code that logs.
std::string UtcTimestamp() {
  static const SystemClock wall_clock;
  return FormatIsoUtcMillis(wall_clock.NowUnixMillis());
}

// Where JSON would choke or a reader would misparse key=value pairs, quote the value.
std::string TextValue(const nlohmann::ordered_json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    bool plain = !text.empty() && text.find_first_of(" \"=\t\r\n\\") == std::string::npos;
    if (plain) return text;
  }
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string JsonLine(LogLevel level, std::string_view message, const LogFields& fields) {
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  line["time"] = UtcTimestamp();
  line["level"] = LevelName(level);
  line["message"] = RedactSecrets(message);
  for (const auto& [key, value] : fields) {
    if (key == "time" || key == "level" || key == "message") continue;  // reserved
    line[RedactSecrets(key)] =
        IsSecretFieldName(key) ? nlohmann::ordered_json(kRedactedText) : RedactValue(value);
  }
  // Invalid UTF-8 is replaced rather than thrown on: a log line must never take the process down.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string TextLine(LogLevel level, std::string_view message, const LogFields& fields) {
  std::string line(LevelName(level));
  line += ' ';
  line += RedactSecrets(message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += RedactSecrets(key);
    line += '=';
    line += IsSecretFieldName(key) ? std::string(kRedactedText) : TextValue(RedactValue(value));
  }
  return line;
}

}  // namespace

Status InitLogging(const LogConfig& config, std::ostream* out) {
  spdlog::level::level_enum level;
  if (config.level == "trace") {
    level = spdlog::level::trace;
  } else if (config.level == "debug") {
    level = spdlog::level::debug;
  } else if (config.level == "info") {
    level = spdlog::level::info;
  } else if (config.level == "warn") {
    level = spdlog::level::warn;
  } else if (config.level == "error") {
    level = spdlog::level::err;
  } else if (config.level == "off") {
    level = spdlog::level::off;
  } else {
    return MakeError(ErrorClass::kConfig,
                     fmt::format("log.level: unknown level \"{}\"", config.level));
  }
  Format format;
  if (config.format == "json") {
    format = Format::kJson;
  } else if (config.format == "text") {
    format = Format::kText;
  } else {
    return MakeError(ErrorClass::kConfig,
                     fmt::format("log.format: unknown format \"{}\"", config.format));
  }
  LoggerState fresh = MakeLogger(level, format, out);
  std::lock_guard lock(state_mutex);
  State().logger->flush();
  State() = std::move(fresh);
  return Status::Ok();
}

bool LogEnabled(LogLevel level) { return Snapshot().logger->should_log(ToSpdlog(level)); }

void Log(LogLevel level, std::string_view message, const LogFields& fields) {
  LoggerState state = Snapshot();
  if (!state.logger->should_log(ToSpdlog(level))) return;
  const LogFields* all = &fields;
  LogFields merged;
  if (!thread_context.empty()) {
    merged = ContextFieldsFor(fields);
    merged.insert(merged.end(), fields.begin(), fields.end());
    all = &merged;
  }
  std::string line = state.format == Format::kJson ? JsonLine(level, message, *all)
                                                   : TextLine(level, message, *all);
  if (state.to_stderr && terminal_line_active.load()) std::fputs("\r\x1b[K", stderr);
  state.logger->log(ToSpdlog(level), "{}", line);
}

void FlushLogs() { Snapshot().logger->flush(); }

std::string_view LogFormatName() { return Snapshot().format == Format::kJson ? "json" : "text"; }

ScopedLogContext::ScopedLogContext(LogFields fields) : added_(fields.size()) {
  for (auto& field : fields) thread_context.push_back(std::move(field));
}

ScopedLogContext::~ScopedLogContext() {
  thread_context.resize(thread_context.size() - std::min(added_, thread_context.size()));
}

void SetTerminalLineActive(bool active) { terminal_line_active.store(active); }

}  // namespace tc
