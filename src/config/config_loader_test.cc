#include "config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tc {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

// A scratch directory with helpers to write files into it.
class ConfigLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("config_loader_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    std::filesystem::path path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }

  // Loads with `toml` as the file, plus env and overrides.
  Result<Config> Load(const std::string& toml, std::map<std::string, std::string> env = {},
                      std::vector<std::pair<std::string, std::string>> overrides = {}) {
    ConfigSources sources;
    sources.file = Write("ticketcache.toml", toml);
    sources.env = std::move(env);
    sources.overrides = std::move(overrides);
    return LoadConfig(sources);
  }

  std::string LoadError(const std::string& toml, std::map<std::string, std::string> env = {},
                        std::vector<std::pair<std::string, std::string>> overrides = {}) {
    Result<Config> config = Load(toml, std::move(env), std::move(overrides));
    EXPECT_FALSE(config.ok());
    if (config.ok()) return "";
    EXPECT_EQ(config.error().error_class, ErrorClass::kConfig);
    return config.error().message;
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigLoaderTest, DefaultsWithoutAnySource) {
  ConfigSources none;
  none.system_file = (dir_ / "absent.toml").string();
  Result<Config> config = LoadConfig(none);
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->tokens.url, "sqlite:data/portal.db");
  EXPECT_EQ(config->refresh.ttl, 60min);
  EXPECT_EQ(config->refresh.concurrency, 32);
  EXPECT_EQ(config->log.format, "json");
  EXPECT_EQ(config->log.progress_interval, 30s);
}

TEST_F(ConfigLoaderTest, ReadsEverySpecSection) {
  Result<Config> config = Load(R"(
[tokens]
url = "mysql://portal@db.internal:3306/portal"
table = "bytemark_tokens"
[store]
url = "mongodb://cache@mongo:27017/cache"
cache_collection = "Cache"
log_collection = "Log"
[bytemark]
customer_api = "https://api.example.test"
page_size = 50
timeout = "20s"
connect_timeout = "2s"
[refresh]
ttl = "30m"
refresh_ahead = "2m"
concurrency = 8
rate_limit = 12.5
retries = 5
free_product_uuids = ["a", "b"]
[schedule]
cron = "*/5 * * * *"
timezone = "Europe/Paris"
[server]
listen = "0.0.0.0:9000"
[log]
level = "debug"
format = "text"
)");
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->tokens.url, "mysql://portal@db.internal:3306/portal");
  EXPECT_EQ(config->store.cache_collection, "Cache");
  EXPECT_EQ(config->bytemark.page_size, 50);
  EXPECT_EQ(config->bytemark.timeout, 20s);
  EXPECT_EQ(config->refresh.ttl, 30min);
  EXPECT_EQ(config->refresh.rate_limit, 12.5);
  EXPECT_EQ(config->refresh.free_product_uuids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(config->schedule.timezone, "Europe/Paris");
  EXPECT_EQ(config->server.listen, "0.0.0.0:9000");
  EXPECT_EQ(config->log.level, "debug");
}

TEST_F(ConfigLoaderTest, OnDemandKeysFromTheFile) {
  auto defaults = Load("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->on_demand.token_file, "");
  EXPECT_EQ(defaults->on_demand.deadline, 10s);
  auto config =
      Load("[on_demand]\ntoken_file = \"/etc/ticketcache/od.token\"\ndeadline = \"3s\"\n");
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->on_demand.token_file, "/etc/ticketcache/od.token");
  EXPECT_EQ(config->on_demand.deadline, 3s);
  EXPECT_THAT(LoadError("[on_demand]\ndeadline = \"0s\"\n"), HasSubstr("on_demand.deadline"));
}

