#include "config/config_renderer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "config/config_loader.h"

namespace tc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ConfigRendererTest, RedactsEverySecret) {
  // A Config built in code may hold URL passwords the loader would refuse: still redacted.
  Config config;
  config.tokens.url = "mysql://u:url-secret-1@h/portal";
  config.store.url = "mongodb://c:url-secret-2@m/cache";
  config.store.password = "store-file-secret";
  config.tokens.password = "env-secret-3";
  const std::string text = RenderRedactedConfig(config);
  for (const char* secret : {"url-secret-1", "url-secret-2", "store-file-secret", "env-secret-3"}) {
    EXPECT_THAT(text, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(text, HasSubstr("url = \"mysql://u:<redacted>@h/portal\""));
  EXPECT_THAT(text, HasSubstr("password = \"<redacted>\""));
  EXPECT_THAT(text, HasSubstr("[refresh]\nttl = \"1h\""));
}

TEST(ConfigRendererTest, UnsetPasswordIsAComment) {
  const std::string text = RenderRedactedConfig(Config{});
  EXPECT_THAT(text,
              HasSubstr("# password is not set (TICKETCACHE_TOKENS_PASSWORD or password_file)"));
}

// Floats print as an operator writes them (the shortest text that reads back the same), never
// with the 17 digits of the nearest double, and stay TOML floats.
TEST(ConfigRendererTest, FloatsPrintAsWritten) {
  Config config;
  config.refresh.api_wide.ratio = 0.9;
  config.refresh.rate_limit = 25;
  config.refresh.breaker.failure_ratio = 0.1;
  const std::string text = RenderRedactedConfig(config);
  EXPECT_THAT(text, HasSubstr("api_wide_ratio = 0.9\n"));
  EXPECT_THAT(text, HasSubstr("rate_limit = 25.0\n"));
  EXPECT_THAT(text, Not(HasSubstr("0000000")));
}

TEST(ConfigRendererTest, ReadsBackToTheSameConfig) {
  Config config;
  config.refresh.concurrency = 7;
  config.refresh.rate_limit = 2.5;
  config.refresh.api_wide.ratio = 0.3;  // not exact in binary: must read back bit for bit
  config.refresh.free_product_uuids = {"a", "b\"c"};
  config.log.format = "text";
  // Without secrets, the rendering is a valid config file that loads to the same values.
  const std::string text = RenderRedactedConfig(config);
  const std::string path = ::testing::TempDir() + "config_renderer_test.toml";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs(text.c_str(), file);
    std::fclose(file);
  }
  ConfigSources sources;
  sources.file = path;
  Result<Config> again = LoadConfig(sources);
  std::remove(path.c_str());
  ASSERT_TRUE(again.ok()) << again.error().ToString() << "\n" << text;
  EXPECT_EQ(RenderRedactedConfig(*again), text);
  EXPECT_EQ(again->refresh.free_product_uuids, (std::vector<std::string>{"a", "b\"c"}));
  EXPECT_EQ(again->refresh.concurrency, 7);
  EXPECT_EQ(again->refresh.api_wide.ratio, 0.3);
}

}  // namespace
}  // namespace tc
