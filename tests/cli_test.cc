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

// "nan" passes every "x < 0" test: a number flag must be finite, else it is refused naming the
// flag (before, `--rate-limit nan` ran unlimited without a word).
TEST_F(CliTest, NonFiniteOrOutOfRangeNumberFlagsExitTwoNamingTheFlag) {
  const std::string config = Config("");
  for (const std::string value : {"nan", "NaN", "inf", "-inf", "-1", "1e999", "fast"}) {
    ChildResult run = RunTicketcache({"run", "--config", config, "--rate-limit", value});
    EXPECT_EQ(run.exit_code, 2) << value << ": " << run.err;
    EXPECT_NE(run.err.find("--rate-limit"), std::string::npos) << value << ": " << run.err;
  }
  for (const std::string flag : {"--latency-ms", "--requests-per-user", "--rate-limit"}) {
    ChildResult plan = RunTicketcache({"plan", "--users", "10", flag, "nan"});
    EXPECT_EQ(plan.exit_code, 2) << flag << ": " << plan.err;
    EXPECT_NE(plan.err.find(flag), std::string::npos) << plan.err;
  }
  EXPECT_EQ(RunTicketcache({"plan", "--users", "10", "--latency-ms", "0"}).exit_code, 2);
  EXPECT_EQ(RunTicketcache({"plan", "--users", "10", "--rate-limit", "2.5"}).exit_code, 0);
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

TEST_F(CliTest, UnknownCommandIsNamedWithTheListOfCommands) {
  ChildResult bogus = RunTicketcache({"bogus"});
  EXPECT_EQ(bogus.exit_code, 2);
  EXPECT_NE(bogus.err.find("unknown command 'bogus'"), std::string::npos) << bogus.err;
  for (const char* command : {"run", "serve", "show", "status", "init", "config", "schedule"}) {
    EXPECT_NE(bogus.err.find("\n  " + std::string(command) + " "), std::string::npos)
        << command << " not listed: " << bogus.err;
  }
  ChildResult none = RunTicketcache({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("a command is required"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("\n  schedule "), std::string::npos) << none.err;
}

TEST_F(CliTest, ScheduleWithoutCronShowsTheConfiguredSchedule) {
  const std::string path =
      Config("[schedule]\ncron = \"30 2 * * *\"\ntimezone = \"Europe/Berlin\"\n");
  ChildResult configured = RunTicketcache({"schedule", "--config", path, "--next", "2"});
  ASSERT_EQ(configured.exit_code, 0) << configured.err;
  EXPECT_EQ(std::count(configured.out.begin(), configured.out.end(), '\n'), 2);
  EXPECT_NE(configured.out.find("T02:30:00+0"), std::string::npos) << configured.out;
  // --timezone still overrides the configured zone.
  ChildResult utc =
      RunTicketcache({"schedule", "--config", path, "--next", "1", "--timezone", "UTC"});
  ASSERT_EQ(utc.exit_code, 0) << utc.err;
  EXPECT_NE(utc.out.find("T02:30:00+00:00"), std::string::npos) << utc.out;
  ChildResult bad =
      RunTicketcache({"schedule", "--config",
                      Config("[log]\nformat = \"text\"\n[schedule]\ncron = \"0 25 * * *\"\n")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("schedule.cron"), std::string::npos) << bad.err;
}

// `config` refuses what `serve` refuses, with the same message naming the key.
TEST_F(CliTest, ConfigChecksTheScheduleLikeServe) {
  for (const std::string& schedule :
       {std::string("cron = \"0 25 * * *\"\n"), std::string("timezone = \"Mars/Olympus\"\n")}) {
    const std::string path = Config("[log]\nformat = \"text\"\n[schedule]\n" + schedule);
    ChildResult config = RunTicketcache({"config", "--config", path});
    ChildResult serve = RunTicketcache({"serve", "--config", path});
    EXPECT_EQ(config.exit_code, 2) << config.err;
    EXPECT_EQ(serve.exit_code, 2) << serve.err;
    EXPECT_NE(config.err.find(schedule.substr(0, schedule.find(' '))), std::string::npos);
    EXPECT_NE(config.err.find("schedule."), std::string::npos) << config.err;
    EXPECT_EQ(config.err, serve.err);
  }
}

TEST_F(CliTest, ConfigFileComesFromTicketcacheConfigWithoutConfigFlag) {
  const std::string path = Config("[refresh]\nconcurrency = 3\n");
  ChildResult named = RunTicketcache({"config"}, {{"TICKETCACHE_CONFIG", path}});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_NE(named.out.find("concurrency = 3"), std::string::npos) << named.out;
  // --config wins over the variable.
  ChildResult flag = RunTicketcache({"config", "--config", Config("[refresh]\nconcurrency = 4\n")},
                                    {{"TICKETCACHE_CONFIG", dir_ + "/absent.toml"}});
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_NE(flag.out.find("concurrency = 4"), std::string::npos) << flag.out;
  ChildResult missing = RunTicketcache({"config"}, {{"TICKETCACHE_CONFIG", dir_ + "/absent.toml"}});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("absent.toml"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("TICKETCACHE_CONFIG"), std::string::npos) << missing.err;
}

// Piped (as scripts read it) or with --json: exactly the stored document. --human (the default on
// a terminal): its age, whether the next run refreshes it, the user's failures, then the document.
TEST(CliShowTest, ShowPrintsTheStoredJsonForScriptsAndAgeAndStateForPeople) {
  JobFixture job(JobFixtureOptions().WithUsers(3));
  ASSERT_TRUE(job.error().empty()) << job.error();
  ASSERT_EQ(job.Run().exit_code, 0);
  ChildResult piped = job.Ticketcache({"show", "2"});
  ChildResult json = job.Ticketcache({"show", "2", "--json"});
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, json.out);
  auto parsed = ParseJsJson(piped.out);
  ASSERT_TRUE(parsed.ok()) << piped.out;
  EXPECT_EQ((*parsed)["user_id"], 2);
  ChildResult human = job.Ticketcache({"show", "2", "--human"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("user      2\n"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find(" ago)"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("cache     fresh"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("failures  none"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("\"pass_uuid\""), std::string::npos) << human.out;
  EXPECT_EQ(job.Ticketcache({"show", "2", "--human", "--json"}).exit_code, 2);
}

}  // namespace
}  // namespace tc
