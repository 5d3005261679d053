#include "commands/cli.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

#include "commands/commands.h"
#include "schedule/schedule_preview.h"

namespace tc {

namespace {

void AddConfigOption(CLI::App& command, CommonOptions& common) {
  command.add_option("--config", common.config_file,
                     "TOML configuration file (default: ./ticketcache.toml when present)");
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"ticketcache: keeps every user's Bytemark ticket cache fresh", "ticketcache"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ticketcache 0.1.0");

  CommonOptions common;
  RunFlags run_flags;
  std::string concurrency;  // checked by the configuration, with the file's and env's limit
  double rate_limit = -1;
  auto* run = app.add_subcommand("run", "Run the job once: refresh every stale cache");
  AddConfigOption(*run, common);
  run->add_option("--user", run_flags.users, "Refresh only this user id (repeatable)");
  run->add_flag("--force", run_flags.force, "Treat every cache as stale");
  run->add_flag("--dry-run", run_flags.dry_run,
                "List who would be refreshed and why; no API calls, no writes");
  auto* concurrency_option =
      run->add_option("--concurrency", concurrency, "API requests in flight (refresh.concurrency)");
  run->add_option("--rate-limit", rate_limit, "API requests/s across the run, 0 = unlimited")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--shard", run_flags.shard, "Take only the users of shard K of N (K/N)");
  run->add_option("--metrics-file", run_flags.metrics_file,
                  "Write Prometheus metrics here (atomically) when the run ends");

  auto* serve = app.add_subcommand("serve", "Daemon: run on the cron schedule, serve /metrics");
  AddConfigOption(*serve, common);

  int64_t show_user = 0;
  auto* show = app.add_subcommand("show", "Print a user's cache document as JSON");
  AddConfigOption(*show, common);
  show->add_option("USER_ID", show_user, "User id")->required();

  bool status_json = false;
  int status_runs = 10;
  auto* status = app.add_subcommand("status", "Recent runs and users failing persistently");
  AddConfigOption(*status, common);
  status->add_flag("--json", status_json, "Machine-readable output");
  status->add_option("--runs", status_runs, "How many recent runs")->check(CLI::Range(1, 1000));

  int64_t demo_users = 0;
  auto* init = app.add_subcommand("init", "Create store schema and indexes (idempotent)");
  AddConfigOption(*init, common);
  init->add_option("--demo-users", demo_users,
                   "Also create and seed the embedded demo portal database with N users")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));

  auto* config =
      app.add_subcommand("config", "Print the effective configuration, secrets redacted");
  AddConfigOption(*config, common);

  PlanFlags plan_flags;
  auto* plan = app.add_subcommand(
      "plan", "Can the rate limit keep every cache within the TTL? Users, budget, shards needed");
  AddConfigOption(*plan, common);
  plan->add_flag("--json", plan_flags.json, "Machine-readable output");
  plan->add_option("--users", plan_flags.users, "Plan for this many users (no store is read)")
      ->check(CLI::NonNegativeNumber);
  plan->add_option("--rate-limit", plan_flags.rate_limit,
                   "API requests/s per process, 0 = unlimited (refresh.rate_limit)")
      ->check(CLI::NonNegativeNumber);
  plan->add_option("--concurrency", plan_flags.concurrency,
                   "API requests in flight per process (refresh.concurrency)")
      ->check(CLI::Range(1, kMaxConcurrency));
  plan->add_option("--latency-ms", plan_flags.latency_ms, "API latency per request, ms")
      ->check(CLI::PositiveNumber);
  plan->add_option("--requests-per-user", plan_flags.requests_per_user,
                   "API requests per user refresh (passes + passes4)")
      ->check(CLI::PositiveNumber);
  plan->add_option("--shards", plan_flags.shards, "Processes, each with its own rate limit")
      ->check(CLI::Range(1, 100'000));

  std::string cron_expression;
  std::string timezone = "UTC";
  int next = 5;
  auto* schedule = app.add_subcommand("schedule", "Print the next fire times of a cron expression");
  schedule->add_option("--cron", cron_expression, "5 or 6 field cron expression")->required();
  schedule->add_option("--timezone", timezone, "IANA time zone");
  schedule->add_option("--next", next, "How many fire times")->check(CLI::Range(1, 1000));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (*run) {
    if (concurrency_option->count() > 0) {
      common.overrides.emplace_back("refresh.concurrency", concurrency);
    }
    if (rate_limit >= 0)
      common.overrides.emplace_back("refresh.rate_limit", std::to_string(rate_limit));
    return RunCommand(common, run_flags);
  }
  if (*serve) return ServeCommand(common);
  if (*show) return ShowCommand(common, show_user);
  if (*status) return StatusCommand(common, status_json, status_runs);
  if (*init) return InitCommand(common, demo_users);
  if (*config) return ConfigCommand(common);
  if (*plan) return PlanCommand(common, plan_flags);
  if (*schedule) {
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    return PrintNextFireTimes(cron_expression, timezone, next, now, std::cout, std::cerr);
  }
  return kExitUsage;
}

}  // namespace tc
