#include "document/cache_document.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "document/document_merge.h"
#include "json/js_json.h"

namespace tc {
namespace {

Json Parse(std::string_view text) {
  Result<Json> json = ParseJsJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? *json : Json();
}

CacheDocument SampleDocument() {
  CacheDocument document;
  document.user_id = 7;
  document.timestamp = 1700000000;
  PassEntry entry;
  entry.pass_uuid = "p1";
  entry.timestamp = 1699999000;
  entry.status = "USABLE";
  entry.free_ticket_status = 1;
  entry.payload = Parse(R"({"uuid":"p1","status":"USABLE","fare":2.5})");
  entry.payload_hash = PayloadHash(entry.payload);
  document.passes.push_back(entry);
  entry.pass_uuid = "p0";
  entry.status = "EXPIRED";
  entry.free_ticket_status = 0;
  entry.payload = Parse(R"({"uuid":"p0","status":"EXPIRED"})");
  entry.payload_hash = PayloadHash(entry.payload);
  document.passes4.push_back(entry);
  return document;
}

TEST(CacheDocumentTest, ToJsonInTheSeedFieldOrder) {
  const CacheDocument document = SampleDocument();
  EXPECT_EQ(JsStringify(DocumentToJson(document)),
            R"({"user_id":7,"timestamp":1700000000,"passes":[{"pass_uuid":"p1",)"
            R"("timestamp":1699999000,"status":"USABLE","free_ticket_status":1,)"
            R"("payload":{"uuid":"p1","status":"USABLE","fare":2.5},"payload_hash":")" +
                document.passes[0].payload_hash +
                R"("}],"passes4":[{"pass_uuid":"p0","timestamp":1699999000,"status":"EXPIRED",)"
                R"("free_ticket_status":0,"payload":{"uuid":"p0","status":"EXPIRED"},)"
                R"("payload_hash":")" +
                document.passes4[0].payload_hash + R"("}]})");
}

// DocumentText writes what JsStringify(DocumentToJson()) writes, with or without the payloads'
// texts known, for awkward values: a user id past 2^53, escapes, a lone surrogate, array-index
// keys (which JavaScript lists first), numbers in exponent form.
TEST(CacheDocumentTest, DocumentTextIsTheStringifiedJson) {
  CacheDocument document = SampleDocument();
  document.user_id = 9007199254740993;
  PassEntry odd;
  odd.pass_uuid = "q\"\\\n\x01";
  odd.timestamp = -5;
  odd.status = "USING\xED\xA0\x80";
  odd.payload =
      Parse(R"({"b":1,"2":[1e21,1.5e-7,-0,12345678901234567890],"1":{"x":"\ud800"},"a":null})");
  odd.payload_hash = PayloadHash(odd.payload);
  document.passes.push_back(odd);
  document.passes4.clear();
  const std::string expected = JsStringify(DocumentToJson(document));
  EXPECT_EQ(DocumentText(document), expected);
  for (PassEntry& entry : document.passes) entry.payload_text = JsStringify(entry.payload);
  EXPECT_EQ(DocumentText(document), expected);
  EXPECT_EQ(DocumentText(CacheDocument{}),
            R"({"user_id":0,"timestamp":0,"passes":[],"passes4":[]})");
}

TEST(CacheDocumentTest, RoundTripsThroughJson) {
  const CacheDocument document = SampleDocument();
  const Json json = DocumentToJson(document);
  Result<CacheDocument> back = DocumentFromJson(json);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(JsStringify(DocumentToJson(*back)), JsStringify(json));
}

TEST(CacheDocumentTest, FromJsonToleratesExtraFieldsAndDoubles) {
  Result<CacheDocument> document = DocumentFromJson(
      Parse(R"({"_id":{"$oid":"65a"},"passes4":[],"timestamp":1700000000.0,"user_id":9.0,)"
            R"("passes":[{"payload_hash":"h","payload":{},"pass_uuid":"p","timestamp":1.7e9,)"
            R"("status":"USABLE","free_ticket_status":true,"extra":1}],"__v":0})"));
  ASSERT_TRUE(document.ok()) << document.error().ToString();
  EXPECT_EQ(document->user_id, 9);
  EXPECT_EQ(document->timestamp, 1700000000);
  ASSERT_EQ(document->passes.size(), 1u);
  EXPECT_EQ(document->passes[0].timestamp, 1700000000);
  EXPECT_EQ(document->passes[0].free_ticket_status, 1);
}

TEST(CacheDocumentTest, FromJsonReadsMissingListsAsEmpty) {
  Result<CacheDocument> document = DocumentFromJson(Parse(R"({"user_id":1,"timestamp":2})"));
  ASSERT_TRUE(document.ok()) << document.error().ToString();
  EXPECT_TRUE(document->passes.empty());
  EXPECT_TRUE(document->passes4.empty());
}

TEST(CacheDocumentTest, FromJsonNamesTheBadField) {
  struct Case {
    const char* json;
    const char* field;
  };
  const Case cases[] = {
      {R"([])", "document"},
      {R"({"timestamp":2})", "user_id"},
      {R"({"user_id":1.5,"timestamp":2})", "user_id"},
      {R"({"user_id":1,"timestamp":"x"})", "timestamp"},
      {R"({"user_id":1,"timestamp":2,"passes":{}})", "passes"},
      {R"({"user_id":1,"timestamp":2,"passes":[1]})", "passes[0]"},
      {R"({"user_id":1,"timestamp":2,"passes4":[{"pass_uuid":"a","timestamp":1,"payload":{},)"
       R"("payload_hash":"h"},{"pass_uuid":"b","timestamp":1,"payload":{}}]})",
       "passes4[1].payload_hash"},
      {R"({"user_id":1,"timestamp":2,"passes":[{"pass_uuid":"a","timestamp":1,"payload":{},)"
       R"("payload_hash":"h","free_ticket_status":2}]})",
       "passes[0].free_ticket_status"},
      {R"({"user_id":1,"timestamp":2,"passes":[{"pass_uuid":5}]})", "passes[0].pass_uuid"},
  };
  for (const Case& c : cases) {
    Result<CacheDocument> document = DocumentFromJson(Parse(c.json));
    ASSERT_FALSE(document.ok()) << c.json;
    EXPECT_EQ(document.error().error_class, ErrorClass::kMalformed);
    EXPECT_NE(document.error().message.find(c.field), std::string::npos)
        << c.json << " -> " << document.error().message;
  }
}

TEST(CacheDocumentTest, AuditEntryFields) {
  AuditEntry entry;
  entry.user_id = 3;
  entry.pass_uuid = "p1";
  entry.list = PassListKind::kExpired;
  entry.created = false;
  entry.status = "EXPIRED";
  entry.payload = Parse(R"({"uuid":"p1"})");
  entry.payload_hash = "abc";
  entry.timestamp = 5;
  EXPECT_EQ(JsStringify(AuditEntryToJson(entry)),
            R"({"user_id":3,"pass_uuid":"p1","list":"passes4","action":"update",)"
            R"("status":"EXPIRED","payload":{"uuid":"p1"},"payload_hash":"abc","timestamp":5})");
  entry.list = PassListKind::kActive;
  entry.created = true;
  EXPECT_EQ(AuditEntryToJson(entry)["list"], "passes");
  EXPECT_EQ(AuditEntryToJson(entry)["action"], "create");
}

// A stored document in DocumentText's layout, with awkward payloads: escapes, a number beyond 2^53,
// 1e+21, non-ASCII text.
CacheDocument StoredSample() {
  Result<CacheDocument> document = DocumentFromJson(Parse(
      R"({"user_id":42,"timestamp":1796691700,"passes":[{"pass_uuid":"p1","timestamp":1796691697,)"
      R"("status":"USABLE","free_ticket_status":1,"payload":{"uuid":"p1","status":"USABLE",)"
      R"("time_created":"2083-01-14T12:01:00Z","fare":{"amount":0.1,"tax_rate":2.5,"n":1000},)"
      R"("ticket_number":12345678901234567000,"name":"Day pass – Zone A/B 🚌",)"
      R"("note":"a\"b\\c\nd","links":{"qr":null},"tags":[]},"payload_hash":""},)"
      R"({"pass_uuid":"p2","timestamp":-3,"status":"USING","free_ticket_status":0,)"
      R"("payload":{"uuid":"p2","status":"USING","big":1e+21},"payload_hash":""}],)"
      R"("passes4":[{"pass_uuid":"p0","timestamp":0,"status":"EXPIRED","free_ticket_status":0,)"
      R"("payload":{"uuid":"p0","status":"EXPIRED","ok":false},"payload_hash":""}]})"));
  EXPECT_TRUE(document.ok());
  for (auto* list : {&document->passes, &document->passes4}) {
    for (PassEntry& entry : *list) entry.payload_hash = PayloadHash(entry.payload);
  }
  return std::move(*document);
}

// What the general reader makes of the text.
Result<CacheDocument> ReadTheGeneralWay(std::string_view text) {
  Result<Json> json = ParseJsJson(text);
  if (!json.ok()) return json.error();
  return DocumentFromJson(std::move(*json));
}