TEST_F(ConfigLoaderTest, PrecedenceFileThenEnvThenOverrides) {
  const std::string toml = R"(
[refresh]
concurrency = 4
ttl = "30m"
rate_limit = 10
free_product_uuids = ["file"]
[bytemark]
customer_api = "http://file:1"
)";
  // File only.
  Result<Config> file_only = Load(toml);
  ASSERT_TRUE(file_only.ok()) << file_only.error().ToString();
  EXPECT_EQ(file_only->refresh.concurrency, 4);

  // Env beats file, for an int, a duration, a double, a list and a string.
  std::map<std::string, std::string> env = {
      {"TICKETCACHE_REFRESH_CONCURRENCY", "16"},
      {"TICKETCACHE_REFRESH_TTL", "45m"},
      {"TICKETCACHE_REFRESH_RATE_LIMIT", "2.5"},
      {"TICKETCACHE_REFRESH_FREE_PRODUCT_UUIDS", " x, y ,,z "},
      {"TICKETCACHE_BYTEMARK_CUSTOMER_API", "http://env:2"},
      {"PATH", "/usr/bin"},                         // not ours: ignored
      {"TICKETCACHE_TEST_MYSQL_URL", "mysql://x"},  // test harness: ignored
  };
  Result<Config> with_env = Load(toml, env);
  ASSERT_TRUE(with_env.ok()) << with_env.error().ToString();
  EXPECT_EQ(with_env->refresh.concurrency, 16);
  EXPECT_EQ(with_env->refresh.ttl, 45min);
  EXPECT_EQ(with_env->refresh.rate_limit, 2.5);
  EXPECT_EQ(with_env->refresh.free_product_uuids, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(with_env->bytemark.customer_api, "http://env:2");

  // Overrides beat env; a later override beats an earlier one.
  Result<Config> with_flags = Load(toml, env,
                                   {{"refresh.concurrency", "64"},
                                    {"refresh.ttl", "50m"},
                                    {"refresh.rate_limit", "0"},
                                    {"bytemark.customer_api", "http://flag:3"},
                                    {"refresh.concurrency", "65"}});
  ASSERT_TRUE(with_flags.ok()) << with_flags.error().ToString();
  EXPECT_EQ(with_flags->refresh.concurrency, 65);
  EXPECT_EQ(with_flags->refresh.ttl, 50min);
  EXPECT_EQ(with_flags->refresh.rate_limit, 0);
  EXPECT_EQ(with_flags->bytemark.customer_api, "http://flag:3");
  EXPECT_EQ(with_flags->refresh.free_product_uuids, (std::vector<std::string>{"x", "y", "z"}));
}

TEST_F(ConfigLoaderTest, UnknownKeyInFileNamesItAndSuggests) {
  std::string message = LoadError("[refresh]\nconcurrenc = 3\n");
  EXPECT_THAT(message, HasSubstr("unknown key 'refresh.concurrenc'"));
  EXPECT_THAT(message, HasSubstr("line 2"));
  EXPECT_THAT(message, HasSubstr("did you mean 'refresh.concurrency'"));
}

TEST_F(ConfigLoaderTest, UnknownSectionInFile) {
  std::string message = LoadError("[refesh]\nttl = \"5m\"\n");
  EXPECT_THAT(message, HasSubstr("unknown section [refesh]"));
  EXPECT_THAT(message, HasSubstr("did you mean [refresh]"));
  EXPECT_THAT(LoadError("verbose = true\n"), HasSubstr("unknown key 'verbose'"));
  EXPECT_THAT(LoadError("refresh = 3\n"), HasSubstr("expected a [refresh] section"));
}

TEST_F(ConfigLoaderTest, UnknownEnvironmentVariable) {
  std::string message = LoadError("", {{"TICKETCACHE_REFRESH_CONCURENCY", "3"}});
  EXPECT_THAT(message, HasSubstr("unknown environment variable TICKETCACHE_REFRESH_CONCURENCY"));
  EXPECT_THAT(message, HasSubstr("did you mean TICKETCACHE_REFRESH_CONCURRENCY"));
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_NOSECTION", "3"}}),
              HasSubstr("unknown environment variable TICKETCACHE_NOSECTION"));
}

