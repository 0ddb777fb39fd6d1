#!/usr/bin/env bash
# Builds the isolated virtualenv holding dbt-snowflake and the fakesnow emulator (Snowflake SQL
# translated by sqlglot and run by DuckDB, in process): the emulated Snowflake target of
# cli/tests/test_snowflake_emulated.py. Never a runtime dependency of ml_monitor.
# Usage: scripts/fakesnow_venv.sh [venv dir]   (default: bench/.venv-fakesnow); prints the python path.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$here/bench/.venv-fakesnow}"
py="${PYTHON:-python3}"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import fakesnow, dbt.adapters.snowflake" 2>/dev/null; then
  "$py" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --upgrade pip >&2
  "$venv/bin/pip" install --quiet "fakesnow==0.12.1" "dbt-core==1.11.16" "dbt-snowflake==1.11.6" >&2
fi
echo "$venv/bin/python"
