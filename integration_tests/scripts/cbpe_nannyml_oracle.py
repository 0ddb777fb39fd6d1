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


def estimate(ref, cur, model, metrics, cells):
    """NannyML's estimates for `cur` (one chunk: one calendar month), fitted on `ref`."""
    est = nml.CBPE(y_pred_proba=f"score_{model}", y_pred=f"pred_{model}", y_true="label",
                   timestamp_column_name="ts", metrics=metrics + (["confusion_matrix"] if cells else []),
                   chunk_period="M", problem_type="classification_binary")
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
                 "metric": "roc_auc", "value": None, "sample_size": 0, "status": "no_data"})
    for r in rows:
        if isinstance(r["value"], float) and math.isnan(r["value"]):
            r["value"] = None
    write_expected("cbpe", rows)


if __name__ == "__main__":
    main()