// A Service named ticketcache makes Kubernetes inject these into every pod of its namespace.
TEST_F(ConfigLoaderTest, KubernetesServiceVariablesAreIgnored) {
  const std::map<std::string, std::string> injected = {
      {"TICKETCACHE_SERVICE_HOST", "10.0.0.7"},
      {"TICKETCACHE_SERVICE_PORT", "9464"},
      {"TICKETCACHE_SERVICE_PORT_METRICS", "9464"},
      {"TICKETCACHE_PORT", "tcp://10.0.0.7:9464"},
      {"TICKETCACHE_PORT_9464_TCP", "tcp://10.0.0.7:9464"},
      {"TICKETCACHE_PORT_9464_TCP_PROTO", "tcp"},
      {"TICKETCACHE_PORT_9464_TCP_PORT", "9464"},
      {"TICKETCACHE_PORT_8080_TCP_ADDR", "10.0.0.7"},
      {"TICKETCACHE_SIM_SERVICE_HOST", "10.0.0.8"},
      {"TICKETCACHE_SIM_PORT_8089_UDP_ADDR", "10.0.0.8"},
      {"TICKETCACHE_REFRESH_CONCURRENCY", "7"},
  };
  Result<Config> config = Load("", injected);
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->refresh.concurrency, 7);
  EXPECT_EQ(config->ignored_environment.size(), injected.size() - 1);
  EXPECT_THAT(config->ignored_environment, ::testing::Contains("TICKETCACHE_PORT"));
}

TEST_F(ConfigLoaderTest, OnlyKubernetesServiceShapesAreIgnored) {
  for (const std::string variable :
       {"TICKETCACHE_PORTS", "TICKETCACHE_SERVICE_HOSTS", "TICKETCACHE_PORT_X_TCP",
        "TICKETCACHE_PORT_8080_HTTP", "TICKETCACHE_PORT_8080_TCP_HOST", "TICKETCACHE_SERVER_PORTT",
        "TICKETCACHE_SERVICE", "TICKETCACHE_REFRESH_CONCURENCY"}) {
    EXPECT_THAT(LoadError("", {{variable, "1"}}),
                HasSubstr("unknown environment variable " + variable));
  }
  EXPECT_FALSE(IsKubernetesServiceVariable("OTHER_SERVICE_HOST"));
  EXPECT_TRUE(IsKubernetesServiceVariable("TICKETCACHE_PORT_443_SCTP_PROTO"));
}

TEST_F(ConfigLoaderTest, SectionNamesWithAnUnderscoreHaveEnvironmentNamesToo) {
  Result<Config> config = Load("", {{"TICKETCACHE_ON_DEMAND_DEADLINE", "3s"}});
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->on_demand.deadline, std::chrono::seconds(3));
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_ON_DEMAND_DEADLIN", "3s"}}),
              HasSubstr("unknown environment variable TICKETCACHE_ON_DEMAND_DEADLIN"));
}

TEST_F(ConfigLoaderTest, UnknownOverrideKey) {
  EXPECT_THAT(LoadError("", {}, {{"refresh.nope", "1"}}), HasSubstr("unknown key 'refresh.nope'"));
}

TEST_F(ConfigLoaderTest, InvalidToml) {
  EXPECT_THAT(LoadError("[refresh\nttl = 3\n"), HasSubstr("invalid TOML"));
}

TEST_F(ConfigLoaderTest, MissingExplicitFile) {
  ConfigSources sources;
  sources.file = (dir_ / "absent.toml").string();
  Result<Config> config = LoadConfig(sources);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().error_class, ErrorClass::kConfig);
  EXPECT_THAT(config.error().message, HasSubstr("absent.toml"));
}

