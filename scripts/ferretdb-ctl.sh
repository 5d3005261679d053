#!/usr/bin/env bash
# scripts/ferretdb-ctl.sh start|stop|restart
#
# Controls the throwaway FerretDB server of scripts/with-mongo.sh (which exports
# TICKETCACHE_TEST_MONGODB_DIR). Tests call it through TICKETCACHE_TEST_MONGODB_ADMIN to take the
# server away and bring it back. Every command is synchronous: `start` returns once the server
# accepts connections, `stop` once the process is gone. Layout of $TICKETCACHE_TEST_MONGODB_DIR:
#   ferretdb (path of the binary, one line)  port  debug-port  data/ (SQLite files)
#   state/ (FerretDB's state dir)  ferretdb.pid  ferretdb.log
set -euo pipefail

dir=${TICKETCACHE_TEST_MONGODB_DIR:?run under scripts/with-mongo.sh}
pidfile=$dir/ferretdb.pid

# A process that has exited but was not reaped (PID 1 in a container may not reap) counts as gone.
alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}

accepts() {
  (exec 3<>"/dev/tcp/127.0.0.1/$(cat "$dir/port")") 2>/dev/null
}

start() {
  mkdir -p "$dir/data" "$dir/state"
  # The SQLite handler keeps one file per database under data/, unsynced (a throwaway server:
  # fsyncs would only slow the tests). Telemetry off, the debug
  # (metrics) listener on the free port with-mongo.sh chose, never a fixed one.
  # setsid + redirects: the server must not hold the caller's terminal or pipes open.
  setsid "$(cat "$dir/ferretdb")" --handler=sqlite --sqlite-url="file:$dir/data/?_pragma=synchronous(off)" \
    --listen-addr="127.0.0.1:$(cat "$dir/port")" \
    --debug-addr="127.0.0.1:$(cat "$dir/debug-port")" \
    --state-dir="$dir/state" --telemetry=disable --log-level=warn \
    </dev/null >>"$dir/ferretdb.log" 2>&1 &
  local pid=$! i
  echo "$pid" >"$pidfile"
  for ((i = 0; i < 300; i++)); do
    accepts && return 0
    if ! alive "$pid"; then
      echo "ferretdb-ctl: ferretdb exited during start; log: $dir/ferretdb.log" >&2
      tail -n 20 "$dir/ferretdb.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "ferretdb-ctl: ferretdb did not accept connections within 30 s; log: $dir/ferretdb.log" >&2
  return 1
}

stop() {
  [[ -f $pidfile ]] || return 0
  local pid i
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    alive "$pid" || { rm -f "$pidfile"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  restart) stop && start ;;
  *) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac
