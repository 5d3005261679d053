#include "run/progress_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tc {
namespace {

std::string FormatEta(int64_t seconds) {
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds < 3600) return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
  return fmt::format("{}h{:02}m", seconds / 3600, seconds % 3600 / 60);
}

std::string FormatTotal(const RunProgress& progress) {
  return fmt::format("{}{}", progress.users_total_estimated ? "~" : "", progress.users_total);
}

// The summary's counts as a final snapshot (the terminal line's last redraw).
RunProgress FinalProgress(RunProgress progress, const RunSummary& summary) {
  progress.now_ms = summary.finished_at_ms;
  progress.users_seen = summary.users_seen;
  progress.fresh = summary.fresh;
  progress.built = summary.built;
  progress.updated = summary.updated;
  progress.unchanged = summary.unchanged;
  progress.failed = summary.failed;
  progress.skipped = summary.skipped_backoff + summary.skipped_duplicates;
  progress.would_refresh = summary.would_refresh;
  progress.abandoned = summary.abandoned;
  return progress;
}

}  // namespace

ProgressRate ComputeProgressRate(const RunProgress& progress) {
  ProgressRate rate;
  const int64_t done = progress.done();
  const int64_t elapsed_ms = progress.now_ms - progress.started_at_ms;
  if (elapsed_ms > 0) rate.users_per_second = static_cast<double>(done) * 1000.0 / elapsed_ms;
  if (progress.users_total > 0) {
    rate.percent = std::min(100.0, 100.0 * static_cast<double>(done) / progress.users_total);
  } else if (progress.users_total == 0) {
    rate.percent = 100.0;
  }
  if (progress.users_total >= 0) {
    const int64_t left = std::max<int64_t>(0, progress.users_total - done);
    if (left == 0) {
      rate.eta_seconds = 0;
    } else if (rate.users_per_second > 0) {
      rate.eta_seconds = static_cast<int64_t>(std::ceil(left / rate.users_per_second));
    }
  }
  return rate;
}

std::string FormatProgressLine(const RunProgress& progress) {
  const ProgressRate rate = ComputeProgressRate(progress);
  std::string line;
  if (progress.users_total >= 0) {
    line = fmt::format("{}/{} users", progress.done(), FormatTotal(progress));
    if (rate.percent) line += fmt::format(" {:.1f}%", *rate.percent);
  } else {
    line = fmt::format("{} users", progress.done());
  }
  line += fmt::format(" | {:.0f} users/s", rate.users_per_second);
  if (rate.eta_seconds) line += " | ETA " + FormatEta(*rate.eta_seconds);
  if (progress.dry_run) {
    line += fmt::format(" | would refresh {} fresh {}", progress.would_refresh, progress.fresh);
  } else {
    line += fmt::format(" | built {} updated {} unchanged {} failed {}", progress.built,
                        progress.updated, progress.unchanged, progress.failed);
  }
  if (progress.abandoned > 0) line += fmt::format(" abandoned {}", progress.abandoned);
  return line;
}

LogFields ProgressLogFields(const RunProgress& progress) {
  const ProgressRate rate = ComputeProgressRate(progress);
  LogFields fields = {{"run_id", progress.run_id}};
  if (!progress.shard.empty()) fields.emplace_back("shard", progress.shard);
  fields.emplace_back("done", progress.done());
  fields.emplace_back("users_total", progress.users_total >= 0
                                         ? nlohmann::json(progress.users_total)
                                         : nlohmann::json(nullptr));
  if (progress.users_total_estimated) fields.emplace_back("users_total_estimated", true);
  fields.emplace_back("percent", rate.percent ? nlohmann::json(std::round(*rate.percent * 10) / 10)
                                              : nlohmann::json(nullptr));
  fields.emplace_back("users_per_second", std::round(rate.users_per_second * 10) / 10);
  fields.emplace_back("eta_seconds", rate.eta_seconds ? nlohmann::json(*rate.eta_seconds)
                                                      : nlohmann::json(nullptr));
  fields.emplace_back("fresh", progress.fresh);
  if (progress.dry_run) {
    fields.emplace_back("would_refresh", progress.would_refresh);
  } else {
    fields.emplace_back("built", progress.built);
    fields.emplace_back("updated", progress.updated);
    fields.emplace_back("unchanged", progress.unchanged);
    fields.emplace_back("failed", progress.failed);
  }
  fields.emplace_back("skipped", progress.skipped);
  if (progress.abandoned > 0) fields.emplace_back("abandoned", progress.abandoned);
  return fields;
}

