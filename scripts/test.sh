#!/usr/bin/env bash
# The whole test suite: installs what the build needs, builds with warnings as errors, installs
# the Node oracles and the browser test's playwright-core (npm), starts a throwaway MariaDB server
# and a throwaway FerretDB (MongoDB wire protocol; built once per machine by scripts/with-mongo.sh)
# on loopback, runs every test (ctest).
#   SANITIZE=1 scripts/test.sh   same tests, ASan + UBSan build (build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

build_dir=build
cmake_args=(-DTICKETCACHE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [[ "${SANITIZE:-0}" == 1 ]]; then
  build_dir=build-asan
  # -O1: sanitizer builds compile faster and still catch what they catch at -O2; -g1: line tables
  # are all a sanitizer report needs.
  cmake_args+=(-DTICKETCACHE_SANITIZE=ON -DTICKETCACHE_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
              "-DCMAKE_CXX_FLAGS_DEBUG=-g1 -O1")
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j2

# Differential-test oracles (JSON.stringify runs on node alone; cron-parser comes from npm).
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null
# The status page's browser test drives Debian's chromium with playwright-core (no browser download).
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error >/dev/null

bash scripts/with-mariadb.sh bash scripts/with-mongo.sh \
  ctest --test-dir "$build_dir" --output-on-failure -j2
