#!/usr/bin/env bash
# The .deb's life cycle on this machine (as root; it installs system-wide, so CI runs it, and a
# developer only with CHECK_DEPLOY_INSTALL_DEB=1 through scripts/check-deploy.sh):
#   install → the user, /etc/ticketcache (0750, group ticketcache) and the conffile exist;
#   `ticketcache config` loads the installed configuration; `ticketcache init` creates a schema
#   (an SQLite store under /var/lib/ticketcache, as the service user);
#   enable the timer → remove → the units are disabled, no process runs the removed binary, the
#   configuration is still there; purge → /etc/ticketcache and /var/lib/ticketcache are gone and
#   dpkg forgets the package.
#   scripts/check-deb-install.sh PATH/ticketcache_VERSION_ARCH.deb
set -euo pipefail
deb=$(realpath "$1")
failures=0
fail() {
  echo "check-deb-install: FAIL: $*" >&2
  failures=$((failures + 1))
}
if [[ $(id -u) != 0 ]]; then
  echo "check-deb-install: needs root (dpkg)" >&2
  exit 1
fi
if dpkg-query -W -f='${Status}' ticketcache 2>/dev/null | grep -q installed; then
  echo "check-deb-install: a ticketcache package is installed already; not touching it" >&2
  exit 1
fi
# apt waits for the dpkg lock (another job installing) instead of failing at once.
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -y -q "$@"; }

apt_get install --no-install-recommends "$deb" >/dev/null
dpkg-query -W -f='${Status}\n' ticketcache | grep -qx 'install ok installed' || fail "not installed"
getent passwd ticketcache >/dev/null || fail "no ticketcache user"
[[ $(stat -c '%a %G' /etc/ticketcache) == "750 ticketcache" ]] ||
  fail "/etc/ticketcache is $(stat -c '%a %G' /etc/ticketcache), want 750 ticketcache"
cmp -s /etc/ticketcache/ticketcache.toml /usr/share/doc/ticketcache/examples/ticketcache.toml ||
  fail "/etc/ticketcache/ticketcache.toml is not the example"

# The installed binary loads the installed configuration (passwords from files, as the units do).
install -m 0640 -g ticketcache /dev/null /etc/ticketcache/tokens_password
install -m 0640 -g ticketcache /dev/null /etc/ticketcache/store_password
echo portal-secret >/etc/ticketcache/tokens_password
echo store-secret >/etc/ticketcache/store_password
if ! output=$(TICKETCACHE_TOKENS_PASSWORD_FILE=/etc/ticketcache/tokens_password \
  TICKETCACHE_STORE_PASSWORD_FILE=/etc/ticketcache/store_password \
  /usr/bin/ticketcache config --config /etc/ticketcache/ticketcache.toml 2>&1); then
  fail "ticketcache config: $output"
elif grep -q 'secret' <<<"$output"; then
  fail "ticketcache config printed a password"
fi
# init against embedded stores in the state directory, as the service user (the example's
# MariaDB and MongoDB hosts do not exist here).
install -d -m 0750 -o ticketcache -g ticketcache /var/lib/ticketcache
cat >/etc/ticketcache/init-check.toml <<'TOML'
[tokens]
url = "sqlite:/var/lib/ticketcache/portal.db"
[store]
url = "sqlite:/var/lib/ticketcache/cache.db"
TOML
if ! output=$(runuser -u ticketcache -- /usr/bin/ticketcache init --config /etc/ticketcache/init-check.toml 2>&1); then
  fail "ticketcache init: $output"
fi
[[ -s /var/lib/ticketcache/cache.db ]] || fail "init created no store"
rm /etc/ticketcache/init-check.toml

# Enabled units must be disabled by the removal (offline systemctl: symlinks only).
systemctl enable ticketcache-run.timer >/dev/null 2>&1 || fail "systemctl enable ticketcache-run.timer"
[[ -L /etc/systemd/system/timers.target.wants/ticketcache-run.timer ]] || fail "the timer was not enabled"
apt_get remove ticketcache >/dev/null
[[ ! -e /usr/bin/ticketcache ]] || fail "remove left /usr/bin/ticketcache"
[[ ! -L /etc/systemd/system/timers.target.wants/ticketcache-run.timer ]] ||
  fail "remove left the timer enabled"
for process in /proc/[0-9]*; do
  if [[ $(readlink "$process/exe" 2>/dev/null) == /usr/bin/ticketcache* ]]; then
    fail "process ${process#/proc/} still runs /usr/bin/ticketcache after remove"
  fi
done
[[ -f /etc/ticketcache/ticketcache.toml ]] || fail "remove deleted the configuration (only purge may)"

apt_get purge ticketcache >/dev/null
[[ ! -e /etc/ticketcache ]] || fail "purge left /etc/ticketcache"
[[ ! -e /var/lib/ticketcache ]] || fail "purge left /var/lib/ticketcache"
if dpkg-query -W ticketcache >/dev/null 2>&1; then fail "dpkg still knows ticketcache after purge"; fi

if ((failures > 0)); then
  exit 1
fi
echo "check-deb-install: installed, config and init ran, removed (units disabled, nothing running), purged"