// --config, else TICKETCACHE_CONFIG, else ./ticketcache.toml, else the system file, else defaults.
TEST_F(ConfigLoaderTest, ConfigFileLookupOrder) {
  const std::string named = Write("named.toml", "[refresh]\nconcurrency = 7\n");
  const std::string system = Write("system.toml", "[refresh]\nconcurrency = 9\n");
  const std::string flag = Write("flag.toml", "[refresh]\nconcurrency = 5\n");
  ConfigSources sources;
  sources.system_file = system;
  EXPECT_EQ(ResolveConfigFile(sources), system);  // (no ./ticketcache.toml in the test's cwd)
  Result<Config> from_system = LoadConfig(sources);
  ASSERT_TRUE(from_system.ok()) << from_system.error().ToString();
  EXPECT_EQ(from_system->refresh.concurrency, 9);

  sources.env = {{"TICKETCACHE_CONFIG", named}};
  Result<Config> from_env = LoadConfig(sources);
  ASSERT_TRUE(from_env.ok()) << from_env.error().ToString();
  EXPECT_EQ(from_env->refresh.concurrency, 7);

  sources.file = flag;
  Result<Config> from_flag = LoadConfig(sources);
  ASSERT_TRUE(from_flag.ok()) << from_flag.error().ToString();
  EXPECT_EQ(from_flag->refresh.concurrency, 5);

  ConfigSources none;
  none.system_file = (dir_ / "absent.toml").string();
  EXPECT_EQ(ResolveConfigFile(none), std::nullopt);
  Result<Config> defaults = LoadConfig(none);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->refresh.concurrency, 32);
}

TEST_F(ConfigLoaderTest, ConfigFileNamedByTheEnvironmentMustExist) {
  ConfigSources sources;
  sources.env = {{"TICKETCACHE_CONFIG", (dir_ / "absent.toml").string()}};
  Result<Config> config = LoadConfig(sources);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().error_class, ErrorClass::kConfig);
  EXPECT_THAT(config.error().message, HasSubstr("absent.toml"));
  EXPECT_THAT(config.error().message, HasSubstr("TICKETCACHE_CONFIG"));
}

TEST_F(ConfigLoaderTest, BestEffortLogFormatReadsWhatItCanOfABrokenConfiguration) {
  ConfigSources sources;
  sources.system_file = (dir_ / "absent.toml").string();
  EXPECT_EQ(BestEffortLogFormat(sources), "json");  // the default
  sources.file = Write("text.toml", "[log]\nformat = \"text\"\n[refresh]\nconcurrenc = 3\n");
  EXPECT_EQ(BestEffortLogFormat(sources), "text");
  sources.env = {{"TICKETCACHE_LOG_FORMAT", "json"}};
  EXPECT_EQ(BestEffortLogFormat(sources), "json");
  sources.overrides = {{"log.format", "text"}};
  EXPECT_EQ(BestEffortLogFormat(sources), "text");
  sources = ConfigSources{};
  sources.file = Write("broken.toml", "[log\nformat = \"text\"\n");
  EXPECT_EQ(BestEffortLogFormat(sources), "json");
  sources.env = {{"TICKETCACHE_LOG_FORMAT", "xml"}};  // not a format: ignored
  EXPECT_EQ(BestEffortLogFormat(sources), "json");
}

TEST_F(ConfigLoaderTest, WrongTypesInFile) {
  EXPECT_THAT(LoadError("[refresh]\nconcurrency = \"many\"\n"), HasSubstr("refresh.concurrency"));
  EXPECT_THAT(LoadError("[refresh]\nconcurrency = \"many\"\n"),
              HasSubstr("expected a whole number"));
  EXPECT_THAT(LoadError("[refresh]\nconcurrency = 1.5\n"), HasSubstr("got a float"));
  EXPECT_THAT(LoadError("[refresh]\nttl = 60\n"), HasSubstr("expected a duration string"));
  EXPECT_THAT(LoadError("[refresh]\nrate_limit = \"fast\"\n"), HasSubstr("expected a number"));
  EXPECT_THAT(LoadError("[refresh]\nfree_product_uuids = \"a\"\n"),
              HasSubstr("expected an array of strings"));
  EXPECT_THAT(LoadError("[refresh]\nfree_product_uuids = [1]\n"),
              HasSubstr("expected an array of strings"));
  EXPECT_THAT(LoadError("[log]\nlevel = 3\n"), HasSubstr("expected a string"));
  EXPECT_THAT(LoadError("[refresh]\nconcurrency = 99999999999\n"), HasSubstr("out of range"));
}

