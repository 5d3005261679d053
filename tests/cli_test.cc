// The command line: configuration precedence and errors (exit 2 naming the key), redaction,
// `schedule`, exit codes, and secrets that never reach any output.
#include <gtest/gtest.h>

#include "json/js_json.h"
#include "support/child_process.h"
#include "support/job_fixture.h"

namespace tc {
namespace {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTestTempDir("tc_cli"); }
  void TearDown() override { RunChild({"/bin/rm", "-rf", dir_}); }
  std::string Config(const std::string& text) {
    const std::string path = dir_ + "/config.toml";
    WriteFile(path, text);
    return path;
  }
  std::string dir_;
};

TEST_F(CliTest, ConfigPrintsTheDemoConfigurationWithSecretsRedacted) {
  const std::string demo = std::string(TICKETCACHE_SOURCE_DIR) + "/examples/demo.toml";
  ChildResult shown = RunTicketcache({"config", "--config", demo},
                                     {{"TICKETCACHE_STORE_PASSWORD", "hunter2-store-secret"}});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("[refresh]"), std::string::npos);
  EXPECT_NE(shown.out.find("concurrency"), std::string::npos);
  EXPECT_NE(shown.out.find("<redacted>"), std::string::npos);
  EXPECT_EQ(shown.out.find("hunter2-store-secret"), std::string::npos);
  EXPECT_EQ(shown.err.find("hunter2-store-secret"), std::string::npos);
}

