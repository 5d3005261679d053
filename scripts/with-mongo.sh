#!/usr/bin/env bash
# scripts/with-mongo.sh CMD [ARGS...]
#
# Runs CMD against a throwaway MongoDB-compatible server on 127.0.0.1: FerretDB (the MongoDB wire
# protocol over an embedded SQLite backend) in a fresh temp dir, on a free TCP port, telemetry
# off. Then stops the server and removes the temp dir, whatever happens. Exits with CMD's code.
# CMD sees:
#   TICKETCACHE_TEST_MONGODB_URI      mongodb://127.0.0.1:PORT/ticketcache_test
#   TICKETCACHE_TEST_MONGODB_METRICS  the server's Prometheus metrics (command counts), HTTP URL
#   TICKETCACHE_TEST_MONGODB_DIR      the temp dir (see scripts/ferretdb-ctl.sh for its layout)
#   TICKETCACHE_TEST_MONGODB_ADMIN    command taking start|stop|restart (synchronous)
#
# The server binary is built once per machine with the Go toolchain (from the Go module proxy,
# ~3 minutes) into ${XDG_CACHE_HOME:-$HOME/.cache}/ticketcache/ferretdb-$VERSION/ (override:
# TICKETCACHE_FERRETDB_CACHE), and reused from there. TICKETCACHE_FERRETDB_BINARY names a
# prebuilt binary instead.
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

version=v1.24.2
scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${TICKETCACHE_FERRETDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketcache/ferretdb-$version}

# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@VERSION` alone makes a binary that panics
# at start: FerretDB reads its version from build/version/version.txt, which its release process
# generates and the module does not ship. So: the module's source from the proxy, copied, that
# one file written, then `go install` from the copy (same code, same go.sum). Built in a staging
# dir and renamed into place, so concurrent first runs never see a half-written binary.
build_ferretdb() {
  local staging src
  export PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
  if ! command -v go >/dev/null; then
    echo "with-mongo: the Go toolchain (go) is needed to build FerretDB $version" >&2
    return 1
  fi
  mkdir -p "$cache"
  staging=$(mktemp -d "$cache/build.XXXXXX")
  echo "with-mongo: building FerretDB $version into $cache (once per machine)" >&2
  if ! {
    src=$(go mod download -json "github.com/FerretDB/FerretDB@$version" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])') &&
      cp -R "$src/." "$staging/src" && chmod -R u+w "$staging/src" &&
      echo "$version" >"$staging/src/build/version/version.txt" &&
      (cd "$staging/src" && GOBIN="$staging/bin" go install -trimpath ./cmd/ferretdb)
  } >"$staging/build.log" 2>&1; then
    echo "with-mongo: building FerretDB failed:" >&2
    tail -n 30 "$staging/build.log" >&2
    rm -rf "$staging"
    return 1
  fi
  mv -f "$staging/bin/ferretdb" "$cache/ferretdb"
  rm -rf "$staging"
}

binary=${TICKETCACHE_FERRETDB_BINARY:-$cache/ferretdb}
if [[ ! -x $binary ]]; then
  build_ferretdb
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/ticketcache-ferretdb.XXXXXX")
export TICKETCACHE_TEST_MONGODB_DIR=$dir
export TICKETCACHE_TEST_MONGODB_ADMIN=$scripts/ferretdb-ctl.sh

cleanup() {
  "$TICKETCACHE_TEST_MONGODB_ADMIN" stop || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free ports: bind port 0, read what the kernel chose, release it.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
free_port >"$dir/port"
free_port >"$dir/debug-port"
echo "$binary" >"$dir/ferretdb"
"$TICKETCACHE_TEST_MONGODB_ADMIN" start

export TICKETCACHE_TEST_MONGODB_URI=mongodb://127.0.0.1:$(cat "$dir/port")/ticketcache_test
export TICKETCACHE_TEST_MONGODB_METRICS=http://127.0.0.1:$(cat "$dir/debug-port")/debug/metrics

status=0
"$@" || status=$?
exit "$status"
