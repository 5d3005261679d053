// The CacheStore contract (src/store/cache_store.h), one set of cases run against every backend in
// CacheStoreFactories(): SQLite always; MySQL and MongoDB when their servers are reachable, and
// otherwise reported as skipped with the reason. The single-writer cases also run the MongoDB
// store on the plain conditional update (the path MongoDB gets) against FerretDB.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "document/cache_document.h"
#include "json/js_json.h"
#include "store/cache_store.h"
#include "support/store_conformance.h"

namespace tc::testing {
namespace {

Json ParsedPayload(const std::string& text) {
  auto json = ParseJsJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? *json : Json();
}

// Payloads the Node job's apps really see, and the awkward corners of JSON text.
const char* const kAwkwardPayloads[] = {
    R"({"uuid":"p-1","status":"USABLE","time_created":"2024-01-02T03:04:05Z","product_uuid":"prod-1"})",
    R"({"uuid":"p-2","status":"USING","name":"Caf\u00e9 \u2615 \ud83d\ude00 \/ \"quoted\" back\\slash",)"
    R"("control":"\n\t\u0001\u001f","price":2.50,"exp":1E3,"huge":1e21,"tiny":1e-7,"neg":-0,)"
    R"("big":12345678901234567890,"max_safe":9007199254740993,"tenth":0.1,"one":1.0})",
    // Arrays nest through objects, not directly: FerretDB (the test MongoDB server) refuses an
    // array inside an array (docs/stores.md); bson_codec_test covers that shape without a server.
    R"({"uuid":"p-3","status":"EXPIRED","nested":{"b":[1,{"c":[2,{"d":[3,{"deep":[null,true,false]}]}]}],)"
    R"("a":{"z":{},"y":[]},"10":"ten","2":"two","-1":"minus"},"dup":1,"dup":2,"empty":"",)"
    R"("unicode_key_\u00fc":"\u4e2d\u6587"})",
};

PassEntry Entry(const char* payload_text, int64_t timestamp, int free_ticket_status) {
  PassEntry entry;
  entry.payload = ParsedPayload(payload_text);
  entry.pass_uuid = entry.payload->value("uuid", "");
  entry.status = entry.payload->value("status", "");
  entry.timestamp = timestamp;
  entry.free_ticket_status = free_ticket_status;
  entry.payload_hash = PayloadHash(entry.payload);
  return entry;
}

CacheDocument Document(int64_t user_id, int64_t timestamp) {
  CacheDocument document;
  document.user_id = user_id;
  document.timestamp = timestamp;
  document.passes.push_back(Entry(kAwkwardPayloads[0], timestamp, 0));
  document.passes.push_back(Entry(kAwkwardPayloads[1], timestamp - 10, 1));
  document.passes4.push_back(Entry(kAwkwardPayloads[2], timestamp - 20, 0));
  return document;
}

AuditEntry Audit(int64_t user_id, const char* payload_text, bool created, int64_t timestamp) {
  AuditEntry entry;
  entry.user_id = user_id;
  entry.payload = ParsedPayload(payload_text);
  entry.pass_uuid = entry.payload->value("uuid", "");
  entry.status = entry.payload->value("status", "");
  entry.list = entry.status == "EXPIRED" ? PassListKind::kExpired : PassListKind::kActive;
  entry.created = created;
  entry.payload_hash = PayloadHash(entry.payload);
  entry.timestamp = timestamp;
  return entry;
}

// The document as the Node job's apps would read it: the exact bytes JavaScript would have written.
std::string Text(const CacheDocument& document) { return JsStringify(DocumentToJson(document)); }

class CacheStoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    auto made = GetParam().make();
    if (auto* reason = std::get_if<std::string>(&made)) {
      GTEST_SKIP() << "skipped: " << *reason;
    }
    under_test_ = std::move(std::get<StoreUnderTest>(made));
    ASSERT_NE(under_test_.store, nullptr);
    Status init = store().Init();
    ASSERT_TRUE(init.ok()) << init.error().ToString();
  }
  void TearDown() override {
    under_test_.store.reset();
    if (under_test_.drop) under_test_.drop();
  }

  CacheStore& store() { return *under_test_.store; }

  // The stored version of a user's document; fails the test when there is none.
  int64_t VersionOf(int64_t user_id) {
    auto loaded = store().Load(user_id);
    EXPECT_TRUE(loaded.ok()) << loaded.error().ToString();
    EXPECT_TRUE(loaded.ok() && loaded->has_value());
    return loaded.ok() && loaded->has_value() ? (*loaded)->version : -1;
  }
  std::string StoredText(int64_t user_id) {
    auto loaded = store().Load(user_id);
    EXPECT_TRUE(loaded.ok()) << loaded.error().ToString();
    if (!loaded.ok() || !loaded->has_value()) return "<none>";
    return Text((*loaded)->document);
  }
  std::vector<AuditEntry> AuditLog(int64_t user_id) {
    auto entries = under_test_.audit_log(user_id);
    EXPECT_TRUE(entries.ok()) << entries.error().ToString();
    return entries.ok() ? *entries : std::vector<AuditEntry>();
  }

  StoreUnderTest under_test_;
};

