// The body of one 200 page of GET /passes or GET /v4.0/passes?status=EXPIRED (docs/simulator.md):
// {"errors":[],"data":{"passes":[...],"page_count":k,"total_count":T,
//  "pagination":{"page":N,"per_page":P,"next":...}}}
#pragma once

#include <cstdint>
#include <string>

#include "pass_text.h"
#include "sim_settings.h"

namespace tc::sim {

struct PageQuery {
  int64_t user_id = 0;
  PassList list = PassList::kActive;
  int64_t page = 1;        // >= 1
  int64_t per_page = 100;  // >= 1
};

// How `next` is written on a page.
enum class NextForm { kPath, kTrue, kNull, kFalse, kEmptyString, kAbsent };

// The form for a page: truthy (kPath/kTrue) on a non-last page, falsy on the last (see
// docs/simulator.md for how kMixed picks per user).
NextForm NextFormFor(int64_t user_id, NextStyle style, bool last_page);

// "/passes?per_page=P&page=N" or "/v4.0/passes?status=EXPIRED&per_page=P&page=N".
std::string PagePath(PassList list, int64_t per_page, int64_t page);

struct UserPassState {
  int64_t base_count = 0;  // configured passes (active) or expired (expired list)
  int64_t generation = 0;  // mutations applied to the user
};

// The page body. A page past the last has an empty array and a falsy next; 0 passes give one page.
// With `forever`, every page says next is truthy and page_count = page + 1 (passes repeat).
void AppendPassPageBody(const PageQuery& query, const UserPassState& state, NextStyle style,
                        bool forever, std::string& out);
std::string PassPageBody(const PageQuery& query, const UserPassState& state, NextStyle style,
                         bool forever);

}  // namespace tc::sim
