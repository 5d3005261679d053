// The two pass lists of a user: what the Bytemark client fetches (bytemark/) and where the cache
// document keeps them (document/). Here, below both, so neither folder needs the other for it.
#pragma once

namespace tc {

enum class PassListKind { kActive, kExpired };  // "passes" (GET /passes), "passes4" (v4 EXPIRED)

}  // namespace tc
