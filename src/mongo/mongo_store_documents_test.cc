#include "mongo/mongo_store_documents.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tc {
namespace {

std::string Canonical(const bson_t& document) {
  size_t length = 0;
  char* text = bson_as_canonical_extended_json(&document, &length);
  std::string result(text, length);
  bson_free(text);
  return result;
}

CacheDocument SmallDocument(int64_t user_id, int64_t timestamp) {
  CacheDocument document;
  document.user_id = user_id;
  document.timestamp = timestamp;
  PassEntry entry;
  entry.pass_uuid = "p1";
  entry.timestamp = timestamp;
  entry.status = "USABLE";
  entry.payload = Json{{"uuid", "p1"}, {"status", "USABLE"}};
  entry.payload_hash = PayloadHash(entry.payload);
  document.passes.push_back(entry);
  return document;
}

TEST(MongoDocumentVersionTest, PacksAndUnpacksBothParts) {
  for (MongoDocumentVersion version :
       {MongoDocumentVersion{0, 0}, MongoDocumentVersion{0, 1700000000},
        MongoDocumentVersion{7, 4294967295}, MongoDocumentVersion{2147483647, 1}}) {
    Result<int64_t> packed = PackMongoVersion(version);
    ASSERT_TRUE(packed.ok()) << packed.error().ToString();
    MongoDocumentVersion back = UnpackMongoVersion(*packed);
    EXPECT_EQ(back.tc_version, version.tc_version);
    EXPECT_EQ(back.timestamp, version.timestamp);
  }
  // Same timestamp, different writes: different versions.
  EXPECT_NE(*PackMongoVersion({1, 1700000000}), *PackMongoVersion({2, 1700000000}));
}

TEST(MongoDocumentVersionTest, OutOfRangePartsAreMalformed) {
  for (MongoDocumentVersion version :
       {MongoDocumentVersion{0, -1}, MongoDocumentVersion{0, int64_t{1} << 32},
        MongoDocumentVersion{-1, 5}, MongoDocumentVersion{int64_t{1} << 31, 5}}) {
    Result<int64_t> packed = PackMongoVersion(version);
    ASSERT_FALSE(packed.ok());
    EXPECT_EQ(packed.error().error_class, ErrorClass::kMalformed);
  }
}

TEST(MongoStoreDocumentsTest, StoredDocumentVersionComesFromTcVersionAndTimestamp) {
  Result<BsonDocument> seed = DocumentToBson(SmallDocument(5, 1700000000));
  ASSERT_TRUE(seed.ok());
  // A document the Node job wrote: no _tc_version, so version 0.
  Result<StoredDocument> stored = StoredDocumentFromBson(**seed);
  ASSERT_TRUE(stored.ok()) << stored.error().ToString();
  EXPECT_EQ(UnpackMongoVersion(stored->version).tc_version, 0);
  EXPECT_EQ(UnpackMongoVersion(stored->version).timestamp, 1700000000);
  EXPECT_EQ(stored->document.user_id, 5);

  // A document ticketcache wrote.
  Result<BsonDocument> ours = NewCacheDocument(SmallDocument(5, 1700000000));
  ASSERT_TRUE(ours.ok());
  stored = StoredDocumentFromBson(**ours);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(UnpackMongoVersion(stored->version).tc_version, 1);

  BsonDocument bad;
  bson_concat(bad.get(), seed->get());
  BSON_APPEND_UTF8(bad.get(), kTcVersionField, "one");
  stored = StoredDocumentFromBson(*bad);
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.error().error_class, ErrorClass::kMalformed);
}

TEST(MongoStoreDocumentsTest, NewDocumentIsTheSeedShapeThenTcVersion) {
  Result<BsonDocument> document = NewCacheDocument(SmallDocument(5, 1700000000));
  ASSERT_TRUE(document.ok());
  std::vector<std::string> keys;
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init(&iter, document->get()));
  while (bson_iter_next(&iter)) keys.emplace_back(bson_iter_key(&iter));
  EXPECT_EQ(keys,
            (std::vector<std::string>{"user_id", "timestamp", "passes", "passes4", "_tc_version"}));
  EXPECT_NE(Canonical(**document).find(R"("_tc_version" : { "$numberInt" : "1" })"),
            std::string::npos)
      << Canonical(**document);
}