void ExpectOk(const Status& status) { EXPECT_TRUE(status.ok()) << status.error().ToString(); }

void ExpectConflict(const Status& status) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().error_class, ErrorClass::kConflict) << status.error().ToString();
}

TEST_P(CacheStoreConformanceTest, InitTwiceKeepsData) {
  ExpectOk(store().Replace(Document(1, 1000), std::nullopt, {}));
  ExpectOk(store().Init());
  EXPECT_EQ(StoredText(1), Text(Document(1, 1000)));
  ExpectOk(store().Ping());
}

TEST_P(CacheStoreConformanceTest, LoadOfMissingUserIsEmpty) {
  auto loaded = store().Load(42);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_FALSE(loaded->has_value());
}

TEST_P(CacheStoreConformanceTest, ReplaceInsertsWhenAbsent) {
  ExpectOk(store().Replace(Document(7, 1000), std::nullopt, {}));
  auto loaded = store().Load(7);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->document.user_id, 7);
  EXPECT_EQ((*loaded)->document.timestamp, 1000);
  EXPECT_EQ(Text((*loaded)->document), Text(Document(7, 1000)));
}

TEST_P(CacheStoreConformanceTest, ReplaceWithTheVersionReadSucceeds) {
  ExpectOk(store().Replace(Document(7, 1000), std::nullopt, {}));
  const int64_t first = VersionOf(7);
  ExpectOk(store().Replace(Document(7, 2000), first, {}));
  auto loaded = store().Load(7);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ(Text((*loaded)->document), Text(Document(7, 2000)));
  EXPECT_NE((*loaded)->version, first);
  ExpectOk(store().Replace(Document(7, 3000), (*loaded)->version, {}));
  EXPECT_EQ(StoredText(7), Text(Document(7, 3000)));
}

TEST_P(CacheStoreConformanceTest, ReplaceWithAStaleVersionConflictsAndChangesNothing) {
  ExpectOk(store().Replace(Document(7, 1000), std::nullopt, {}));
  const int64_t first = VersionOf(7);
  ExpectOk(store().Replace(Document(7, 2000), first, {}));
  const int64_t second = VersionOf(7);
  ExpectConflict(store().Replace(Document(7, 3000), first, {}));
  EXPECT_EQ(StoredText(7), Text(Document(7, 2000)));
  EXPECT_EQ(VersionOf(7), second);
}

TEST_P(CacheStoreConformanceTest, InsertWhenADocumentExistsConflictsAndChangesNothing) {
  ExpectOk(store().Replace(Document(7, 1000), std::nullopt, {}));
  const int64_t first = VersionOf(7);
  ExpectConflict(store().Replace(Document(7, 5000), std::nullopt, {}));
  EXPECT_EQ(StoredText(7), Text(Document(7, 1000)));
  EXPECT_EQ(VersionOf(7), first);
}

