"""Expected rows of the cbpe family, computed by NannyML 0.13.1's CBPE (run inside the NannyML
virtualenv by gen_cbpe.py; reads the seeds gen_cbpe.py wrote)."""

from __future__ import annotations

import math
import warnings

import nannyml as nml
import pandas as pd

from oracle import SEEDS, status_of, write_expected

warnings.filterwarnings("ignore")
WINDOW = (pd.Timestamp("2025-12-31"), pd.Timestamp("2026-01-31"))
ALL = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy"]
CELLS = ["true_positive", "false_positive", "false_negative", "true_negative"]


def load():
    ref = pd.read_csv(SEEDS / "cbpe" / "cbpe_reference.csv", parse_dates=["ts"])
    cur = pd.read_csv(SEEDS / "cbpe" / "cbpe_current.csv", parse_dates=["ts"])
    cur = cur[(cur.ts >= WINDOW[0]) & (cur.ts < WINDOW[1])]
    return ref, cur


def estimate(ref, cur, model, metrics, cells, period="M"):
    """NannyML's CBPE fitted on `ref`, chunking by calendar `period` (M: one chunk for the
    one-month window; D: one chunk per day of a daily series)."""
    est = nml.CBPE(y_pred_proba=f"score_{model}", y_pred=f"pred_{model}", y_true="label",
                   timestamp_column_name="ts", metrics=metrics + (["confusion_matrix"] if cells else []),
                   chunk_period=period, problem_type="classification_binary")
    est.fit(ref)
    return est


def chunk_values(est, cur, metrics, cells):
    res = est.estimate(cur).filter(period="analysis").data
    assert len(res) == 1, res
    out = {}
    for m in metrics:
        out[m] = (float(res[(m, "value")].iloc[0]), float(res[(m, "lower_confidence_boundary")].iloc[0]),
                  float(res[(m, "upper_confidence_boundary")].iloc[0]), float(res[(m, "sampling_error")].iloc[0]))
    for c in (CELLS if cells else []):
        out["estimated_" + c] = (float(res[(c, "value")].iloc[0]),)
    return out


def realized(ref, model):
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score
    y, p, s = ref.label, ref[f"pred_{model}"], ref[f"score_{model}"]
    return {"roc_auc": roc_auc_score(y, s), "f1": f1_score(y, p), "precision": precision_score(y, p),
            "recall": recall_score(y, p), "specificity": recall_score(1 - y, 1 - p), "accuracy": accuracy_score(y, p)}


def main() -> None:
    ref, cur = load()
    valid = cur[cur.score_mis.between(0, 1)]           # null / out-of-range scores are excluded
    rows = []
    decisions = {}

    def case(name, model, metrics, segment_by=(), cells=False, bands=False, min_value=None,
             max_drop=None, band_threshold=False):
        est = estimate(ref, valid, model, metrics, cells)
        decisions[name] = est.needs_calibration
        base = realized(ref, model)
        groups = [(None, None, valid)] + [(s, v, valid[valid[s] == v]) for s in segment_by
                                          for v in sorted(valid[s].unique())]
        for seg_col, seg_val, part in groups:
            vals = chunk_values(est, part, metrics, cells)
            for m, t in vals.items():
                value = t[0]
                threshold = None
                fails = False
                if m in metrics:
                    bounds = []
                    if min_value is not None:
                        bounds.append(min_value)
                    if max_drop is not None:
                        bounds.append(base[m] - max_drop)
                    if bounds:
                        threshold = max(bounds)
                        fails = value < threshold
                    if band_threshold:
                        fails = fails or not (t[1] <= base[m] <= t[2])
                out = [(m, value, threshold, fails)]
                if bands and m in metrics:
                    out += [(m + "_lower", t[1], None, False), (m + "_upper", t[2], None, False)]
                for metric, v, thr, f in out:
                    rows.append({"case_name": name, "monitor": "estimated_performance",
                                 "column_name": f"score_{model}", "segment_column": seg_col,
                                 "segment_value": seg_val, "metric": metric, "value": v,
                                 "threshold": thr, "sample_size": len(part),
                                 # baseline: the metric realized on the whole labelled reference
                                 "baseline_value": base[metric] if metric in metrics else None,
                                 "status": status_of(v, len(part), 1, f)})

    case("miscal_all", "mis", ALL, segment_by=["region"], cells=True, bands=True, min_value=0.6)
    case("cal_all", "cal", ALL, bands=True, max_drop=0.05)
    case("miscal_band", "mis", ["roc_auc", "f1"], band_threshold=True)
    assert decisions == {"miscal_all": True, "cal_all": False, "miscal_band": True}, decisions
    # one class in the reference: nothing can be calibrated or estimated
    rows.append({"case_name": "one_class", "monitor": "estimated_performance", "column_name": "score_mis",
                 "metric": "roc_auc", "value": None, "sample_size": len(valid), "status": "no_data"})
    # an empty window
    rows.append({"case_name": "empty_window", "monitor": "estimated_performance", "column_name": "score_mis",
                 "metric": "roc_auc", "value": None, "sample_size": 0, "status": "no_data",
                 "baseline_value": realized(ref, "mis")["roc_auc"]})
    for r in rows:
        # every case above evaluates the one window [2025-12-31, 2026-01-31)
        r["window_start"], r["window_end"] = (str(w) for w in WINDOW)
    # windows: N, NannyML chunking by day; the realized metric beside the estimate (sklearn)
    rows += windows_case(ref, "windows_mis", "mis", ALL, days=5, segment_by=["region"], bands=True,
                         min_value=0.6, skip_day="2026-01-28")
    rows += windows_case(ref, "windows_cal", "cal", ["roc_auc", "precision", "recall"], days=3, max_drop=0.05)
    for r in rows:
        if isinstance(r["value"], float) and math.isnan(r["value"]):
            r["value"] = None
    write_expected("cbpe", rows)


