// What POST /_sim/mutate does to a user's passes, as a pure function of the user's generation
// (the number of mutations applied to that user so far).
//
// Mutation number g of a user adds one new active pass (index base + g - 1), changes two of the
// active passes that existed before it (status flip + "use_count") and one expired pass
// ("use_count"). Every other pass stays byte-identical.
#pragma once

#include <cstdint>

#include "pass_text.h"

namespace tc::sim {

// Number of passes in `list` after `generation` mutations, given the configured base count.
int64_t SimPassCount(PassList list, int64_t base_count, int64_t generation);

// How many of the first `generation` mutations changed pass `index` of `list`
// (the `version` argument of AppendPassJson).
int64_t SimPassVersion(int64_t user_id, PassList list, int64_t index, int64_t base_count,
                       int64_t generation);

}  // namespace tc::sim
