"""Approach (f): Evidently 0.7, DataDriftPreset with PSI on every feature plus its data summary.

Runs in its own virtualenv (Evidently 0.7 needs pandas < 3), never in the project's:

    python3 -m venv bench/.venv-evidently
    bench/.venv-evidently/bin/pip install "evidently>=0.7,<0.8" "pandas<3" pyarrow
    bench/.venv-evidently/bin/python bench/evidently_impl.py <data_dir> '<json: numeric, categorical>'

Prints one JSON line: {"seconds", "load_seconds", "compute_seconds", "values": {"psi_evidently": {...}}}.
Evidently's PSI is not the textbook quantile PSI (see PERFORMANCE notes / README.md, "Drift",
`binning: evidently`): the values are compared with ml_monitor's `binning: evidently` mode.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd


def _find_psi(obj, out: dict) -> None:
    """ValueDrift results in the snapshot dict: {'metric_id'/'config': ..., 'value': ...}."""
    if isinstance(obj, dict):
        cfg = obj.get("config") or {}
        if isinstance(cfg, dict) and cfg.get("type", "").endswith("ValueDrift") and "value" in obj:
            out[cfg.get("column")] = obj["value"]
        for v in obj.values():
            _find_psi(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _find_psi(v, out)


def main() -> None:
    warnings.filterwarnings("ignore")
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset, DataSummaryPreset

    data_dir = Path(sys.argv[1])
    cfg = json.loads(sys.argv[2])
    numeric, categorical = cfg["numeric"], cfg["categorical"]
    cols = [*numeric, *categorical]
    t0 = time.perf_counter()
    cur = pd.read_parquet(data_dir / "predictions.parquet", columns=cols)
    ref = pd.read_parquet(data_dir / "reference.parquet", columns=cols)
    t_load = time.perf_counter() - t0
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    cur_ds = Dataset.from_pandas(cur, data_definition=definition)
    ref_ds = Dataset.from_pandas(ref, data_definition=definition)
    report = Report([DataDriftPreset(method="psi"), DataSummaryPreset()])
    snapshot = report.run(current_data=cur_ds, reference_data=ref_ds)
    result = snapshot.dict()
    seconds = time.perf_counter() - t0
    psi: dict = {}
    for m in result.get("metrics", []):
        mid = str(m.get("metric_id", ""))
        if mid.startswith("ValueDrift(") and "column=" in mid:
            col = mid.split("column=")[1].split(",")[0].rstrip(")")
            psi[col] = m.get("value")
    if not psi:
        _find_psi(result, psi)
    print(json.dumps({"seconds": seconds, "load_seconds": t_load, "compute_seconds": seconds - t_load,
                      "values": {"psi_evidently": psi}}, default=float))


if __name__ == "__main__":
    main()
