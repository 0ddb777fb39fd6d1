#!/usr/bin/env bash
# Every test: system packages, PostgreSQL, then pytest (unit, CLI, report, and the whole
# integration project on each adapter in ML_MONITOR_ADAPTERS, default duckdb postgres spark).
set -euo pipefail
cd "$(dirname "$0")/.."
export ML_MONITOR_ADAPTERS="${ML_MONITOR_ADAPTERS:-duckdb postgres spark}"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false

bash scripts/system_deps.sh

pg_started=""
cleanup() {
  if [ -n "$pg_started" ]; then bash scripts/postgres.sh stop; fi
}
trap cleanup EXIT
if [[ " $ML_MONITOR_ADAPTERS " == *" postgres "* ]]; then
  # a throwaway password for the local test role, generated per run, never written to disk
  export ML_MONITOR_PG_PASSWORD="${ML_MONITOR_PG_PASSWORD:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')}"
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then pg_started=1; fi
  bash scripts/postgres.sh start
fi

echo "test.sh: adapters: $ML_MONITOR_ADAPTERS" >&2
set +e
# two workers (ML_MONITOR_TEST_WORKERS=0: one process): Spark's tests on one, the rest on the other
.venv/bin/python -m pytest cli/tests -n "${ML_MONITOR_TEST_WORKERS:-2}" --dist loadgroup --durations=30 "$@"
status=$?
set -e
# pytest exit 5 = no tests collected: that is a failure here, not a success
if [ $status -eq 5 ]; then echo "test.sh: no tests ran" >&2; exit 1; fi
exit $status
