// The MongoDB store against a real server (TICKETCACHE_TEST_MONGODB_URI), looking at the raw
// BSON the Node job's apps would read: indexes from init, Node-driver typing, documents the Node
// job wrote (ObjectId _id, no _tc_version, extra fields) read and replaced in place, an app's
// rewrite between read and write detected. The generic contract is in
// cache_store_conformance_test.cc.
#include <gtest/gtest.h>
#include <mongoc/mongoc.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "document/cache_document.h"
#include "json/js_json.h"
#include "mongo/bson_codec.h"
#include "mongo/mongo_cache_store.h"
#include "mongo/mongo_store_documents.h"
#include "support/mongo_test_server.h"

namespace tc::testing {
namespace {

struct CollectionDeleter {
  void operator()(mongoc_collection_t* collection) const { mongoc_collection_destroy(collection); }
};
using CollectionPtr = std::unique_ptr<mongoc_collection_t, CollectionDeleter>;

class MongoStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test_ = FindTestMongo();
    if (!test_) GTEST_SKIP() << "skipped: " << kMongoSkipReason;
    auto store = MongoCacheStore::Open(test_->config, test_->options);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(store).value();
    Status init = store_->Init();
    ASSERT_TRUE(init.ok()) << init.error().ToString();
    raw_ = RawMongo::Connect(*test_);
    ASSERT_TRUE(raw_.has_value());
  }
  void TearDown() override {
    store_.reset();
    if (test_) DropTestMongoCollections(*test_);
  }

  CollectionPtr Cache() const {
    return CollectionPtr(raw_->Collection(test_->config.cache_collection));
  }

  // The one raw document of `user_id` in the cache collection.
  BsonDocument RawDocument(int64_t user_id) const {
    CollectionPtr cache = Cache();
    BsonDocument filter;
    BSON_APPEND_INT64(filter.get(), "user_id", user_id);
    mongoc_cursor_t* cursor =
        mongoc_collection_find_with_opts(cache.get(), filter.get(), nullptr, nullptr);
    const bson_t* found = nullptr;
    BsonDocument copy;
    if (mongoc_cursor_next(cursor, &found)) {
      copy = BsonDocument(bson_copy(found));
    } else {
      ADD_FAILURE() << "no document for user " << user_id;
    }
    mongoc_cursor_destroy(cursor);
    return copy;
  }

  static bson_type_t TypeAt(const bson_t& document, const char* dotted) {
    bson_iter_t iter;
    bson_iter_t found;
    if (!bson_iter_init(&iter, &document) || !bson_iter_find_descendant(&iter, dotted, &found)) {
      return BSON_TYPE_EOD;
    }
    return bson_iter_type(&found);
  }

  void InsertRaw(const char* extended_json) {
    bson_error_t error;
    BsonDocument document(
        bson_new_from_json(reinterpret_cast<const uint8_t*>(extended_json), -1, &error));
    ASSERT_NE(document.get(), nullptr) << error.message;
    CollectionPtr cache = Cache();
    ASSERT_TRUE(mongoc_collection_insert_one(cache.get(), document.get(), nullptr, nullptr, &error))
        << error.message;
  }

  std::optional<TestMongo> test_;
  std::unique_ptr<MongoCacheStore> store_;
  std::optional<RawMongo> raw_;
};

CacheDocument DocumentWithPayload(int64_t user_id, int64_t timestamp, const char* payload_text) {
  Result<Json> payload = ParseJsJson(payload_text);
  EXPECT_TRUE(payload.ok());
  CacheDocument document;
  document.user_id = user_id;
  document.timestamp = timestamp;
  PassEntry entry;
  entry.payload = *payload;
  entry.pass_uuid = entry.payload->value("uuid", "");
  entry.status = entry.payload->value("status", "");
  entry.timestamp = timestamp;
  entry.payload_hash = PayloadHash(entry.payload);
  document.passes.push_back(entry);
  return document;
}

