#include "fault_injection.h"

#include <array>
#include <string>
#include <utility>

#include "deterministic_random.h"

namespace tc::sim {
namespace {

constexpr std::array<std::pair<std::string_view, UserFaultKind>, 19> kKindNames = {{
    {"500", UserFaultKind::k500},
    {"503", UserFaultKind::k503},
    {"401", UserFaultKind::k401},
    {"403", UserFaultKind::k403},
    {"429", UserFaultKind::k429},
    {"timeout", UserFaultKind::kTimeout},
    {"reset", UserFaultKind::kReset},
    {"malformed", UserFaultKind::kMalformed},
    {"wrong_shape", UserFaultKind::kWrongShape},
    {"html", UserFaultKind::kHtml},
    {"empty", UserFaultKind::kEmpty},
    {"oversized", UserFaultKind::kOversized},
    {"forever", UserFaultKind::kForever},
    {"404", UserFaultKind::k404},
    {"html502", UserFaultKind::kHtml502},
    {"redirect", UserFaultKind::kRedirect},
    {"forever_big", UserFaultKind::kForeverBig},
    {"huge_header", UserFaultKind::kHugeHeader},
    {"idle", UserFaultKind::kIdle},
}};

}  // namespace

std::optional<UserFault> ParseUserFault(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("kind")) return std::nullopt;
  const nlohmann::json& kind = body["kind"];
  std::string kind_text;
  if (kind.is_number_integer())
    kind_text = std::to_string(kind.get<int64_t>());
  else if (kind.is_string())
    kind_text = kind.get<std::string>();
  else
    return std::nullopt;

  UserFault fault;
  const std::optional<UserFaultKind> parsed = ParseUserFaultKind(kind_text);
  if (!parsed) return std::nullopt;
  fault.kind = *parsed;

  if (body.contains("list")) {
    if (!body["list"].is_string()) return std::nullopt;
    std::string list = body["list"].get<std::string>();
    if (list == "active")
      fault.expired_list = false;
    else if (list == "expired")
      fault.active_list = false;
    else if (list != "both")
      return std::nullopt;
  }
  for (const auto& [key, value] : body.items()) {
    if (key != "kind" && key != "list") return std::nullopt;
  }
  return fault;
}

std::optional<UserFaultKind> ParseUserFaultKind(std::string_view name) {
  for (const auto& [known, value] : kKindNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::string_view UserFaultKindName(UserFaultKind kind) {
  for (const auto& [name, value] : kKindNames) {
    if (value == kind) return name;
  }
  return "?";
}

RandomFault DrawRandomFault(const SimSettings& s, uint64_t seed, uint64_t request_number) {
  if (s.fault_5xx + s.fault_timeout + s.fault_malformed + s.fault_401 + s.fault_429 <= 0) {
    return RandomFault::kNone;
  }
  double u = UnitInterval(HashOf({seed, request_number, 0xfa01}));
  const std::array<std::pair<double, RandomFault>, 5> classes = {{
      {s.fault_5xx, RandomFault::k5xx},
      {s.fault_timeout, RandomFault::kTimeout},
      {s.fault_malformed, RandomFault::kMalformed},
      {s.fault_401, RandomFault::k401},
      {s.fault_429, RandomFault::k429},
  }};
  double cumulative = 0;
  for (const auto& [probability, fault] : classes) {
    cumulative += probability;
    if (u < cumulative) return fault;
  }
  return RandomFault::kNone;
}

}  // namespace tc::sim