TEST(MongoStoreDocumentsTest, ConditionalFilterPinsUserVersionAndTimestampSecond) {
  BsonDocument first = ConditionalReplaceFilter(5, {0, 1700000000});
  EXPECT_EQ(BsonToRelaxedJson(*first),
            R"({ "user_id" : 5, "_tc_version" : { "$in" : [ null, 0 ] }, )"
            R"("timestamp" : { "$gte" : 1700000000, "$lt" : 1700000001 } })");
  BsonDocument later = ConditionalReplaceFilter(5, {3, 1700000500});
  EXPECT_EQ(BsonToRelaxedJson(*later),
            R"({ "user_id" : 5, "_tc_version" : 3, )"
            R"("timestamp" : { "$gte" : 1700000500, "$lt" : 1700000501 } })");
}

TEST(MongoStoreDocumentsTest, ReplaceUpdateSetsTheSeedFieldsAndTheNextVersion) {
  Result<BsonDocument> update = ReplaceUpdate(SmallDocument(5, 1700000600), 4);
  ASSERT_TRUE(update.ok());
  const std::string text = BsonToRelaxedJson(**update);
  EXPECT_EQ(text.rfind(R"({ "$set" : { "user_id" : 5, "timestamp" : 1700000600, "passes" : [ )", 0),
            0u)
      << text;
  EXPECT_NE(text.find(R"("passes4" : [  ], "_tc_version" : 4 } })"), std::string::npos) << text;
}

TEST(MongoStoreDocumentsTest, FreshnessQueryIsOneInWithAProjection) {
  const std::vector<int64_t> ids = {3, 1, 5000000000};
  EXPECT_EQ(BsonToRelaxedJson(*TimestampsFilter(ids)),
            R"({ "user_id" : { "$in" : [ 3, 1, 5000000000 ] } })");
  EXPECT_EQ(BsonToRelaxedJson(*TimestampsProjection()),
            R"({ "_id" : 0, "user_id" : 1, "timestamp" : 1 })");

  BsonDocument projected;
  BSON_APPEND_DOUBLE(projected.get(), "user_id", 5000000000.0);
  BSON_APPEND_INT32(projected.get(), "timestamp", 1700000000);
  std::optional<CacheTimestamp> timestamp = CacheTimestampFromBson(*projected);
  ASSERT_TRUE(timestamp.has_value());
  EXPECT_EQ(timestamp->user_id, 5000000000);
  EXPECT_EQ(timestamp->timestamp, 1700000000);

  BsonDocument no_timestamp;
  BSON_APPEND_INT32(no_timestamp.get(), "user_id", 1);
  EXPECT_FALSE(CacheTimestampFromBson(*no_timestamp).has_value());
}

TEST(MongoStoreDocumentsTest, CreateIndexesCommandListsEveryIndex) {
  const MongoIndex indexes[] = {{"user_id_1", {{"user_id", 1}}, true},
                                {"timestamp_1", {{"timestamp", 1}}, false}};
  EXPECT_EQ(BsonToRelaxedJson(*CreateIndexesCommand("BytemarkTicketsCache", indexes)),
            R"({ "createIndexes" : "BytemarkTicketsCache", "indexes" : [ )"
            R"({ "key" : { "user_id" : 1 }, "name" : "user_id_1", "unique" : true }, )"
            R"({ "key" : { "timestamp" : 1 }, "name" : "timestamp_1" } ] })");
}