TEST_F(MongoStoreTest, InitCreatesTheIndexesAndIsIdempotent) {
  ASSERT_TRUE(store_->Init().ok());
  CollectionPtr cache = Cache();
  mongoc_cursor_t* cursor = mongoc_collection_find_indexes_with_opts(cache.get(), nullptr);
  std::map<std::string, bool> unique_by_name;
  const bson_t* index = nullptr;
  while (mongoc_cursor_next(cursor, &index)) {
    bson_iter_t iter;
    std::string name;
    if (bson_iter_init_find(&iter, index, "name")) name = bson_iter_utf8(&iter, nullptr);
    unique_by_name[name] = bson_iter_init_find(&iter, index, "unique") && bson_iter_as_bool(&iter);
  }
  mongoc_cursor_destroy(cursor);
  ASSERT_TRUE(unique_by_name.count("user_id_1"));
  EXPECT_TRUE(unique_by_name["user_id_1"]);
  ASSERT_TRUE(unique_by_name.count("timestamp_1"));
  EXPECT_FALSE(unique_by_name["timestamp_1"]);
}

TEST_F(MongoStoreTest, WrittenDocumentIsTypedAsTheNodeDriverTypesIt) {
  const CacheDocument document = DocumentWithPayload(
      7, 1700000000,
      R"({"uuid":"p1","status":"USABLE","price":2.50,"count":3,"exp":1E3,"big":5000000000,"neg":-0})");
  ASSERT_TRUE(store_->Replace(document, std::nullopt, {}).ok());
  BsonDocument raw = RawDocument(7);
  EXPECT_EQ(TypeAt(*raw, "_id"), BSON_TYPE_OID);
  EXPECT_EQ(TypeAt(*raw, "user_id"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeAt(*raw, "timestamp"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeAt(*raw, "passes.0.timestamp"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeAt(*raw, "passes.0.free_ticket_status"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeAt(*raw, "passes.0.payload.price"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeAt(*raw, "passes.0.payload.count"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeAt(*raw, "passes.0.payload.exp"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeAt(*raw, "passes.0.payload.big"), BSON_TYPE_DOUBLE);
  // -0 is sent as a double; FerretDB stores it as 0 (docs/stores.md), MongoDB keeps it.
  if (!TestMongoIsFerretDb(*test_)) {
    EXPECT_EQ(TypeAt(*raw, "passes.0.payload.neg"), BSON_TYPE_DOUBLE);
  }
  EXPECT_EQ(TypeAt(*raw, "passes4"), BSON_TYPE_ARRAY);
  EXPECT_EQ(TypeAt(*raw, "_tc_version"), BSON_TYPE_INT32);

  auto loaded = store_->Load(7);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ(JsStringify(DocumentToJson((*loaded)->document)),
            JsStringify(DocumentToJson(document)));
}

TEST_F(MongoStoreTest, SeedDocumentIsReplacedInPlaceKeepingIdAndExtraFields) {
  InsertRaw(R"({"_id":{"$oid":"65a000000000000000000001"},"user_id":{"$numberInt":"8"},)"
            R"("timestamp":{"$numberDouble":"1700000000.5"},"passes":[],"passes4":[],)"
            R"("__v":{"$numberInt":"0"}})");
  auto loaded = store_->Load(8);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->document.timestamp, 1700000000);

  Status replaced =
      store_->Replace(DocumentWithPayload(8, 1700003600, R"({"uuid":"p","status":"USABLE"})"),
                      (*loaded)->version, {});
  ASSERT_TRUE(replaced.ok()) << replaced.error().ToString();
  BsonDocument raw = RawDocument(8);
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init_find(&iter, raw.get(), "_id"));
  char oid[25];
  bson_oid_to_string(bson_iter_oid(&iter), oid);
  EXPECT_STREQ(oid, "65a000000000000000000001");
  EXPECT_EQ(TypeAt(*raw, "__v"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeAt(*raw, "timestamp"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeAt(*raw, "passes.0.pass_uuid"), BSON_TYPE_UTF8);
}

TEST_F(MongoStoreTest, AnAppRewriteBetweenReadAndWriteIsAConflict) {
  ASSERT_TRUE(store_
                  ->Replace(DocumentWithPayload(9, 1700000000, R"({"uuid":"a","status":"USABLE"})"),
                            std::nullopt, {})
                  .ok());
  auto loaded = store_->Load(9);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  // The Node job's on-demand refresh rewrites the document without knowing _tc_version.
  CollectionPtr cache = Cache();
  bson_error_t error;
  BsonDocument filter;
  BSON_APPEND_INT32(filter.get(), "user_id", 9);
  BsonDocument update(bson_new_from_json(
      reinterpret_cast<const uint8_t*>(R"({"$set":{"timestamp":1700000042,"passes":[]}})"), -1,
      &error));
  ASSERT_TRUE(mongoc_collection_update_one(cache.get(), filter.get(), update.get(), nullptr,
                                           nullptr, &error))
      << error.message;
  Status replaced =
      store_->Replace(DocumentWithPayload(9, 1700003600, R"({"uuid":"b","status":"USABLE"})"),
                      (*loaded)->version, {});
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(replaced.error().error_class, ErrorClass::kConflict);
  auto after = store_->Load(9);
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->document.timestamp, 1700000042);
  EXPECT_TRUE((*after)->document.passes.empty());
}

TEST_F(MongoStoreTest, FreshnessAcceptsInt64AndDoubleFieldsOfOtherWriters) {
  InsertRaw(R"({"user_id":{"$numberLong":"10"},"timestamp":{"$numberLong":"1700000000"},)"
            R"("passes":[],"passes4":[]})");
  InsertRaw(R"({"user_id":{"$numberDouble":"11"},"timestamp":{"$numberDouble":"1700000001"},)"
            R"("passes":[],"passes4":[]})");
  const std::vector<int64_t> ids = {10, 11, 12};
  auto found = store_->CacheTimestamps(ids);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  std::map<int64_t, int64_t> timestamps;
  for (const CacheTimestamp& entry : *found) timestamps[entry.user_id] = entry.timestamp;
  EXPECT_EQ(timestamps, (std::map<int64_t, int64_t>{{10, 1700000000}, {11, 1700000001}}));
}

// The CacheStore contract: kStore means the document is unchanged. Here the audit insert fails
// (the log collection's name is invalid) while the cache collection is fine: before the audit
// went first, the document was written and kStore reported anyway.
TEST_F(MongoStoreTest, ReplaceWhoseAuditCannotBeWrittenLeavesTheDocumentUnchanged) {
  const CacheDocument first =
      DocumentWithPayload(12, 1700000000, R"({"uuid":"a","status":"USABLE"})");
  ASSERT_TRUE(store_->Replace(first, std::nullopt, {}).ok());
  auto loaded = store_->Load(12);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());

  TestMongo broken = *test_;
  broken.config.log_collection = "log$invalid";
  auto broken_store = MongoCacheStore::Open(broken.config, broken.options);
  ASSERT_TRUE(broken_store.ok()) << broken_store.error().ToString();
  AuditEntry audit;
  audit.user_id = 12;
  audit.pass_uuid = "b";
  audit.status = "USABLE";
  audit.payload = Json{{"uuid", "b"}, {"status", "USABLE"}};
  audit.payload_hash = PayloadHash(audit.payload);
  audit.timestamp = 1700003600;
  const CacheDocument second =
      DocumentWithPayload(12, 1700003600, R"({"uuid":"b","status":"USABLE"})");
  Status replaced = (*broken_store)->Replace(second, (*loaded)->version, {&audit, 1});
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(replaced.error().error_class, ErrorClass::kStore) << replaced.error().ToString();

  auto after = store_->Load(12);
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->version, (*loaded)->version);
  EXPECT_EQ(JsStringify(DocumentToJson((*after)->document)), JsStringify(DocumentToJson(first)));
  // And the same Replace through a working store succeeds on that unchanged version.
  ASSERT_TRUE(store_->Replace(second, (*loaded)->version, {&audit, 1}).ok());
  auto log = store_->AuditLog(12);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 1u);
}

// Audit entries an earlier attempt on the same base left behind (it failed before the document
// was written) are found again by their ids, not written twice.
TEST_F(MongoStoreTest, RetriedReplaceDoesNotDuplicateAuditEntriesLeftByAFailedAttempt) {
  AuditEntry audit;
  audit.user_id = 13;
  audit.pass_uuid = "a";
  audit.status = "USABLE";
  audit.payload = Json{{"uuid", "a"}, {"status", "USABLE"}};
  audit.payload_hash = PayloadHash(audit.payload);
  audit.timestamp = 1700000000;
  // What the failed attempt left: the entry, under the id Replace gives it.
  auto leftover = AuditDocument(audit, AuditEntryId(audit, std::nullopt, 0));
  ASSERT_TRUE(leftover.ok());
  CollectionPtr log(raw_->Collection(test_->config.log_collection));
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_insert_one(log.get(), leftover->get(), nullptr, nullptr, &error))
      << error.message;

  const CacheDocument document =
      DocumentWithPayload(13, 1700000000, R"({"uuid":"a","status":"USABLE"})");
  Status replaced = store_->Replace(document, std::nullopt, {&audit, 1});
  ASSERT_TRUE(replaced.ok()) << replaced.error().ToString();
  auto entries = store_->AuditLog(13);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 1u);
  // A conflicting Replace takes back what it inserted, and only that.
  AuditEntry other = audit;
  other.pass_uuid = "z";
  other.payload_hash = "0123";
  EXPECT_EQ(store_->Replace(document, std::nullopt, {&other, 1}).error().error_class,
            ErrorClass::kConflict);
  entries = store_->AuditLog(13);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(entries->front().pass_uuid, "a");
}

// `init` over the Node job's collection as it is: documents stay byte for byte, the indexes are
// added, and running it again changes nothing.
TEST_F(MongoStoreTest, InitOverTheNodeJobsCollectionKeepsEveryDocument) {
  store_.reset();
  ASSERT_TRUE(DropTestMongoCollections(*test_));
  for (int user = 20; user < 25; ++user) {
    InsertRaw(("{\"user_id\":" + std::to_string(user) +
               R"(,"timestamp":1700000000,"passes":[{"pass_uuid":"p","timestamp":1700000000,)"
               R"("status":"USABLE","free_ticket_status":0,"payload":{"uuid":"p","fare":2.5},)"
               R"("payload_hash":"x"}],"passes4":[]})")
                  .c_str());
  }
  auto before = [&] {
    std::map<int64_t, std::string> documents;
    for (int user = 20; user < 25; ++user) {
      BsonDocument raw = RawDocument(user);
      documents[user] =
          std::string(reinterpret_cast<const char*>(bson_get_data(raw.get())), raw.get()->len);
    }
    return documents;
  };
  const std::map<int64_t, std::string> seeded = before();
  auto store = MongoCacheStore::Open(test_->config, test_->options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Init().ok());
  ASSERT_TRUE((*store)->Init().ok());
  EXPECT_EQ(before(), seeded);
  auto loaded = (*store)->Load(22);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->document.passes.at(0).payload_hash, "x");
}

