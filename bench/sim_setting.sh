# Sourced by the bench scripts: one ticketcache-sim on a free loopback port, and a ticketcache
# configuration with SQLite stores in OUT seeded with USERS demo users (`ticketcache init`).
#
#   start_sim_setting BUILD_DIR OUT USERS PASSES EXPIRED LATENCY_MS PAGE_SIZE CONCURRENCY BINARY
#
# Sets `sim` (the simulator's pid, stopped when the script exits), `url` (its base URL) and
# `config` (the configuration file).
#
#   change_passes_of_every K...   the users whose id is a multiple of one of the K get changed
#                                 passes (the simulator's /_sim/mutate), as refresh_bench does
start_sim_setting() {
  local build=$1 out=$2 users=$3 passes=$4 expired=$5 latency_ms=$6 page_size=$7
  local concurrency=$8 binary=$9
  local sim_log="$out/sim.log"
  local sim_binary=$build/sim/ticketcache-sim
  [ -x "$sim_binary" ] || sim_binary=$build/ticketcache-sim
  "$sim_binary" --listen 127.0.0.1:0 --users "$users" --passes "$passes" --expired "$expired" \
    --latency-ms "$latency_ms" >"$sim_log" 2>&1 &
  sim=$!
  trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null || true' EXIT
  for _ in $(seq 100); do grep -q listening "$sim_log" && break; sleep 0.1; done
  url="http://$(sed -n 's/^listening on //p' "$sim_log")"
  config="$out/ticketcache.toml"
  cat >"$config" <<TOML
[tokens]
url = "sqlite:$out/portal.db"
[store]
url = "sqlite:$out/cache.db"
[bytemark]
customer_api = "$url"
page_size = $page_size
[refresh]
concurrency = $concurrency
[log]
level = "warn"
TOML
  "$binary" init --demo-users "$users" --config "$config" >/dev/null
}

change_passes_of_every() {
  local every
  for every in "$@"; do curl -s -X POST -d "{\"every\":$every}" "$url/_sim/mutate" >/dev/null; done
}