TEST_F(CliTest, MisspeltKeyExitsTwoNamingTheKey) {
  ChildResult result =
      RunTicketcache({"config", "--config", Config("[refresh]\nconcurrenc = 3\n")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("refresh.concurrenc"), std::string::npos) << result.err;
}

TEST_F(CliTest, BadEnvironmentValueExitsTwoNamingTheVariable) {
  ChildResult result =
      RunTicketcache({"config", "--config", Config("")}, {{"TICKETCACHE_REFRESH_TTL", "6o m"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("TICKETCACHE_REFRESH_TTL"), std::string::npos) << result.err;
}

TEST_F(CliTest, FlagsOverrideEnvironmentWhichOverridesTheFile) {
  const std::string path = Config("[refresh]\nconcurrency = 3\nrate_limit = 7\n");
  ChildResult file_only = RunTicketcache({"config", "--config", path});
  EXPECT_NE(file_only.out.find("concurrency = 3"), std::string::npos) << file_only.out;
  ChildResult env =
      RunTicketcache({"config", "--config", path}, {{"TICKETCACHE_REFRESH_CONCURRENCY", "5"}});
  EXPECT_NE(env.out.find("concurrency = 5"), std::string::npos) << env.out;
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunTicketcache({"run", "--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(RunTicketcache({}).exit_code, 2);
  EXPECT_EQ(RunTicketcache({"run", "--shard", "5/4", "--config", Config("")}).exit_code, 2);
  EXPECT_EQ(RunTicketcache({"run", "--concurrency", "0"}).exit_code, 2);
}

TEST_F(CliTest, ScheduleShowsNextFireTimesAndNamesABadField) {
  ChildResult good = RunTicketcache(
      {"schedule", "--cron", "30 2 * * *", "--timezone", "Europe/Berlin", "--next", "3"});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(std::count(good.out.begin(), good.out.end(), '\n'), 3);
  EXPECT_NE(good.out.find("T02:30:00+0"), std::string::npos) << good.out;
  ChildResult bad = RunTicketcache({"schedule", "--cron", "0 25 * * *"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("hour"), std::string::npos) << bad.err;
  ChildResult bad_zone =
      RunTicketcache({"schedule", "--cron", "0 * * * *", "--timezone", "Mars/Olympus"});
  EXPECT_EQ(bad_zone.exit_code, 2);
}

TEST_F(CliTest, UnreachableStoreExitsOneAndNeverPrintsThePassword) {
  const std::string path = Config(
      "[tokens]\nurl = \"mysql://portal@127.0.0.1:1/portal\"\n"
      "[store]\nurl = \"mysql://cache@127.0.0.1:1/cache\"\n");
  const std::map<std::string, std::string> env = {{"TICKETCACHE_TOKENS_PASSWORD", "pw-tokens-Zq81"},
                                                  {"TICKETCACHE_STORE_PASSWORD", "pw-store-Xk42"},
                                                  {"TICKETCACHE_LOG_LEVEL", "debug"}};
  ChildResult run = RunTicketcache({"run", "--config", path}, env);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  for (const std::string& output : {run.out, run.err}) {
    EXPECT_EQ(output.find("pw-tokens-Zq81"), std::string::npos) << output;
    EXPECT_EQ(output.find("pw-store-Xk42"), std::string::npos) << output;
  }
  ChildResult status = RunTicketcache({"status", "--config", path}, env);
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_EQ(status.err.find("pw-store-Xk42"), std::string::npos);
}

TEST_F(CliTest, PasswordInsideAUrlIsRefusedByEveryCommandAndNeverPrinted) {
  // One rule: `config` used to accept what `run` refused. Every command, every layer: exit 2
  // naming the key and where the password goes instead.
  const std::string in_file = Config("[store]\nurl = \"mysql://u:leaky-pw@127.0.0.1:1/db\"\n");
  for (const char* command : {"config", "run", "init", "status"}) {
    ChildResult from_file = RunTicketcache({command, "--config", in_file});
    EXPECT_EQ(from_file.exit_code, 2) << command << ": " << from_file.err;
    EXPECT_NE(from_file.err.find("store.url"), std::string::npos) << from_file.err;
    EXPECT_NE(from_file.err.find("TICKETCACHE_STORE_PASSWORD"), std::string::npos);
    EXPECT_EQ(from_file.err.find("leaky-pw"), std::string::npos) << from_file.err;
    EXPECT_EQ(from_file.out.find("leaky-pw"), std::string::npos) << from_file.out;
  }
  ChildResult from_env =
      RunTicketcache({"run", "--config", Config(""), "--concurrency", "2"},
                     {{"TICKETCACHE_STORE_URL", "mysql://u:leaky-pw@127.0.0.1:1/db"}});
  EXPECT_EQ(from_env.exit_code, 2) << from_env.err;
  EXPECT_NE(from_env.err.find("TICKETCACHE_STORE_URL"), std::string::npos) << from_env.err;
  EXPECT_EQ(from_env.err.find("leaky-pw"), std::string::npos) << from_env.err;
  EXPECT_EQ(from_env.out.find("leaky-pw"), std::string::npos) << from_env.out;
}

TEST_F(CliTest, ConcurrencyFlagHasTheConfigurationsLimit) {
  ChildResult flag = RunTicketcache({"run", "--config", Config(""), "--concurrency", "5000"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.err.find("refresh.concurrency (command line): must be between 1 and 4096"),
            std::string::npos)
      << flag.err;
  ChildResult file =
      RunTicketcache({"config", "--config", Config("[refresh]\nconcurrency = 1000000000\n")});
  EXPECT_EQ(file.exit_code, 2);
  EXPECT_NE(file.err.find("refresh.concurrency"), std::string::npos) << file.err;
}

TEST_F(CliTest, MisspeltStorePathIsNotCreated) {
  // Only `init` creates a sqlite: store; `run` and `status` name the missing file.
  const std::string path =
      Config("[store]\nurl = \"sqlite:" + dir_ +
             "/typo/cache.db\"\n[tokens]\nurl = \"sqlite:" + dir_ + "/portal.db\"\n");
  for (const char* command : {"run", "status"}) {
    ChildResult result = RunTicketcache({command, "--config", path});
    EXPECT_EQ(result.exit_code, 1) << command;
    EXPECT_NE(result.err.find(dir_ + "/"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("no such database file"), std::string::npos) << result.err;
  }
  EXPECT_NE(RunChild({"/usr/bin/test", "-e", dir_ + "/typo"}).exit_code, 0);
  EXPECT_NE(RunChild({"/usr/bin/test", "-e", dir_ + "/portal.db"}).exit_code, 0);
}

// Every run that got past its configuration ends with its one summary on stdout, even when it
// cannot open its token source or its store.
TEST_F(CliTest, RunThatCannotOpenItsStoresStillPrintsAnAbortedSummary) {
  const std::string missing_tokens =
      Config("[tokens]\nurl = \"sqlite:" + dir_ +
             "/no-such-portal.db\"\n[store]\nurl = \"sqlite:" + dir_ + "/cache.db\"\n");
  const std::string unopenable_store = dir_ + "/store.toml";
  WriteFile(unopenable_store, "[tokens]\nurl = \"sqlite:" + dir_ + "/no-such-portal.db\"\n" +
                                  "[store]\nurl = \"sqlite:" + dir_ + "/no/such/dir/cache.db\"\n");
  for (const std::string& path : {missing_tokens, unopenable_store}) {
    ChildResult run = RunTicketcache({"run", "--config", path});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    auto summary = ParseJsJson(run.out);
    ASSERT_TRUE(summary.ok()) << "stdout: " << run.out << " stderr: " << run.err;
    EXPECT_EQ((*summary)["status"], "aborted");
    EXPECT_FALSE((*summary)["reason"].get<std::string>().empty());
    EXPECT_EQ((*summary)["users_seen"], 0);
  }
}

// A password never rides in a URL, bytemark.customer_api included: the run refuses to start,
// names the setting, and the password appears nowhere — not in the output, not in the store.
// (Stored error messages are redacted as well, in case a URL with credentials ever reaches one.)
TEST(CliRunTest, PasswordInTheApiUrlIsRefusedAndNeverReachesTheStore) {
  JobFixture job(JobFixtureOptions().WithUsers(5));
  ASSERT_TRUE(job.error().empty()) << job.error();
  const std::map<std::string, std::string> env = {
      {"TICKETCACHE_BYTEMARK_CUSTOMER_API", "http://apiuser:Pw-in-url-731@127.0.0.1:1"}};
  Json summary;
  ChildResult run = job.Run({}, &summary, env);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("bytemark.customer_api"), std::string::npos) << run.err;
  ChildResult status = job.Ticketcache({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  for (const std::string& text :
       {run.out, run.err, status.out, status.err, ReadFile(job.dir() + "/cache.db")}) {
    EXPECT_EQ(text.find("Pw-in-url-731"), std::string::npos);
  }
}

TEST_F(CliTest, ShowOfAnUnknownUserExitsOne) {
  const std::string path = Config("[store]\nurl = \"sqlite:" + dir_ + "/cache.db\"\n");
  ASSERT_EQ(RunTicketcache({"init", "--config", path}).exit_code, 0);
  ChildResult shown = RunTicketcache({"show", "999", "--config", path});
  EXPECT_EQ(shown.exit_code, 1);
  EXPECT_NE(shown.err.find("999"), std::string::npos);
}

}  // namespace
}  // namespace tc
