#!/usr/bin/env bash
# scripts/with-mariadb.sh CMD [ARGS...]
#
# Runs CMD against a throwaway MariaDB server on 127.0.0.1 (data dir and socket in a fresh temp
# dir, free TCP port, a user `tc` with a random password, database `ticketcache_test`), then stops
# the server and removes the temp dir, whatever happens. Exits with CMD's exit code.
# CMD sees:
#   TICKETCACHE_TEST_MYSQL_URL       mysql://tc@127.0.0.1:PORT/ticketcache_test
#   TICKETCACHE_TEST_MYSQL_PASSWORD  the password of `tc`
#   TICKETCACHE_TEST_MYSQL_SOCKET    the server's unix socket (root may connect over it)
#   TICKETCACHE_TEST_MYSQL_DIR       the temp dir (see scripts/mariadb-ctl.sh for its layout)
#   TICKETCACHE_TEST_MYSQL_ADMIN     command taking start|stop|restart (synchronous)
#   TICKETCACHE_TEST_MYSQL_TLS_CA    CA certificate of the server's TLS certificate (for 127.0.0.1)
# TICKETCACHE_TEST_MYSQL_EXTRA_OPTS, when set, is appended to mariadbd's command line.
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/ticketcache-mariadb.XXXXXX")
export TICKETCACHE_TEST_MYSQL_DIR=$dir
export TICKETCACHE_TEST_MYSQL_ADMIN=$scripts/mariadb-ctl.sh

cleanup() {
  "$TICKETCACHE_TEST_MYSQL_ADMIN" stop || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: bind port 0, read what the kernel chose, release it.
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
  >"$dir/port"
port=$(cat "$dir/port")

# mariadb-install-db takes seconds (it loads the help tables), so a pristine data dir is made once
# per server version and copied for each run. Made in a temp dir and renamed: concurrent first
# runs do not see a half-made template.
user_opt=()
((EUID == 0)) && user_opt=(--user=root)
version=$(mariadbd --version | cksum | cut -d' ' -f1)
template=${TICKETCACHE_MARIADB_TEMPLATE:-${TMPDIR:-/tmp}/ticketcache-mariadb-template-$EUID-$version}
if [[ ! -d $template ]]; then
  staging=$(mktemp -d "$template.XXXXXX")
  if ! mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$staging/data" --skip-test-db \
      --auth-root-authentication-method=socket >"$dir/install.log" 2>&1; then
    echo "with-mariadb: mariadb-install-db failed:" >&2
    cat "$dir/install.log" >&2
    rm -rf "$staging"
    exit 1
  fi
  mv -T "$staging/data" "$template" 2>/dev/null || true  # lost the race: the winner's is as good
  rm -rf "$staging"
fi
cp -a "$template" "$dir/data"

# A throwaway CA and a server certificate for 127.0.0.1, so tests can check verified TLS.
tls=$dir/tls
mkdir "$tls"
if ! {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=ticketcache-test-ca -keyout "$tls/ca-key.pem" -out "$tls/ca.pem" &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
      -keyout "$tls/server-key.pem" -out "$tls/server.csr" &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tls/san.ext" &&
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" \
      -CAcreateserial -days 2 -extfile "$tls/san.ext" -out "$tls/server.pem"
} >"$tls/openssl.log" 2>&1; then
  echo "with-mariadb: cannot make test TLS certificates:" >&2
  cat "$tls/openssl.log" >&2
  exit 1
fi
"$TICKETCACHE_TEST_MYSQL_ADMIN" start

password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
mariadb --no-defaults --socket="$dir/mysqld.sock" --user=root <<SQL
CREATE DATABASE ticketcache_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER 'tc'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER 'tc'@'localhost' IDENTIFIED BY '$password';
GRANT ALL ON ticketcache_test.* TO 'tc'@'127.0.0.1';
GRANT ALL ON ticketcache_test.* TO 'tc'@'localhost';
SQL

export TICKETCACHE_TEST_MYSQL_URL=mysql://tc@127.0.0.1:$port/ticketcache_test
export TICKETCACHE_TEST_MYSQL_PASSWORD=$password
export TICKETCACHE_TEST_MYSQL_SOCKET=$dir/mysqld.sock
export TICKETCACHE_TEST_MYSQL_TLS_CA=$tls/ca.pem

status=0
"$@" || status=$?
exit "$status"
