#include "failure/blame.h"

namespace tc {

Blame BlameOf(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kRejectedToken:
    case ErrorClass::kMalformed:
      return Blame::kUser;
    case ErrorClass::kTransient:
    case ErrorClass::kTimeout:
    case ErrorClass::kNetwork:
    case ErrorClass::kRateLimited:
      return Blame::kApi;
    case ErrorClass::kConflict:
      return Blame::kNobody;
    case ErrorClass::kStore:
    case ErrorClass::kConfig:
    case ErrorClass::kLocked:
    case ErrorClass::kInternal:
      return Blame::kOurSide;
    case ErrorClass::kInterrupted:
    case ErrorClass::kCircuitOpen:
      return Blame::kNotAnAttempt;
  }
  return Blame::kOurSide;
}

bool IsApiHealthFailure(ErrorClass error_class) {
  return error_class == ErrorClass::kTransient || error_class == ErrorClass::kTimeout ||
         error_class == ErrorClass::kNetwork;
}

bool ApiAnswered(ErrorClass error_class) { return BlameOf(error_class) == Blame::kUser; }

bool IsJudgedApiWide(ErrorClass error_class) {
  const Blame blame = BlameOf(error_class);
  return blame == Blame::kUser || blame == Blame::kApi;
}

}  // namespace tc
