// Classified errors as values. Every module boundary returns Result<T> (or Status), and the engine
// decides retry / give up / count from ErrorClass alone, never from message text.
#pragma once

#include <cassert>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tc {

enum class ErrorClass {
  kTransient,      // 5xx, connection reset: retried with backoff
  kTimeout,        // connect or total timeout: retried with backoff
  kNetwork,        // DNS, refused, TLS: retried with backoff
  kRateLimited,    // 429: retried after Retry-After
  kRejectedToken,  // 401/403: never retried
  kMalformed,      // unexpected body shape, bad JSON, oversized, endless paging: never retried
  kStore,          // a store (SQLite/MySQL/MongoDB) failed
  kConflict,       // compare-and-swap lost against a concurrent writer
  kConfig,         // configuration or usage error (exit 2)
  kLocked,         // another instance holds the run lock
  kInterrupted,    // the run was asked to stop
  kCircuitOpen,    // the circuit breaker refused the call
  kInternal,       // a bug: should never happen
};

// Stable snake_case name, used in logs, the run summary's failures_by_class and metric labels.
std::string_view ErrorClassName(ErrorClass error_class);

// True for the classes a request may be retried for (transient, timeout, network, rate limited).
bool IsRetryable(ErrorClass error_class);

struct Error {
  ErrorClass error_class = ErrorClass::kInternal;
  std::string message;  // REQUIRES: never contains a token or password
  // Set for kRateLimited when the server sent Retry-After.
  std::optional<std::chrono::milliseconds> retry_after;

  std::string ToString() const;  // "<class>: <message>"
};

inline Error MakeError(ErrorClass error_class, std::string message) {
  return Error{error_class, std::move(message), std::nullopt};
}

// An expected-style result: either a value or an Error. (std::expected is C++23.)
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// Result of an operation with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  static Status Ok() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

}  // namespace tc
