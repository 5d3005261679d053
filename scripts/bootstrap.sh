#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking ticketcache needs (and
# CI's checks: clang-format, clang-tidy, clang with libFuzzer from libclang-rt-14-dev; chromium
# for the status page's browser test; promtool from prometheus for the metrics and alert rules).
# Idempotent: installs only what is missing; runs `apt-get update` at most once per call.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libcurl4-openssl-dev libssl-dev libsqlite3-dev sqlite3
  libmariadb-dev mariadb-server mariadb-client
  libmongoc-dev libbson-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libboost-dev libhowardhinnant-date-dev tzdata prometheus-cpp-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format clang-tidy libclang-rt-14-dev
  systemd dpkg-dev  # scripts/check-deploy.sh: systemd-analyze verify, dpkg-shlibdeps for cpack
  lintian  # scripts/check-deploy.sh: the .deb's lintian check
  chromium  # tests/browser: the status page in a real browser
  prometheus  # promtool: the metrics and alert rule checks
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js is the differential-test oracle (JSON.stringify, cron-parser). The machine image ships
# Node 20; install Debian's only when no node exists at all (Debian's npm conflicts with nodesource's).
if ! command -v node >/dev/null 2>&1; then
  apt-get install -y -qq nodejs npm >/dev/null
fi
# Go (tools/k8s-validate needs Go >= 1.26 for k8s.io/api; Debian 12's golang is older) comes with
# the machine image in /usr/local/go; its modules come from the Go module proxy.
if ! command -v go >/dev/null 2>&1 && [[ ! -x /usr/local/go/bin/go ]]; then
  echo "bootstrap: no Go toolchain (expected /usr/local/go/bin/go): scripts/check-deploy.sh needs it" >&2
fi
echo "bootstrap: all build and test packages present" >&2
