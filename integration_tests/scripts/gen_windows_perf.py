"""Expected per-window rows of the label-joined monitors with `windows: N` (performance,
calibration, label_coverage), computed independently: pandas groups the predictions by their
daily window, scikit-learn (and the exact rank-sum of gen_performance) scores each group.

Inputs: the late_labels family's predictions and labels (scripts/gen_late_labels.py, the same
seeded data regenerated in memory), as the main build sees them: ml_monitor_as_of 2026-01-31,
labels stamped after it not yet arrived, one label per key (the latest). The model
models/windows/perf_windows_input.sql adds two columns to the predictions: `score_b`
(1 - score, a challenger) and `predicted` (score >= 0.5).

Cases (models/windows/actual_windows_perf.sql): every metric family by window and segment,
an empty window, thresholds, a fixed reference, reference windows (adjacent and overlapping),
a challenger, regression metrics, calibration and label coverage.

Run: python integration_tests/scripts/gen_windows_perf.py   (deterministic)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

import gen_late_labels as ll
from gen_performance import SCORE_METRICS, cls_value, exact_value, reg_value, segments
from oracle import status_of, write_expected

AS_OF = dt.datetime(2026, 1, 31)
DAY = dt.timedelta(days=1)
SEG = ["region"]
ROWS: list[dict] = []


def data() -> pd.DataFrame:
    preds, labels = ll.make_data(np.random.default_rng(1427))     # exactly gen_late_labels' data
    known = labels[labels.label_ts <= AS_OF].sort_values(["id", "label_ts", "label"])
    latest = known.groupby("id").tail(1).set_index("id").label      # the latest label per key
    df = preds.drop(columns="y").copy()
    df["score_b"] = 1 - df.score
    df["predicted"] = (df.score >= 0.5).astype(int)
    df["label_value"] = df.id.map(latest)
    df["has_label"] = df.label_value.notna()
    return df


def windows(n: int, end: dt.datetime = AS_OF):
    """The n daily windows ending at `end`, oldest first."""
    return [(end - k * DAY, end - (k - 1) * DAY) for k in range(n, 0, -1)]


def rows_of(df, start, end):
    return df[(df.prediction_ts >= start) & (df.prediction_ts < end)]


def add(case, monitor, column, seg_col, seg_val, metric, value, threshold, n, fails, start, end, baseline=None):
    ROWS.append({"case_name": case, "monitor": monitor, "column_name": column, "segment_column": seg_col,
                 "segment_value": seg_val, "metric": metric, "value": value, "threshold": threshold,
                 "baseline_value": baseline, "sample_size": n, "window_start": start, "window_end": end,
                 "status": status_of(value, n, 1, fails)})


def coverage(case, monitor, w, start, end, min_coverage=None):
    for col, val, sub in segments(w, SEG):
        n = len(sub)
        value = float(sub.has_label.sum()) / n if n else None
        fails = min_coverage is not None and value is not None and value < min_coverage
        add(case, monitor, "label", col, val, "label_coverage", value, min_coverage, n, fails, start, end)


def plain(case, df, n_windows, metrics, column, monitor="performance", threshold=None, min_value=None,
          max_value=None, kind="cls", pred_col="predicted"):
    for start, end in windows(n_windows):
        w = rows_of(df, start, end)
        for col, val, sub in segments(w, SEG):
            for m in metrics:
                value, n = (cls_value(m, sub, "score", pred_col, threshold) if kind == "cls"
                            else reg_value(m, sub, pred_col))
                fails = value is not None and ((min_value is not None and value < min_value)
                                               or (max_value is not None and value > max_value))
                add(case, monitor, column, col, val, m, value, max_value if max_value is not None else min_value,
                    n, fails, start, end)
        coverage(case, monitor, w, start, end)


def against(case, df, n_windows, metric, column, reference_of, kind, amount, pred_col="predicted"):
    """metric in each window against a reference (fixed, or the period before the window)."""
    for start, end in windows(n_windows):
        w = rows_of(df, start, end)
        ref = {(c, v): s for c, v, s in segments(reference_of(start), SEG)}
        for col, val, sub in segments(w, SEG):
            value, n = cls_value(metric, sub, "score", pred_col)
            rsub = ref.get((col, val))
            base = exact_value(metric, rsub, "score", pred_col) if rsub is not None else None
            bound = None if base is None else (base - amount if kind == "absolute" else base - amount * abs(base))
            if base is None:
                value = None
            add(case, "performance", column, col, val, metric, value, bound, n,
                value is not None and value < bound, start, end, baseline=base)
        coverage(case, "performance", w, start, end)


def challenger(case, df, n_windows):
    """roc_auc of score (champion) and score_b (challenger, held to the champion's value)."""
    for start, end in windows(n_windows):
        w = rows_of(df, start, end)
        for col, val, sub in segments(w, SEG):
            champ, n = cls_value("roc_auc", sub, "score", None)
            chall, n_b = cls_value("roc_auc", sub, "score_b", None)
            base = exact_value("roc_auc", sub, "score", None)
            add(case, "performance", "score", col, val, "roc_auc", champ, None, n, False, start, end)
            value = chall if base is not None else None
            add(case, "performance", "score_b", col, val, "roc_auc", value, base, n_b,
                value is not None and value < base, start, end, baseline=base)
        coverage(case, "performance", w, start, end)


def main() -> None:
    df = data()
    metrics = ["accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "log_loss", "brier"]
    # every binary metric family; 6 windows: 01-25 has no rows (overall rows only, no_data)
    for start, end in windows(6):
        w = rows_of(df, start, end)
        for col, val, sub in segments(w, SEG):
            for m in metrics:
                value, n = cls_value(m, sub, "score", None, threshold=0.5)
                add("perf_w_metrics", "performance", "score", col, val, m, value, None, n, False, start, end)
        coverage("perf_w_metrics", "performance", w, start, end)
    plain("perf_w_min_value", df, 5, ["roc_auc"], "score", min_value=0.6)
    plain("perf_w_calibration", df, 5, ["ece"], "score", monitor="calibration", max_value=0.2)
    plain("perf_w_regression", df, 4, ["mae", "rmse", "r2"], "score", kind="reg", pred_col="score")
    for start, end in windows(6):
        coverage("perf_w_coverage", "label_coverage", rows_of(df, start, end), start, end, min_coverage=0.8)
        # the same predictions plus 3 with a NULL prediction_ts (perf_windows_input_nulls): in no
        # window, so the values are perf_w_coverage's; the detail says them (cli/tests/test_windows.py)
        coverage("perf_w_notes", "label_coverage", rows_of(df, start, end), start, end, min_coverage=0.8)
    # a fixed reference: the predictions before 01-27 (reference_where)
    fixed = df[df.prediction_ts < dt.datetime(2026, 1, 27)]
    against("perf_w_ref_fixed", df, 5, "roc_auc", "score", lambda s: fixed, "absolute", 0.05)
    # the day before each window (adjacent ranges), and the two days before it (overlapping)
    against("perf_w_ref_window", df, 4, "roc_auc", "score", lambda s: rows_of(df, s - DAY, s), "relative", 0.1)
    against("perf_w_ref_overlap", df, 3, "accuracy", "predicted", lambda s: rows_of(df, s - 2 * DAY, s),
            "absolute", 0.05)
    challenger("perf_w_challenger", df, 3)
    assert {r["metric"] for r in ROWS} >= set(metrics) | {"ece", "mae", "r2", "label_coverage"} and SCORE_METRICS
    write_expected("windows_perf", ROWS)


if __name__ == "__main__":
    main()
