#include "commands/cli.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <iostream>

#include "clock/clock.h"
#include "commands/commands.h"
#include "schedule/schedule_preview.h"

namespace tc {

namespace {

// A number flag: finite (CLI11's NonNegativeNumber and PositiveNumber let "nan" through, since
// every comparison with NaN is false) and at least `minimum` (strictly above it when `strict`).
// CLI11 reports a refusal naming the flag, exit 2.
CLI::Validator FiniteNumber(double minimum, bool strict) {
  return CLI::Validator(
      [minimum, strict](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value)) {
          return "Value " + text + " is not a finite number";
        }
        if (strict ? !(value > minimum) : !(value >= minimum)) {
          return "Value " + text + (strict ? " must be greater than " : " must be at least ") +
                 CLI::detail::to_string(minimum);
        }
        return {};
      },
      strict ? "NUMBER > " + CLI::detail::to_string(minimum)
             : "NUMBER >= " + CLI::detail::to_string(minimum));
}

void AddConfigOption(CLI::App& command, CommonOptions& common, std::string& log_format) {
  command.add_option("--config", common.config_file,
                     "TOML configuration file (default: $TICKETCACHE_CONFIG, else "
                     "./ticketcache.toml, else /etc/ticketcache/ticketcache.toml, when present)");
  command.add_option("--log-format", log_format, "json or text (log.format)");
}

// `ticketcache bogus`: CLI11 would say "A subcommand is required"; name the word and the commands.
bool IsUnknownCommand(const CLI::App& app, int argc, char** argv) {
  if (argc < 2) return false;
  const std::string word = argv[1];
  if (word.empty() || word[0] == '-') return false;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (command->check_name(word)) return false;
  }
  return true;
}

