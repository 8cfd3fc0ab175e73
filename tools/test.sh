#!/usr/bin/env bash
# The whole test suite, the real Neo4j server included (the pytest session fixture fetches
# Neo4j Community 5.26 from Maven Central on first use and starts it on 127.0.0.1:17687).
# Extra arguments go to pytest. "No tests collected" is a failure, never a silent pass.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
"$ROOT/tools/setup.sh"
export RISKGRAPH_ENV=development
"$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider "$@"
rc=$?
if [ "$rc" = 5 ]; then
  echo "test.sh: pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$rc"
