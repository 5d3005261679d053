#include "sim_command_line.h"

#include <gtest/gtest.h>

namespace tc::sim {
namespace {

Status Parse(std::vector<std::string> args, SimLaunch& launch) {
  CLI::App app;
  AddSimOptions(app, launch);
  args.insert(args.begin(), "ticketcache-sim");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return MakeError(ErrorClass::kConfig, e.what());
  }
  return FinishSimLaunch(launch);
}

TEST(SimCommandLineTest, Defaults) {
  SimLaunch launch;
  ASSERT_TRUE(Parse({}, launch).ok());
  EXPECT_EQ(launch.host, "127.0.0.1");
  EXPECT_EQ(launch.port, 8089);
  EXPECT_EQ(launch.threads, 2);
  EXPECT_EQ(launch.seed, 1u);
  EXPECT_EQ(launch.settings.users, 1000);
  EXPECT_EQ(launch.settings.passes, 10);
  EXPECT_EQ(launch.settings.expired, 3);
  EXPECT_EQ(launch.settings.timeout_delay_ms, 60000);
  EXPECT_EQ(launch.settings.next_style, NextStyle::kMixed);
}

TEST(SimCommandLineTest, HostileFlags) {
  SimLaunch launch;
  ASSERT_TRUE(
      Parse({"--fault-all", "html502", "--retry-after", "date+86400", "--big-page-bytes", "1000"},
            launch)
          .ok());
  EXPECT_EQ(launch.settings.fault_all, "html502");
  EXPECT_EQ(launch.settings.retry_after, "date+86400");
  EXPECT_EQ(launch.settings.big_page_bytes, 1000);
  SimLaunch bad;
  EXPECT_FALSE(Parse({"--fault-all", "nope"}, bad).ok());
  SimLaunch bad_retry;
  EXPECT_FALSE(Parse({"--retry-after", "soon"}, bad_retry).ok());
}

TEST(SimCommandLineTest, EveryFlag) {
  SimLaunch launch;
  ASSERT_TRUE(Parse({"--listen",
                     "[::1]:0",
                     "--users",
                     "5",
                     "--passes",
                     "0",
                     "--expired",
                     "2",
                     "--latency-ms",
                     "1.5",
                     "--latency-dist",
                     "uniform",
                     "--threads",
                     "3",
                     "--rate-limit",
                     "100",
                     "--fault-5xx",
                     "0.1",
                     "--fault-timeout",
                     "0.1",
                     "--fault-malformed",
                     "0.1",
                     "--fault-401",
                     "0.1",
                     "--fault-429",
                     "0.1",
                     "--timeout-delay-ms",
                     "10",
                     "--seed",
                     "9",
                     "--next-style",
                     "path"},
                    launch)
                  .ok());
  EXPECT_EQ(launch.host, "::1");
  EXPECT_EQ(launch.port, 0);
  EXPECT_EQ(launch.settings.users, 5);
  EXPECT_EQ(launch.settings.passes, 0);
  EXPECT_EQ(launch.settings.latency_dist, LatencyDistribution::kUniform);
  EXPECT_EQ(launch.settings.rate_limit, 100);
  EXPECT_EQ(launch.settings.fault_429, 0.1);
  EXPECT_EQ(launch.settings.timeout_delay_ms, 10);
  EXPECT_EQ(launch.seed, 9u);
  EXPECT_EQ(launch.threads, 3);
  EXPECT_EQ(launch.settings.next_style, NextStyle::kPath);
}

TEST(SimCommandLineTest, Rejects) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--listen", "8089"},
                                        {"--listen", "127.0.0.1:70000"},
                                        {"--latency-dist", "normal"},
                                        {"--next-style", "false"},
                                        {"--threads", "0"},
                                        {"--fault-5xx", "2"},
                                        {"--bogus", "1"}}) {
    SimLaunch launch;
    EXPECT_FALSE(Parse(args, launch).ok()) << args[0];
  }
}

}  // namespace
}  // namespace tc::sim
