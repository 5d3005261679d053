#!/usr/bin/env bash
# The status page's assets (src/serve/assets: .css, .js, .html) are formatted as prettier
# formats them; prettier parses each file, so a syntax error fails too. prettier is a dev
# dependency of tests/browser (npm ci --prefix tests/browser; scripts/test.sh runs it).
# Fix with: npx --prefix tests/browser prettier --write src/serve/assets
# Usage: check_assets_format.sh SOURCE_DIR
set -euo pipefail
source_dir=$1
prettier=$source_dir/tests/browser/node_modules/prettier/bin/prettier.cjs
if [[ ! -f $prettier ]]; then
  if [[ ${CI:-} == true ]]; then
    echo "prettier missing (npm ci --prefix tests/browser), and CI=true: this test may not skip" >&2
    exit 1
  fi
  echo "SKIP: prettier missing (npm ci --prefix tests/browser)" >&2
  exit 77
fi
cd "$source_dir"
node "$prettier" --check src/serve/assets
