// An end-to-end setting for integration tests: a temp directory with SQLite portal and cache
// databases, a running simulator, a config file pointing at both, and the ticketcache binary.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "json/js_json.h"
#include "support/child_process.h"
#include "support/sim_process.h"

namespace tc {

struct JobFixtureOptions {
  int64_t users = 100;
  std::vector<std::string> sim_args;  // extra simulator flags, e.g. {"--latency-ms", "5"}
  std::string extra_config;           // appended TOML (e.g. "[refresh]\nconcurrency = 4\n")
  std::string refresh_section =       // the [refresh] section
      "concurrency = 16\nretries = 1\nretry_base_delay = \"10ms\"\nretry_max_delay = \"50ms\"\n"
      "lock_ttl = \"3s\"\n";

  JobFixtureOptions& WithUsers(int64_t count) {
    users = count;
    return *this;
  }
  JobFixtureOptions& WithSim(std::vector<std::string> args) {
    sim_args = std::move(args);
    return *this;
  }
  JobFixtureOptions& WithConfig(std::string toml) {
    extra_config = std::move(toml);
    return *this;
  }
  JobFixtureOptions& WithRefresh(std::string toml) {
    refresh_section = std::move(toml);
    return *this;
  }
};

class JobFixture {
 public:
  // Starts everything and seeds the portal; on failure `error()` says why.
  explicit JobFixture(JobFixtureOptions options);
  ~JobFixture();

  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  const std::string& config_path() const { return config_path_; }
  SimProcess& sim() { return *sim_; }

  // `ticketcache <args> --config <config>`.
  ChildResult Ticketcache(std::vector<std::string> args,
                          const std::map<std::string, std::string>& env = {});
  // Runs `ticketcache run <args>`; the summary is the one JSON object on stdout.
  ChildResult Run(std::vector<std::string> args = {}, Json* summary = nullptr,
                  const std::map<std::string, std::string>& env = {});
  // The stored document's exact JSON text (as `show` prints it), or nullopt.
  std::optional<std::string> Show(int64_t user);
  // Every stored document's text, read straight from the SQLite cache database.
  std::map<int64_t, std::string> AllDocuments();

 private:
  std::string dir_;
  std::string config_path_;
  std::unique_ptr<SimProcess> sim_;
  std::string error_;
};

}  // namespace tc