void RunLogReporter::OnRunStarted(const RunProgress& progress) {
  LogFields fields = {
      {"run_id", progress.run_id},
      {"shard", progress.shard},
      {"dry_run", progress.dry_run},
      {"users_total",
       progress.users_total >= 0 ? nlohmann::json(progress.users_total) : nlohmann::json(nullptr)}};
  if (progress.users_total_estimated) fields.emplace_back("users_total_estimated", true);
  LogInfo("run started", fields);
}

void RunLogReporter::OnProgress(const RunProgress& progress) {
  if (interval_.count() <= 0) return;
  LogInfo("run progress", ProgressLogFields(progress));
}

void RunLogReporter::OnRunFinished(const RunSummary& summary) {
  LogLevel level = LogLevel::kInfo;
  if (summary.status == RunStatus::kDegraded || summary.status == RunStatus::kInterrupted) {
    level = LogLevel::kWarn;
  } else if (summary.status == RunStatus::kAborted) {
    level = LogLevel::kError;
  }
  LogFields fields = {{"run_id", summary.run_id}, {"status", RunStatusName(summary.status)}};
  if (!summary.abort_reason.empty()) fields.emplace_back("reason", summary.abort_reason);
  if (!summary.shard.empty()) fields.emplace_back("shard", summary.shard);
  if (summary.dry_run) fields.emplace_back("dry_run", true);
  fields.emplace_back("users_seen", summary.users_seen);
  if (summary.dry_run) {
    fields.emplace_back("would_refresh", summary.would_refresh);
  } else {
    fields.emplace_back("built", summary.built);
    fields.emplace_back("updated", summary.updated);
    fields.emplace_back("unchanged", summary.unchanged);
    fields.emplace_back("failed", summary.failed);
  }
  // Users enumerated but never attempted because the run stopped early (breaker, grace period).
  fields.emplace_back("abandoned", summary.abandoned);
  fields.emplace_back("duration_ms", summary.finished_at_ms - summary.started_at_ms);
  Log(level, "run finished", fields);
}

std::chrono::milliseconds RunLogReporter::progress_interval() const {
  // Off: the observer is asked rarely and says nothing.
  return interval_.count() > 0 ? interval_ : std::chrono::milliseconds(std::chrono::hours(24));
}

void TerminalProgressLine::OnRunStarted(const RunProgress& progress) {
  std::lock_guard lock(mutex_);
  last_ = progress;
  Draw(FormatProgressLine(progress));
}

void TerminalProgressLine::OnProgress(const RunProgress& progress) {
  std::lock_guard lock(mutex_);
  last_ = progress;
  Draw(FormatProgressLine(progress));
}

void TerminalProgressLine::OnRunFinished(const RunSummary& summary) {
  std::lock_guard lock(mutex_);
  if (!drawn_) return;  // the run never started: nothing on the screen to finish
  Draw(FormatProgressLine(FinalProgress(last_, summary)));
  out_ << "\n" << std::flush;
  drawn_ = false;
  SetTerminalLineActive(false);
}

void TerminalProgressLine::Draw(const std::string& line) {
  out_ << "\r\x1b[K" << line << std::flush;
  drawn_ = true;
  SetTerminalLineActive(true);
}

RunProgressReport::RunProgressReport(bool stderr_is_terminal, bool show_progress,
                                     std::chrono::milliseconds log_interval, std::ostream& terminal)
    : log_(show_progress && !stderr_is_terminal ? log_interval : std::chrono::milliseconds(0)),
      terminal_(show_progress && stderr_is_terminal
                    ? std::make_unique<TerminalProgressLine>(terminal)
                    : nullptr),
      observers_({&log_, terminal_.get()}) {}

}  // namespace tc