std::string CommandList(const CLI::App& app) {
  std::string list;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    list += "  " + command->get_name();
    list.append(command->get_name().size() < 10 ? 10 - command->get_name().size() : 1, ' ');
    list += command->get_description() + "\n";
  }
  return list;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"ticketcache: keeps every user's Bytemark ticket cache fresh", "ticketcache"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ticketcache 0.1.0");

  CommonOptions common;
  std::string log_format;
  RunFlags run_flags;
  std::string concurrency;  // checked by the configuration, with the file's and env's limit
  double rate_limit = -1;
  auto* run = app.add_subcommand("run", "Run the job once: refresh every stale cache");
  AddConfigOption(*run, common, log_format);
  run->add_option("--user", run_flags.users, "Refresh only this user id (repeatable)");
  run->add_flag("--force", run_flags.force, "Treat every cache as stale");
  run->add_flag("--dry-run", run_flags.dry_run,
                "Count who would be refreshed and why (a summary); no API calls, no writes");
  auto* concurrency_option =
      run->add_option("--concurrency", concurrency, "API requests in flight (refresh.concurrency)");
  run->add_option("--rate-limit", rate_limit, "API requests/s across the run, 0 = unlimited")
      ->check(FiniteNumber(0, false));
  run->add_option("--shard", run_flags.shard, "Take only the users of shard K of N (K/N)");
  run->add_option("--metrics-file", run_flags.metrics_file,
                  "Write Prometheus metrics here (atomically) when the run ends");
  run->add_option("--push-metrics", run_flags.push_metrics,
                  "Push Prometheus metrics to this Pushgateway URL when the run ends");
  run->add_flag("--refresh-requests", run_flags.refresh_requests,
                "Drain the due refresh requests of refresh_requests.table once, then exit");
  run->add_flag("--progress,!--no-progress", run_flags.progress,
                "Live progress line on a terminal, else a progress log line every "
                "log.progress_interval (default: on)");

  auto* serve = app.add_subcommand("serve", "Daemon: run on the cron schedule, serve /metrics");
  AddConfigOption(*serve, common, log_format);

  int64_t show_user = 0;
  bool show_json = false;
  bool show_human = false;
  auto* show = app.add_subcommand(
      "show", "Print a user's cache document, its age and state (on a terminal; else the JSON)");
  AddConfigOption(*show, common, log_format);
  show->add_option("USER_ID", show_user, "User id")->required();
  auto* show_json_flag =
      show->add_flag("--json", show_json, "Exactly the stored document as JSON (for scripts)");
  show->add_flag("--human", show_human, "Age, state and the document, for people")
      ->excludes(show_json_flag);

  bool status_json = false;
  int status_runs = 20;  // as many as the status page shows
  auto* status = app.add_subcommand("status", "Recent runs and users failing persistently");
  AddConfigOption(*status, common, log_format);
  status->add_flag("--json", status_json, "Machine-readable output");
  status->add_option("--runs", status_runs, "How many recent runs")->check(CLI::Range(1, 1000));

  int64_t demo_users = 0;
  auto* init = app.add_subcommand("init", "Create store schema and indexes (idempotent)");
  AddConfigOption(*init, common, log_format);
  init->add_option("--demo-users", demo_users,
                   "Also create and seed the embedded demo portal database with N users")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  bool refresh_requests_index = false;
  init->add_flag("--refresh-requests-index", refresh_requests_index,
                 "Also create the optional index (status, activity_type, scheduled_on) on "
                 "refresh_requests.table, so a poll reads only pending rows");

  auto* config =
      app.add_subcommand("config", "Print the effective configuration, secrets redacted");
  AddConfigOption(*config, common, log_format);

  PlanFlags plan_flags;
  auto* plan = app.add_subcommand(
      "plan", "Can the rate limit keep every cache within the TTL? Users, budget, shards needed");
  AddConfigOption(*plan, common, log_format);
  plan->add_flag("--json", plan_flags.json, "Machine-readable output");
  plan->add_option("--users", plan_flags.users, "Plan for this many users (no store is read)")
      ->check(FiniteNumber(0, false));
  plan->add_option("--rate-limit", plan_flags.rate_limit,
                   "API requests/s per process, 0 = unlimited (refresh.rate_limit)")
      ->check(FiniteNumber(0, false));
  plan->add_option("--concurrency", plan_flags.concurrency,
                   "API requests in flight per process (refresh.concurrency)")
      ->check(CLI::Range(1, kMaxConcurrency));
  plan->add_option("--latency-ms", plan_flags.latency_ms, "API latency per request, ms")
      ->check(FiniteNumber(0, true));
  plan->add_option("--requests-per-user", plan_flags.requests_per_user,
                   "API requests per user refresh (passes + passes4)")
      ->check(FiniteNumber(0, true));
  plan->add_option("--shards", plan_flags.shards, "Processes, each with its own rate limit")
      ->check(CLI::Range(1, 100'000));

  PruneFlags prune_flags;
  auto* prune = app.add_subcommand(
      "prune", "Delete the caches of users without a token; apply [retention] to runs and audit");
  AddConfigOption(*prune, common, log_format);
  prune->add_flag("--dry-run", prune_flags.dry_run,
                  "Count and log who would go (one line per user); delete nothing");
  prune->add_flag("--force", prune_flags.force,
                  "Delete even more than prune.max_fraction of the caches");

  std::string cron_expression;
  std::string timezone = "UTC";
  int next = 5;
  auto* schedule = app.add_subcommand(
      "schedule", "Print the next fire times of a cron expression (default: the configured one)");
  AddConfigOption(*schedule, common, log_format);
  schedule->add_option("--cron", cron_expression,
                       "5 or 6 field cron expression (default: schedule.cron)");
  auto* timezone_option =
      schedule->add_option("--timezone", timezone,
                           "IANA time zone (default: schedule.timezone with the configured "
                           "cron, UTC with --cron)");
  schedule->add_option("--next", next, "How many fire times")->check(CLI::Range(1, 1000));

  if (IsUnknownCommand(app, argc, argv)) {
    std::cerr << "ticketcache: unknown command '" << argv[1] << "'\n\ncommands:\n"
              << CommandList(app) << "\nRun 'ticketcache COMMAND --help' for its options.\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RequiredError& e) {
    if (app.get_subcommands().empty()) {  // no command at all
      std::cerr << "ticketcache: a command is required\n\ncommands:\n" << CommandList(app);
      return kExitUsage;
    }
    app.exit(e);
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (!log_format.empty()) common.overrides.emplace_back("log.format", log_format);

  if (*run) {
    if (concurrency_option->count() > 0) {
      common.overrides.emplace_back("refresh.concurrency", concurrency);
    }
    if (rate_limit >= 0)
      common.overrides.emplace_back("refresh.rate_limit", std::to_string(rate_limit));
    if (run_flags.refresh_requests) return RefreshRequestsCommand(common, run_flags);
    return RunCommand(common, run_flags);
  }
  if (*serve) return ServeCommand(common);
  if (*show) {
    return ShowCommand(common, show_user,
                       show_json    ? ShowFormat::kJson
                       : show_human ? ShowFormat::kHuman
                                    : ShowFormat::kAuto);
  }
  if (*status) return StatusCommand(common, status_json, status_runs);
  if (*init) return InitCommand(common, demo_users, refresh_requests_index);
  if (*config) return ConfigCommand(common);
  if (*plan) return PlanCommand(common, plan_flags);
  if (*prune) return PruneCommand(common, prune_flags);
  if (*schedule) {
    if (cron_expression.empty()) {
      auto configured = LoadJobConfig(common);
      if (!configured.ok()) return ReportStartupError("configuration", configured.error());
      if (auto checked = ParseConfiguredSchedule(configured->schedule); !checked.ok()) {
        if (timezone_option->count() == 0 || checked.error().message.starts_with("schedule.cron")) {
          return ReportStartupError("configuration", checked.error());
        }
      }
      cron_expression = configured->schedule.cron;
      if (timezone_option->count() == 0) timezone = configured->schedule.timezone;
    }
    const std::chrono::sys_seconds now{std::chrono::seconds(SystemClock().NowUnixSeconds())};
    return PrintNextFireTimes(cron_expression, timezone, next, now, std::cout, std::cerr);
  }
  return kExitUsage;
}

}  // namespace tc
