#include "testing/fault_injection_store.h"

#include <fmt/format.h>

namespace tc {
namespace {

const char* MethodName(FaultInjectionStore::Method method) {
  using Method = FaultInjectionStore::Method;
  switch (method) {
    case Method::kInit:
      return "Init";
    case Method::kPing:
      return "Ping";
    case Method::kCacheTimestamps:
      return "CacheTimestamps";
    case Method::kLoad:
      return "Load";
    case Method::kReplace:
      return "Replace";
    case Method::kLoadUserStates:
      return "LoadUserStates";
    case Method::kSaveUserStates:
      return "SaveUserStates";
    case Method::kFailingUsers:
      return "FailingUsers";
    case Method::kSaveRun:
      return "SaveRun";
    case Method::kRecentRuns:
      return "RecentRuns";
    case Method::kTryLock:
      return "TryLock";
    case Method::kUnlock:
      return "Unlock";
    case Method::kReadLock:
      return "ReadLock";
  }
  return "?";
}

}  // namespace

void FaultInjectionStore::Inject(Fault fault) {
  std::lock_guard lock(mutex_);
  faults_.push_back(fault);
}

int FaultInjectionStore::calls(Method method) const {
  std::lock_guard lock(mutex_);
  return calls_[static_cast<size_t>(method)];
}

std::optional<FaultInjectionStore::Fault> FaultInjectionStore::Check(Method method) {
  std::lock_guard lock(mutex_);
  const int call = ++calls_[static_cast<size_t>(method)];
  for (const Fault& fault : faults_) {
    if (fault.method == method && call >= fault.from_call && call <= fault.to_call) return fault;
  }
  return std::nullopt;
}

template <typename R, typename Forward>
R FaultInjectionStore::Call(Method method, Forward&& forward) {
  const std::optional<Fault> fault = Check(method);
  if (!fault) return forward();
  if (fault->after_target) {
    R lost = forward();  // reached the store; the answer never arrives
    (void)lost;
  }
  return MakeError(fault->error_class,
                   fmt::format("injected fault: {} call {}", MethodName(method), calls(method)));
}

Status FaultInjectionStore::Init() {
  return Call<Status>(Method::kInit, [&] { return CacheStoreWrapper::Init(); });
}
Status FaultInjectionStore::Ping() {
  return Call<Status>(Method::kPing, [&] { return CacheStoreWrapper::Ping(); });
}
Result<std::vector<CacheTimestamp>> FaultInjectionStore::CacheTimestamps(
    std::span<const int64_t> user_ids) {
  return Call<Result<std::vector<CacheTimestamp>>>(
      Method::kCacheTimestamps, [&] { return CacheStoreWrapper::CacheTimestamps(user_ids); });
}
Result<std::optional<StoredDocument>> FaultInjectionStore::Load(int64_t user_id) {
  return Call<Result<std::optional<StoredDocument>>>(
      Method::kLoad, [&] { return CacheStoreWrapper::Load(user_id); });
}
Status FaultInjectionStore::Replace(const CacheDocument& document,
                                    std::optional<int64_t> expected_version,
                                    std::span<const AuditEntry> audit) {
  return Call<Status>(Method::kReplace, [&] {
    return CacheStoreWrapper::Replace(document, expected_version, audit);
  });
}
Result<std::vector<UserState>> FaultInjectionStore::LoadUserStates(
    std::span<const int64_t> user_ids) {
  return Call<Result<std::vector<UserState>>>(
      Method::kLoadUserStates, [&] { return CacheStoreWrapper::LoadUserStates(user_ids); });
}
Status FaultInjectionStore::SaveUserStates(std::span<const UserState> states) {
  return Call<Status>(Method::kSaveUserStates,
                      [&] { return CacheStoreWrapper::SaveUserStates(states); });
}
Result<std::vector<UserState>> FaultInjectionStore::FailingUsers(int limit) {
  return Call<Result<std::vector<UserState>>>(
      Method::kFailingUsers, [&] { return CacheStoreWrapper::FailingUsers(limit); });
}
Status FaultInjectionStore::SaveRun(const RunRecord& run) {
  return Call<Status>(Method::kSaveRun, [&] { return CacheStoreWrapper::SaveRun(run); });
}
Result<std::vector<RunRecord>> FaultInjectionStore::RecentRuns(int limit) {
  return Call<Result<std::vector<RunRecord>>>(Method::kRecentRuns,
                                              [&] { return CacheStoreWrapper::RecentRuns(limit); });
}
Result<bool> FaultInjectionStore::TryLock(const std::string& name, const std::string& owner,
                                          int64_t now_ms, int64_t expires_at_ms) {
  return Call<Result<bool>>(Method::kTryLock, [&] {
    return CacheStoreWrapper::TryLock(name, owner, now_ms, expires_at_ms);
  });
}
Status FaultInjectionStore::Unlock(const std::string& name, const std::string& owner) {
  return Call<Status>(Method::kUnlock, [&] { return CacheStoreWrapper::Unlock(name, owner); });
}
Result<std::optional<LockLease>> FaultInjectionStore::ReadLock(const std::string& name) {
  return Call<Result<std::optional<LockLease>>>(Method::kReadLock,
                                                [&] { return CacheStoreWrapper::ReadLock(name); });
}

}  // namespace tc
