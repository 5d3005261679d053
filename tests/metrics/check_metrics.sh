#!/usr/bin/env bash
# `promtool check metrics` on the text ticketcache exports (serve's /metrics and run's textfile).
# Usage: check_metrics.sh METRICS_SAMPLE_BINARY
set -euo pipefail
sample=$1
if ! command -v promtool >/dev/null; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "promtool missing (Debian package prometheus; scripts/bootstrap.sh installs it)" >&2
    exit 1
  fi
  echo "SKIP: promtool missing (apt-get install prometheus)" >&2
  exit 77
fi
for scope in daemon textfile; do
  text=$("$sample" "$scope")
  echo "== $scope: $(grep -c '^# TYPE' <<<"$text") metric families"
  # promtool prints lint problems and exits non-zero on any.
  promtool check metrics <<<"$text"
done
echo "promtool check metrics: no problems"
