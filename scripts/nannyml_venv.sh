#!/usr/bin/env bash
# Builds the isolated virtualenv holding NannyML 0.13.1, the oracle of the CBPE
# (estimated_performance) tests. NannyML is never a runtime dependency of ml_monitor:
# its pins (pandas, scikit-learn, ...) live only in this venv.
# Usage: scripts/nannyml_venv.sh [venv dir]   (default: bench/.venv-nannyml); prints the python path.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$here/bench/.venv-nannyml}"
py="${PYTHON:-python3}"
mkdir -p "$(dirname "$venv")"
# parallel test workers may ask at once: one builds, the others wait for it
exec 9>"$venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ] || ! NML_DISABLE_USAGE_LOGGING=1 "$venv/bin/python" -c "import nannyml" 2>/dev/null; then
  "$py" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --upgrade pip >&2
  # the numeric stack pinned as measured, so the expected seeds (gen_cbpe.py) reproduce byte for byte
  "$venv/bin/pip" install --quiet "nannyml==0.13.1" "statsmodels==0.15.0" "numpy==2.4.6" "pandas==3.1.1" \
    "scikit-learn==1.9.1" "scipy==1.17.1" >&2
fi
echo "$venv/bin/python"