// A URL that cannot work fails at load, naming the key, in every layer: never every user of
// every run.
TEST_F(ConfigLoaderTest, UrlsAreParsedStrictly) {
  for (const std::string bad :
       {"http://127.0.0.1:41029 ", " http://127.0.0.1:41029", "http://127.0.0.1:99999",
        "http://127.0.0.1:0", "http://127.0.0.1:-1", "http://:8089", "http:///x", "http:/x",
        "http://a b/", "http://h\tx/", "ftp://h", "127.0.0.1:8089", "http://h:80x"}) {
    EXPECT_THAT(LoadError("", {{"TICKETCACHE_BYTEMARK_CUSTOMER_API", bad}}),
                HasSubstr("bytemark.customer_api (TICKETCACHE_BYTEMARK_CUSTOMER_API)"))
        << bad;
    EXPECT_THAT(LoadError("", {}, {{"bytemark.customer_api", bad}}),
                HasSubstr("bytemark.customer_api (command line)"))
        << bad;
  }
  EXPECT_THAT(LoadError("[bytemark]\ncustomer_api = \"http://127.0.0.1:41029 \"\n"),
              HasSubstr("a space at position 23"));
  EXPECT_THAT(LoadError("[bytemark]\ncustomer_api = \"http://127.0.0.1:99999\"\n"),
              HasSubstr("bytemark.customer_api"));
  for (const std::string good : {"http://127.0.0.1:8089", "https://api.example.test/base/",
                                 "HTTPS://API.example.test:443", "http://[::1]:8089"}) {
    Result<Config> config = Load("", {{"TICKETCACHE_BYTEMARK_CUSTOMER_API", good}});
    EXPECT_TRUE(config.ok()) << good << ": " << config.error().ToString();
  }
  EXPECT_THAT(LoadError("[tokens]\nurl = \"mysql://u@h:99999/portal\"\n"), HasSubstr("tokens.url"));
  EXPECT_THAT(LoadError("[store]\nurl = \"mysql://u@:3306/cache\"\n"), HasSubstr("store.url"));
  EXPECT_THAT(LoadError("[store]\nurl = \"mysql://u@h/cache \"\n"), HasSubstr("store.url"));
  EXPECT_THAT(LoadError("[store]\nurl = \"mongodb://h:27017/cache\\n\"\n"), HasSubstr("store.url"));
  EXPECT_THAT(LoadError("[store]\nurl = \"mongodb://h1 ,h2/cache\"\n"), HasSubstr("store.url"));
  EXPECT_THAT(LoadError("[store]\nurl = \"sqlite:cache.db \"\n"), HasSubstr("store.url"));
  EXPECT_TRUE(Load("[store]\nurl = \"mongodb://h1:27017,h2:27018/cache?replicaSet=rs\"\n").ok());
  EXPECT_TRUE(Load("[tokens]\nurl = \"mysql://u@h/portal?socket=/run/mysqld/mysqld.sock\"\n").ok());
  EXPECT_TRUE(Load("[store]\nurl = \"sqlite:my data/cache.db\"\n").ok());
}

