#include "document/cache_document.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tc
