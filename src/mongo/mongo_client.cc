#include "mongo/mongo_client.h"

#include <fmt/format.h>

#include "config/url_credentials.h"

namespace tc::mongo {

// Every occurrence of each non-empty secret in `text` replaced by the one marker, kRedactedText.
std::string WithoutSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedactedText.size())) {
      text.replace(at, secret.size(), kRedactedText);
    }
  }
  return RedactUrlPasswordsInText(text);
}

std::string Describe(std::string_view operation, const bson_error_t& error,
                     const std::vector<std::string>& secrets) {
  return WithoutSecrets(
      fmt::format("mongodb {}: {} (code {})", operation, error.message, error.code), secrets);
}

BsonDocument OptionsWithLimit(const char* sort_field, int sort_direction, int limit) {
  BsonDocument options;
  bson_t sort;
  bson_append_document_begin(options.get(), "sort", -1, &sort);
  bson_append_int32(&sort, sort_field, -1, sort_direction);
  bson_append_document_end(options.get(), &sort);
  BSON_APPEND_INT64(options.get(), "limit", limit);
  return options;
}

BsonDocument UpsertOption() {
  BsonDocument options;
  BSON_APPEND_BOOL(options.get(), "upsert", true);
  return options;
}

BsonDocument UnorderedOption() {
  BsonDocument options;
  BSON_APPEND_BOOL(options.get(), "ordered", false);
  return options;
}

Status CursorStatus(const CursorHandle& cursor, std::string_view operation,
                    const std::vector<std::string>& secrets) {
  bson_error_t error;
  if (mongoc_cursor_error(cursor.cursor, &error)) {
    return MakeError(ErrorClass::kStore, Describe(operation, error, secrets));
  }
  return Status::Ok();
}

}  // namespace tc::mongo
