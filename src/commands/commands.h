// One function per subcommand; cli.cc maps the command line onto them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "commands/job_setup.h"

namespace tc {

struct RunFlags {
  std::vector<int64_t> users;
  bool force = false;
  bool dry_run = false;
  std::string shard;              // "K/N" or empty
  std::string metrics_file;       // empty: none
  std::string push_metrics;       // Pushgateway URL; empty: none
  bool progress = true;           // --no-progress: no live line, no progress log lines
  bool refresh_requests = false;  // drain the due refresh requests instead of a sweep
};

// `plan`: what-if figures override what the configuration and the stores say.
struct PlanFlags {
  bool json = false;
  int64_t users = -1;      // >= 0: this many users, no store read
  double rate_limit = -1;  // >= 0: refresh.rate_limit
  int concurrency = 0;     // > 0: refresh.concurrency
  double latency_ms = 50;  // API latency per request
  double requests_per_user = 2;
  int shards = 1;
};

struct PruneFlags {
  bool dry_run = false;
  bool force = false;
};

int RunCommand(const CommonOptions& common, const RunFlags& flags);
// `run --refresh-requests`.
int RefreshRequestsCommand(const CommonOptions& common, const RunFlags& flags);
int ServeCommand(const CommonOptions& common);
// How `show` prints: kAuto is the human form when stdout is a terminal, else the stored JSON.
enum class ShowFormat { kAuto, kJson, kHuman };
int ShowCommand(const CommonOptions& common, int64_t user_id, ShowFormat format);
int StatusCommand(const CommonOptions& common, bool json, int runs);
// `refresh_requests_index`: also create the optional index of the refresh request table.
int InitCommand(const CommonOptions& common, int64_t demo_users, bool refresh_requests_index);
int ConfigCommand(const CommonOptions& common);
int PlanCommand(const CommonOptions& common, const PlanFlags& flags);
int PruneCommand(const CommonOptions& common, const PruneFlags& flags);

}  // namespace tc
