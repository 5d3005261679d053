#include "support/mongo_job.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <utility>

#include "mongo/bson_codec.h"

namespace tc::testing {

MongoJob::MongoJob() : mongo_(FindTestMongoWithOwnDatabase()) {
  dir_ = (std::filesystem::path(::testing::TempDir()) /
          fmt::format("tc_mongo_job_{}_{}", getpid(), reinterpret_cast<uintptr_t>(this)))
             .string();
  std::filesystem::create_directories(dir_);
  config_path_ = dir_ + "/ticketcache.toml";
}

MongoJob::~MongoJob() {
  sim_.reset();
  if (mongo_) DropTestMongoDatabase(*mongo_);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool MongoJob::StartSim(int64_t users, std::vector<std::string> sim_args) {
  std::vector<std::string> args = {"--users", std::to_string(users)};
  args.insert(args.end(), sim_args.begin(), sim_args.end());
  auto sim = SimProcess::Start(args);
  if (!sim.ok()) {
    ADD_FAILURE() << "simulator: " << sim.error().ToString();
    return false;
  }
  sim_ = std::move(sim).value();
  return true;
}

std::string MongoJob::SqliteTokens(const std::string& dir) {
  return fmt::format("url = \"sqlite:{}/portal.db\"\n", dir);
}

void MongoJob::WriteConfig(const std::string& tokens_section, const std::string& refresh_section) {
  WriteFile(config_path_,
            fmt::format("[tokens]\n{}\n[store]\nurl = \"{}\"\n\n"
                        "[bytemark]\ncustomer_api = \"{}\"\ntimeout = \"3s\"\n"
                        "connect_timeout = \"1s\"\n\n[refresh]\n{}\n[log]\nlevel = \"warn\"\n",
                        tokens_section, mongo_->config.url, sim_->base_url(), refresh_section));
}

ChildResult MongoJob::Ticketcache(std::vector<std::string> args, Json* summary,
                                  const std::map<std::string, std::string>& env) {
  args.push_back("--config");
  args.push_back(config_path_);
  ChildResult result = RunTicketcache(args, env);
  if (summary != nullptr) {
    auto parsed = ParseJsJson(result.out);
    *summary = parsed.ok() ? *parsed : Json();
  }
  return result;
}

std::map<int64_t, std::string> MongoJob::NormalizedDocuments() {
  std::map<int64_t, std::string> documents;
  std::optional<RawMongo> raw = RawMongo::Connect(*mongo_);
  if (!raw) return documents;
  mongoc_collection_t* cache = raw->Collection(mongo_->config.cache_collection);
  bson_t filter = BSON_INITIALIZER;
  mongoc_cursor_t* cursor = mongoc_collection_find_with_opts(cache, &filter, nullptr, nullptr);
  const bson_t* found = nullptr;
  while (mongoc_cursor_next(cursor, &found)) {
    Result<CacheDocument> document = DocumentFromBson(*found);
    bson_iter_t iter;
    int64_t user = -1;
    if (bson_iter_init_find(&iter, found, "user_id")) user = BsonNumberAsInt64(iter).value_or(-1);
    if (!document.ok()) {
      documents[user] = "<unreadable>";
      continue;
    }
    document->timestamp = 0;
    for (auto* list : {&document->passes, &document->passes4}) {
      for (PassEntry& entry : *list) entry.timestamp = 0;
    }
    documents[document->user_id] = JsStringify(DocumentToJson(*document));
  }
  bson_error_t error;
  if (mongoc_cursor_error(cursor, &error)) ADD_FAILURE() << "reading documents: " << error.message;
  mongoc_cursor_destroy(cursor);
  bson_destroy(&filter);
  mongoc_collection_destroy(cache);
  return documents;
}

int64_t MongoJob::Count(const std::string& collection_name) {
  std::optional<RawMongo> raw = RawMongo::Connect(*mongo_);
  if (!raw) return -1;
  mongoc_collection_t* collection = raw->Collection(collection_name);
  bson_t filter = BSON_INITIALIZER;
  bson_error_t error;
  const int64_t count =
      mongoc_collection_count_documents(collection, &filter, nullptr, nullptr, nullptr, &error);
  if (count < 0) ADD_FAILURE() << "counting " << collection_name << ": " << error.message;
  bson_destroy(&filter);
  mongoc_collection_destroy(collection);
  return count;
}

int64_t MongoJob::RepeatedAuditEntries() {
  std::optional<RawMongo> raw = RawMongo::Connect(*mongo_);
  if (!raw) return -1;
  mongoc_collection_t* log = raw->Collection(mongo_->config.log_collection);
  bson_t filter = BSON_INITIALIZER;
  mongoc_cursor_t* cursor = mongoc_collection_find_with_opts(log, &filter, nullptr, nullptr);
  std::set<std::pair<int64_t, std::string>> seen;
  int64_t repeated = 0;
  const bson_t* found = nullptr;
  while (mongoc_cursor_next(cursor, &found)) {
    bson_iter_t iter;
    int64_t user = -1;
    std::string pass;
    if (bson_iter_init_find(&iter, found, "user_id")) user = BsonNumberAsInt64(iter).value_or(-1);
    if (bson_iter_init_find(&iter, found, "pass_uuid") && BSON_ITER_HOLDS_UTF8(&iter)) {
      pass = bson_iter_utf8(&iter, nullptr);
    }
    if (!seen.emplace(user, pass).second) ++repeated;
  }
  mongoc_cursor_destroy(cursor);
  bson_destroy(&filter);
  mongoc_collection_destroy(log);
  return repeated;
}

}  // namespace tc::testing
