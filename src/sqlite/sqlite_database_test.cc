#include "sqlite/sqlite_database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "sqlite/sqlite_identifier.h"
#include "sqlite/sqlite_query.h"
#include "sqlite/sqlite_transaction.h"

namespace tc {
namespace {

using ::testing::HasSubstr;

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "tc_sqlite_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/data/x.db";
  }
  void TearDown() override {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add);
    std::error_code ignored;
    std::filesystem::permissions(dir_ + "/data", std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(dir_);
  }

  // A database in WAL mode with one row, closed (so no -wal or -shm file is left).
  void MakeDatabase() {
    auto db = SqliteDatabase::Open(path_, SqliteOpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    ASSERT_TRUE(
        (*db)->ExecScript("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (42);", "seed").ok());
  }

  static int64_t ReadValue(SqliteDatabase& db) {
    auto statement = db.Prepare("SELECT v FROM t");
    if (!statement.ok()) return -1;
    SqliteQuery query(*statement);
    return query.Step() == SQLITE_ROW ? query.Int(0) : -1;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(SqliteDatabaseTest, CreateMakesFileFolderAndWal) {
  MakeDatabase();
  auto db = SqliteDatabase::Open(path_, SqliteOpenMode::kReadWrite);
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  auto mode = (*db)->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  SqliteQuery query(*mode);
  ASSERT_EQ(query.Step(), SQLITE_ROW);
  EXPECT_EQ(query.Text(0), "wal");
}

TEST_F(SqliteDatabaseTest, OnlyCreateCreates) {
  for (SqliteOpenMode mode : {SqliteOpenMode::kReadWrite, SqliteOpenMode::kReadOnly}) {
    auto db = SqliteDatabase::Open(path_, mode);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.error().error_class, ErrorClass::kStore);
    EXPECT_THAT(db.error().message, HasSubstr("sqlite:" + path_ + ": no such database file"));
    EXPECT_FALSE(std::filesystem::exists(path_));
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/data"));
  }
}

TEST_F(SqliteDatabaseTest, ReadOnlyNeverWrites) {
  MakeDatabase();
  auto db = SqliteDatabase::Open(path_, SqliteOpenMode::kReadOnly);
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  EXPECT_EQ(ReadValue(**db), 42);
  Status write = (*db)->Exec("INSERT INTO t VALUES (1)", "insert");
  ASSERT_FALSE(write.ok());
  EXPECT_THAT(write.error().message, HasSubstr("readonly"));
}

// The reported failure: `status` on a store file chmod 0444 in a read-only folder. A WAL reader
// needs the -shm index, which cannot be created there; the read-only open falls back to reading
// the file as immutable. File permissions do not bind root, so the open runs in a child process
// that drops to an unprivileged user when the test runs as root.
TEST_F(SqliteDatabaseTest, ReadOnlyOpenWorksOnReadOnlyFileAndFolder) {
  MakeDatabase();
  ASSERT_FALSE(std::filesystem::exists(path_ + "-shm"));
  ASSERT_EQ(chmod(path_.c_str(), 0444), 0);
  ASSERT_EQ(chmod((dir_ + "/data").c_str(), 0555), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  EXPECT_EXIT(
      {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) std::_Exit(10);
        // Writable opens fail here, as `status` used to.
        if (SqliteDatabase::Open(path_, SqliteOpenMode::kReadWrite).ok()) std::_Exit(11);
        auto db = SqliteDatabase::Open(path_, SqliteOpenMode::kReadOnly);
        if (!db.ok()) {
          std::fprintf(stderr, "%s\n", db.error().ToString().c_str());
          std::_Exit(12);
        }
        std::_Exit(ReadValue(**db) == 42 ? 0 : 13);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_FALSE(std::filesystem::exists(path_ + "-shm"));
}

TEST_F(SqliteDatabaseTest, TransactionRollsBackUnlessCommitted) {
  MakeDatabase();
  auto db = SqliteDatabase::Open(path_, SqliteOpenMode::kReadWrite);
  ASSERT_TRUE(db.ok());
  {
    SqliteTransaction transaction(**db);
    ASSERT_TRUE(transaction.Begin().ok());
    ASSERT_TRUE((*db)->Exec("UPDATE t SET v = 7", "update").ok());
    EXPECT_TRUE((*db)->InTransaction());
  }
  EXPECT_FALSE((*db)->InTransaction());
  EXPECT_EQ(ReadValue(**db), 42);
  {
    SqliteTransaction transaction(**db);
    ASSERT_TRUE(transaction.Begin().ok());
    ASSERT_TRUE((*db)->Exec("UPDATE t SET v = 7", "update").ok());
    ASSERT_TRUE(transaction.Commit().ok());
  }
  EXPECT_EQ(ReadValue(**db), 7);
}

// A store file whose folder is moved (or removed) mid-run: writes would land in a file nobody reads
// again, so no transaction begins.
TEST_F(SqliteDatabaseTest, NoTransactionOnAFileThatIsNoLongerAtItsPath) {
  MakeDatabase();
  auto db = SqliteDatabase::Open(path_, SqliteOpenMode::kReadWrite);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->CheckStillAtPath().ok());
  std::filesystem::rename(dir_ + "/data", dir_ + "/moved");
  SqliteTransaction moved(**db);
  Status refused = moved.Begin();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().error_class, ErrorClass::kStore);
  EXPECT_NE(refused.error().message.find("moved or deleted"), std::string::npos);
  std::filesystem::rename(dir_ + "/moved", dir_ + "/data");
  {
    SqliteTransaction back(**db);
    EXPECT_TRUE(back.Begin().ok());  // back at its path: writes are fine again
  }
  std::filesystem::remove_all(dir_ + "/data");
  SqliteTransaction removed(**db);
  EXPECT_FALSE(removed.Begin().ok());
}

TEST_F(SqliteDatabaseTest, StatementsAreCached) {
  MakeDatabase();
  auto db = SqliteDatabase::Open(path_, SqliteOpenMode::kReadOnly);
  ASSERT_TRUE(db.ok());
  auto first = (*db)->Prepare("SELECT v FROM t");
  auto second = (*db)->Prepare("SELECT v FROM t");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
}

TEST(SqliteIdentifierTest, QuotesPlainNamesOnly) {
  EXPECT_EQ(QuoteSqliteIdentifier("bytemark_tokens", "tokens.table").value(),
            "\"bytemark_tokens\"");
  auto bad = QuoteSqliteIdentifier("t\"; DROP TABLE x", "tokens.table");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().error_class, ErrorClass::kConfig);
  EXPECT_THAT(bad.error().message, HasSubstr("tokens.table"));
}

TEST(SqliteIdArrayTest, JsonArray) {
  const int64_t ids[] = {1, -2, 3};
  EXPECT_EQ(SqliteIdArray(ids), "[1,-2,3]");
  EXPECT_EQ(SqliteIdArray({}), "[]");
}

}  // namespace
}  // namespace tc