// The Node service may have made its own non-unique index on user_id: init says so (MongoDB
// refuses the unique one by name; FerretDB answers "exists", so init checks the listing).
TEST_F(MongoStoreTest, InitRefusesANonUniqueUserIdIndexItCannotReplace) {
  store_.reset();
  ASSERT_TRUE(DropTestMongoCollections(*test_));
  InsertRaw(R"({"user_id":1,"timestamp":1700000000,"passes":[],"passes4":[]})");
  bson_error_t error;
  BsonDocument command(
      bson_new_from_json(reinterpret_cast<const uint8_t*>(
                             (R"({"createIndexes":")" + test_->config.cache_collection +
                              R"(","indexes":[{"key":{"user_id":1},"name":"user_id_1"}]})")
                                 .c_str()),
                         -1, &error));
  ASSERT_NE(command.get(), nullptr) << error.message;
  mongoc_database_t* database = raw_->Database();
  ASSERT_TRUE(
      mongoc_database_write_command_with_opts(database, command.get(), nullptr, nullptr, &error))
      << error.message;
  mongoc_database_destroy(database);
  auto store = MongoCacheStore::Open(test_->config, test_->options);
  ASSERT_TRUE(store.ok());
  Status init = (*store)->Init();
  ASSERT_FALSE(init.ok());
  EXPECT_EQ(init.error().error_class, ErrorClass::kStore);
  EXPECT_NE(init.error().message.find("docs/stores.md"), std::string::npos) << init.error().message;
}

// A lone surrogate (held as WTF-8) is stored as the Node driver stores it: U+FFFD.
TEST_F(MongoStoreTest, LoneSurrogateIsStoredAsReplacementCharacter) {
  CacheDocument document = DocumentWithPayload(14, 1700000000, R"({"uuid":"s","status":"USABLE"})");
  document.passes[0].payload.Mutable()["name"] = "a\xED\xA0\x80z";
  ASSERT_TRUE(store_->Replace(document, std::nullopt, {}).ok());
  BsonDocument raw = RawDocument(14);
  bson_iter_t iter;
  bson_iter_t name;
  ASSERT_TRUE(bson_iter_init(&iter, raw.get()) &&
              bson_iter_find_descendant(&iter, "passes.0.payload.name", &name));
  uint32_t length = 0;
  const char* text = bson_iter_utf8(&name, &length);
  EXPECT_EQ(std::string(text, length), "a\xEF\xBF\xBDz");
}

}  // namespace
}  // namespace tc::testing
