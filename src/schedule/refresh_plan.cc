#include "schedule/refresh_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tc {

namespace {

std::string HumanSeconds(double span) {
  if (!std::isfinite(span)) return "never";
  if (span < 120) return fmt::format("{:.0f} s", span);
  if (span < 2 * 3600) return fmt::format("{:.1f} min", span / 60);
  return fmt::format("{:.2f} h", span / 3600);
}

std::string Rate(double rate) {
  if (!std::isfinite(rate)) return "unlimited";
  return fmt::format("{:.1f}", rate);
}

// JSON has no infinity: an unbounded figure is null.
std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  return fmt::format("{:.3f}", value);
}

}  // namespace

RefreshPlan ComputeRefreshPlan(const PlanInputs& in) {
  constexpr double kUnbounded = std::numeric_limits<double>::infinity();
  RefreshPlan plan;
  plan.users = in.ages.users;
  plan.window_seconds = in.ttl_seconds - in.refresh_ahead_seconds;
  plan.requests_per_window = static_cast<double>(in.ages.users) * in.requests_per_user;
  const double concurrency_rate = in.concurrency / in.latency_seconds;
  const double limit = in.rate_limit > 0 ? in.rate_limit : kUnbounded;
  plan.process_rate = std::min(limit, concurrency_rate);
  plan.bound_by_concurrency = concurrency_rate < limit;
  plan.total_rate = plan.process_rate * in.shards;
  plan.budget_per_window = plan.total_rate * plan.window_seconds;
  plan.sweep_seconds = plan.requests_per_window / plan.total_rate;
  // A user is refreshed once per window when the budget covers it, else once per sweep; its
  // cache is as old as that interval plus the user's own requests when the refresh lands.
  plan.projected_max_age_seconds =
      std::max(plan.window_seconds, plan.sweep_seconds) + in.latency_seconds * in.requests_per_user;
  plan.meets_ttl = plan.projected_max_age_seconds <= in.ttl_seconds;
  plan.rate_needed = plan.requests_per_window / plan.window_seconds;
  plan.shards_needed =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(plan.rate_needed / plan.process_rate)));
  const double users_covered = plan.budget_per_window / in.requests_per_user;
  plan.users_beyond_budget =
      std::max<int64_t>(0, in.ages.users - static_cast<int64_t>(std::floor(users_covered)));
  return plan;
}

std::string RenderRefreshPlanText(const PlanInputs& in, const RefreshPlan& plan) {
  std::string out;
  out += fmt::format("users:                     {}\n", plan.users);
  out += fmt::format(
      "caches now:                {} missing, {} due (age >= ttl - refresh_ahead), "
      "{} past ttl, oldest {}\n",
      in.ages.missing, in.ages.due_now, in.ages.expired,
      HumanSeconds(static_cast<double>(in.ages.oldest_age_seconds)));
  out += fmt::format("window (ttl - ahead):      {} (ttl {}, refresh_ahead {})\n",
                     HumanSeconds(plan.window_seconds), HumanSeconds(in.ttl_seconds),
                     HumanSeconds(in.refresh_ahead_seconds));
  out += fmt::format("requests per window:       {:.0f} ({} per user)\n", plan.requests_per_window,
                     in.requests_per_user);
  out += fmt::format(
      "rate per process:          {} requests/s (rate_limit {}, concurrency {} / latency {:.0f} "
      "ms = {:.0f}; {} binds)\n",
      Rate(plan.process_rate), in.rate_limit > 0 ? fmt::format("{}", in.rate_limit) : "unlimited",
      in.concurrency, in.latency_seconds * 1000, in.concurrency / in.latency_seconds,
      plan.bound_by_concurrency ? "concurrency" : "rate_limit");
  out += fmt::format("budget per window:         {:.0f} requests ({} shard(s) x {} requests/s)\n",
                     plan.budget_per_window, in.shards, Rate(plan.process_rate));
  out += fmt::format("one pass over every user:  {}\n", HumanSeconds(plan.sweep_seconds));
  out += fmt::format("projected max cache age:   {} -> {}\n",
                     HumanSeconds(plan.projected_max_age_seconds),
                     plan.meets_ttl ? "meets the ttl" : "MISSES the ttl");
  out += fmt::format("rate needed for the ttl:   {:.1f} requests/s in all\n", plan.rate_needed);
  out += fmt::format(
      "shards needed:             {} at {} requests/s each (the API must accept "
      "the sum)\n",
      plan.shards_needed, Rate(plan.process_rate));
  if (plan.users_beyond_budget > 0) {
    out += fmt::format("users beyond the budget:   {} per window\n", plan.users_beyond_budget);
  }
  return out;
}

std::string RenderRefreshPlanJson(const PlanInputs& in, const RefreshPlan& plan) {
  return fmt::format(
      "{{\"users\":{},\"missing\":{},\"due_now\":{},\"expired\":{},\"oldest_age_seconds\":{},"
      "\"ttl_seconds\":{},\"refresh_ahead_seconds\":{},\"rate_limit\":{},\"concurrency\":{},"
      "\"latency_seconds\":{},\"requests_per_user\":{},\"shards\":{},"
      "\"window_seconds\":{},\"requests_per_window\":{},\"process_rate\":{},"
      "\"bound_by_concurrency\":{},\"total_rate\":{},\"budget_per_window\":{},"
      "\"sweep_seconds\":{},\"projected_max_age_seconds\":{},\"meets_ttl\":{},"
      "\"rate_needed\":{},\"shards_needed\":{},\"users_beyond_budget\":{}}}\n",
      plan.users, in.ages.missing, in.ages.due_now, in.ages.expired, in.ages.oldest_age_seconds,
      JsonNumber(in.ttl_seconds), JsonNumber(in.refresh_ahead_seconds), JsonNumber(in.rate_limit),
      in.concurrency, JsonNumber(in.latency_seconds), JsonNumber(in.requests_per_user), in.shards,
      JsonNumber(plan.window_seconds), JsonNumber(plan.requests_per_window),
      JsonNumber(plan.process_rate), plan.bound_by_concurrency, JsonNumber(plan.total_rate),
      JsonNumber(plan.budget_per_window), JsonNumber(plan.sweep_seconds),
      JsonNumber(plan.projected_max_age_seconds), plan.meets_ttl, JsonNumber(plan.rate_needed),
      plan.shards_needed, plan.users_beyond_budget);
}

}  // namespace tc
