// An end-to-end setting with the cache in MongoDB: a database of its own on the test server
// (scripts/with-mongo.sh), a simulator, a temp dir, and a config whose tokens are a SQLite demo
// portal or a MariaDB table (scripts/with-mariadb.sh). Used by tests/mongo_*_test.cc.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "json/js_json.h"
#include "support/child_process.h"
#include "support/mongo_test_server.h"
#include "support/sim_process.h"

namespace tc::testing {

class MongoJob {
 public:
  // Nothing runs yet; `mongo()` is nullopt when there is no test server (then skip).
  MongoJob();
  ~MongoJob();  // stops the simulator, drops the database, removes the temp dir
  MongoJob(const MongoJob&) = delete;
  MongoJob& operator=(const MongoJob&) = delete;

  const std::optional<TestMongo>& mongo() const { return mongo_; }
  const std::string& dir() const { return dir_; }
  const std::string& config_path() const { return config_path_; }
  SimProcess& sim() { return *sim_; }

  // Starts the simulator for users 1..users (plus `sim_args`). False (with a failure) if not.
  bool StartSim(int64_t users, std::vector<std::string> sim_args = {});
  // Writes the config: tokens from `tokens_section` (TOML lines of [tokens]), the cache in the
  // test database, `refresh_section` as [refresh].
  void WriteConfig(const std::string& tokens_section, const std::string& refresh_section);
  // tokens = a SQLite demo portal in the temp dir; `init --demo-users users` seeds it.
  static std::string SqliteTokens(const std::string& dir);

  // `ticketcache <args> --config <config>`; `summary` gets stdout parsed as JSON.
  ChildResult Ticketcache(std::vector<std::string> args, Json* summary = nullptr,
                          const std::map<std::string, std::string>& env = {});

  // Every cache document, as JSON.stringify text with each timestamp zeroed (what a refresh
  // decided, independent of when), keyed by user_id; "<unreadable>" for one that does not read.
  std::map<int64_t, std::string> NormalizedDocuments();
  // Documents in a collection of the test database (countDocuments {}).
  int64_t Count(const std::string& collection);
  // Audit entries per (user_id, pass_uuid) that appear more than once.
  int64_t RepeatedAuditEntries();

 private:
  std::optional<TestMongo> mongo_;
  std::string dir_;
  std::string config_path_;
  std::unique_ptr<SimProcess> sim_;
};

}  // namespace tc::testing