def windows_case(ref, name, model, metrics, days, segment_by=(), bands=False, min_value=None,
                 max_drop=None, skip_day=None):
    """`windows: days` daily windows ending at as_of (2026-01-31): NannyML's CBPE with
    chunk_period='D' (one chunk per calendar day) on the current rows of those days; beside each
    estimate the metric realized on the rows whose label arrived (scikit-learn, rows with a
    label only) and the label coverage, as estimated_performance reports them with `labels:`."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

    end = WINDOW[1]
    starts = [end - pd.Timedelta(days=k) for k in range(days, 0, -1)]
    cur = pd.read_csv(SEEDS / "cbpe" / "cbpe_current.csv", parse_dates=["ts"])
    labels = pd.read_csv(SEEDS / "cbpe" / "cbpe_labels.csv")
    cur = cur[(cur.ts >= starts[0]) & (cur.ts < end)]
    if skip_day is not None:   # the case's `where` leaves this day empty
        day = pd.Timestamp(skip_day)
        cur = cur[(cur.ts < day) | (cur.ts >= day + pd.Timedelta(days=1))]
    cur = cur.merge(labels, on="id", how="left")
    score, pred = f"score_{model}", f"pred_{model}"
    valid = cur[cur[score].between(0, 1)]
    est = estimate(ref, valid, model, metrics, False, period="D")
    base = realized(ref, model)
    sk = {"roc_auc": lambda y, p, s: roc_auc_score(y, s), "f1": lambda y, p, s: f1_score(y, p),
          "precision": lambda y, p, s: precision_score(y, p), "recall": lambda y, p, s: recall_score(y, p),
          "specificity": lambda y, p, s: recall_score(1 - y, 1 - p), "accuracy": lambda y, p, s: accuracy_score(y, p)}
    undefined = {"roc_auc": lambda y, p: y.nunique() < 2, "precision": lambda y, p: p.sum() == 0,
                 "recall": lambda y, p: y.sum() == 0, "specificity": lambda y, p: (1 - y).sum() == 0,
                 "f1": lambda y, p: y.sum() + p.sum() == 0, "accuracy": lambda y, p: False}
    out = []

    def row(start, seg_col, seg_val, metric, value, threshold, baseline, n, fails=False):
        out.append({"case_name": name, "monitor": "estimated_performance", "column_name": score,
                    "segment_column": seg_col, "segment_value": seg_val, "metric": metric, "value": value,
                    "threshold": threshold, "baseline_value": baseline, "sample_size": n,
                    "window_start": str(start), "window_end": str(start + pd.Timedelta(days=1)),
                    "status": status_of(value, n, 1, fails)})

    groups = [(None, None, cur, valid)] + [(s, v, cur[cur[s] == v], valid[valid[s] == v]) for s in segment_by
                                           for v in sorted(valid[s].unique())]
    for seg_col, seg_val, rows_all, part in groups:
        by_day = {}
        if len(part):
            res = est.estimate(part).filter(period="analysis").data
            for _, r in res.iterrows():
                by_day[pd.Timestamp(r[("chunk", "start_date")])] = r
        for start in starts:
            in_day = lambda d: d[(d.ts >= start) & (d.ts < start + pd.Timedelta(days=1))]
            day_all, day_valid = in_day(rows_all), in_day(part)
            if seg_col is not None and len(day_all) == 0:
                continue          # segment rows only where the segment has rows
            n = len(day_valid)
            r = by_day.get(start)
            assert (r is None) == (n == 0), (name, seg_val, start)
            for m in metrics:
                value = float(r[(m, "value")]) if r is not None else None
                bounds = ([min_value] if min_value is not None else []) + ([base[m] - max_drop] if max_drop is not None else [])
                threshold = max(bounds) if bounds else None
                row(start, seg_col, seg_val, m, value, threshold, base[m], n,
                    fails=value is not None and threshold is not None and value < threshold)
                if bands:
                    for suffix, col in [("_lower", "lower_confidence_boundary"), ("_upper", "upper_confidence_boundary")]:
                        row(start, seg_col, seg_val, m + suffix, float(r[(m, col)]) if r is not None else None, None, None, n)
            # label coverage of the window's predictions, and the realized metric where labels arrived
            labelled = day_all[day_all.label.notna()]
            row(start, seg_col, seg_val, "label_coverage", len(labelled) / len(day_all) if len(day_all) else None,
                None, None, len(day_all))
            for m in metrics:
                used = labelled[labelled[score].notna() if m == "roc_auc" else labelled[pred].notna()]
                if len(used) == 0:
                    continue
                y, p = used.label.astype(int), used[pred].astype(int)
                value = None if undefined[m](y, p) else float(sk[m](y, p, used[score]))
                row(start, seg_col, seg_val, "realized_" + m, value, None, base[m], len(used))
    return out


if __name__ == "__main__":
    main()