TEST_F(ConfigLoaderTest, BadValuesNameTheKeyAndSource) {
  EXPECT_THAT(LoadError("[tokens]\npage_size = 0\n"),
              HasSubstr("tokens.page_size (" + (dir_ / "ticketcache.toml").string() +
                        " line 2): must be greater than zero"));
  EXPECT_THAT(LoadError("[refresh]\nretries = -1\n"), HasSubstr("refresh.retries"));
  EXPECT_THAT(LoadError("[refresh]\nrate_limit = -0.5\n"), HasSubstr("must be zero or more"));
  EXPECT_THAT(LoadError("[refresh]\nbreaker_failure_ratio = 1.5\n"), HasSubstr("ratio"));
  EXPECT_THAT(LoadError("[bytemark]\ncustomer_api = \"ftp://x\"\n"),
              HasSubstr("bytemark.customer_api"));
  EXPECT_THAT(LoadError("[tokens]\nurl = \"postgres://x/y\"\n"), HasSubstr("unsupported url"));
  EXPECT_THAT(LoadError("[tokens]\nurl = \"mongodb://x/y\"\n"), HasSubstr("tokens.url"));
  EXPECT_THAT(LoadError("[tokens]\ntable = \"x; drop table y\"\n"), HasSubstr("tokens.table"));
  EXPECT_THAT(LoadError("[log]\nlevel = \"loud\"\n"), HasSubstr("unknown log level \"loud\""));
  EXPECT_THAT(LoadError("[log]\nformat = \"xml\"\n"), HasSubstr("unknown log format"));
  EXPECT_THAT(LoadError("[server]\nlisten = \"localhost\"\n"), HasSubstr("server.listen"));
  EXPECT_THAT(LoadError("[server]\nlisten = \"localhost:70000\"\n"), HasSubstr("server.listen"));
  EXPECT_THAT(LoadError("[schedule]\ncron = \"\"\n"), HasSubstr("schedule.cron"));
}

TEST_F(ConfigLoaderTest, BadEnvValuesNameKeyAndVariable) {
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_REFRESH_TTL", "6o m"}}),
              HasSubstr("refresh.ttl (TICKETCACHE_REFRESH_TTL): bad duration \"6o m\""));
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_REFRESH_CONCURRENCY", "12x"}}),
              HasSubstr("refresh.concurrency (TICKETCACHE_REFRESH_CONCURRENCY): expected a whole "
                        "number"));
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_BYTEMARK_PAGE_SIZE", "0"}}),
              HasSubstr("must be greater than zero"));
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_REFRESH_RATE_LIMIT", "nan"}}),
              HasSubstr("refresh.rate_limit (TICKETCACHE_REFRESH_RATE_LIMIT)"));
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_BYTEMARK_MAX_RESPONSE_BYTES", "-1"}}),
              HasSubstr("bytemark.max_response_bytes"));
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_LOG_FORMAT", "yaml"}}),
              HasSubstr("log.format (TICKETCACHE_LOG_FORMAT)"));
}

TEST_F(ConfigLoaderTest, BadOverrideValues) {
  EXPECT_THAT(LoadError("", {}, {{"refresh.concurrency", "-3"}}),
              HasSubstr("refresh.concurrency (command line)"));
  EXPECT_THAT(LoadError("", {}, {{"refresh.rate_limit", "abc"}}), HasSubstr("expected a number"));
}

TEST_F(ConfigLoaderTest, CrossKeyRules) {
  EXPECT_THAT(LoadError("[refresh]\nttl = \"5m\"\nrefresh_ahead = \"5m\"\n"),
              HasSubstr("refresh.refresh_ahead (5m) must be shorter than refresh.ttl (5m)"));
  EXPECT_THAT(LoadError("[refresh]\nretry_base_delay = \"2s\"\nretry_max_delay = \"1s\"\n"),
              HasSubstr("refresh.retry_max_delay"));
  EXPECT_THAT(LoadError("[refresh]\nbreaker_window = 10\nbreaker_min_calls = 11\n"),
              HasSubstr("refresh.breaker_min_calls"));
  EXPECT_THAT(LoadError("[refresh]\nuser_backoff_base = \"2d\"\nuser_backoff_max = \"1d\"\n"),
              HasSubstr("refresh.user_backoff_max"));
  EXPECT_THAT(LoadError("[bytemark]\ntimeout = \"1s\"\nconnect_timeout = \"2s\"\n"),
              HasSubstr("bytemark.connect_timeout"));
}

