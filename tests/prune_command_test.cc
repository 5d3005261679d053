// `ticketcache prune` end to end on SQLite stores: a run builds every cache, tokens go away, and
// prune deletes exactly those users' caches; a dry run deletes nothing; a prune past
// prune.max_fraction is refused with a non-zero exit until --force. (The same prune on MariaDB
// and FerretDB: store_lifecycle_test.)
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "json/js_json.h"
#include "support/job_fixture.h"

namespace tc {
namespace {

void ExecOnPortal(const JobFixture& fixture, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((fixture.dir() + "/portal.db").c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

Json SummaryOf(const ChildResult& result) {
  auto summary = ParseJsJson(result.out);
  EXPECT_TRUE(summary.ok()) << result.out << result.err;
  return summary.ok() ? *summary : Json();
}

TEST(PruneCommandTest, PrunesOrphansRefusesAWipeAndObeysForce) {
  JobFixture fixture(JobFixtureOptions().WithUsers(30).WithConfig("[retention]\naudit = \"1d\"\n"));
  ASSERT_TRUE(fixture.error().empty()) << fixture.error();
  ChildResult run = fixture.Run();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(fixture.AllDocuments().size(), 30u);

  // User 5 unlinks (row deleted), user 6's token is blanked.
  ExecOnPortal(fixture,
               "DELETE FROM bytemark_tokens WHERE user_id = 5;"
               "UPDATE bytemark_tokens SET token = '  ' WHERE user_id = 6;");
  ChildResult dry = fixture.Ticketcache({"prune", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  Json summary = SummaryOf(dry);
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_EQ(summary["dry_run"], true);
  EXPECT_EQ(summary["caches"], 30);
  EXPECT_EQ(summary["orphaned_caches"], 2);
  EXPECT_EQ(summary["pruned_caches"], 0);
  EXPECT_TRUE(summary["audit_deleted"].is_null());  // a dry run applies no retention either
  EXPECT_NE(dry.err.find("would prune"), std::string::npos);
  EXPECT_EQ(fixture.AllDocuments().size(), 30u);

  ChildResult pruned = fixture.Ticketcache({"prune"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  summary = SummaryOf(pruned);
  EXPECT_EQ(summary["pruned_caches"], 2);
  EXPECT_EQ(summary["audit_deleted"], 0);  // every entry is from today
  EXPECT_TRUE(summary["runs_deleted"].is_number());
  EXPECT_FALSE(fixture.Show(5).has_value());
  EXPECT_FALSE(fixture.Show(6).has_value());
  EXPECT_TRUE(fixture.Show(7).has_value());
  EXPECT_EQ(fixture.AllDocuments().size(), 28u);
  for (const char* line : {"\"user_id\":5", "\"user_id\":6"}) {
    EXPECT_NE(pruned.err.find(line), std::string::npos) << "each pruned user is logged";
  }
  EXPECT_EQ(pruned.err.find("\"user_id\":7"), std::string::npos);

  // A truncated token table: 20 of 28 caches would go. Refused, exit 1, nothing deleted.
  ExecOnPortal(fixture, "DELETE FROM bytemark_tokens WHERE user_id > 10;");
  ChildResult refused = fixture.Ticketcache({"prune"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("prune.max_fraction"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_EQ(SummaryOf(refused)["status"], "refused");
  EXPECT_EQ(fixture.AllDocuments().size(), 28u);

  ChildResult forced = fixture.Ticketcache({"prune", "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(SummaryOf(forced)["pruned_caches"], 20);
  EXPECT_EQ(fixture.AllDocuments().size(), 8u);
}

TEST(PruneCommandTest, MaxFractionIsAValidatedSetting) {
  JobFixture fixture(JobFixtureOptions().WithUsers(1));
  ASSERT_TRUE(fixture.error().empty()) << fixture.error();
  ChildResult result = fixture.Ticketcache({"prune"}, {{"TICKETCACHE_PRUNE_MAX_FRACTION", "1.5"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("prune.max_fraction"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace tc
