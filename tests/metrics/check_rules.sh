#!/usr/bin/env bash
# The alert rules: `promtool check rules` and their unit tests (`promtool test rules`).
# Usage: check_rules.sh DEPLOY_PROMETHEUS_DIR
set -euo pipefail
cd "$1"
if ! command -v promtool >/dev/null; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "promtool missing (Debian package prometheus; scripts/bootstrap.sh installs it)" >&2
    exit 1
  fi
  echo "SKIP: promtool missing (apt-get install prometheus)" >&2
  exit 77
fi
promtool check rules ticketcache.rules.yml
promtool test rules ticketcache.rules.test.yml
