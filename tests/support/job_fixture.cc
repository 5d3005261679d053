#include "support/job_fixture.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

namespace tc {

JobFixture::JobFixture(JobFixtureOptions options) {
  dir_ = MakeTestTempDir("tc_job");
  std::vector<std::string> sim_args{"--users", std::to_string(options.users)};
  sim_args.insert(sim_args.end(), options.sim_args.begin(), options.sim_args.end());
  auto sim = SimProcess::Start(sim_args);
  if (!sim.ok()) {
    error_ = "simulator: " + sim.error().ToString();
    return;
  }
  sim_ = std::move(*sim);
  config_path_ = dir_ + "/ticketcache.toml";
  WriteFile(config_path_,
            fmt::format(
                "[tokens]\nurl = \"sqlite:{0}/portal.db\"\n\n"
                "[store]\nurl = \"sqlite:{0}/cache.db\"\n\n"
                "[bytemark]\ncustomer_api = \"{1}\"\ntimeout = \"3s\"\nconnect_timeout = \"1s\"\n\n"
                "[refresh]\n{2}\n[log]\nlevel = \"info\"\nformat = \"json\"\n\n{3}",
                dir_, sim_->base_url(), options.refresh_section, options.extra_config));
  ChildResult init = Ticketcache({"init", "--demo-users", std::to_string(options.users)});
  if (init.exit_code != 0) error_ = "init failed: " + init.err;
}

JobFixture::~JobFixture() {
  sim_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

ChildResult JobFixture::Ticketcache(std::vector<std::string> args,
                                    const std::map<std::string, std::string>& env) {
  args.push_back("--config");
  args.push_back(config_path_);
  return RunTicketcache(args, env);
}

ChildResult JobFixture::Run(std::vector<std::string> args, Json* summary,
                            const std::map<std::string, std::string>& env) {
  args.insert(args.begin(), "run");
  ChildResult result = Ticketcache(args, env);
  if (summary != nullptr) {
    auto parsed = ParseJsJson(result.out);
    *summary = parsed.ok() ? *parsed : Json();
  }
  return result;
}

std::optional<std::string> JobFixture::Show(int64_t user) {
  ChildResult shown = Ticketcache({"show", std::to_string(user)});
  if (shown.exit_code != 0) return std::nullopt;
  std::string text = shown.out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::map<int64_t, std::string> JobFixture::AllDocuments() {
  std::map<int64_t, std::string> documents;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((dir_ + "/cache.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(db);
    return documents;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT user_id, document FROM BytemarkTicketsCache", -1, &statement,
                         nullptr) == SQLITE_OK) {
    while (sqlite3_step(statement) == SQLITE_ROW) {
      documents[sqlite3_column_int64(statement, 0)] =
          reinterpret_cast<const char*>(sqlite3_column_text(statement, 1));
    }
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return documents;
}

}  // namespace tc
