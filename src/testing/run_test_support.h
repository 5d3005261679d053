// Test doubles for run tests: tokens from memory, a transport that answers from a table at once
// (no network) and lets fake time pass when idle, and a fixture with a real SQLite store.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json/js_json.h"
#include "run/refresh_run.h"
#include "storage/open_cache_store.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc::testing_run {

// Tokens from memory, same contract as the real sources.
class VectorTokenSource final : public TokenSource {
 public:
  explicit VectorTokenSource(std::vector<UserToken> users) : users_(std::move(users)) {}
  Result<std::vector<UserToken>> NextPage(std::optional<int64_t> after_user_id,
                                          int limit) override {
    std::vector<UserToken> page;
    for (const auto& user : users_) {
      if ((!after_user_id || user.user_id > *after_user_id) &&
          static_cast<int>(page.size()) < limit) {
        page.push_back(user);
      }
    }
    return page;
  }
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>& ids) override {
    std::vector<UserToken> page;
    for (const auto& user : users_) {
      if (std::find(ids.begin(), ids.end(), user.user_id) != ids.end()) page.push_back(user);
    }
    return page;
  }
  Result<int64_t> CountUsers() override { return static_cast<int64_t>(users_.size()); }

 private:
  std::vector<UserToken> users_;
};

// Answers every request at once from `respond`; when nothing is pending, a Drive() lets fake
// time pass instead of sleeping.
class FakeTransport final : public HttpTransport {
 public:
  using Responder = std::function<Result<HttpResponse>(const HttpRequest&, int attempt)>;
  FakeTransport(FakeClock& clock, Responder respond)
      : clock_(clock), respond_(std::move(respond)) {}

  void Start(HttpRequest request, HttpCallback done) override {
    pending_.emplace_back(std::move(request), std::move(done));
  }
  size_t Drive(Duration max_wait) override {
    if (pending_.empty()) {
      clock_.Advance(std::max(max_wait, Duration(1)));
      return 0;
    }
    auto batch = std::move(pending_);
    pending_.clear();
    for (auto& [request, done] : batch) {
      const std::string key = request.bearer_token + " " + request.url;
      const int attempt = attempts_[key]++;
      ++requests_by_token_[request.bearer_token];
      ++total_requests_;
      done(respond_(request, attempt));
    }
    return pending_.size();
  }
  void Wakeup() override {}

  int requests_for(const std::string& token) { return requests_by_token_[token]; }
  int total_requests() const { return total_requests_; }

 private:
  FakeClock& clock_;
  Responder respond_;
  std::vector<std::pair<HttpRequest, HttpCallback>> pending_;
  std::map<std::string, int> attempts_;
  std::map<std::string, int> requests_by_token_;
  int total_requests_ = 0;
};

inline std::string Token(int64_t user) { return fmt::format("secret-token-{}", user); }

inline HttpResponse PassesResponse(int64_t user, bool expired, int generation = 0) {
  std::string passes;
  const int count = expired ? 1 : 3;
  for (int i = 0; i < count; ++i) {
    if (i) passes += ",";
    passes += fmt::format(
        R"({{"uuid":"{}-{}-{}","status":"{}","time_created":"2026-11-0{}T10:00:00Z",)"
        R"("product_uuid":"p{}","price":2.50,"gen":{}}})",
        user, expired ? "x" : "a", i, expired ? "EXPIRED" : "USABLE", 3 - i, i, generation);
  }
  HttpResponse response;
  response.status = 200;
  response.body =
      R"({"errors":[],"data":{"passes":[)" + passes +
      R"(],"page_count":1,"total_count":3,"pagination":{"page":1,"per_page":100,"next":null}}})";
  return response;
}

inline HttpResponse Reply(long status, std::string body = "{}") {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

inline int64_t UserOf(const HttpRequest& request) {
  return std::stoll(request.bearer_token.substr(std::string("secret-token-").size()));
}

class RefreshRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           fmt::format("refresh_run_test_{}_{}", getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_.store.url = "sqlite:" + (dir_ / "cache.db").string();
    config_.refresh.concurrency = 8;
    config_.refresh.retry.retries = 3;
    config_.tokens.page_size = 7;  // several pages
    auto store = OpenCacheStore(config_.store, StoreAccess::kCreate);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Init().ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  RunSummary RunOnce(FakeTransport& transport, int64_t users, RunRequest request = {}) {
    return RunOn(*store_, transport, users, request);
  }
  RunSummary RunWith(CacheStore& store, TokenSource& source, FakeTransport& transport,
                     RunRequest request = {}, const std::atomic<bool>* stop = nullptr) {
    RunEnvironment env{config_, source, store, transport, clock_, nullptr, stop};
    return ExecuteRun(env, request);
  }
  RunSummary RunOn(CacheStore& store, FakeTransport& transport, int64_t users,
                   RunRequest request = {}) {
    std::vector<UserToken> tokens;
    for (int64_t user = 1; user <= users; ++user) tokens.push_back({user, Token(user)});
    VectorTokenSource source(tokens);
    RunEnvironment env{config_, source, store, transport, clock_, nullptr, nullptr};
    return ExecuteRun(env, request);
  }

  std::optional<std::string> StoredText(int64_t user) {
    auto loaded = store_->Load(user);
    EXPECT_TRUE(loaded.ok());
    if (!loaded.ok() || !loaded->has_value()) return std::nullopt;
    return JsStringify(DocumentToJson((*loaded)->document));
  }

  std::filesystem::path dir_;
  Config config_;
  FakeClock clock_;
  std::unique_ptr<CacheStore> store_;
};

}  // namespace tc::testing_run
