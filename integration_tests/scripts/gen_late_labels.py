"""Integration data for late labels and the metric store (incremental refresh), with the
expected per-window values of each run computed independently: pandas for the label join
(labels known at the run's as_of, the latest label per key), scikit-learn for ROC AUC.

Six days of predictions, 2026-01-26 .. 2026-01-31. Labels mostly arrive the same day as the
prediction. Ten predictions of 2026-01-27 get their label late, on 2026-01-31 12:00, and one
label of that day is corrected (a newer label with the other class) at 2026-01-31 13:00.
A few labels are stamped 2026-02-01 06:00: after both runs, never used.

Run 1: ml_monitor_as_of 2026-01-31 00:00 -> windows: 5 daily windows [01-26, 01-31).
Run 2: ml_monitor_as_of 2026-02-01 00:00 -> windows [01-27, 02-01): the store must re-score
exactly 2026-01-27 (late labels) and add 2026-01-31 (new); 01-28 .. 01-30 keep run 1's rows.

A relative reference (reference_window: the 2 days before each window, performance's
baseline_value): the late labels of 01-27 change the baseline of the windows whose reference
period holds 01-27 (01-28, 01-29), also when 01-27 itself is no longer in the series
(windows: 4 in run 2 is [01-28, 02-01)). expected_late_labels_reference.csv: the baseline
(ROC AUC, Brier score) of every window of each run, for each of those tests.

Run: python integration_tests/scripts/gen_late_labels.py   (deterministic)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from oracle import SEEDS, write_csv

DAY = dt.timedelta(days=1)
FIRST_DAY = dt.datetime(2026, 1, 26)
N_DAYS = 6
PER_DAY = 60
LATE_DAY = dt.datetime(2026, 1, 27)
LATE_AT = dt.datetime(2026, 1, 31, 12)
CORRECTED_AT = dt.datetime(2026, 1, 31, 13)
NEVER_AT = dt.datetime(2026, 2, 1, 6)
RUNS = {1: dt.datetime(2026, 1, 31), 2: dt.datetime(2026, 2, 1)}
WINDOWS = 5
OUT = SEEDS / "late_labels"
EXPECTED = SEEDS / "expected" / "expected_late_labels.csv"
EXPECTED_REF = SEEDS / "expected" / "expected_late_labels_reference.csv"
EXPECTED_REF_COLUMNS = ["test_name", "run", "window_start", "metric", "segment_column", "segment_value", "baseline_value"]
# the reference_window tests of models/late_labels/late_labels.yml: (name, windows, with a label timestamp)
REF_TESTS = [("ll_ref_performance", 4, True), ("ll_ref_count_performance", 5, False)]
REF_DAYS = 2
EXPECTED_COLUMNS = ["run", "window_start", "metric", "segment_column", "segment_value", "value", "sample_size"]


def ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def make_data(rng):
    preds, labels = [], []
    pid = 0
    for d in range(N_DAYS):
        day = FIRST_DAY + d * DAY
        for _ in range(PER_DAY):
            pid += 1
            at = day + dt.timedelta(seconds=int(rng.integers(0, 86400 - 3600)))
            region = "apac" if rng.random() < 0.4 else "north"
            score = round(float(rng.beta(2, 2)), 3)
            p_true = 0.5 if region == "apac" else score       # apac: the score says nothing
            y = int(rng.random() < p_true)
            preds.append({"id": pid, "prediction_ts": at, "region": region, "score": score, "y": y})
            # same-day label for 80% of rows (never after the day ends)
            if rng.random() < 0.8:
                lag = int(rng.integers(60, int((day + DAY - at).total_seconds())))
                labels.append({"id": pid, "label": y, "label_ts": at + dt.timedelta(seconds=lag)})
    preds = pd.DataFrame(preds)
    labels = pd.DataFrame(labels)
    # ten unlabelled predictions of the late day get their label on 01-31 12:00
    late_day = preds[(preds.prediction_ts >= LATE_DAY) & (preds.prediction_ts < LATE_DAY + DAY)]
    unlabelled = late_day[~late_day.id.isin(labels.id)].head(10)
    assert len(unlabelled) == 10
    extra = [{"id": r.id, "label": r.y, "label_ts": LATE_AT} for r in unlabelled.itertuples()]
    # one label of the late day corrected to the other class
    fixed = late_day[late_day.id.isin(labels.id)].iloc[0]
    extra.append({"id": fixed.id, "label": 1 - fixed.y, "label_ts": CORRECTED_AT})
    # labels stamped after both runs: never used
    later = preds[(preds.prediction_ts >= FIRST_DAY + 2 * DAY) & (preds.prediction_ts < FIRST_DAY + 3 * DAY)]
    later = later[~later.id.isin(labels.id)].head(3)
    extra += [{"id": r.id, "label": r.y, "label_ts": NEVER_AT} for r in later.itertuples()]
    labels = pd.concat([labels, pd.DataFrame(extra)], ignore_index=True)
    return preds, labels


def expected_rows(preds, labels):
    rows = []
    for run, as_of in RUNS.items():
        known = labels[labels.label_ts <= as_of].sort_values(["id", "label_ts", "label"])
        latest = known.groupby("id").tail(1).set_index("id").label      # latest label per key
        for k in range(WINDOWS, 0, -1):
            start, end = as_of - k * DAY, as_of - (k - 1) * DAY
            w = preds[(preds.prediction_ts >= start) & (preds.prediction_ts < end)].copy()
            w["label"] = w.id.map(latest)
            for seg_col, seg_val, part in [(None, None, w)] + [
                    ("region", r, w[w.region == r]) for r in sorted(w.region.unique())]:
                lab = part[part.label.notna()]
                base = {"run": run, "window_start": ts(start), "segment_column": seg_col, "segment_value": seg_val}
                rows.append({**base, "metric": "label_coverage", "value": len(lab) / len(part), "sample_size": len(part)})
                auc = roc_auc_score(lab.label.astype(int), lab.score) if lab.label.nunique() == 2 else None
                rows.append({**base, "metric": "roc_auc", "value": auc, "sample_size": len(lab)})
    return rows


def expected_reference_rows(preds, labels):
    """The baseline of every window of each run: ROC AUC and Brier score on the predictions of
    the REF_DAYS before the window that have a label known at the run's as_of (with a label
    timestamp the latest label of a key, without one the greatest), overall and per region."""
    rows = []
    for name, windows, with_ts in REF_TESTS:
        for run, as_of in RUNS.items():
            known = labels[labels.label_ts <= as_of]
            if with_ts:
                label = known.sort_values(["id", "label_ts", "label"]).groupby("id").tail(1).set_index("id").label
            else:
                label = known.groupby("id").label.max()
            for k in range(windows, 0, -1):
                start = as_of - k * DAY
                r = preds[(preds.prediction_ts >= start - REF_DAYS * DAY) & (preds.prediction_ts < start)].copy()
                r["label"] = r.id.map(label)
                r = r[r.label.notna()]
                for seg_col, seg_val, part in [(None, None, r)] + [
                        ("region", g, r[r.region == g]) for g in ("apac", "north")]:
                    base = {"test_name": name, "run": run, "window_start": ts(start),
                            "segment_column": seg_col, "segment_value": seg_val}
                    y = part.label.astype(int)
                    auc = roc_auc_score(y, part.score) if y.nunique() == 2 else None
                    brier = brier_score_loss(y, part.score) if len(part) else None
                    rows.append({**base, "metric": "roc_auc", "baseline_value": auc})
                    rows.append({**base, "metric": "brier", "baseline_value": brier})
    return rows


def main():
    rng = np.random.default_rng(1427)
    preds, labels = make_data(rng)
    write_csv(OUT / "ll_predictions.csv", ["id", "prediction_ts", "region", "score"],
              [{**r, "prediction_ts": ts(r["prediction_ts"])} for r in preds.to_dict("records")])
    write_csv(OUT / "ll_labels.csv", ["id", "label", "label_ts"],
              [{**r, "label_ts": ts(r["label_ts"])} for r in labels.sort_values(["label_ts", "id"]).to_dict("records")])
    write_csv(EXPECTED, EXPECTED_COLUMNS, expected_rows(preds, labels))
    write_csv(EXPECTED_REF, EXPECTED_REF_COLUMNS, expected_reference_rows(preds, labels))


if __name__ == "__main__":
    main()
