// A CacheStore that fails chosen calls on purpose, so every store failure the run claims to
// survive has a test that causes it (LevelDB's fault-injection Env). Call N of method M — or
// calls N..M, or every call from N on — answers an error of class C instead of the target's
// answer. With `after_target` the call reaches the target first and only its answer is lost (a
// write that committed while its acknowledgement did not arrive). Thread-safe.
#pragma once

#include <array>
#include <climits>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/cache_store_wrapper.h"

namespace tc {

class FaultInjectionStore : public CacheStoreWrapper {
 public:
  enum class Method {
    kInit,
    kPing,
    kCacheTimestamps,
    kLoad,
    kReplace,
    kLoadUserStates,
    kSaveUserStates,
    kFailingUsers,
    kSaveRun,
    kRecentRuns,
    kTryLock,
    kUnlock,
    kReadLock,
  };
  static constexpr int kForever = INT_MAX;

  struct Fault {
    Method method = Method::kReplace;
    int from_call = 1;       // 1-based: the first call of `method` that fails
    int to_call = kForever;  // last failing call, inclusive
    ErrorClass error_class = ErrorClass::kStore;
    bool after_target = false;
  };

  // REQUIRES: `target` outlives the store.
  explicit FaultInjectionStore(CacheStore& target) : CacheStoreWrapper(target) {}

  void Inject(Fault fault);
  // Shorthands: call `call` only; every call from `call` on.
  void FailCall(Method method, int call, ErrorClass error_class = ErrorClass::kStore) {
    Inject({method, call, call, error_class, false});
  }
  void FailFrom(Method method, int call, ErrorClass error_class = ErrorClass::kStore) {
    Inject({method, call, kForever, error_class, false});
  }
  // Calls of `method` so far, failed ones included.
  int calls(Method method) const;

  Status Init() override;
  Status Ping() override;
  Result<std::vector<CacheTimestamp>> CacheTimestamps(std::span<const int64_t> user_ids) override;
  Result<std::optional<StoredDocument>> Load(int64_t user_id) override;
  Status Replace(const CacheDocument& document, std::optional<int64_t> expected_version,
                 std::span<const AuditEntry> audit) override;
  Result<std::vector<UserState>> LoadUserStates(std::span<const int64_t> user_ids) override;
  Status SaveUserStates(std::span<const UserState> states) override;
  Result<std::vector<UserState>> FailingUsers(int limit) override;
  Status SaveRun(const RunRecord& run) override;
  Result<std::vector<RunRecord>> RecentRuns(int limit) override;
  Result<bool> TryLock(const std::string& name, const std::string& owner, int64_t now_ms,
                       int64_t expires_at_ms) override;
  Status Unlock(const std::string& name, const std::string& owner) override;
  Result<std::optional<LockLease>> ReadLock(const std::string& name) override;

 private:
  static constexpr size_t kMethods = static_cast<size_t>(Method::kReadLock) + 1;

  // Counts the call; the fault that applies to it, if any.
  std::optional<Fault> Check(Method method);
  template <typename R, typename Forward>
  R Call(Method method, Forward&& forward);

  mutable std::mutex mutex_;
  std::vector<Fault> faults_;
  std::array<int, kMethods> calls_{};
};

}  // namespace tc
