"""Approach (f): Evidently 0.7, DataDriftPreset with PSI on every feature plus its data summary.

Runs in its own virtualenv (Evidently 0.7 needs pandas < 3), never in the project's:

    python3 -m venv bench/.venv-evidently
    bench/.venv-evidently/bin/pip install "evidently>=0.7,<0.8" "pandas<3" pyarrow
    bench/.venv-evidently/bin/python bench/evidently_impl.py <data_dir> '<json: numeric, categorical>'

Prints one JSON line: {"seconds", "load_seconds", "compute_seconds", "values": {"psi_evidently": {...}}}.
Evidently's PSI is not the textbook quantile PSI (see PERFORMANCE notes / README.md, "Drift",
`binning: evidently`): the values are compared with ml_monitor's `binning: evidently` mode.

With ``"mode": "stats17"`` in the JSON (bench/stats_bench.py, issue #17) it runs instead, one
report per group so that each is timed apart, the statistics Evidently has of the ones issue #17
added: ``ValueDrift(method=...)`` with "wasserstein" (normed) and "ks" (p-value) on the numeric
columns, "hellinger" on every feature, "chisquare" on the categorical ones, and
``ClassificationQuality`` + ``ClassificationQualityByLabel`` of the multiclass model, overall and
per segment (Evidently has no segments: one report per segment). Not run: Evidently's "TVD" (a
permutation test of 1,000 shuffles returning a p-value, not the distance) and L-infinity (none).
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


def _value_drifts(result: dict) -> dict:
    """{column: value} of the ValueDrift metrics of one snapshot."""
    out: dict = {}
    for m in result.get("metrics", []):
        mid = str(m.get("metric_id", ""))
        if mid.startswith("ValueDrift(") and "column=" in mid:
            out[mid.split("column=")[1].split(",")[0].rstrip(")")] = m.get("value")
    if not out:
        _find_psi(result, out)
    return out


def _numbers(obj, path: str, out: dict) -> None:
    """Every number of a classification snapshot by metric id (for the agreement table)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            _numbers(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _numbers(v, f"{path}[{i}]", out)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out[path] = obj


def stats17(data_dir: Path, cfg: dict) -> dict:
    from evidently import DataDefinition, Dataset, MulticlassClassification, Report
    from evidently.metrics import ValueDrift
    from evidently.presets import ClassificationQuality, ClassificationQualityByLabel

    numeric, categorical, classes = cfg["numeric"], cfg["categorical"], cfg["classes"]
    cols = [*numeric, *categorical]
    t0 = time.perf_counter()
    cur = pd.read_parquet(data_dir / "predictions.parquet", columns=cols)
    ref = pd.read_parquet(data_dir / "reference.parquet", columns=cols)
    mc = pd.read_parquet(data_dir / "mc_predictions.parquet").merge(
        pd.read_parquet(data_dir / "mc_labels.parquet"), on="id", how="inner")
    mc = mc.rename(columns={f"p_{c}": c for c in classes})
    times = {"load": time.perf_counter() - t0}
    values: dict = {}
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    ks_cols = cfg.get("ks_columns") or numeric
    groups = [("wasserstein_norm", "wasserstein", ks_cols), ("ks_pvalue", "ks", ks_cols),
              ("hellinger", "hellinger", cols), ("chi2_pvalue", "chisquare", categorical)]
    for group, method, group_cols in groups:
        t = time.perf_counter()
        report = Report([ValueDrift(column=c, method=method) for c in group_cols])
        snapshot = report.run(current_data=Dataset.from_pandas(cur, data_definition=definition),
                              reference_data=Dataset.from_pandas(ref, data_definition=definition))
        values[group] = _value_drifts(snapshot.dict())
        times[group] = time.perf_counter() - t
    t = time.perf_counter()
    mc_def = DataDefinition(categorical_columns=["y_true", "y_pred", "segment"], numerical_columns=list(classes),
                            classification=[MulticlassClassification(target="y_true", prediction_labels="y_pred",
                                                                     prediction_probas=list(classes))])
    values["multiclass"] = {}
    values["multiclass_errors"] = {}
    for seg, part in [("(all)", mc), *sorted(mc.groupby("segment"))]:
        data = Dataset.from_pandas(part.reset_index(drop=True), data_definition=mc_def)
        try:
            snapshot = Report([ClassificationQuality(), ClassificationQualityByLabel()]).run(
                current_data=data, reference_data=None)
        except Exception as e:  # noqa: BLE001  (its by-label metrics fail on a class never predicted)
            values["multiclass_errors"][str(seg)] = f"{type(e).__name__}: {e}"
            snapshot = Report([ClassificationQuality()]).run(current_data=data, reference_data=None)
        nums: dict = {}
        _numbers({f"{i}:{m.get('metric_id') or m.get('metric_name') or ''}": m.get("value")
                  for i, m in enumerate(snapshot.dict().get("metrics", []))}, "", nums)
        values["multiclass"][str(seg)] = nums
    times["multiclass"] = time.perf_counter() - t
    return {"seconds": time.perf_counter() - t0, "times": times, "values": values}


def main() -> None:
    warnings.filterwarnings("ignore")
    if json.loads(sys.argv[2]).get("mode") == "stats17":
        print(json.dumps(stats17(Path(sys.argv[1]), json.loads(sys.argv[2])), default=float))
        return
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
