#include "selection/shard.h"

#include <charconv>

namespace tc {

namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

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

bool ShardOwnsUser(const Shard& shard, int64_t user_id) {
  return SplitMix64(static_cast<uint64_t>(user_id)) % static_cast<uint64_t>(shard.count) ==
         static_cast<uint64_t>(shard.index);
}

std::string RunLockName(const Shard* shard) {
  if (shard == nullptr || shard->count == 1) return "run";
  return "run-shard-" + std::to_string(shard->index) + "-of-" + std::to_string(shard->count);
}

}  // namespace tc
