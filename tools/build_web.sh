#!/usr/bin/env bash
# Build the investigator UI: web/src -> web/dist (npm ci, then the esbuild bundle), only when
# web/dist is missing or stale (a hash of the sources and the lock file is kept in
# web/dist/.build-hash). tools/setup.sh runs this; `--force` rebuilds anyway.
# Needs Node.js 18+ and npm (Debian: apt-get install nodejs npm). Nothing is loaded from a CDN
# at run time: the API serves web/dist at /ui.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WEB="$ROOT/web"
cd "$WEB"
say() { printf '\033[1m[build_web]\033[0m %s\n' "$*" >&2; }

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  say "Node.js and npm are needed to build the UI: install them (Debian: apt-get install nodejs npm)"
  exit 1
fi
HASH=$(cat package.json package-lock.json build.mjs src/* | sha256sum | cut -c1-16)
if [ "${1:-}" != "--force" ] && [ -f dist/index.html ] && [ "$(cat dist/.build-hash 2>/dev/null)" = "$HASH" ]; then
  exit 0
fi
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s <(sed -n '1,4p' package-lock.json) <(sed -n '1,4p' node_modules/.package-lock.json) \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing the UI's pinned packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
node build.mjs >&2
echo "$HASH" > dist/.build-hash
say "built web/dist"