TEST(MongoStoreDocumentsTest, AuditDocumentHasAnObjectIdThenTheSeedFieldsAndReadsBack) {
  AuditEntry entry;
  entry.user_id = 9;
  entry.pass_uuid = "p1";
  entry.list = PassListKind::kExpired;
  entry.created = true;
  entry.status = "EXPIRED";
  entry.payload = Json{{"uuid", "p1"}, {"fare", 2.5}};
  entry.payload_hash = PayloadHash(entry.payload);
  entry.timestamp = 1700000000;
  const bson_oid_t id = AuditEntryId(entry, std::nullopt, 0);
  Result<BsonDocument> document = AuditDocument(entry, id);
  ASSERT_TRUE(document.ok());
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init(&iter, document->get()));
  ASSERT_TRUE(bson_iter_next(&iter));
  EXPECT_STREQ(bson_iter_key(&iter), "_id");
  ASSERT_EQ(bson_iter_type(&iter), BSON_TYPE_OID);
  EXPECT_TRUE(bson_oid_equal(bson_iter_oid(&iter), &id));
  ASSERT_TRUE(bson_iter_find(&iter, "payload"));
  bson_iter_t fare;
  ASSERT_TRUE(bson_iter_recurse(&iter, &fare) && bson_iter_find(&fare, "fare"));
  EXPECT_EQ(bson_iter_type(&fare), BSON_TYPE_DOUBLE);
  ASSERT_TRUE(bson_iter_find(&iter, "timestamp"));
  EXPECT_EQ(bson_iter_type(&iter), BSON_TYPE_INT32);

  Result<AuditEntry> back = AuditEntryFromBson(**document);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->user_id, 9);
  EXPECT_EQ(back->pass_uuid, "p1");
  EXPECT_EQ(back->list, PassListKind::kExpired);
  EXPECT_TRUE(back->created);
  EXPECT_EQ(back->status, "EXPIRED");
  EXPECT_EQ(JsStringify(back->payload), JsStringify(entry.payload));
  EXPECT_EQ(back->payload_hash, entry.payload_hash);
  EXPECT_EQ(back->timestamp, 1700000000);

  BsonDocument partial;
  BSON_APPEND_INT32(partial.get(), "user_id", 9);
  EXPECT_FALSE(AuditEntryFromBson(*partial).ok());
}

AuditEntry Change(const char* uuid, int64_t timestamp) {
  AuditEntry entry;
  entry.user_id = 4;
  entry.pass_uuid = uuid;
  entry.created = false;
  entry.status = "USABLE";
  entry.payload = Json{{"uuid", uuid}};
  entry.payload_hash = PayloadHash(entry.payload);
  entry.timestamp = timestamp;
  return entry;
}

std::string OidText(const bson_oid_t& id) {
  char text[25];
  bson_oid_to_string(&id, text);
  return text;
}

TEST(MongoStoreDocumentsTest, AuditIdsAreDeterministicPerBaseAndOrderedByBaseThenIndex) {
  const AuditEntry a = Change("a", 1700000000);
  const int64_t base = *PackMongoVersion({.tc_version = 3, .timestamp = 1699990000});
  const int64_t next_base = *PackMongoVersion({.tc_version = 4, .timestamp = 1700000000});
  // Same entry, same base, same place: the same id (a retried Replace finds its entries), also
  // when the retry comes from a later run, whose entries carry a later timestamp.
  EXPECT_EQ(OidText(AuditEntryId(a, base, 0)), OidText(AuditEntryId(a, base, 0)));
  EXPECT_EQ(OidText(AuditEntryId(a, base, 0)),
            OidText(AuditEntryId(Change("a", 1700003600), base, 0)));
  EXPECT_EQ(OidText(AuditEntryId(a, std::nullopt, 0)),
            OidText(AuditEntryId(Change("a", 1700003600), std::nullopt, 0)));
  // Another base (the pass changed back and forth), another place, another pass: other ids. A
  // first document built again on another day (pruned, then a new token): other ids.
  EXPECT_NE(OidText(AuditEntryId(a, base, 0)), OidText(AuditEntryId(a, next_base, 0)));
  EXPECT_NE(OidText(AuditEntryId(a, base, 0)), OidText(AuditEntryId(a, std::nullopt, 0)));
  EXPECT_NE(OidText(AuditEntryId(a, base, 0)),
            OidText(AuditEntryId(Change("b", 1700000000), base, 0)));
  EXPECT_NE(OidText(AuditEntryId(a, std::nullopt, 0)),
            OidText(AuditEntryId(Change("a", 1700000000 + 86400), std::nullopt, 0)));
  // The first 4 bytes are the base's timestamp (a first document: the entry's UTC day); then the
  // index within the Replace.
  const bson_oid_t first = AuditEntryId(Change("z", 1700000000), base, 0);
  const bson_oid_t second = AuditEntryId(Change("a", 1700000000), base, 1);
  const bson_oid_t later = AuditEntryId(Change("a", 1700000001), next_base, 0);
  EXPECT_EQ(bson_oid_get_time_t(&first), 1699990000);
  EXPECT_EQ(bson_oid_get_time_t(&later), 1700000000);
  const bson_oid_t created = AuditEntryId(Change("a", 1700000000), std::nullopt, 0);
  EXPECT_EQ(bson_oid_get_time_t(&created), 1700000000 / 86400 * 86400);
  EXPECT_LT(bson_oid_compare(&first, &second), 0);
  EXPECT_LT(bson_oid_compare(&second, &later), 0);
}