TEST_P(CacheStoreConformanceTest, ReplaceOfAMissingDocumentWithAVersionConflicts) {
  ExpectConflict(store().Replace(Document(8, 1000), int64_t{1}, {}));
  auto loaded = store().Load(8);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
}

TEST_P(CacheStoreConformanceTest, DocumentRoundTripIsByteIdentical) {
  CacheDocument document = Document(11, 1'700'000'000);
  for (int i = 0; i < 50; ++i) {  // a large document: 50 more passes
    PassEntry entry = Entry(kAwkwardPayloads[i % 3], 1'600'000'000 + i, i % 2);
    entry.pass_uuid += "-" + std::to_string(i);
    entry.payload.Mutable()["uuid"] = entry.pass_uuid;
    entry.payload_hash = PayloadHash(entry.payload);
    (i % 2 == 0 ? document.passes : document.passes4).push_back(entry);
  }
  ExpectOk(store().Replace(document, std::nullopt, {}));
  auto loaded = store().Load(11);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ(Text((*loaded)->document), Text(document));
  ASSERT_EQ((*loaded)->document.passes.size(), document.passes.size());
  ASSERT_EQ((*loaded)->document.passes4.size(), document.passes4.size());
  EXPECT_EQ((*loaded)->document.passes[1].free_ticket_status, 1);
  // Hashes recomputed from what was read back still match what was written.
  for (const PassEntry& entry : (*loaded)->document.passes) {
    EXPECT_EQ(PayloadHash(entry.payload), entry.payload_hash) << entry.pass_uuid;
  }

  CacheDocument empty;
  empty.user_id = 12;
  empty.timestamp = 5;
  ExpectOk(store().Replace(empty, std::nullopt, {}));
  EXPECT_EQ(StoredText(12), Text(empty));
}

TEST_P(CacheStoreConformanceTest, CacheTimestampsAnswersPresentUsersOnly) {
  ExpectOk(store().Replace(Document(3, 300), std::nullopt, {}));
  ExpectOk(store().Replace(Document(1, 100), std::nullopt, {}));
  ExpectOk(store().Replace(Document(9, 900), std::nullopt, {}));
  const std::vector<int64_t> ids = {9, 2, 1, 4, 3, 100000};
  auto found = store().CacheTimestamps(ids);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  std::vector<CacheTimestamp> sorted = *found;
  std::sort(sorted.begin(), sorted.end(),
            [](const CacheTimestamp& a, const CacheTimestamp& b) { return a.user_id < b.user_id; });
  ASSERT_EQ(sorted.size(), 3u);
  EXPECT_EQ(sorted[0].user_id, 1);
  EXPECT_EQ(sorted[0].timestamp, 100);
  EXPECT_EQ(sorted[1].user_id, 3);
  EXPECT_EQ(sorted[1].timestamp, 300);
  EXPECT_EQ(sorted[2].user_id, 9);
  EXPECT_EQ(sorted[2].timestamp, 900);

  auto none = store().CacheTimestamps({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  // The timestamp follows a replace.
  ExpectOk(store().Replace(Document(3, 333), VersionOf(3), {}));
  const std::vector<int64_t> three = {3};
  auto updated = store().CacheTimestamps(three);
  ASSERT_TRUE(updated.ok());
  ASSERT_EQ(updated->size(), 1u);
  EXPECT_EQ((*updated)[0].timestamp, 333);
}

TEST_P(CacheStoreConformanceTest, CacheTimestampsForAThousandIds) {
  CacheDocument small;
  for (int64_t user = 1; user <= 1000; ++user) {
    if (user % 3 != 0) continue;
    small.user_id = user;
    small.timestamp = 10'000 + user;
    ExpectOk(store().Replace(small, std::nullopt, {}));
  }
  std::vector<int64_t> ids;
  for (int64_t user = 1000; user >= 1; --user) ids.push_back(user);
  auto found = store().CacheTimestamps(ids);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_EQ(found->size(), 333u);
  for (const CacheTimestamp& entry : *found) {
    EXPECT_EQ(entry.user_id % 3, 0);
    EXPECT_EQ(entry.timestamp, 10'000 + entry.user_id);
  }
}

TEST_P(CacheStoreConformanceTest, AuditEntriesAreWrittenWithTheirDocumentOnly) {
  const std::vector<AuditEntry> created = {Audit(5, kAwkwardPayloads[0], true, 1000),
                                           Audit(5, kAwkwardPayloads[2], true, 1000)};
  ExpectOk(store().Replace(Document(5, 1000), std::nullopt, created));
  std::vector<AuditEntry> log = AuditLog(5);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].pass_uuid, "p-1");
  EXPECT_EQ(log[0].list, PassListKind::kActive);
  EXPECT_TRUE(log[0].created);
  EXPECT_EQ(log[0].status, "USABLE");
  EXPECT_EQ(log[0].timestamp, 1000);
  EXPECT_EQ(log[0].payload_hash, created[0].payload_hash);
  EXPECT_EQ(JsStringify(log[0].payload), JsStringify(created[0].payload));
  EXPECT_EQ(log[1].pass_uuid, "p-3");
  EXPECT_EQ(log[1].list, PassListKind::kExpired);
  EXPECT_EQ(JsStringify(log[1].payload), JsStringify(created[1].payload));

  const int64_t version = VersionOf(5);
  const std::vector<AuditEntry> changed = {Audit(5, kAwkwardPayloads[1], false, 2000)};
  ExpectOk(store().Replace(Document(5, 2000), version, changed));
  log = AuditLog(5);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[2].pass_uuid, "p-2");
  EXPECT_FALSE(log[2].created);
  EXPECT_EQ(log[2].payload_hash, changed[0].payload_hash);
  EXPECT_EQ(JsStringify(log[2].payload), JsStringify(changed[0].payload));

  // Lost compare-and-swap: neither the document nor its audit entries are written.
  ExpectConflict(store().Replace(Document(5, 3000), version, changed));
  ExpectConflict(store().Replace(Document(5, 3000), std::nullopt, created));
  EXPECT_EQ(AuditLog(5).size(), 3u);
  EXPECT_TRUE(AuditLog(6).empty());
}

TEST_P(CacheStoreConformanceTest, ConcurrentWritersThroughAnotherConnectionLoseNothing) {
  auto other = under_test_.open_another();
  ASSERT_TRUE(other.ok()) << other.error().ToString();
  ExpectOk(store().Replace(Document(20, 1000), std::nullopt, {}));
  auto mine = store().Load(20);
  auto theirs = (*other)->Load(20);
  ASSERT_TRUE(mine.ok() && mine->has_value() && theirs.ok() && theirs->has_value());
  ExpectOk((*other)->Replace(Document(20, 2000), (*theirs)->version, {}));
  ExpectConflict(store().Replace(Document(20, 3000), (*mine)->version, {}));
  EXPECT_EQ(StoredText(20), Text(Document(20, 2000)));
  other->reset();
}

// The cases with several writers at once: not run on the MongoDB store forced onto the plain
// conditional update against FerretDB (mongodb_plain_write), which is atomic only on MongoDB.
class CacheStoreMultiWriterTest : public CacheStoreConformanceTest {};

// Threads share one store; each increments the document's timestamp by read, modify,
// compare-and-swap, retrying on conflict. No increment may be lost.
TEST_P(CacheStoreMultiWriterTest, ConcurrentIncrementsFromManyThreadsAreAllKept) {
  CacheDocument counter;
  counter.user_id = 30;
  counter.timestamp = 0;
  ExpectOk(store().Replace(counter, std::nullopt, {}));
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures] {
      for (int done = 0; done < kIncrements;) {
        auto loaded = store().Load(30);
        if (!loaded.ok() || !loaded->has_value()) {
          ++failures[t];
          return;
        }
        CacheDocument next = (*loaded)->document;
        ++next.timestamp;
        Status status = store().Replace(next, (*loaded)->version, {});
        if (status.ok()) {
          ++done;
        } else if (status.error().error_class != ErrorClass::kConflict) {
          ++failures[t];
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  auto loaded = store().Load(30);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->document.timestamp, kThreads * kIncrements);
}

UserState State(int64_t user_id, int failures, int64_t last_attempt_at) {
  UserState state;
  state.user_id = user_id;
  state.consecutive_failures = failures;
  state.last_error_class = failures > 0 ? "transient" : "";
  state.last_error_message = failures > 0 ? "HTTP 503 from /passes — \"retry\" ü" : "";
  state.last_attempt_at = last_attempt_at;
  state.next_attempt_at = failures > 1 ? last_attempt_at + 3600 : 0;
  state.token_fingerprint = "fp" + std::to_string(user_id);
  return state;
}

void ExpectSameState(const UserState& actual, const UserState& expected) {
  EXPECT_EQ(actual.user_id, expected.user_id);
  EXPECT_EQ(actual.consecutive_failures, expected.consecutive_failures);
  EXPECT_EQ(actual.last_error_class, expected.last_error_class);
  EXPECT_EQ(actual.last_error_message, expected.last_error_message);
  EXPECT_EQ(actual.last_attempt_at, expected.last_attempt_at);
  EXPECT_EQ(actual.next_attempt_at, expected.next_attempt_at);
  EXPECT_EQ(actual.token_fingerprint, expected.token_fingerprint);
}

TEST_P(CacheStoreConformanceTest, UserStatesSaveLoadAndFailingUsersOrder) {
  const std::vector<UserState> states = {State(1, 0, 100), State(2, 3, 200), State(3, 1, 300),
                                         State(4, 5, 400), State(5, 2, 500)};
  ExpectOk(store().SaveUserStates(states));

  const std::vector<int64_t> wanted = {4, 99, 1, 2};
  auto loaded = store().LoadUserStates(wanted);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  std::vector<UserState> sorted = *loaded;
  std::sort(sorted.begin(), sorted.end(),
            [](const UserState& a, const UserState& b) { return a.user_id < b.user_id; });
  ASSERT_EQ(sorted.size(), 3u);
  ExpectSameState(sorted[0], states[0]);
  ExpectSameState(sorted[1], states[1]);
  ExpectSameState(sorted[2], states[3]);

  auto failing = store().FailingUsers(10);
  ASSERT_TRUE(failing.ok()) << failing.error().ToString();
  std::vector<int64_t> order;
  for (const UserState& state : *failing) order.push_back(state.user_id);
  EXPECT_EQ(order, (std::vector<int64_t>{4, 2, 5, 3}));
  auto top = store().FailingUsers(2);
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ((*top)[0].user_id, 4);
  EXPECT_EQ((*top)[1].user_id, 2);

  // Saving again overwrites: user 4 recovered, user 3 failed once more.
  const std::vector<UserState> later = {State(4, 0, 600), State(3, 6, 600)};
  ExpectOk(store().SaveUserStates(later));
  const std::vector<int64_t> four = {4};
  auto recovered = store().LoadUserStates(four);
  ASSERT_TRUE(recovered.ok());
  ASSERT_EQ(recovered->size(), 1u);
  ExpectSameState((*recovered)[0], later[0]);
  failing = store().FailingUsers(10);
  ASSERT_TRUE(failing.ok());
  order.clear();
  for (const UserState& state : *failing) order.push_back(state.user_id);
  EXPECT_EQ(order, (std::vector<int64_t>{3, 2, 5}));

  ExpectOk(store().SaveUserStates({}));
  auto nobody = store().LoadUserStates({});
  ASSERT_TRUE(nobody.ok());
  EXPECT_TRUE(nobody->empty());
}

RunRecord MakeRun(const std::string& id, int64_t started, int64_t finished,
                  const std::string& status, const std::string& shard) {
  return RunRecord{id,       started,
                   finished, status,
                   shard,    finished == 0 ? "" : R"({"run_id":")" + id + R"(","users_seen":3})"};
}

TEST_P(CacheStoreConformanceTest, RunsAreSavedUpdatedAndListedNewestFirst) {
  ExpectOk(store().SaveRun(MakeRun("run-a", 1000, 0, "running", "")));
  ExpectOk(store().SaveRun(MakeRun("run-b", 2000, 0, "running", "")));
  ExpectOk(store().SaveRun(MakeRun("run-a", 1000, 1500, "ok", "")));
  ExpectOk(store().SaveRun(MakeRun("run-c", 3000, 3500, "degraded", "1/2")));

  auto runs = store().RecentRuns(10);
  ASSERT_TRUE(runs.ok()) << runs.error().ToString();
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[0].run_id, "run-c");
  EXPECT_EQ((*runs)[0].shard, "1/2");
  EXPECT_EQ((*runs)[0].status, "degraded");
  EXPECT_EQ((*runs)[1].run_id, "run-b");
  EXPECT_EQ((*runs)[1].status, "running");
  EXPECT_EQ((*runs)[1].finished_at_ms, 0);
  EXPECT_EQ((*runs)[2].run_id, "run-a");
  EXPECT_EQ((*runs)[2].status, "ok");
  EXPECT_EQ((*runs)[2].started_at_ms, 1000);
  EXPECT_EQ((*runs)[2].finished_at_ms, 1500);
  EXPECT_EQ((*runs)[2].summary_json, R"({"run_id":"run-a","users_seen":3})");

  auto two = store().RecentRuns(2);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].run_id, "run-c");
  EXPECT_EQ((*two)[1].run_id, "run-b");
}