TEST_F(ConfigLoaderTest, PasswordInFileIsRejected) {
  std::string message = LoadError("[store]\npassword = \"hunter2-secret\"\n");
  EXPECT_THAT(message, HasSubstr("store.password"));
  EXPECT_THAT(message, HasSubstr("TICKETCACHE_STORE_PASSWORD"));
  EXPECT_THAT(message, HasSubstr("store.password_file"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2-secret")));
}

TEST_F(ConfigLoaderTest, PasswordOverrideIsRejected) {
  std::string message = LoadError("", {}, {{"tokens.password", "hunter2-secret"}});
  EXPECT_THAT(message, HasSubstr("tokens.password (command line)"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2-secret")));
}

TEST_F(ConfigLoaderTest, PasswordFromEnvironment) {
  Result<Config> config = Load("", {{"TICKETCACHE_TOKENS_PASSWORD", "env-secret"},
                                    {"TICKETCACHE_STORE_PASSWORD", "store-secret"}});
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->tokens.password, "env-secret");
  EXPECT_EQ(config->store.password, "store-secret");
}

TEST_F(ConfigLoaderTest, PasswordFromFileKeyTrimsTrailingNewline) {
  std::string secret_path = Write("secret", "file-secret\n");
  Result<Config> config = Load("[tokens]\npassword_file = \"" + secret_path + "\"\n",
                               {{"TICKETCACHE_STORE_PASSWORD_FILE", secret_path}},
                               {{"tokens.password_file", secret_path}});
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->tokens.password, "file-secret");
  EXPECT_EQ(config->store.password, "file-secret");
}

TEST_F(ConfigLoaderTest, PasswordFileMissingOrEmpty) {
  std::string missing = (dir_ / "nope").string();
  std::string message = LoadError("[store]\npassword_file = \"" + missing + "\"\n");
  EXPECT_THAT(message, HasSubstr("store.password_file"));
  EXPECT_THAT(message, HasSubstr("password file \"" + missing + "\" not found"));
  std::string empty = Write("empty", "\n");
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_TOKENS_PASSWORD_FILE", empty}}),
              HasSubstr("tokens.password_file (TICKETCACHE_TOKENS_PASSWORD_FILE): password file"));
}

// A FIFO would block the open (or the read) forever: refused at once, like a directory or a device.
TEST_F(ConfigLoaderTest, NonRegularFilesAreRefusedAtOnce) {
  const std::string fifo = (dir_ / "fifo.toml").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ConfigSources sources;
  sources.file = fifo;
  Result<Config> from_fifo = LoadConfig(sources);
  ASSERT_FALSE(from_fifo.ok());
  EXPECT_EQ(from_fifo.error().error_class, ErrorClass::kConfig);
  EXPECT_THAT(from_fifo.error().message,
              HasSubstr("config file \"" + fifo + "\" is a FIFO, not a regular file"));
  EXPECT_EQ(BestEffortLogFormat(sources), "json");  // does not block either

  sources.file = dir_.string();
  Result<Config> from_directory = LoadConfig(sources);
  ASSERT_FALSE(from_directory.ok());
  EXPECT_THAT(from_directory.error().message, HasSubstr("is a directory, not a regular file"));

  sources.file = "/dev/null";
  Result<Config> from_device = LoadConfig(sources);
  ASSERT_FALSE(from_device.ok());
  EXPECT_THAT(from_device.error().message, HasSubstr("is a character device, not a regular file"));

  EXPECT_THAT(LoadError("[store]\npassword_file = \"" + fifo + "\"\n"),
              HasSubstr("store.password_file"));
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_TOKENS_PASSWORD_FILE", fifo}}),
              HasSubstr("is a FIFO, not a regular file"));
}

