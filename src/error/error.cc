#include "error/error.h"

namespace tc {

std::string_view ErrorClassName(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kTransient:
      return "transient";
    case ErrorClass::kTimeout:
      return "timeout";
    case ErrorClass::kNetwork:
      return "network";
    case ErrorClass::kRateLimited:
      return "rate_limited";
    case ErrorClass::kRejectedToken:
      return "rejected_token";
    case ErrorClass::kMalformed:
      return "malformed";
    case ErrorClass::kStore:
      return "store";
    case ErrorClass::kConflict:
      return "conflict";
    case ErrorClass::kConfig:
      return "config";
    case ErrorClass::kLocked:
      return "locked";
    case ErrorClass::kInterrupted:
      return "interrupted";
    case ErrorClass::kCircuitOpen:
      return "circuit_open";
    case ErrorClass::kInternal:
      return "internal";
  }
  return "internal";
}

bool IsRetryable(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kTransient:
    case ErrorClass::kTimeout:
    case ErrorClass::kNetwork:
    case ErrorClass::kRateLimited:
      return true;
    default:
      return false;
  }
}

std::string Error::ToString() const {
  std::string out(ErrorClassName(error_class));
  out += ": ";
  out += message;
  return out;
}

}  // namespace tc