BsonDocument Reply(const char* json) {
  bson_error_t error;
  BsonDocument reply(bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error));
  EXPECT_NE(reply.get(), nullptr) << error.message;
  return reply;
}

TEST(MongoStoreDocumentsTest, OnlyDuplicateKeyErrorsOfABulkInsertAreTolerated) {
  EXPECT_EQ(
      OnlyDuplicateKeyErrors(*Reply(R"({"nInserted":2,"writeErrors":[{"index":0,"code":11000},)"
                                    R"({"index":3,"code":11000}]})"),
                             4),
      (std::vector<size_t>{0, 3}));
  // Another error, a write concern error, a count that does not add up, no errors at all.
  EXPECT_FALSE(OnlyDuplicateKeyErrors(
      *Reply(R"({"nInserted":2,"writeErrors":[{"index":0,"code":11000},{"index":1,"code":2}]})"),
      4));
  EXPECT_FALSE(
      OnlyDuplicateKeyErrors(*Reply(R"({"nInserted":3,"writeErrors":[{"index":0,"code":11000}],)"
                                    R"("writeConcernErrors":[{"code":64}]})"),
                             4));
  EXPECT_FALSE(OnlyDuplicateKeyErrors(
      *Reply(R"({"nInserted":1,"writeErrors":[{"index":0,"code":11000}]})"), 4));
  EXPECT_FALSE(OnlyDuplicateKeyErrors(*Reply(R"({"nInserted":0})"), 4));
}

TEST(MongoStoreDocumentsTest, UserStateAndRunRoundTrip) {
  UserState state;
  state.user_id = 12;
  state.consecutive_failures = 3;
  state.last_error_class = "transient";
  state.last_error_message = "HTTP 503 ü";
  state.last_attempt_at = 1700000000;
  state.next_attempt_at = 1700003600;
  state.token_fingerprint = "ab12";
  Result<UserState> state_back = UserStateFromBson(*UserStateDocument(state));
  ASSERT_TRUE(state_back.ok());
  EXPECT_EQ(state_back->user_id, 12);
  EXPECT_EQ(state_back->consecutive_failures, 3);
  EXPECT_EQ(state_back->last_error_class, "transient");
  EXPECT_EQ(state_back->last_error_message, "HTTP 503 ü");
  EXPECT_EQ(state_back->last_attempt_at, 1700000000);
  EXPECT_EQ(state_back->next_attempt_at, 1700003600);
  EXPECT_EQ(state_back->token_fingerprint, "ab12");

  RunRecord run{"run-1", 1000, 2000, "ok", "1/4", R"({"users_seen":3})"};
  Result<RunRecord> run_back = RunFromBson(*RunDocument(run));
  ASSERT_TRUE(run_back.ok());
  EXPECT_EQ(run_back->run_id, "run-1");
  EXPECT_EQ(run_back->started_at_ms, 1000);
  EXPECT_EQ(run_back->finished_at_ms, 2000);
  EXPECT_EQ(run_back->status, "ok");
  EXPECT_EQ(run_back->shard, "1/4");
  EXPECT_EQ(run_back->summary_json, R"({"users_seen":3})");
}

TEST(MongoStoreDocumentsTest, LockFilterTakesFreeExpiredOrOwnLocks) {
  EXPECT_EQ(BsonToRelaxedJson(*LockFilter("run", "host-1", 5000)),
            R"({ "_id" : "run", "$or" : [ { "owner" : "host-1" }, )"
            R"({ "expires_at_ms" : { "$lte" : 5000 } } ] })");
  EXPECT_EQ(
      BsonToRelaxedJson(*LockUpdate("host-1", 5000, 9000)),
      R"({ "$set" : { "owner" : "host-1", "acquired_at_ms" : 5000, "expires_at_ms" : 9000 } })");
  EXPECT_EQ(BsonToRelaxedJson(*LockOwnerFilter("run", "host-1")),
            R"({ "_id" : "run", "owner" : "host-1" })");
}

}  // namespace
}  // namespace tc
