#include "mongo/bson_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

namespace tc {
namespace {

Json Parse(std::string_view text) {
  Result<Json> json = ParseJsJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? std::move(json).value() : Json();
}

BsonDocument ToBson(const Json& object) {
  Result<BsonDocument> bson = JsonObjectToBson(object);
  EXPECT_TRUE(bson.ok()) << bson.error().ToString();
  return bson.ok() ? std::move(bson).value() : BsonDocument();
}

bson_type_t TypeOf(const bson_t& document, const char* dotted_key) {
  bson_iter_t iter;
  bson_iter_t found;
  if (!bson_iter_init(&iter, &document) || !bson_iter_find_descendant(&iter, dotted_key, &found)) {
    return BSON_TYPE_EOD;
  }
  return bson_iter_type(&found);
}

Json RoundTrip(const Json& object) {
  BsonDocument bson = ToBson(object);
  Result<Json> back = BsonToJson(*bson);
  EXPECT_TRUE(back.ok()) << back.error().ToString();
  return back.ok() ? std::move(back).value() : Json();
}

TEST(BsonCodecTest, NumbersAreTypedAsTheNodeDriverTypesThem) {
  Json object = Json::object();
  object["zero"] = 0;
  object["int32_max"] = 2147483647;
  object["int32_min"] = -2147483648LL;
  object["above_int32"] = 2147483648LL;
  object["below_int32"] = -2147483649LL;
  object["integral_double"] = 2.0;
  object["fraction"] = 2.5;
  object["negative_zero"] = -0.0;
  object["big_int64"] = 9007199254740993LL;
  object["big_unsigned"] = 18446744073709551615ULL;
  object["huge"] = 1e21;
  object["timestamp"] = 1700000000;
  BsonDocument bson = ToBson(object);

  EXPECT_EQ(TypeOf(*bson, "zero"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeOf(*bson, "int32_max"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeOf(*bson, "int32_min"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeOf(*bson, "above_int32"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeOf(*bson, "below_int32"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeOf(*bson, "integral_double"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeOf(*bson, "fraction"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeOf(*bson, "negative_zero"), BSON_TYPE_DOUBLE);  // as js-bson >= 5 writes it
  EXPECT_EQ(TypeOf(*bson, "big_int64"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeOf(*bson, "big_unsigned"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeOf(*bson, "huge"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeOf(*bson, "timestamp"), BSON_TYPE_INT32);

  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init_find(&iter, bson.get(), "big_int64"));
  EXPECT_EQ(bson_iter_double(&iter), 9007199254740992.0);  // rounded as JavaScript holds it
}

TEST(BsonCodecTest, OtherValuesMapToTheirBsonTypesWithKeyOrderKept) {
  Json object = Parse(R"({"z":"text","a":true,"m":null,"nested":{"y":1,"b":[1,"x",{}]},"e":[]})");
  BsonDocument bson = ToBson(object);
  EXPECT_EQ(TypeOf(*bson, "z"), BSON_TYPE_UTF8);
  EXPECT_EQ(TypeOf(*bson, "a"), BSON_TYPE_BOOL);
  EXPECT_EQ(TypeOf(*bson, "m"), BSON_TYPE_NULL);
  EXPECT_EQ(TypeOf(*bson, "nested"), BSON_TYPE_DOCUMENT);
  EXPECT_EQ(TypeOf(*bson, "nested.b"), BSON_TYPE_ARRAY);
  EXPECT_EQ(TypeOf(*bson, "nested.b.2"), BSON_TYPE_DOCUMENT);
  EXPECT_EQ(TypeOf(*bson, "e"), BSON_TYPE_ARRAY);

  std::string keys;
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init(&iter, bson.get()));
  while (bson_iter_next(&iter)) keys += std::string(bson_iter_key(&iter)) + ",";
  EXPECT_EQ(keys, "z,a,m,nested,e,");
  EXPECT_EQ(RoundTrip(object).dump(), object.dump());
}

TEST(BsonCodecTest, StringsKeepEveryByteIncludingNul) {
  Json object = Json::object();
  constexpr char kBytes[] = "a\0b\xc3\xa9\xf0\x9f\x98\x80\n\"\\/";
  object["s"] = std::string(kBytes, sizeof kBytes - 1);
  EXPECT_EQ(RoundTrip(object)["s"], object["s"]);
}

TEST(BsonCodecTest, KeyWithNulIsMalformed) {
  Json object = Json::object();
  object["outer"] = Json::object();
  object["outer"][std::string("a\0b", 3)] = 1;
  Result<BsonDocument> bson = JsonObjectToBson(object);
  ASSERT_FALSE(bson.ok());
  EXPECT_EQ(bson.error().error_class, ErrorClass::kMalformed);
}

TEST(BsonCodecTest, ReadsNumbersOtherWritersStore) {
  BsonDocument bson;
  BSON_APPEND_INT64(bson.get(), "int64", 1700000000123LL);
  BSON_APPEND_INT64(bson.get(), "int64_big", 9007199254740993LL);
  BSON_APPEND_DOUBLE(bson.get(), "integral_double", 3.0);
  BSON_APPEND_DOUBLE(bson.get(), "fraction", 0.1);
  BSON_APPEND_DOUBLE(bson.get(), "beyond_2_53", 1e21);
  BSON_APPEND_UNDEFINED(bson.get(), "undefined");
  Result<Json> json = BsonToJson(*bson);
  ASSERT_TRUE(json.ok()) << json.error().ToString();
  EXPECT_TRUE((*json)["int64"].is_number_integer());
  EXPECT_EQ((*json)["int64"].get<int64_t>(), 1700000000123LL);
  EXPECT_EQ((*json)["int64_big"].get<int64_t>(), 9007199254740993LL);
  EXPECT_TRUE((*json)["integral_double"].is_number_integer());
  EXPECT_EQ((*json)["integral_double"].get<int64_t>(), 3);
  EXPECT_TRUE((*json)["fraction"].is_number_float());
  EXPECT_TRUE((*json)["beyond_2_53"].is_number_float());
  EXPECT_TRUE((*json)["undefined"].is_null());
  EXPECT_EQ(JsStringify((*json)["beyond_2_53"]), "1e+21");
}

TEST(BsonCodecTest, TypesJsonCannotHoldAreMalformedNamingThePath) {
  BsonDocument bson;
  bson_t child;
  BSON_APPEND_DOCUMENT_BEGIN(bson.get(), "payload", &child);
  BSON_APPEND_DATE_TIME(&child, "when", 0);
  bson_append_document_end(bson.get(), &child);
  Result<Json> json = BsonToJson(*bson);
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.error().error_class, ErrorClass::kMalformed);
  EXPECT_NE(json.error().message.find("payload.when"), std::string::npos) << json.error().message;
}

TEST(BsonCodecTest, NumberAsInt64AcceptsEveryNumericType) {
  BsonDocument bson;
  BSON_APPEND_INT32(bson.get(), "a", 7);
  BSON_APPEND_INT64(bson.get(), "b", 1LL << 40);
  BSON_APPEND_DOUBLE(bson.get(), "c", 1700000000.75);
  BSON_APPEND_DOUBLE(bson.get(), "d", 1e300);
  BSON_APPEND_UTF8(bson.get(), "e", "7");
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init(&iter, bson.get()));
  std::vector<std::optional<int64_t>> values;
  while (bson_iter_next(&iter)) values.push_back(BsonNumberAsInt64(iter));
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(values[0], 7);
  EXPECT_EQ(values[1], 1LL << 40);
  EXPECT_EQ(values[2], 1700000000);
  EXPECT_EQ(values[3], std::nullopt);
  EXPECT_EQ(values[4], std::nullopt);
}

// Payloads real APIs send and JavaScript formats in its own way (docs/data-compatibility.md).
const char* const kAwkwardPayloads[] = {
    R"({"uuid":"u1","status":"USABLE","name":"Caf\u00e9 \ud83d\ude00 \/path \u0001\n\t","price":2.50})",
    R"({"uuid":"u2","status":"USING","big":1E3,"huge":1e21,"tiny":1e-7,"neg":-0,"pi":0.1})",
    R"({"uuid":"u3","status":"EXPIRED","beyond":9007199254740993,"int64":12345678901234,"x":-2147483649})",
    R"({"uuid":"u4","status":"USABLE","2":"b","1":"a","z":{"10":1,"9":2},"e":{},"a":[]})",
    R"({"uuid":"u5","status":"USABLE","deep":[[[[[[[[[[{"k":[{"k":[[[[1]]]]}]}]]]]]]]]]]})",
    R"({"uuid":"u6","status":"USABLE","dup":1,"dup":2,"t":true,"f":false,"n":null,"s":""})",
};

PassEntry EntryFor(const Json& payload, int64_t timestamp, int free_ticket_status) {
  PassEntry entry;
  entry.pass_uuid = payload.value("uuid", "");
  entry.timestamp = timestamp;
  entry.status = payload.value("status", "");
  entry.free_ticket_status = free_ticket_status;
  entry.payload = payload;
  entry.payload_hash = PayloadHash(payload);
  return entry;
}

void ExpectDocumentRoundTrips(const CacheDocument& document) {
  Result<BsonDocument> bson = DocumentToBson(document);
  ASSERT_TRUE(bson.ok()) << bson.error().ToString();
  Result<CacheDocument> back = DocumentFromBson(**bson);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(JsStringify(DocumentToJson(*back)), JsStringify(DocumentToJson(document)));
  ASSERT_EQ(back->passes.size(), document.passes.size());
  ASSERT_EQ(back->passes4.size(), document.passes4.size());
  for (const auto* list : {&back->passes, &back->passes4}) {
    for (const PassEntry& entry : *list) {
      EXPECT_EQ(PayloadHash(entry.payload), entry.payload_hash) << entry.pass_uuid;
    }
  }
}

TEST(BsonCodecTest, AwkwardPayloadsRoundTripWithTheSameTextAndHashes) {
  CacheDocument document;
  document.user_id = 42;
  document.timestamp = 1700000000;
  int index = 0;
  for (const char* text : kAwkwardPayloads) {
    Json payload = Parse(text);
    ++index;
    (index % 2 == 1 ? document.passes : document.passes4)
        .push_back(EntryFor(payload, 1699990000 + index, index % 2));
  }
  ExpectDocumentRoundTrips(document);
}

TEST(BsonCodecTest, EmptyDocumentAndLargeIdsRoundTrip) {
  CacheDocument document;
  document.user_id = 5000000000;    // beyond int32: stored as a double, read back exactly
  document.timestamp = 3000000000;  // after 2038: beyond int32 too
  ExpectDocumentRoundTrips(document);
  Result<BsonDocument> bson = DocumentToBson(document);
  ASSERT_TRUE(bson.ok());
  EXPECT_EQ(TypeOf(**bson, "user_id"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeOf(**bson, "timestamp"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeOf(**bson, "passes"), BSON_TYPE_ARRAY);
}

TEST(BsonCodecTest, DocumentFieldsAreTypedAsTheSeedWritesThem) {
  CacheDocument document;
  document.user_id = 7;
  document.timestamp = 1700000000;
  document.passes.push_back(EntryFor(Parse(R"({"uuid":"p","status":"USABLE"})"), 1700000000, 1));
  Result<BsonDocument> bson = DocumentToBson(document);
  ASSERT_TRUE(bson.ok());
  EXPECT_EQ(TypeOf(**bson, "user_id"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeOf(**bson, "timestamp"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeOf(**bson, "passes.0.pass_uuid"), BSON_TYPE_UTF8);
  EXPECT_EQ(TypeOf(**bson, "passes.0.timestamp"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeOf(**bson, "passes.0.free_ticket_status"), BSON_TYPE_INT32);
  EXPECT_EQ(TypeOf(**bson, "passes.0.payload"), BSON_TYPE_DOCUMENT);
  EXPECT_EQ(TypeOf(**bson, "passes.0.payload_hash"), BSON_TYPE_UTF8);
  EXPECT_EQ(TypeOf(**bson, "passes4"), BSON_TYPE_ARRAY);
}

TEST(BsonCodecTest, ReadIgnoresIdVersionAndExtraFieldsInAnyOrder) {
  BsonDocument bson;
  bson_oid_t oid;
  bson_oid_init(&oid, nullptr);
  BSON_APPEND_OID(bson.get(), "_id", &oid);
  bson_t array;
  BSON_APPEND_ARRAY_BEGIN(bson.get(), "passes4", &array);
  bson_append_array_end(bson.get(), &array);
  BSON_APPEND_DOUBLE(bson.get(), "timestamp", 1700000000.0);  // another writer's double
  BSON_APPEND_INT64(bson.get(), "user_id", 9);                // another writer's int64
  BSON_APPEND_ARRAY_BEGIN(bson.get(), "passes", &array);
  bson_append_array_end(bson.get(), &array);
  BSON_APPEND_INT32(bson.get(), "_tc_version", 3);
  BSON_APPEND_DATE_TIME(bson.get(), "updatedAt", 1700000000000);
  BSON_APPEND_INT32(bson.get(), "__v", 0);

  Result<CacheDocument> document = DocumentFromBson(*bson);
  ASSERT_TRUE(document.ok()) << document.error().ToString();
  EXPECT_EQ(document->user_id, 9);
  EXPECT_EQ(document->timestamp, 1700000000);
  EXPECT_EQ(JsStringify(DocumentToJson(*document)),
            R"({"user_id":9,"timestamp":1700000000,"passes":[],"passes4":[]})");
}

// JSON.parse keeps lone surrogates ("\ud800"); tc::Json holds them as WTF-8 (ED A0..BF 80..BF).
// js-bson writes such a JavaScript string as UTF-8 with U+FFFD in the surrogate's place.
TEST(BsonCodecTest, WtfEightSurrogatesBecomeWhatTheNodeDriverWrites) {
  const std::string high = "\xED\xA0\x80";  // U+D800
  const std::string low = "\xED\xBF\xBF";   // U+DFFF
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(ToWellFormedUtf8("x" + high + "y"), "x" + replacement + "y");
  EXPECT_EQ(ToWellFormedUtf8(low + high), replacement + replacement);
  EXPECT_EQ(ToWellFormedUtf8(high), replacement);
  // A high surrogate followed by a low one is one character (U+D83D U+DE00 = U+1F600).
  EXPECT_EQ(ToWellFormedUtf8("\xED\xA0\xBD\xED\xB8\x80"), "\xF0\x9F\x98\x80");
  // Not surrogates: U+D7FF (ED 9F BF), a truncated sequence, plain text and real 4-byte UTF-8.
  EXPECT_EQ(ToWellFormedUtf8("\xED\x9F\xBF"), "\xED\x9F\xBF");
  EXPECT_EQ(ToWellFormedUtf8("a\xED\xA0"), "a\xED\xA0");
  EXPECT_EQ(ToWellFormedUtf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");

  // In a document: strings and keys alike, and the result is valid UTF-8 BSON.
  Json payload = Json::object();
  payload["name"] = "a" + high + "b";
  payload["k" + low] = 1;
  BsonDocument bson;
  ASSERT_TRUE(AppendJsonToBson(bson.get(), "payload", payload).ok());
  EXPECT_TRUE(bson_validate(bson.get(), BSON_VALIDATE_UTF8, nullptr));
  Result<Json> back = BsonToJson(*bson);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)["payload"]["name"], "a" + replacement + "b");
  EXPECT_EQ((*back)["payload"]["k" + replacement], 1);
}

// Random JSON values: the text JavaScript would produce survives BSON unchanged.
class RandomJson {
 public:
  explicit RandomJson(uint32_t seed) : random_(seed) {}

  Json Value(int depth) {
    switch (Pick(depth > 4 ? 5 : 7)) {
      case 0:
        return nullptr;
      case 1:
        return Pick(2) == 0;
      case 2:
        return Number();
      case 3:
      case 4:
        return String();
      case 5: {
        Json array = Json::array();
        for (int i = Pick(5); i > 0; --i) array.push_back(Value(depth + 1));
        return array;
      }
      default: {
        Json object = Json::object();
        for (int i = Pick(6); i > 0; --i) object[Key()] = Value(depth + 1);
        return object;
      }
    }
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  Json Number() {
    switch (Pick(6)) {
      case 0:
        return Pick(2000) - 1000;
      case 1:
        return std::uniform_int_distribution<int64_t>(-(1LL << 62), 1LL << 62)(random_);
      case 2:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(random_);
      case 3:
        return std::ldexp(std::uniform_real_distribution<double>(0.5, 1)(random_), Pick(140) - 70);
      case 4:
        return static_cast<double>(Pick(100));
      default:
        return Pick(2) == 0 ? -0.0 : 2147483648.0;
    }
  }

  std::string String() {
    static const char* const kPieces[] = {"a",  "Z", "é",    "😀", "\n", "\"",
                                          "\\", "/", "\x01", " ", "中"};
    std::string text;
    for (int i = Pick(8); i > 0; --i) text += kPieces[Pick(std::size(kPieces))];
    return text;
  }

  std::string Key() {
    static const char* const kKeys[] = {"uuid", "status", "1",   "0",  "10",
                                        "name", "é",      "a b", "$x", ""};
    return kKeys[Pick(std::size(kKeys))];
  }

  std::mt19937 random_;
};

TEST(BsonCodecTest, RandomDocumentsRoundTripWithTheSameTextAndHashes) {
  RandomJson random(20261128);
  for (int round = 0; round < 300; ++round) {
    CacheDocument document;
    document.user_id = round + 1;
    document.timestamp = 1700000000 + round;
    for (int i = round % 4; i > 0; --i) {
      Json payload = random.Value(0);
      if (!payload.is_object()) payload = Json{{"value", payload}};
      payload["uuid"] = "pass-" + std::to_string(i);
      payload["status"] = "USABLE";
      document.passes.push_back(EntryFor(payload, 1700000000, i % 2));
      document.passes4.push_back(
          EntryFor(random.Value(3).is_null() ? Json::object() : payload, 1690000000, 0));
    }
    ExpectDocumentRoundTrips(document);
    if (HasFailure()) {
      ADD_FAILURE() << "round " << round << ": " << JsStringify(DocumentToJson(document));
      return;
    }
  }
}

}  // namespace
}  // namespace tc
