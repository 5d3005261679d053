#!/usr/bin/env bash
# scripts/mariadb-ctl.sh start|stop|restart
#
# Controls the throwaway MariaDB server of scripts/with-mariadb.sh (which exports
# TICKETCACHE_TEST_MYSQL_DIR). Tests call it through TICKETCACHE_TEST_MYSQL_ADMIN to take the
# server away and bring it back. Every command is synchronous: `start` returns once the server
# answers, `stop` once the process is gone. Layout of $TICKETCACHE_TEST_MYSQL_DIR:
#   data/ (datadir)  mysqld.sock  mysqld.pid  mysqld.log  port  tls/ (optional: ca.pem,
#   server.pem, server-key.pem — TLS is offered when present)
set -euo pipefail

dir=${TICKETCACHE_TEST_MYSQL_DIR:?run under scripts/with-mariadb.sh}
sock=$dir/mysqld.sock
pidfile=$dir/mysqld.pid

# A process that has exited but was not reaped (PID 1 in a container may not reap) counts as gone.
alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}

answers() {
  mariadb-admin --no-defaults --socket="$sock" --user=root --connect-timeout=1 ping >/dev/null 2>&1
}

start() {
  local user_opt=() tls_opt=()
  ((EUID == 0)) && user_opt=(--user=root)
  [[ -f $dir/tls/server.pem ]] &&
    tls_opt=(--ssl-ca="$dir/tls/ca.pem" --ssl-cert="$dir/tls/server.pem" --ssl-key="$dir/tls/server-key.pem")
  # setsid + redirects: the server must not hold the caller's terminal or pipes open.
  setsid mariadbd --no-defaults "${user_opt[@]}" "${tls_opt[@]}" \
    --datadir="$dir/data" --socket="$sock" --pid-file="$pidfile" \
    --port="$(cat "$dir/port")" --bind-address=127.0.0.1 --skip-name-resolve \
    --log-error="$dir/mysqld.log" --innodb-buffer-pool-size=64M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
    ${TICKETCACHE_TEST_MYSQL_EXTRA_OPTS:-} </dev/null >>"$dir/mysqld.log" 2>&1 &
  local pid=$! i
  for ((i = 0; i < 300; i++)); do
    answers && return 0
    if ! alive "$pid"; then
      echo "mariadb-ctl: mariadbd exited during start; log: $dir/mysqld.log" >&2
      tail -n 20 "$dir/mysqld.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "mariadb-ctl: mariadbd did not answer within 30 s; log: $dir/mysqld.log" >&2
  return 1
}

stop() {
  [[ -f $pidfile ]] || return 0
  local pid i
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do
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
