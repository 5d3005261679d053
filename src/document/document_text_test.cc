// DocumentFromText: the same documents and errors as DocumentFromJson(ParseJsJson(text)), on
// DocumentText's own output (read without payload trees) and on everything else a store may hold.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "document/cache_document.h"
#include "document/document_merge.h"
#include "json/js_json.h"

namespace tc {
namespace {

Json ParsePayload(std::string_view text) {
  Result<Json> json = ParseJsJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? *json : Json();
}

PassEntry SampleEntry(const char* payload, int64_t timestamp, int free_ticket_status) {
  PassEntry entry;
  entry.payload = ParsePayload(payload);
  entry.pass_uuid = entry.payload->value("uuid", "");
  entry.status = entry.payload->value("status", "");
  entry.timestamp = timestamp;
  entry.free_ticket_status = free_ticket_status;
  entry.payload_hash = PayloadHash(entry.payload);
  return entry;
}

CacheDocument StoredSample() {
  CacheDocument document;
  document.user_id = 42;
  document.timestamp = 1796691700;
  document.passes.push_back(SampleEntry(
      R"({"uuid":"p1","status":"USABLE","time_created":"2083-01-14T12:01:00Z","fare":)"
      R"({"amount":0.1,"tax_rate":2.5,"n":1000},"ticket_number":12345678901234567000,)"
      R"("name":"Day pass – Zone A/B 🚌","note":"a\"b\\c\nd","links":{"qr":null},"tags":[]})",
      1796691697, 1));
  document.passes.push_back(SampleEntry(R"({"uuid":"p2","status":"USING","big":1e+21})", -3, 0));
  document.passes4.push_back(SampleEntry(R"({"uuid":"p0","status":"EXPIRED","ok":false})", 0, 0));
  return document;
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

// Random damage to a stored document's text: whatever either reader makes of it, the other makes
// the same.
TEST(DocumentFromTextTest, DamagedTextIsReadAsTheGeneralReaderReadsIt) {
  const std::string canonical = DocumentText(StoredSample());
  const std::string bytes = " ,:{}[]\"\\0123456789.eE+-ntfa/\x01\xff";
  std::mt19937_64 random(20261208);
  int still_read = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text = canonical;
    for (int damage = 1 + static_cast<int>(random() % 2); damage > 0; --damage) {
      const std::size_t at = random() % text.size();
      const char byte = bytes[random() % bytes.size()];
      switch (random() % 3) {
        case 0:
          text.insert(at, 1, byte);
          break;
        case 1:
          text.erase(at, 1);
          break;
        default:
          text[at] = byte;
      }
    }
    ExpectSameAsTheGeneralReader(text);
    if (DocumentFromText(text).ok()) ++still_read;
  }
  EXPECT_GT(still_read, 500);  // much damage lands inside values: both readers still read those
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
