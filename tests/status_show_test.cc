// `show` and `status` as a user runs them: `show` into a reader that stops early exits cleanly
// (the README's demo pipes it into `head`), and a run record left "running" by a dead process
// shows as "lost" once its lock lease is gone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock/clock.h"
#include "storage/open_cache_store.h"
#include "store/cache_store.h"
#include "support/job_fixture.h"

extern char** environ;

namespace tc {
namespace {

// Runs `argv` with stdout on a pipe nobody reads (its read end closed before the start) and
// SIGPIPE at its default action, as under a shell pipeline. Returns the wait status.
int RunIntoClosedPipe(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  ::close(fds[0]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(fds[1]);
  if (spawned != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(ShowTest, ReaderClosingThePipeEarlyIsACleanExit) {
  JobFixture job(JobFixtureOptions().WithUsers(50));
  ASSERT_TRUE(job.error().empty()) << job.error();
  ASSERT_EQ(job.Run().exit_code, 0);
  const int status =
      RunIntoClosedPipe({TICKETCACHE_BINARY, "show", "42", "--config", job.config_path()});
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal "
                                 << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // And what a shell does: under pipefail the pipeline now succeeds.
  const ChildResult piped = RunChild(
      {"/bin/bash", "-c",
       "set -o pipefail; \"$0\" show 42 --config \"$1\" 2>/dev/null | head -c 10 >/dev/null",
       TICKETCACHE_BINARY, job.config_path()});
  EXPECT_EQ(piped.exit_code, 0);
}

std::unique_ptr<CacheStore> OpenJobStore(const JobFixture& job) {
  StoreConfig config;
  config.url = "sqlite:" + job.dir() + "/cache.db";
  auto store = OpenCacheStore(config, StoreAccess::kCreate);
  if (!store.ok() || !(*store)->Init().ok()) return nullptr;
  return std::move(*store);
}

TEST(StatusTest, RunLeftRunningByADeadProcessIsLostOnceItsLeaseIsGone) {
  JobFixture job(JobFixtureOptions().WithUsers(5));
  ASSERT_TRUE(job.error().empty()) << job.error();
  auto store = OpenJobStore(job);
  ASSERT_NE(store, nullptr);
  const int64_t now = SystemClock().NowUnixMillis();
  RunRecord dead;  // what a kill -9 leaves: a record saying running, its lease expired
  dead.run_id = "2026-01-01T00:00:00-dead01";
  dead.started_at_ms = now - 3'600'000;
  dead.status = "running";
  ASSERT_TRUE(store->SaveRun(dead).ok());
  auto locked = store->TryLock("run", dead.run_id, now - 3'600'000, now - 3'000'000);
  ASSERT_TRUE(locked.ok() && *locked);
  RunRecord live = dead;  // a sharded run still holding its lease
  live.run_id = "2026-01-01T00:00:01-live01";
  live.started_at_ms = now - 1000;
  live.shard = "0/2";
  ASSERT_TRUE(store->SaveRun(live).ok());
  locked = store->TryLock("run-shard-0-of-2", live.run_id, now, now + 600'000);
  ASSERT_TRUE(locked.ok() && *locked);

  const ChildResult json = job.Ticketcache({"status", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto parsed = ParseJsJson(json.out);
  ASSERT_TRUE(parsed.ok()) << json.out;
  std::map<std::string, std::string> status_of;
  for (const auto& run : (*parsed)["runs"]) status_of[run["run_id"]] = run["status"];
  EXPECT_EQ(status_of[dead.run_id], "lost");
  EXPECT_EQ(status_of[live.run_id], "running");

  const ChildResult text = job.Ticketcache({"status"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const std::string& line_start : {dead.run_id, live.run_id}) {
    const auto row = text.out.find("\n" + line_start);  // its row in the runs table
    ASSERT_NE(row, std::string::npos) << text.out;
    const auto at = row + 1;
    const std::string line = text.out.substr(at, text.out.find('\n', at) - at);
    EXPECT_NE(line.find(line_start == dead.run_id ? " lost " : " running "), std::string::npos)
        << line;
  }
}

}  // namespace
}  // namespace tc
