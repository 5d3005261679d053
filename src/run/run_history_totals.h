// The cumulative counts of a shard's recorded runs, read from the run history: the newest
// recorded run carries them ("totals" in its summary); runs recorded after it without totals (by
// an older version) are added from their summaries, and so is the whole history when no run has
// totals yet (the first run after an upgrade).
#pragma once

#include <string_view>

#include "error/error.h"
#include "report/run_summary.h"
#include "report/run_totals.h"
#include "store/cache_store.h"

namespace tc {

// Runs of other shards, runs still `running` (or lost) and unreadable summaries are skipped.
// kStore when the history cannot be read.
Result<RunTotals> LoadRunTotals(CacheStore& store, std::string_view shard);

// LoadRunTotals plus `run` (not yet recorded), as JSON for summary.totals; Json null (and a
// warning) when the history cannot be read.
Json TotalsIncluding(CacheStore& store, const RunSummary& run);

}  // namespace tc
