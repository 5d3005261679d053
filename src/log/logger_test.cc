#include "log/logger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "log/secret_redactor.h"

namespace tc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Points logging back at stderr when a test ends, even when an assertion returned early, so no
// later log call writes to a destroyed stream.
struct RestoreStderrLogging {
  ~RestoreStderrLogging() { (void)InitLogging(LogConfig{}); }
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class LoggerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_TRUE(InitLogging(LogConfig{"debug", GetParam()}, &out_).ok()); }
  void TearDown() override { ASSERT_TRUE(InitLogging(LogConfig{}).ok()); }

  std::ostringstream out_;
};

// Logs every way a secret could sneak in, in both formats, and checks none comes out.
TEST_P(LoggerTest, NoSecretIsEverPrinted) {
  RegisterSecret("db-Passw0rd-registered");
  const std::string token = "eyJhbGciOiJIUzI1NiJ9.user-token-value";
  LogInfo("request with Authorization: Bearer " + token, {{"user_id", 5}});
  LogWarn("call failed", {{"header", "Bearer " + token}, {"stage", "fetch"}});
  LogError("store unreachable",
           {{"url", "mysql://portal:url-Passw0rd@db:3306/portal"},
            {"detail", "connect with password=db-Passw0rd-registered failed"}});
  LogInfo("fields named like credentials", {{"token", token}, {"password", "plain-Passw0rd"}});
  LogInfo("nested", {{"request",
                      {{"headers", {{"Authorization", "Bearer " + token}}},
                       {"list", {"Bearer " + token, "db-Passw0rd-registered"}}}}});
  LogDebug("message carrying the registered secret db-Passw0rd-registered");
  FlushLogs();
  std::string text = out_.str();
  ASSERT_EQ(Lines(text).size(), 6u) << text;
  for (const std::string& secret :
       {std::string("user-token-value"), std::string("url-Passw0rd"),
        std::string("db-Passw0rd-registered"), std::string("plain-Passw0rd")}) {
    EXPECT_THAT(text, Not(HasSubstr(secret))) << text;
  }
  EXPECT_THAT(text, HasSubstr("<redacted>"));
}

TEST_P(LoggerTest, LevelFilters) {
  ASSERT_TRUE(InitLogging(LogConfig{"warn", GetParam()}, &out_).ok());
  LogInfo("hidden");
  LogDebug("hidden");
  LogWarn("shown");
  LogError("shown too");
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  FlushLogs();
  EXPECT_EQ(Lines(out_.str()).size(), 2u);
  EXPECT_THAT(out_.str(), Not(HasSubstr("hidden")));
}

INSTANTIATE_TEST_SUITE_P(Formats, LoggerTest, ::testing::Values("json", "text"));

TEST(LoggerJsonTest, EveryLineIsOneJsonObject) {
  std::ostringstream out;
  RestoreStderrLogging restore;
  ASSERT_TRUE(InitLogging(LogConfig{"trace", "json"}, &out).ok());
  LogInfo("user refresh failed", {{"user_id", 5}, {"stage", "fetch"}, {"error_class", "timeout"}});
  LogWarn("quotes \" and \\ backslashes\nand newlines", {{"ratio", 0.5}, {"ok", true}});
  LogError("invalid utf-8 \xff\xfe here", {{"bytes", "\xc3\x28"}});
  LogTrace("reserved names are not overwritten", {{"message", "x"}, {"level", "y"}});
  // Several threads at once: lines never interleave.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 50; ++i) LogInfo("concurrent", {{"thread", t}, {"i", i}});
    });
  }
  for (std::thread& thread : threads) thread.join();
  FlushLogs();
  std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 4u + 200u);
  for (const std::string& line : lines) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
    ASSERT_TRUE(parsed.is_object()) << line;
    EXPECT_TRUE(parsed["time"].is_string());
    EXPECT_TRUE(parsed["level"].is_string());
    EXPECT_TRUE(parsed["message"].is_string());
  }
  nlohmann::json first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["message"], "user refresh failed");
  EXPECT_EQ(first["user_id"], 5);
  EXPECT_EQ(first["error_class"], "timeout");
  EXPECT_THAT(lines[0], StartsWith("{\"time\":\""));
  EXPECT_EQ(nlohmann::json::parse(lines[1])["level"], "warn");
  EXPECT_EQ(nlohmann::json::parse(lines[3])["message"], "reserved names are not overwritten");
}

TEST(LoggerTextTest, LineShape) {
  std::ostringstream out;
  RestoreStderrLogging restore;
  ASSERT_TRUE(InitLogging(LogConfig{"info", "text"}, &out).ok());
  LogInfo("user refresh failed", {{"user_id", 5}, {"stage", "fetch"}, {"note", "two words"}});
  FlushLogs();
  std::string line = out.str();
  EXPECT_THAT(line, HasSubstr("Z info user refresh failed user_id=5 stage=fetch "
                              "note=\"two words\"\n"));
}

TEST(LoggerContextTest, ThreadContextFieldsGoOnEveryLineOfThatThreadOnly) {
  std::ostringstream out;
  RestoreStderrLogging restore;
  ASSERT_TRUE(InitLogging(LogConfig{"info", "json"}, &out).ok());
  {
    ScopedLogContext run(LogFields{{"run_id", "R1"}});
    LogInfo("user refresh failed", {{"user_id", 5}});
    LogInfo("names its own run", {{"run_id", "R2"}});
    std::thread other([] { LogInfo("another thread"); });
    other.join();
  }
  LogInfo("after the run");
  FlushLogs();
  std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 4u) << out.str();
  EXPECT_THAT(lines[0],
              HasSubstr("\"message\":\"user refresh failed\",\"run_id\":\"R1\",\"user_id\":5"));
  EXPECT_EQ(nlohmann::json::parse(lines[1])["run_id"], "R2");
  EXPECT_THAT(lines[1], Not(HasSubstr("R1")));
  EXPECT_FALSE(nlohmann::json::parse(lines[2]).contains("run_id"));
  EXPECT_FALSE(nlohmann::json::parse(lines[3]).contains("run_id"));
  EXPECT_EQ(LogFormatName(), "json");
}

TEST(LoggerInitTest, RejectsUnknownLevelAndFormat) {
  Status bad_level = InitLogging(LogConfig{"loud", "json"});
  ASSERT_FALSE(bad_level.ok());
  EXPECT_EQ(bad_level.error().error_class, ErrorClass::kConfig);
  EXPECT_THAT(bad_level.error().message, HasSubstr("log.level"));
  Status bad_format = InitLogging(LogConfig{"info", "xml"});
  ASSERT_FALSE(bad_format.ok());
  EXPECT_THAT(bad_format.error().message, HasSubstr("log.format"));
}

}  // namespace
}  // namespace tc