// Both readers give the same document (every field is in DocumentText) or the same error.
void ExpectSameAsTheGeneralReader(std::string_view text) {
  Result<CacheDocument> ours = DocumentFromText(text);
  Result<CacheDocument> general = ReadTheGeneralWay(text);
  ASSERT_EQ(ours.ok(), general.ok()) << text;
  if (!ours.ok()) {
    EXPECT_EQ(ours.error().ToString(), general.error().ToString()) << text;
    return;
  }
  EXPECT_EQ(DocumentText(*ours), DocumentText(*general)) << text;
  EXPECT_EQ(JsStringify(DocumentToJson(*ours)), JsStringify(DocumentToJson(*general))) << text;
}

std::vector<const PassEntry*> AllEntries(const CacheDocument& document) {
  std::vector<const PassEntry*> entries;
  for (const PassEntry& entry : document.passes) entries.push_back(&entry);
  for (const PassEntry& entry : document.passes4) entries.push_back(&entry);
  return entries;
}

TEST(DocumentFromTextTest, DocumentTextIsReadBackWithThePayloadsAsText) {
  const CacheDocument written = StoredSample();
  const std::string text = DocumentText(written);
  Result<CacheDocument> read = DocumentFromText(text);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_EQ(DocumentText(*read), text);
  EXPECT_EQ(read->user_id, 42);
  EXPECT_EQ(read->timestamp, 1796691700);
  const auto before = AllEntries(written);
  const auto after = AllEntries(*read);
  ASSERT_EQ(after.size(), 3u);
  for (std::size_t i = 0; i < after.size(); ++i) {
    const PassEntry& entry = *after[i];
    EXPECT_FALSE(entry.payload.has_value()) << i << ": the payload tree was built";
    EXPECT_EQ(entry.payload_text, JsStringify(before[i]->payload)) << i;
    EXPECT_EQ(*PayloadOf(entry), *before[i]->payload) << i;
    EXPECT_EQ(entry.pass_uuid, before[i]->pass_uuid);
    EXPECT_EQ(entry.timestamp, before[i]->timestamp);
    EXPECT_EQ(entry.status, before[i]->status);
    EXPECT_EQ(entry.free_ticket_status, before[i]->free_ticket_status);
    EXPECT_EQ(entry.payload_hash, before[i]->payload_hash);
  }
  ExpectSameAsTheGeneralReader(text);
}

TEST(DocumentFromTextTest, EveryOtherLayoutIsReadTheGeneralWay) {
  const std::string canonical = DocumentText(StoredSample());
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string text = canonical;
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  };
  const std::vector<std::string> texts = {
      canonical,
      replaced("\"user_id\":42", "\"user_id\": 42"),
      replaced("{\"user_id\":42,", "{\"_id\":\"x\",\"user_id\":42,"),
      replaced("\"timestamp\":1796691700", "\"timestamp\":1796691700.75"),
      replaced("\"user_id\":42", "\"user_id\":9007199254740993"),
      replaced("\"user_id\":42", "\"user_id\":42.0"),
      replaced("\"timestamp\":-3", "\"timestamp\":-0"),
      replaced("\"free_ticket_status\":1", "\"free_ticket_status\":true"),
      replaced("\"free_ticket_status\":1", "\"free_ticket_status\":null"),
      replaced("\"free_ticket_status\":1", "\"free_ticket_status\":2"),
      replaced("\"status\":\"USING\",\"free", "\"status\":null,\"free"),
      replaced("\"pass_uuid\":\"p1\"", "\"pass_uuid\":\"p\\u0031\""),
      replaced("\"pass_uuid\":\"p1\"", "\"pass_uuid\":\"p\\\"1\""),
      replaced("\"pass_uuid\":\"p1\"", "\"pass_uuid\":1"),
      replaced("\"amount\":0.1", "\"amount\":0.10"),
      replaced("\"n\":1000", "\"n\":1e3"),
      replaced("\"ok\":false", "\"ok\":false,\"ok\":true"),
      replaced("\"ok\":false", "\"\\u00e9\":false"),
      replaced("\"ok\":false", "\"7\":false"),
      replaced("Zone", "Zo\xffne"),
      replaced("Zone", "Zo\\/ne"),
      replaced(",\"passes4\":[", ",\"passes4\":null,\"x\":["),
      replaced(",\"passes4\":[", ",\"passes4\":{},\"x\":["),
      replaced("\"big\":1e+21}", "\"big\":1e+21},\"payload\":{\"uuid\":\"again\"}"),
      replaced("\"big\":1e+21}", "\"big\":1e+21},\"payload_hash\":\"x\",\"extra\":1"),
      "\xEF\xBB\xBF" + canonical,
      canonical + " ",
      canonical + "x",
      canonical.substr(0, canonical.size() - 1),
      canonical.substr(0, canonical.find("\"payload\":") + 12),
      R"({"user_id":1,"timestamp":2,"passes":[],"passes4":[]})",
      R"({"user_id":1,"timestamp":2})",
      R"({"user_id":1,"timestamp":2,"passes":[],"passes4":[],"passes":[1]})",
      "[]",
      "",
  };
  for (const std::string& text : texts) ExpectSameAsTheGeneralReader(text);
}

