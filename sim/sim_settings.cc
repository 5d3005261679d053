#include "sim_settings.h"

#include <fmt/format.h>

#include <algorithm>

#include "fault_injection.h"

namespace tc::sim {
namespace {

Error BadSetting(std::string_view key, std::string_view why) {
  return MakeError(ErrorClass::kConfig, fmt::format("sim setting '{}': {}", key, why));
}

Status ReadNonNegativeInt(const nlohmann::json& value, std::string_view key, int64_t& out) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0) {
    return BadSetting(key, "expected a non-negative integer");
  }
  out = value.get<int64_t>();
  return Status::Ok();
}

Status ReadNonNegativeNumber(const nlohmann::json& value, std::string_view key, double& out) {
  if (!value.is_number() || value.get<double>() < 0) {
    return BadSetting(key, "expected a non-negative number");
  }
  out = value.get<double>();
  return Status::Ok();
}

Status ReadProbability(const nlohmann::json& value, std::string_view key, double& out) {
  if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1) {
    return BadSetting(key, "expected a probability between 0 and 1");
  }
  out = value.get<double>();
  return Status::Ok();
}

Status ApplyOne(const std::string& key, const nlohmann::json& value, SimSettings& s) {
  if (key == "users") return ReadNonNegativeInt(value, key, s.users);
  if (key == "passes") return ReadNonNegativeInt(value, key, s.passes);
  if (key == "expired") return ReadNonNegativeInt(value, key, s.expired);
  if (key == "timeout_delay_ms") return ReadNonNegativeInt(value, key, s.timeout_delay_ms);
  if (key == "latency_ms") return ReadNonNegativeNumber(value, key, s.latency_ms);
  if (key == "rate_limit") return ReadNonNegativeNumber(value, key, s.rate_limit);
  if (key == "fault_5xx") return ReadProbability(value, key, s.fault_5xx);
  if (key == "fault_timeout") return ReadProbability(value, key, s.fault_timeout);
  if (key == "fault_malformed") return ReadProbability(value, key, s.fault_malformed);
  if (key == "fault_401") return ReadProbability(value, key, s.fault_401);
  if (key == "fault_429") return ReadProbability(value, key, s.fault_429);
  if (key == "fault_429_first") return ReadProbability(value, key, s.fault_429_first);
  if (key == "big_page_bytes") return ReadNonNegativeInt(value, key, s.big_page_bytes);
  if (key == "fault_all") {
    if (!value.is_string()) return BadSetting(key, "expected a fault kind name or \"\"");
    s.fault_all = value.get<std::string>();
    return Status::Ok();
  }
  if (key == "retry_after") {
    if (!value.is_string()) return BadSetting(key, "expected a string");
    s.retry_after = value.get<std::string>();
    return Status::Ok();
  }
  if (key == "latency_dist") {
    if (!value.is_string() || !ParseLatencyDistribution(value.get<std::string>(), s.latency_dist)) {
      return BadSetting(key, "expected \"fixed\", \"uniform\" or \"exponential\"");
    }
    return Status::Ok();
  }
  if (key == "next_style") {
    if (!value.is_string() || !ParseNextStyle(value.get<std::string>(), s.next_style)) {
      return BadSetting(key, "expected \"mixed\", \"path\" or \"true\"");
    }
    return Status::Ok();
  }
  return BadSetting(key, "unknown setting");
}

}  // namespace

Status CheckSimSettings(const SimSettings& s) {
  if (s.users < 0 || s.passes < 0 || s.expired < 0 || s.timeout_delay_ms < 0) {
    return BadSetting("users/passes/expired/timeout_delay_ms", "must not be negative");
  }
  if (s.latency_ms < 0 || s.rate_limit < 0) {
    return BadSetting("latency_ms/rate_limit", "must not be negative");
  }
  for (double p : {s.fault_5xx, s.fault_timeout, s.fault_malformed, s.fault_401, s.fault_429,
                   s.fault_429_first}) {
    if (p < 0 || p > 1) return BadSetting("fault_*", "must be a probability between 0 and 1");
  }
  if (s.fault_5xx + s.fault_timeout + s.fault_malformed + s.fault_401 + s.fault_429 > 1) {
    return BadSetting("fault_*", "the fault probabilities add up to more than 1");
  }
  if (!s.fault_all.empty() && !ParseUserFaultKind(s.fault_all)) {
    return BadSetting("fault_all", "unknown fault kind");
  }
  if (s.big_page_bytes < 0 || s.big_page_bytes > 512 * 1000 * 1000) {
    return BadSetting("big_page_bytes", "must be 0..512000000");
  }
  const std::string_view retry_after = s.retry_after;
  const std::string_view digits =
      retry_after.starts_with("date+") ? retry_after.substr(5) : retry_after;
  if (digits.empty() || digits.size() > 30 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return BadSetting("retry_after", "expected delta-seconds (\"30\") or \"date+N\"");
  }
  return Status::Ok();
}

Status ApplySimSettingsPatch(const nlohmann::json& patch, SimSettings& settings) {
  if (!patch.is_object()) return BadSetting("(body)", "expected a JSON object");
  SimSettings updated = settings;
  for (const auto& [key, value] : patch.items()) {
    Status status = ApplyOne(key, value, updated);
    if (!status.ok()) return status;
  }
  Status status = CheckSimSettings(updated);
  if (!status.ok()) return status;
  settings = updated;
  return Status::Ok();
}

nlohmann::json SimSettingsToJson(const SimSettings& s) {
  return {{"users", s.users},
          {"passes", s.passes},
          {"expired", s.expired},
          {"latency_ms", s.latency_ms},
          {"latency_dist", LatencyDistributionName(s.latency_dist)},
          {"rate_limit", s.rate_limit},
          {"fault_5xx", s.fault_5xx},
          {"fault_timeout", s.fault_timeout},
          {"fault_malformed", s.fault_malformed},
          {"fault_401", s.fault_401},
          {"fault_429", s.fault_429},
          {"fault_429_first", s.fault_429_first},
          {"timeout_delay_ms", s.timeout_delay_ms},
          {"next_style", NextStyleName(s.next_style)},
          {"fault_all", s.fault_all},
          {"retry_after", s.retry_after},
          {"big_page_bytes", s.big_page_bytes}};
}

bool ParseLatencyDistribution(std::string_view text, LatencyDistribution& out) {
  if (text == "fixed")
    out = LatencyDistribution::kFixed;
  else if (text == "uniform")
    out = LatencyDistribution::kUniform;
  else if (text == "exponential")
    out = LatencyDistribution::kExponential;
  else
    return false;
  return true;
}

bool ParseNextStyle(std::string_view text, NextStyle& out) {
  if (text == "mixed")
    out = NextStyle::kMixed;
  else if (text == "path")
    out = NextStyle::kPath;
  else if (text == "true")
    out = NextStyle::kTrue;
  else
    return false;
  return true;
}

std::string_view LatencyDistributionName(LatencyDistribution dist) {
  switch (dist) {
    case LatencyDistribution::kFixed:
      return "fixed";
    case LatencyDistribution::kUniform:
      return "uniform";
    case LatencyDistribution::kExponential:
      return "exponential";
  }
  return "fixed";
}

std::string_view NextStyleName(NextStyle style) {
  switch (style) {
    case NextStyle::kMixed:
      return "mixed";
    case NextStyle::kPath:
      return "path";
    case NextStyle::kTrue:
      return "true";
  }
  return "mixed";
}

}  // namespace tc::sim
