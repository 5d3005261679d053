#include "tokens/shard.h"

#include <charconv>

namespace tc {

namespace {

bool ParseInt(std::string_view text, int& out) {
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

std::string Shard::ToString() const { return std::to_string(index) + "/" + std::to_string(count); }

Result<Shard> ParseShard(std::string_view text) {
  const auto slash = text.find('/');
  Shard shard;
  if (slash == std::string_view::npos || !ParseInt(text.substr(0, slash), shard.index) ||
      !ParseInt(text.substr(slash + 1), shard.count) || shard.count < 1 || shard.index < 0 ||
      shard.index >= shard.count) {
    return MakeError(ErrorClass::kConfig,
                     "--shard: expected K/N with 0 <= K < N, got \"" + std::string(text) + "\"");
  }
  return shard;
}

int ShardOfUser(int64_t user_id, int count) {
  const int64_t n = count;
  return static_cast<int>(((user_id % n) + n) % n);  // |user_id % n| < n: no overflow
}

bool ShardOwnsUser(const Shard& shard, int64_t user_id) {
  return ShardOfUser(user_id, shard.count) == shard.index;
}

std::string ShardSqlCondition(const Shard& shard, std::string_view column) {
  const std::string n = std::to_string(shard.count);
  return "((" + std::string(column) + " % " + n + ") + " + n + ") % " + n + " = " +
         std::to_string(shard.index);
}

std::string RunLockName(const Shard* shard) {
  if (shard == nullptr || shard->count == 1) return "run";
  return "run-shard-" + std::to_string(shard->index) + "-of-" + std::to_string(shard->count);
}

}  // namespace tc