// A lock is held while now < expires_at_ms; at expires_at_ms it is free for anyone.
TEST_P(CacheStoreConformanceTest, LocksAreExclusiveReentrantAndExpire) {
  auto try_lock = [this](const std::string& name, const std::string& owner, int64_t now,
                         int64_t expires) {
    auto taken = store().TryLock(name, owner, now, expires);
    EXPECT_TRUE(taken.ok()) << taken.error().ToString();
    return taken.ok() && *taken;
  };
  EXPECT_TRUE(try_lock("run", "a", 1000, 2000));            // free
  EXPECT_FALSE(try_lock("run", "b", 1500, 2500));           // held by a
  EXPECT_TRUE(try_lock("run", "a", 1600, 3000));            // re-entrant: a renews until 3000
  EXPECT_FALSE(try_lock("run", "b", 2999, 4000));           // the renewal counts
  EXPECT_TRUE(try_lock("run-shard-1/2", "b", 2999, 4000));  // other names are independent
  EXPECT_TRUE(try_lock("run", "b", 3000, 4000));            // expired: b takes over
  EXPECT_FALSE(try_lock("run", "a", 3100, 5000));

  ExpectOk(store().Unlock("run", "a"));  // not the holder: no effect
  EXPECT_FALSE(try_lock("run", "a", 3200, 5000));
  ExpectOk(store().Unlock("run", "b"));
  EXPECT_TRUE(try_lock("run", "a", 3300, 5000));  // free again
  ExpectOk(store().Unlock("run", "a"));
  ExpectOk(store().Unlock("run", "a"));  // unlocking a free lock is fine
  EXPECT_FALSE(try_lock("run-shard-1/2", "a", 3400, 5000));
}

std::string FactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

// Every case, single-writer, also runs the plain conditional update MongoDB gets against FerretDB.
INSTANTIATE_TEST_SUITE_P(AllStores, CacheStoreConformanceTest,
                         ::testing::ValuesIn(SingleWriterStoreFactories()), FactoryName);
INSTANTIATE_TEST_SUITE_P(AllStores, CacheStoreMultiWriterTest,
                         ::testing::ValuesIn(CacheStoreFactories()), FactoryName);

}  // namespace
}  // namespace tc::testing