// The general reader refuses nesting past kMaxJsonDepth in the whole document; so does this one.
TEST(DocumentFromTextTest, PayloadNestingUpToTheLimitOfTheWholeDocument) {
  auto document_with_depth = [](std::size_t payload_depth) {
    const std::string payload =
        std::string(payload_depth, '[') + "1" + std::string(payload_depth, ']');
    return R"({"user_id":1,"timestamp":2,"passes":[{"pass_uuid":"p","timestamp":3,"status":"",)"
           R"("free_ticket_status":0,"payload":)" +
           payload + R"(,"payload_hash":"h"}],"passes4":[]})";
  };
  const std::string deepest = document_with_depth(kMaxJsonDepth - 3);
  Result<CacheDocument> read = DocumentFromText(deepest);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_FALSE(read->passes[0].payload.has_value());
  ExpectSameAsTheGeneralReader(deepest);
  const std::string too_deep = document_with_depth(kMaxJsonDepth - 2);
  EXPECT_FALSE(DocumentFromText(too_deep).ok());
  ExpectSameAsTheGeneralReader(too_deep);
}

// A stored document's text with random JSON tokens spliced in (over a few bytes or none):
// whatever either reader makes of it, the other makes the same.
TEST(DocumentFromTextTest, SplicedTextIsReadAsTheGeneralReaderReadsIt) {
  const std::string canonical = DocumentText(StoredSample());
  const char* const tokens[] = {" ",    ",",  ":",        "{",     "}",       "[",   "]",
                                "\"",   "0",  "01",       "-0",    "2.50",    "1e3", "1.5",
                                "null", "1",  "true",     "\"x\"", "\\u0041", "\\/", "\xff",
                                "{}",   "[]", ",\"a\":1", "\"7\"", "\x01"};
  std::mt19937_64 random(20261208);
  int still_read = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text = canonical;
    const std::size_t at = random() % text.size();
    const std::size_t replaced = std::min<std::size_t>(random() % 3, text.size() - at);
    text.replace(at, replaced, tokens[random() % std::size(tokens)]);
    ExpectSameAsTheGeneralReader(text);
    if (DocumentFromText(text).ok()) ++still_read;
  }
  EXPECT_GT(still_read, 500);  // many splices land inside strings: both readers still read those
}

// The next refresh keeps an unchanged pass's stored text as it is and writes it back unchanged; a
// changed pass gets its new payload.
TEST(DocumentFromTextTest, MergeKeepsTheStoredTextOfUnchangedPasses) {
  const std::string stored = DocumentText(StoredSample());
  Result<CacheDocument> existing = DocumentFromText(stored);
  ASSERT_TRUE(existing.ok());
  const CacheDocument sample = StoredSample();
  std::vector<SharedJson> active = {sample.passes[1].payload, sample.passes[0].payload};
  Json changed = *sample.passes4[0].payload;
  changed["ok"] = true;
  std::vector<SharedJson> expired = {SharedJson(changed)};
  Result<RefreshOutcome> merged = MergeDocument(*existing, active, expired, 1796695300, {});
  ASSERT_TRUE(merged.ok()) << merged.error().ToString();
  EXPECT_EQ(merged->changed, 1);
  EXPECT_EQ(merged->created, 0);
  const CacheDocument& document = merged->document;
  ASSERT_EQ(document.passes.size(), 2u);
  EXPECT_EQ(document.passes[0].payload_text, existing->passes[0].payload_text);
  EXPECT_EQ(document.passes[0].timestamp, 1796691697);  // kept as it was
  EXPECT_EQ(document.passes[0].free_ticket_status, 1);
  EXPECT_EQ(document.passes4[0].payload_text, JsStringify(changed));
  EXPECT_EQ(document.passes4[0].timestamp, 1796695300);
  // The document written is the one a merge of the fully parsed document writes.
  Result<CacheDocument> parsed = ReadTheGeneralWay(stored);
  ASSERT_TRUE(parsed.ok());
  Result<RefreshOutcome> merged_parsed = MergeDocument(*parsed, active, expired, 1796695300, {});
  ASSERT_TRUE(merged_parsed.ok());
  EXPECT_EQ(DocumentText(document), DocumentText(merged_parsed->document));
}

}  // namespace
}  // namespace tc
