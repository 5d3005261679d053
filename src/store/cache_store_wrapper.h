// A CacheStore that forwards every call to another one (LevelDB's EnvWrapper). Decorators —
// fault injection, interference by a concurrent writer, counting — override only the calls they
// change.
#pragma once

#include "store/cache_store.h"

namespace tc {

class CacheStoreWrapper : public CacheStore {
 public:
  // REQUIRES: `target` outlives the wrapper.
  explicit CacheStoreWrapper(CacheStore& target) : target_(target) {}

  CacheStore& target() const { return target_; }

  Status Init() override { return target_.Init(); }
  Status Ping() override { return target_.Ping(); }
  Result<std::vector<CacheTimestamp>> CacheTimestamps(std::span<const int64_t> user_ids) override {
    return target_.CacheTimestamps(user_ids);
  }
  Result<std::optional<StoredDocument>> Load(int64_t user_id) override {
    return target_.Load(user_id);
  }
  Status Replace(const CacheDocument& document, std::optional<int64_t> expected_version,
                 std::span<const AuditEntry> audit) override {
    return target_.Replace(document, expected_version, audit);
  }
  Result<std::vector<UserState>> LoadUserStates(std::span<const int64_t> user_ids) override {
    return target_.LoadUserStates(user_ids);
  }
  Status SaveUserStates(std::span<const UserState> states) override {
    return target_.SaveUserStates(states);
  }
  Result<std::vector<UserState>> FailingUsers(int limit) override {
    return target_.FailingUsers(limit);
  }
  Status SaveRun(const RunRecord& run) override { return target_.SaveRun(run); }
  Result<std::vector<RunRecord>> RecentRuns(int limit) override {
    return target_.RecentRuns(limit);
  }
  Result<bool> TryLock(const std::string& name, const std::string& owner, int64_t now_ms,
                       int64_t expires_at_ms) override {
    return target_.TryLock(name, owner, now_ms, expires_at_ms);
  }
  Status Unlock(const std::string& name, const std::string& owner) override {
    return target_.Unlock(name, owner);
  }
  Result<std::optional<LockLease>> ReadLock(const std::string& name) override {
    return target_.ReadLock(name);
  }
  Result<std::vector<int64_t>> UserIdsPage(UserRecords kind, std::optional<int64_t> after_user_id,
                                           int limit) override {
    return target_.UserIdsPage(kind, after_user_id, limit);
  }
  Result<int64_t> CountCaches() override { return target_.CountCaches(); }
  Result<int64_t> DeleteUsers(std::span<const int64_t> user_ids) override {
    return target_.DeleteUsers(user_ids);
  }
  Result<int64_t> DeleteRunsStartedBefore(int64_t cutoff_ms) override {
    return target_.DeleteRunsStartedBefore(cutoff_ms);
  }
  Result<int64_t> DeleteAuditBefore(int64_t cutoff_unix_seconds) override {
    return target_.DeleteAuditBefore(cutoff_unix_seconds);
  }

 private:
  CacheStore& target_;
};

}  // namespace tc
