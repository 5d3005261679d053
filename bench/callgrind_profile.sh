#!/usr/bin/env bash
# Instruction counts of one `ticketcache run` (the job process only) under callgrind: N stale
# users, 10 active passes each, zero latency, against ticketcache-sim in its own process.
# Prints instructions per user and the inclusive share of the hot-path parts.
#
#   bench/callgrind_profile.sh BUILD_DIR [USERS] [OUT_DIR]
#
# Environment (optional): LATENCY_MS (default 0), CONCURRENCY (64), PASSES (10), EXPIRED (0),
# PAGE_SIZE (100), TICKETCACHE (another build's binary, to compare before and after),
# REFRESH_AGAIN=1 (profile the next refresh instead of the first build: a first run builds every
# cache outside callgrind, the users whose id is a multiple of 3 or 7 get changed passes, and the
# profiled run is `run --force`).
# The production shape of refresh_bench latency:
#   LATENCY_MS=50 PASSES=5 EXPIRED=2 PAGE_SIZE=5 bench/callgrind_profile.sh build 1000
set -euo pipefail
build=${1:?usage: callgrind_profile.sh BUILD_DIR [USERS] [OUT_DIR]}
users=${2:-500}
out=${3:-$(mktemp -d)}
mkdir -p "$out"
binary=${TICKETCACHE:-$build/ticketcache}
# shellcheck source=bench/sim_setting.sh
source "$(dirname "${BASH_SOURCE[0]}")/sim_setting.sh"
start_sim_setting "$build" "$out" "$users" "${PASSES:-10}" "${EXPIRED:-0}" "${LATENCY_MS:-0}" \
  "${PAGE_SIZE:-100}" "${CONCURRENCY:-64}" "$binary"
profiled_run=(run --config "$config")
if [ "${REFRESH_AGAIN:-0}" = 1 ]; then
  "$binary" run --config "$config" >"$out/first_run.json"
  change_passes_of_every 3 7
  profiled_run+=(--force)
fi
${CALLGRIND_PRELOAD:+env LD_PRELOAD=$CALLGRIND_PRELOAD} valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
  "$binary" "${profiled_run[@]}" >"$out/run.json" 2>"$out/valgrind.log"
total=$(sed -n 's/^summary: //p' "$out/callgrind.out")
echo "users $users  instructions $total  per user $((total / users))"
# (head closes the pipe early: callgrind_annotate's SIGPIPE is not a failure)
callgrind_annotate --inclusive=yes "$out/callgrind.out" 2>/dev/null | head -80 >"$out/inclusive.txt" || true
# Inclusive instructions of the functions that make up the hot path (a function is listed once
# even when it appears under several callers; the parts overlap only where noted).
for pattern in 'tc::ParseJsJson' 'tc::JsStringify(' 'tc::Md5Hex' 'tc::BuildDocument' \
  'tc::MergeDocument' 'tc::SqliteCacheStore::Replace' 'tc::SqliteCacheStore::Load' \
  'tc::DocumentText' 'tc::DocumentToJson' 'ParseTimeCreated\|ParseInstant' \
  'tc::CurlTransport::Drive' 'curl_multi_socket_action' 'curl_multi_perform' 'curl_multi_poll' \
  'epoll_wait' 'tc::CurlTransport::Start' 'tc::UserSelection::Next' \
  'tc::DocumentWriter::Handle' 'tc::NetworkLoop::Run' 'tc::DocumentFromJson' \
  'tc::DocumentFromText' 'tc::CanonicalJsonLength'; do
  line=$(callgrind_annotate --inclusive=yes --threshold=100 "$out/callgrind.out" 2>/dev/null |
    grep -m1 -- "$pattern" || true)
  [ -n "$line" ] && echo "  $line"
done
echo "(callgrind output in $out)"
