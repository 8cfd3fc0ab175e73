#!/usr/bin/env bash
# One-time (then fast) set-up of a checkout: Python dependencies, Java and Maven for Neo4j.
#
# The pinned dependencies (requirements.lock, PyTorch included: ~7 GB) are installed once into
# a cached venv outside the checkout, keyed by the lock file's hash:
#   ${RISKGRAPH_DEPS_VENV:-~/.cache/riskgraph/deps-py311} (updated when the lock file changes)
# The checkout gets its own small .venv that sees those packages through a .pth file and holds
# riskgraph itself (editable), so `.venv/bin/riskgraph` is the command. A second clone, or CI,
# reuses the cached packages and is ready in seconds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || { echo "setup: $PY not found; install Python 3.11" >&2; exit 1; }

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# Java 17 and Maven: needed to fetch and run the Neo4j server used by the tests.
if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Java 17 and Maven from Debian's packages"
    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null
  else
    say "Java 17 and Maven are needed for Neo4j: install openjdk-17-jre-headless and maven"
  fi
fi

# The UI build (Node), the PDF report (Chromium, CJK fonts) and the browser tests.
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdftotext >/dev/null || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${need[*]} from Debian's packages (UI build, PDF report, browser tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    say "the UI build, the PDF report and the browser tests need: ${need[*]}"
  fi
fi

HASH=$(sha256sum "$ROOT/requirements.lock" | cut -c1-16)
DEPS=${RISKGRAPH_DEPS_VENV:-$HOME/.cache/riskgraph/deps-py311}
if [ "$(cat "$DEPS/.lock-hash" 2>/dev/null)" != "$HASH" ]; then
  say "installing pinned dependencies into $DEPS (first time: a few minutes, PyTorch is large)"
  [ -x "$DEPS/bin/python" ] || "$PY" -m venv "$DEPS"
  "$DEPS/bin/python" -m pip install -q --upgrade "pip==25.3"
  "$DEPS/bin/python" -m pip install -q -r "$ROOT/requirements.lock"
  echo "$HASH" > "$DEPS/.lock-hash"
fi

VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/.tools-ok" ]; then
  "$PY" -m venv "$VENV"
  # editable installs need a setuptools newer than the one Python 3.11's venv ships
  "$VENV/bin/python" -m pip install -q --upgrade "pip==25.3" "setuptools==80.9.0" "wheel==0.45.1"
  touch "$VENV/.tools-ok"
fi
deps_site=$("$DEPS/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
venv_site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$deps_site" > "$venv_site/riskgraph_deps.pth"
if ! "$VENV/bin/python" -c 'import riskgraph, sys; sys.exit(0 if riskgraph.__file__.startswith("'"$ROOT"'") else 1)' 2>/dev/null \
   || [ ! -x "$VENV/bin/riskgraph" ]; then
  "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e "$ROOT" 2>&1 \
    | grep -v -E "^\s*$|notice" >&2 || true
fi
"$ROOT/tools/build_web.sh"    # npm ci + esbuild into web/dist, only when missing or stale
"$VENV/bin/riskgraph" --help >/dev/null
say "ready: $VENV/bin/riskgraph"