TEST_F(ConfigLoaderTest, PasswordAndPasswordFileTogetherInEnvironment) {
  std::string secret_path = Write("secret", "x\n");
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_TOKENS_PASSWORD", "a"},
                             {"TICKETCACHE_TOKENS_PASSWORD_FILE", secret_path}}),
              HasSubstr("not both"));
}

TEST_F(ConfigLoaderTest, UrlPasswordIsRefusedInEveryLayer) {
  // One rule for file, environment and flags: a password never rides in a URL.
  for (const std::string& message :
       {LoadError("[store]\nurl = \"mysql://u:pw-in-url@h:3306/db\"\n"),
        LoadError("", {{"TICKETCACHE_STORE_URL", "mongodb://u:pw-in-url@h/db"}}),
        LoadError("", {}, {{"store.url", "mongodb://u:pw-in-url@h/db"}})}) {
    EXPECT_THAT(message, HasSubstr("store.url ("));
    EXPECT_THAT(message, HasSubstr("a password in a URL is not accepted"));
    EXPECT_THAT(message, HasSubstr("TICKETCACHE_STORE_PASSWORD or store.password_file"));
    EXPECT_THAT(message, Not(HasSubstr("pw-in-url")));
  }
  EXPECT_THAT(LoadError("[tokens]\nurl = \"mysql://u:pw-in-url@h/db\"\n"),
              HasSubstr("tokens.url (" + dir_.string() + "/ticketcache.toml line 2): a password"));
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_TOKENS_URL", "mysql://u:pw-in-url@h/db"}}),
              HasSubstr("tokens.url (TICKETCACHE_TOKENS_URL): a password in a URL"));
  EXPECT_THAT(LoadError("", {}, {{"bytemark.customer_api", "https://u:pw-in-url@api/"}}),
              HasSubstr("bytemark.customer_api (command line): a password in a URL"));
  // A user without a password is fine everywhere.
  Result<Config> user_only =
      Load("[tokens]\nurl = \"mysql://u@h/db\"\n", {}, {{"store.url", "mysql://u@h/db"}});
  EXPECT_TRUE(user_only.ok());
}

TEST_F(ConfigLoaderTest, ConcurrencyHasOneLimitInEveryLayer) {
  // The flag used to cap at 4,096 while the file took 1,000,000,000 (and opened that many
  // connections' worth of descriptors).
  EXPECT_THAT(LoadError("[refresh]\nconcurrency = 1000000000\n"),
              HasSubstr("refresh.concurrency (" + dir_.string() +
                        "/ticketcache.toml line 2): must be between 1 and 4096"));
  EXPECT_THAT(LoadError("", {{"TICKETCACHE_REFRESH_CONCURRENCY", "4097"}}),
              HasSubstr("refresh.concurrency (TICKETCACHE_REFRESH_CONCURRENCY): must be between"));
  EXPECT_THAT(LoadError("", {}, {{"refresh.concurrency", "5000"}}),
              HasSubstr("refresh.concurrency (command line): must be between 1 and 4096"));
  EXPECT_THAT(LoadError("[refresh]\nconcurrency = 0\n"), HasSubstr("must be between 1 and"));
  Result<Config> at_limit = Load("[refresh]\nconcurrency = 4096\n");
  ASSERT_TRUE(at_limit.ok()) << at_limit.error().ToString();
  EXPECT_EQ(at_limit->refresh.concurrency, kMaxConcurrency);
}

TEST_F(ConfigLoaderTest, BadUrlErrorDoesNotEchoItsPassword) {
  std::string message = LoadError("[store]\nurl = \"postgres://u:pw-in-url@h/db\"\n");
  EXPECT_THAT(message, HasSubstr("store.url"));
  EXPECT_THAT(message, Not(HasSubstr("pw-in-url")));
}

}  // namespace
}  // namespace tc
