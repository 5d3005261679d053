#!/usr/bin/env bash
# How much a handful of users whose API calls always fail cost a run: a clean run of N users
# (default 300) against runs where 6 users get HTTP 500 on every call, 6 a truncated JSON body
# and 6 a 401 (the simulator's per-user faults), on SQLite. Prints one line per run: its status,
# exit code, wall time and counts; the 2nd and 3rd faulty runs' only work is the broken users
# (the 401 and truncated-JSON users back off from their 2nd failure; the 500s are retried).
# Usage: bench/faulty_users.sh [BUILD_DIR] [USERS]   (FAULTY_USERS_BINARY: another ticketcache binary)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
users=${2:-300}
work=$(mktemp -d)
sim_out="$work/sim.out"
"$build/sim/ticketcache-sim" --listen 127.0.0.1:0 --users "$users" --latency-ms 5 >"$sim_out" 2>/dev/null &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; wait $sim_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q listening "$sim_out" && break; sleep 0.05; done
sim="http://$(awk '{print $3}' "$sim_out")"
export TICKETCACHE_BYTEMARK_CUSTOMER_API="$sim"
export TICKETCACHE_TOKENS_URL="sqlite:$work/portal.db"
export TICKETCACHE_STORE_URL="sqlite:$work/cache.db"

tc() { "${FAULTY_USERS_BINARY:-$build/ticketcache}" "$@" --config examples/demo.toml; }
one_run() {
  local label=$1
  shift
  local start end code
  start=$(date +%s.%N)
  tc run --no-progress "$@" >"$work/summary.json" 2>"$work/run.log"
  code=$?
  end=$(date +%s.%N)
  [[ $code == 2 ]] && tail -2 "$work/run.log" >&2
  python3 - "$label" "$code" "$start" "$end" "$work/summary.json" <<'PY'
import json, sys
label, code, start, end, path = sys.argv[1:]
try:
    summary = json.load(open(path))
except Exception:
    summary = {}
print(f"{label:<28} status={summary.get('status','?'):<9} exit={code} "
      f"wall={float(end) - float(start):6.2f}s failed={summary.get('failed','?')} "
      f"built={summary.get('built','?')} skipped_backoff={summary.get('skipped_backoff','?')} "
      f"api_requests={summary.get('api_requests','?')} reason={summary.get('reason','')!r}")
PY
}

tc init --demo-users "$users" 2>/dev/null >/dev/null
# The clean run, on a store of its own: every user built.
TICKETCACHE_STORE_URL="sqlite:$work/clean.db" tc init >/dev/null 2>&1
TICKETCACHE_STORE_URL="sqlite:$work/clean.db" one_run "clean, $users users"
fault() { curl -s -o /dev/null -X PUT "$sim/_sim/users/$1/fault" -d "{\"kind\":\"$2\"}"; }
# Six groups spread over the id range, each: a 500 user, a truncated-JSON user, a 401 user.
for i in 0 1 2 3 4 5; do
  base=$((7 + i * (users / 6)))
  fault "$base" 500
  fault $((base + 1)) malformed
  fault $((base + 2)) 401
done
one_run "18 broken among $users"
one_run "2nd run (18 stale)"
one_run "3rd run (18 stale)"
