// Counter-based pseudo-random numbers: the same inputs always give the same output, on every
// platform, so generated passes and injected faults are reproducible from the seed alone.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace tc::sim {

// SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Hash of a short tuple of integers, order-sensitive.
constexpr uint64_t HashOf(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0x6a09e667f3bcc909ULL;
  for (uint64_t part : parts) h = Mix64(h ^ part);
  return h;
}

// A uniform double in [0, 1) from a hash.
constexpr double UnitInterval(uint64_t hash) { return static_cast<double>(hash >> 11) * 0x1.0p-53; }

}  // namespace tc::sim
