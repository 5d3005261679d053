#!/usr/bin/env bash
# The main job on the embedded default: SQLite stores + the local Bytemark simulator.
# Builds, seeds a demo portal database with 1,000 users, runs the job, shows the summary and one
# user's cache document, runs again (fresh users are skipped), stops the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target ticketcache ticketcache-sim >/dev/null

rm -rf data && mkdir -p data
sim_out=$(mktemp)
build/sim/ticketcache-sim --listen 127.0.0.1:0 --users 1000 --latency-ms 20 >"$sim_out" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; wait $sim_pid 2>/dev/null; rm -f "$sim_out"' EXIT
for _ in $(seq 100); do grep -q listening "$sim_out" && break; sleep 0.05; done
export TICKETCACHE_BYTEMARK_CUSTOMER_API="http://$(awk '{print $3}' "$sim_out")"

tc() { build/ticketcache "$@" --config examples/demo.toml; }
tc init --demo-users 1000 2>/dev/null
echo "== first run: every cache is missing, so every user is built"
tc run 2>data/run1.log
echo "== user 42's cache document (first 600 bytes)"
# Through a file, not a pipe: under pipefail a reader that stops early would fail the script.
tc show 42 >data/user42.json
head -c 600 data/user42.json; echo " ..."
echo "== second run: every cache is fresh, nothing is fetched"
tc run 2>data/run2.log
echo "== status"
tc status 2>/dev/null
