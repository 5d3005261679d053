// One test per build/merge rule of docs/data-compatibility.md.
#include "document/document_merge.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tc {
namespace {

constexpr int64_t kUser = 42;
constexpr int64_t kEarlier = 1'700'000'000;
constexpr int64_t kNow = 1'700'003'600;

Json JsonOf(std::string_view text) {
  Result<Json> json = ParseJsJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? *json : Json();
}

Json Pass(const std::string& uuid, const std::string& time_created = "2024-01-05T10:00:00Z",
          const std::string& product = "prod", const std::string& status = "USABLE") {
  Json pass = Json::object();
  pass["uuid"] = uuid;
  pass["status"] = status;
  pass["time_created"] = time_created;
  pass["product_uuid"] = product;
  return pass;
}

std::vector<std::string> Uuids(const std::vector<PassEntry>& entries) {
  std::vector<std::string> uuids;
  for (const PassEntry& entry : entries) uuids.push_back(entry.pass_uuid);
  return uuids;
}

using Uuid = std::vector<std::string>;

std::vector<SharedJson> SharePasses(const std::vector<Json>& passes) {
  std::vector<SharedJson> shared;
  shared.reserve(passes.size());
  for (const Json& pass : passes) shared.emplace_back(pass);
  return shared;
}

// BuildDocument and MergeDocument on passes written out here (each shared once, as a run does).
Result<RefreshOutcome> Build(int64_t user_id, const std::vector<Json>& active,
                             const std::vector<Json>& expired, int64_t now,
                             const std::vector<std::string>& free_product_uuids) {
  return BuildDocument(user_id, SharePasses(active), SharePasses(expired), now, free_product_uuids);
}

Result<RefreshOutcome> Merge(const CacheDocument& existing, const std::vector<Json>& active,
                             const std::vector<Json>& expired, int64_t now,
                             const std::vector<std::string>& free_product_uuids) {
  return MergeDocument(existing, SharePasses(active), SharePasses(expired), now,
                       free_product_uuids);
}

// A document as an earlier run left it: entries stamped kEarlier.
CacheDocument Existing(const std::vector<Json>& active, const std::vector<Json>& expired) {
  Result<RefreshOutcome> built = Build(kUser, active, expired, kEarlier, {});
  EXPECT_TRUE(built.ok());
  return built->document;
}

// ---- Build ----

TEST(BuildDocumentTest, OrdersByTimeCreatedOldestFirstComparingInstants) {
  const std::vector<Json> active = {
      Pass("c", "2024-01-05T09:30:00Z"),
      Pass("a", "2024-01-05T10:00:00+02:00"),  // 08:00Z: the oldest
      Pass("b", "2024-01-05T08:00:00.500Z"),
  };
  Result<RefreshOutcome> outcome = Build(kUser, active, {}, kNow, {});
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(Uuids(outcome->document.passes), (Uuid{"a", "b", "c"}));
}

TEST(BuildDocumentTest, TiesKeepApiOrder) {
  const std::vector<Json> active = {Pass("z"), Pass("y", "2024-01-01T00:00:00Z"), Pass("x"),
                                    Pass("w")};
  Result<RefreshOutcome> outcome = Build(kUser, active, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(Uuids(outcome->document.passes), (Uuid{"y", "z", "x", "w"}));
}

TEST(BuildDocumentTest, PassesWithoutReadableTimeCreatedGoLastInApiOrder) {
  Json undated = Pass("u1");
  undated.erase("time_created");
  const std::vector<Json> active = {undated, Pass("bad", "yesterday"),
                                    Pass("d", "2024-01-05T10:00:00Z")};
  Result<RefreshOutcome> outcome = Build(kUser, active, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(Uuids(outcome->document.passes), (Uuid{"d", "u1", "bad"}));
}

TEST(BuildDocumentTest, ExpiredListSortedToo) {
  const std::vector<Json> expired = {Pass("new", "2024-02-01T00:00:00Z", "p", "EXPIRED"),
                                     Pass("old", "2023-02-01T00:00:00Z", "p", "EXPIRED")};
  Result<RefreshOutcome> outcome = Build(kUser, {}, expired, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(Uuids(outcome->document.passes4), (Uuid{"old", "new"}));
}

TEST(BuildDocumentTest, EntriesStampedNowFreeStatusZeroEveryPassAuditedAsCreate) {
  const std::vector<Json> active = {Pass("a", "2024-01-05T10:00:00Z", "free-product")};
  const std::vector<Json> expired = {Pass("e", "2023-01-05T10:00:00Z", "p", "EXPIRED")};
  Result<RefreshOutcome> outcome = Build(kUser, active, expired, kNow, {"free-product"});
  ASSERT_TRUE(outcome.ok());
  const CacheDocument& document = outcome->document;
  EXPECT_EQ(document.user_id, kUser);
  EXPECT_EQ(document.timestamp, kNow);
  ASSERT_EQ(document.passes.size(), 1u);
  const PassEntry& entry = document.passes[0];
  EXPECT_EQ(entry.pass_uuid, "a");
  EXPECT_EQ(entry.timestamp, kNow);
  EXPECT_EQ(entry.status, "USABLE");
  EXPECT_EQ(entry.free_ticket_status, 0);  // build never marks free tickets
  EXPECT_EQ(entry.payload_hash, PayloadHash(active[0]));
  EXPECT_EQ(document.passes4[0].status, "EXPIRED");
  EXPECT_EQ(outcome->created, 2);
  EXPECT_EQ(outcome->changed, 0);
  EXPECT_EQ(outcome->free_tickets_added, 0);
  ASSERT_EQ(outcome->audit.size(), 2u);
  EXPECT_EQ(JsStringify(AuditEntryToJson(outcome->audit[0])),
            R"({"user_id":42,"pass_uuid":"a","list":"passes","action":"create","status":"USABLE",)"
            R"("payload":)" +
                JsStringify(active[0]) + R"(,"payload_hash":")" + entry.payload_hash +
                R"(","timestamp":1700003600})");
  EXPECT_EQ(outcome->audit[1].list, PassListKind::kExpired);
  EXPECT_TRUE(IsUpdated(*outcome));
}

TEST(BuildDocumentTest, PayloadKeptAsReturnedKeyOrderIncluded) {
  const Json pass =
      JsonOf(R"({"zeta":1,"uuid":"p","status":"USABLE","alpha":{"y":2.50,"x":"\/"}})");
  Result<RefreshOutcome> outcome = Build(kUser, {pass}, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(JsStringify(outcome->document.passes[0].payload),
            R"({"zeta":1,"uuid":"p","status":"USABLE","alpha":{"y":2.5,"x":"/"}})");
  EXPECT_EQ(outcome->document.passes[0].payload_hash,
            Md5Hex(R"({"zeta":1,"uuid":"p","status":"USABLE","alpha":{"y":2.5,"x":"/"}})"));
}

TEST(BuildDocumentTest, EmptyListsGiveAnEmptyDocument) {
  Result<RefreshOutcome> outcome = Build(kUser, {}, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(JsStringify(DocumentToJson(outcome->document)),
            R"({"user_id":42,"timestamp":1700003600,"passes":[],"passes4":[]})");
  EXPECT_FALSE(IsUpdated(*outcome));
}

// ---- Validation ----

TEST(ValidationTest, APassWithoutUuidOrStatusBuildsNothing) {
  Json no_uuid = Pass("x");
  no_uuid.erase("uuid");
  Json numeric_uuid = Pass("x");
  numeric_uuid["uuid"] = 5;
  Json no_status = Pass("x");
  no_status.erase("status");
  struct Case {
    std::vector<Json> active, expired;
    const char* where;
  };
  const Case cases[] = {
      {{Pass("ok"), no_uuid}, {}, "passes[1]"},
      {{numeric_uuid}, {}, "passes[0]"},
      {{Pass("ok")}, {Pass("e"), no_status}, "passes4[1]"},
      {{Json::array()}, {}, "passes[0]"},
      {{Pass("")}, {}, "passes[0]"},
  };
  const CacheDocument existing = Existing({Pass("a")}, {});
  for (const Case& c : cases) {
    Result<RefreshOutcome> built = Build(kUser, c.active, c.expired, kNow, {});
    ASSERT_FALSE(built.ok()) << c.where;
    EXPECT_EQ(built.error().error_class, ErrorClass::kMalformed);
    EXPECT_NE(built.error().message.find(c.where), std::string::npos) << built.error().message;
    Result<RefreshOutcome> merged = Merge(existing, c.active, c.expired, kNow, {});
    ASSERT_FALSE(merged.ok()) << c.where;
    EXPECT_EQ(merged.error().error_class, ErrorClass::kMalformed);
  }
}

TEST(ValidationTest, RepeatedUuidInOneListCountsOnceFirstWins) {
  Json first = Pass("dup", "2024-01-05T10:00:00Z");
  first["n"] = 1;
  Json second = Pass("dup", "2023-01-05T10:00:00Z");
  second["n"] = 2;
  Result<RefreshOutcome> built = Build(kUser, {first, Pass("b"), second}, {}, kNow, {});
  ASSERT_TRUE(built.ok());
  ASSERT_EQ(Uuids(built->document.passes), (Uuid{"dup", "b"}));
  EXPECT_EQ(built->document.passes[0].payload->at("n"), 1);
  EXPECT_EQ(built->created, 2);

  const CacheDocument existing = Existing({Pass("dup")}, {Pass("e")});
  Result<RefreshOutcome> merged =
      Merge(existing, {first, second}, {Pass("e"), Pass("e2"), Pass("e2")}, kNow, {});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(Uuids(merged->document.passes), (Uuid{"dup"}));
  EXPECT_EQ(merged->document.passes[0].payload->at("n"), 1);
  EXPECT_EQ(Uuids(merged->document.passes4), (Uuid{"e", "e2"}));
}

// ---- Merge: passes ----

TEST(MergeDocumentTest, SameUuidSameHashKeepsTheOldEntryUntouched) {
  CacheDocument existing = Existing({Pass("a"), Pass("b")}, {});
  existing.passes[0].free_ticket_status = 1;
  Result<RefreshOutcome> outcome = Merge(existing, {Pass("a"), Pass("b")}, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  CacheDocument expected = existing;
  expected.timestamp = kNow;  // the document stamp always moves; nothing else does
  EXPECT_EQ(JsStringify(DocumentToJson(outcome->document)), JsStringify(DocumentToJson(expected)));
  EXPECT_EQ(outcome->document.passes[0].timestamp, kEarlier);
  EXPECT_EQ(outcome->document.passes[0].free_ticket_status, 1);
  EXPECT_TRUE(outcome->audit.empty());
  EXPECT_FALSE(IsUpdated(*outcome));
}

TEST(MergeDocumentTest, HashesAsJavaScriptSoNumberSpellingIsNoChange) {
  // The Node job hashed JSON.stringify of its parsed object: "2.50" and "2.5" are the same pass.
  const CacheDocument existing =
      Existing({JsonOf(R"({"uuid":"a","status":"USABLE","fare":2.5,"10":1,"9":0})")}, {});
  const Json same = JsonOf(R"({"uuid":"a","status":"USABLE","fare":2.50,"9":0,"10":1.0})");
  Result<RefreshOutcome> outcome = Merge(existing, {same}, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->changed, 0);
  // A different key order is a different JSON.stringify, hence a change.
  const Json reordered = JsonOf(R"({"status":"USABLE","uuid":"a","fare":2.5,"10":1,"9":0})");
  outcome = Merge(existing, {reordered}, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->changed, 1);
}

TEST(MergeDocumentTest, SameUuidNewHashReplacesPayloadStatusHashTimestampKeepsFreeStatus) {
  CacheDocument existing = Existing({Pass("a")}, {});
  existing.passes[0].free_ticket_status = 1;
  const Json used = Pass("a", "2024-01-05T10:00:00Z", "prod", "USING");
  Result<RefreshOutcome> outcome = Merge(existing, {used}, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  const PassEntry& entry = outcome->document.passes[0];
  EXPECT_EQ(entry.status, "USING");
  EXPECT_EQ(entry.payload, used);
  EXPECT_EQ(entry.payload_hash, PayloadHash(used));
  EXPECT_EQ(entry.timestamp, kNow);
  EXPECT_EQ(entry.free_ticket_status, 1);
  EXPECT_EQ(outcome->changed, 1);
  EXPECT_EQ(outcome->created, 0);
  ASSERT_EQ(outcome->audit.size(), 1u);
  EXPECT_FALSE(outcome->audit[0].created);
  EXPECT_EQ(outcome->audit[0].status, "USING");
  EXPECT_EQ(outcome->audit[0].list, PassListKind::kActive);
  EXPECT_EQ(outcome->audit[0].timestamp, kNow);
  EXPECT_TRUE(IsUpdated(*outcome));
}

TEST(MergeDocumentTest, NewUuidOfAFreeProductIsMarkedAndCounted) {
  const CacheDocument existing = Existing({Pass("a")}, {});
  const std::vector<Json> active = {Pass("a"), Pass("gift", "2024-01-05T10:00:00Z", "free-1")};
  Result<RefreshOutcome> outcome = Merge(existing, active, {}, kNow, {"free-0", "free-1"});
  ASSERT_TRUE(outcome.ok());
  const PassEntry& entry = outcome->document.passes[1];
  EXPECT_EQ(entry.pass_uuid, "gift");
  EXPECT_EQ(entry.free_ticket_status, 1);
  EXPECT_EQ(entry.timestamp, kNow);
  EXPECT_EQ(outcome->free_tickets_added, 1);
  EXPECT_EQ(outcome->created, 1);
  ASSERT_EQ(outcome->audit.size(), 1u);
  EXPECT_TRUE(outcome->audit[0].created);
}

TEST(MergeDocumentTest, NewUuidOfAnotherProductIsNotFree) {
  const CacheDocument existing = Existing({}, {});
  Json no_product = Pass("n2");
  no_product.erase("product_uuid");
  Result<RefreshOutcome> outcome = Merge(
      existing, {Pass("n1", "2024-01-05T10:00:00Z", "paid"), no_product}, {}, kNow, {"free-1"});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->document.passes[0].free_ticket_status, 0);
  EXPECT_EQ(outcome->document.passes[1].free_ticket_status, 0);
  EXPECT_EQ(outcome->free_tickets_added, 0);
  EXPECT_EQ(outcome->created, 2);
}

TEST(MergeDocumentTest, PassesInTimeCreatedOrderNotApiOrderAndVanishedPassesDropped) {
  const CacheDocument existing = Existing(
      {Pass("a", "2024-01-01T00:00:00Z"), Pass("b", "2024-01-02T00:00:00Z"), Pass("gone")}, {});
  // API order, not time order: the newest pass first.
  const std::vector<Json> active = {Pass("new", "2024-03-01T00:00:00Z"),
                                    Pass("b", "2024-01-02T00:00:00Z"),
                                    Pass("a", "2024-01-01T00:00:00Z")};
  Result<RefreshOutcome> outcome = Merge(existing, active, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(Uuids(outcome->document.passes), (Uuid{"a", "b", "new"}));
  EXPECT_EQ(outcome->created, 1);
  EXPECT_EQ(outcome->changed, 0);
}

TEST(MergeDocumentTest, SameListMergedKeepsTheBuildsOrderAndChangesNothing) {
  // The app's list must not reorder after the first hour: merge == build order.
  const std::vector<Json> active = {
      Pass("c", "2024-01-03T00:00:00Z"), Pass("t1"),
      Pass("a", "2024-01-01T00:00:00Z"), Pass("t2"),
      Pass("odd", "not a date"),         Pass("b", "2024-01-02T00:00:00Z")};
  const CacheDocument existing = Existing(active, {});
  Result<RefreshOutcome> outcome = Merge(existing, active, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(Uuids(outcome->document.passes), Uuids(existing.passes));
  EXPECT_EQ(Uuids(outcome->document.passes), (Uuid{"a", "b", "c", "t1", "t2", "odd"}));
  for (std::size_t i = 0; i < existing.passes.size(); ++i) {  // every entry untouched
    const PassEntry& merged = outcome->document.passes[i];
    EXPECT_EQ(merged.timestamp, existing.passes[i].timestamp);
    EXPECT_EQ(merged.payload_hash, existing.passes[i].payload_hash);
    EXPECT_EQ(merged.payload, existing.passes[i].payload);
    EXPECT_EQ(merged.free_ticket_status, existing.passes[i].free_ticket_status);
  }
  EXPECT_FALSE(IsUpdated(*outcome));
  EXPECT_TRUE(outcome->audit.empty());
}

TEST(MergeDocumentTest, ADocumentStoredInApiOrderIsReorderedWithoutCountingAChange) {
  // Written by an older merge in API order: the entries keep their hashes and stamps, only
  // their order is repaired, and no pass is reported created or changed.
  CacheDocument existing =
      Existing({Pass("a", "2024-01-01T00:00:00Z"), Pass("b", "2024-01-02T00:00:00Z")}, {});
  std::swap(existing.passes[0], existing.passes[1]);
  const std::vector<Json> active = {Pass("b", "2024-01-02T00:00:00Z"),
                                    Pass("a", "2024-01-01T00:00:00Z")};
  Result<RefreshOutcome> outcome = Merge(existing, active, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(Uuids(outcome->document.passes), (Uuid{"a", "b"}));
  EXPECT_EQ(outcome->document.passes[0].timestamp, kEarlier);
  EXPECT_EQ(outcome->document.passes[1].timestamp, kEarlier);
  EXPECT_EQ(outcome->created + outcome->changed, 0);
}

TEST(MergeDocumentTest, AChangedPassMovesToItsNewTimeCreatedAndKeepsItsFreeStatus) {
  CacheDocument existing =
      Existing({Pass("a", "2024-01-01T00:00:00Z"), Pass("b", "2024-01-02T00:00:00Z"),
                Pass("c", "2024-01-03T00:00:00Z")},
               {});
  existing.passes[0].free_ticket_status = 1;
  const std::vector<Json> active = {Pass("a", "2024-01-04T00:00:00Z"),  // re-issued: now newest
                                    Pass("b", "2024-01-02T00:00:00Z"),
                                    Pass("c", "2024-01-03T00:00:00Z")};
  Result<RefreshOutcome> outcome = Merge(existing, active, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(Uuids(outcome->document.passes), (Uuid{"b", "c", "a"}));
  EXPECT_EQ(outcome->changed, 1);
  EXPECT_EQ(outcome->created, 0);
  EXPECT_EQ(outcome->document.passes[2].free_ticket_status, 1);
  EXPECT_EQ(outcome->document.passes[2].timestamp, kNow);
  EXPECT_EQ(outcome->document.passes[0].timestamp, kEarlier);
  ASSERT_EQ(outcome->audit.size(), 1u);
  EXPECT_EQ(outcome->audit[0].pass_uuid, "a");
  EXPECT_FALSE(outcome->audit[0].created);
}

TEST(MergeDocumentTest, TiesAndUndatedPassesFollowThisResponsesApiOrder) {
  const CacheDocument existing =
      Existing({Pass("x"), Pass("y"), Pass("u1", ""), Pass("u2", "2024-13-45")}, {});
  ASSERT_EQ(Uuids(existing.passes), (Uuid{"x", "y", "u1", "u2"}));
  // Same time_created for x, y, new: the API's order of this response decides among them;
  // the unreadable ones go last, in API order.
  Json no_time = Pass("u3");
  no_time["time_created"] = 17;  // not a string
  const std::vector<Json> active = {Pass("u2", "2024-13-45"), no_time,  Pass("new"), Pass("y"),
                                    Pass("u1", ""),           Pass("x")};
  Result<RefreshOutcome> outcome = Merge(existing, active, {}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(Uuids(outcome->document.passes), (Uuid{"new", "y", "x", "u2", "u3", "u1"}));
  EXPECT_EQ(outcome->created, 2);
  EXPECT_EQ(outcome->changed, 0);
}

TEST(MergeDocumentTest, NewExpiredPassesAppendedInTimeCreatedOrder) {
  const CacheDocument existing = Existing({}, {Pass("e1", "2023-06-01T00:00:00Z", "p", "EXPIRED")});
  const std::vector<Json> expired = {Pass("n2", "2023-09-01T00:00:00Z", "p", "EXPIRED"),
                                     Pass("n1", "2023-01-01T00:00:00Z", "p", "EXPIRED"),
                                     Pass("e1", "2023-06-01T00:00:00Z", "p", "EXPIRED")};
  Result<RefreshOutcome> outcome = Merge(existing, {}, expired, kNow, {});
  ASSERT_TRUE(outcome.ok());
  // Old entries stay in place; the new ones follow, oldest first.
  EXPECT_EQ(Uuids(outcome->document.passes4), (Uuid{"e1", "n1", "n2"}));
}

// ---- Merge: passes4 ----

TEST(MergeDocumentTest, ExpiredMergedByUuidNewAppendedChangedReplacedNoneDropped) {
  const CacheDocument existing = Existing({}, {Pass("e1", "2023-01-01T00:00:00Z", "p", "EXPIRED"),
                                               Pass("e2", "2023-02-01T00:00:00Z", "p", "EXPIRED"),
                                               Pass("e3", "2023-03-01T00:00:00Z", "p", "EXPIRED")});
  Json e2_changed = Pass("e2", "2023-02-01T00:00:00Z", "p", "EXPIRED");
  e2_changed["refunded"] = true;
  // e1 no longer listed (the API's expired list is paged or windowed): it stays.
  const std::vector<Json> expired = {Pass("e0", "2022-01-01T00:00:00Z", "free", "EXPIRED"),
                                     Pass("e3", "2023-03-01T00:00:00Z", "p", "EXPIRED"),
                                     e2_changed};
  Result<RefreshOutcome> outcome = Merge(existing, {}, expired, kNow, {"free"});
  ASSERT_TRUE(outcome.ok());
  const std::vector<PassEntry>& entries = outcome->document.passes4;
  EXPECT_EQ(Uuids(entries), (Uuid{"e1", "e2", "e3", "e0"}));
  EXPECT_EQ(entries[0].timestamp, kEarlier);
  EXPECT_EQ(entries[1].payload, e2_changed);
  EXPECT_EQ(entries[1].timestamp, kNow);
  EXPECT_EQ(entries[2].timestamp, kEarlier);
  EXPECT_EQ(entries[3].timestamp, kNow);
  EXPECT_EQ(entries[3].free_ticket_status, 0);  // only active passes are free-ticket grants
  EXPECT_EQ(outcome->created, 1);
  EXPECT_EQ(outcome->changed, 1);
  EXPECT_EQ(outcome->free_tickets_added, 0);
  ASSERT_EQ(outcome->audit.size(), 2u);
  EXPECT_EQ(outcome->audit[0].pass_uuid, "e0");
  EXPECT_TRUE(outcome->audit[0].created);
  EXPECT_EQ(outcome->audit[0].list, PassListKind::kExpired);
  EXPECT_EQ(outcome->audit[1].pass_uuid, "e2");
  EXPECT_FALSE(outcome->audit[1].created);
}

TEST(MergeDocumentTest, APassThatExpiredLeavesPassesAndJoinsPasses4) {
  const CacheDocument existing = Existing({Pass("a")}, {});
  Result<RefreshOutcome> outcome =
      Merge(existing, {}, {Pass("a", "2024-01-05T10:00:00Z", "prod", "EXPIRED")}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->document.passes.empty());
  EXPECT_EQ(Uuids(outcome->document.passes4), (Uuid{"a"}));
  EXPECT_EQ(outcome->created, 1);
  ASSERT_EQ(outcome->audit.size(), 1u);
  EXPECT_EQ(outcome->audit[0].list, PassListKind::kExpired);
}

TEST(MergeDocumentTest, AuditEntriesCarryTheUserAndComeActiveFirst) {
  const CacheDocument existing = Existing({}, {});
  Result<RefreshOutcome> outcome =
      Merge(existing, {Pass("a")}, {Pass("e", "2020-01-01T00:00:00Z")}, kNow, {});
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome->audit.size(), 2u);
  EXPECT_EQ(outcome->audit[0].user_id, kUser);
  EXPECT_EQ(outcome->audit[0].list, PassListKind::kActive);
  EXPECT_EQ(outcome->audit[1].user_id, kUser);
  EXPECT_EQ(outcome->audit[1].list, PassListKind::kExpired);
  EXPECT_EQ(outcome->audit[1].payload_hash, PayloadHash(Pass("e", "2020-01-01T00:00:00Z")));
}

// ---- Payload texts ----

// Every entry and audit entry a refresh produces carries its payload's JSON.stringify text (or
// none), never a stale one: the document text is what the document's JSON stringifies to.
TEST(PayloadTextTest, EveryKnownTextIsThePayloadStringified) {
  auto check = [](const RefreshOutcome& outcome) {
    for (const auto* list : {&outcome.document.passes, &outcome.document.passes4}) {
      for (const PassEntry& entry : *list) {
        if (!entry.payload_text.empty()) {
          EXPECT_EQ(entry.payload_text, JsStringify(entry.payload));
        }
      }
    }
    for (const AuditEntry& audit : outcome.audit) {
      EXPECT_EQ(AuditPayloadText(audit), JsStringify(audit.payload));
    }
    EXPECT_EQ(DocumentText(outcome.document), JsStringify(DocumentToJson(outcome.document)));
  };
  Json changed = Pass("b");
  changed["fare"] = 2.5;
  Json same_value = JsonOf(
      R"({"uuid":"c","status":"USABLE","time_created":"2024-01-05T10:00:00Z","product_uuid":"prod","n":1.0})");
  Json stored_c = same_value;
  stored_c["n"] = 1;  // equal as a value, another number type: the same text
  Result<RefreshOutcome> built =
      Build(kUser, {Pass("a"), Pass("b"), stored_c}, {Pass("e")}, kEarlier, {});
  ASSERT_TRUE(built.ok());
  check(*built);
  // As a later run reads it from the store: no texts known.
  Result<CacheDocument> stored = DocumentFromJson(DocumentToJson(built->document));
  ASSERT_TRUE(stored.ok());
  Result<RefreshOutcome> merged =
      Merge(*stored, {Pass("a"), changed, same_value, Pass("d")}, {Pass("e"), Pass("f")}, kNow, {});
  ASSERT_TRUE(merged.ok());
  check(*merged);
  Result<RefreshOutcome> merged_again = Merge(built->document, {Pass("a"), changed}, {}, kNow, {});
  ASSERT_TRUE(merged_again.ok());
  check(*merged_again);
}

}  // namespace
}  // namespace tc
