"""Integration data for `performance` with `problem: multiclass`, with expected observations
computed independently: pandas for the label join (dedup, delay, late labels), scikit-learn for
every metric value (never our SQL).

Conventions the expected values follow (docs/model-performance.md, "Multiclass models"):
- averaged metrics from the predicted class: scikit-learn's default call (labels=None: the
  classes seen in the segment's labels and predictions, zero_division's default 0);
- per class: precision / recall / f1 with labels=[class], zero_division=np.nan (undefined ->
  no_data), roc_auc of "label is the class" against its probability;
- roc_auc_ovr_*: roc_auc_score(multi_class='ovr', labels=<declared classes>), NaN or a
  ValueError -> undefined; log_loss(labels=<declared classes>);
- refusals documented by ml_monitor (the value is None): a label or prediction outside the
  declared classes for class-averaged metrics; probabilities outside [0, 1] or NaN for the
  probability metrics; a row whose probabilities do not sum to 1 (numpy.allclose, scikit-learn's test) for roc_auc_ovr_*.

Run: python integration_tests/scripts/gen_multiclass.py   (deterministic; rewrites
seeds/multiclass/*.csv and seeds/expected/expected_multiclass.csv)
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score, f1_score, log_loss, precision_score, recall_score, roc_auc_score,
)

from gen_performance import join, latest_labels, messy_labels, segments   # the same label join as the binary oracle
from oracle import SEEDS, status_of, write_csv, write_expected

AS_OF = dt.datetime(2026, 1, 31)
DAY = dt.timedelta(days=1)
CUTOFF = AS_OF - 7 * DAY                  # label_delay {period: day, count: 7}
CUR_START = CUTOFF - 14 * DAY             # window {period: day, count: 14}
REF_START = CUR_START - 14 * DAY          # reference_window {period: day, count: 14}
OUT = SEEDS / "multiclass"
CLASSES = ["prepaid_card", "highstreet_card", "upmarket_card"]   # the declared order
CODES = {"prepaid_card": 1, "highstreet_card": 2, "upmarket_card": 3}
SCORE_COLS = {c: f"p_{c}" for c in CLASSES}
ALL_SCORES = ", ".join(SCORE_COLS.values())
LOWER_IS_BETTER = {"log_loss"}
PRED_METRICS = ["accuracy", "micro_f1", "macro_f1", "weighted_f1", "macro_precision", "weighted_precision",
                "macro_recall", "weighted_recall"]
PROB_METRICS = ["roc_auc_ovr_macro", "roc_auc_ovr_weighted", "log_loss"]


def ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------- data
def probabilities(rng, true_idx, strength):
    """Probabilities in hundredths (many tied scores) that sum to 1, leaning to the true class."""
    alpha = np.ones(3)
    alpha[true_idx] += strength
    p = rng.dirichlet(alpha)
    k = np.floor(p * 100).astype(int)
    for j in np.argsort(-(p * 100 - k))[: 100 - k.sum()]:     # largest remainders: sum = 100
        k[j] += 1
    return k / 100.0


def make_main(rng):
    n = 1400
    regions = rng.choice(["north", "south", "east", "rare"], n, p=[0.32, 0.3, 0.26, 0.12])
    channel = rng.choice(["app", "web"], n, p=[0.6, 0.4])
    span = (AS_OF - REF_START).total_seconds()
    pts = [REF_START + dt.timedelta(seconds=int(s)) for s in rng.integers(0, int(span), n)]
    pts[:5] = [AS_OF + dt.timedelta(hours=3)] * 5           # after as_of: never evaluated
    current = np.array([CUR_START <= t < CUTOFF for t in pts])
    y = np.empty(n, dtype=object)
    probs = np.zeros((n, 3))
    pred = np.empty(n, dtype=object)
    for i in range(n):
        if regions[i] == "rare":                            # no highstreet_card at all in 'rare'
            t = rng.choice([0, 2], p=[0.6, 0.4])
        else:
            t = rng.choice(3, p=[0.45, 0.35, 0.2])
        strength = 0.6 if (regions[i] == "south" and current[i]) else 3.0   # south degraded now
        p = probabilities(rng, t, strength)
        if regions[i] == "rare":                            # ... neither labelled nor predicted
            p = np.array([p[0] + p[1], 0.0, p[2]])
        y[i] = CLASSES[t]
        probs[i] = p
        order = np.argsort(-p, kind="stable")
        best = order[0]
        if regions[i] == "east" and best == 2:              # east never predicts upmarket_card
            best = order[1]
        pred[i] = CLASSES[best]
    score_null = rng.random(n) < 0.03
    pred_null = rng.random(n) < 0.02
    preds = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "prediction_ts": [ts(t) for t in pts],
        "region": regions,
        "channel": channel,
        "y_pred": np.where(pred_null, None, pred),
        "y_pred_code": pd.Series([None if pred_null[i] else CODES[pred[i]] for i in range(n)], dtype=object),
    })
    for j, c in enumerate(CLASSES):
        col = probs[:, j].copy()
        if j == 1:
            col[score_null] = np.nan                        # one class's probability missing
        preds[SCORE_COLS[c]] = col
    # labels: missing (12%), delayed, corrected, duplicated (as the binary oracle's)
    rows = messy_labels(rng, pts, y, wrong=lambda i: CLASSES[(CLASSES.index(y[i]) + 1 + int(rng.integers(0, 2))) % 3])
    rows.append((99999, "prepaid_card", ts(AS_OF - DAY)))                       # label without prediction
    labels = pd.DataFrame(rows, columns=["id", "y_true", "label_ts"])
    labels["y_code"] = labels["y_true"].map(CODES)
    labels = labels[["id", "y_true", "y_code", "label_ts"]]
    return preds, labels.iloc[rng.permutation(len(labels))].reset_index(drop=True)


def make_bad(rng):
    """No timestamps: probabilities off 1, outside [0, 1], null; labels and predictions of an
    undeclared class."""
    n = 300
    region = rng.choice(["ok", "sum_off", "outside", "nulls", "unknown"], n, p=[0.3, 0.2, 0.15, 0.15, 0.2])
    rows, labels = [], []
    for i in range(n):
        t = int(rng.choice(3, p=[0.4, 0.35, 0.25]))
        p = probabilities(rng, t, 2.5)
        yl, yp = CLASSES[t], CLASSES[int(np.argmax(p))]
        if region[i] == "sum_off" and rng.random() < 0.4:
            p = np.round(p * 0.9, 4)                        # sums to 0.9
        if region[i] == "outside" and rng.random() < 0.3:
            p = np.array([1.2, -0.1, -0.1])                 # sums to 1, but not probabilities
        if region[i] == "nulls" and rng.random() < 0.3:
            p = np.array([p[0], np.nan, p[2]])
        if region[i] == "unknown":
            u = rng.random()
            if u < 0.15:
                yl = "gold_card"                            # a label outside score_columns
            elif u < 0.25:
                yp = "gold_card"                            # a prediction outside score_columns
        rows.append({"id": i + 1, "region": region[i], "y_pred": yp,
                     **{SCORE_COLS[c]: p[j] for j, c in enumerate(CLASSES)}})
        labels.append({"id": i + 1, "y_true": yl})
    return pd.DataFrame(rows), pd.DataFrame(labels)


# --------------------------------------------------------------------------- oracle
def sk(fn, *args, **kwargs):
    """A scikit-learn value, None when it is NaN or scikit-learn refuses the input."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            v = float(np.asarray(fn(*args, **kwargs)).reshape(-1)[0])
        except ValueError:
            return None
    return None if math.isnan(v) else v


def mc_value(metric, sub, classes, pred_col, score_cols):
    """(value or None, rows used) of one multiclass metric on one segment."""
    lab = sub[sub["has_label"]]
    per_class = "[" in metric
    base, cls = (metric[:-1].split("[") if per_class else (metric, None))
    cls = None if cls is None else type(classes[0])(cls)
    if base in PROB_METRICS or base == "roc_auc":
        used = lab[lab[score_cols].notna().all(axis=1)]
        n = len(used)
        if n == 0:
            return None, 0
        y = used["label_value"].to_numpy()
        P = used[score_cols].to_numpy(float)
        if base == "roc_auc":
            k = classes.index(cls)
            yk = (y == cls).astype(int)
            return (sk(roc_auc_score, yk, P[:, k]) if 0 < yk.sum() < n else None), n
        if ((P < 0) | (P > 1)).any():
            return None, n                                 # documented: needs probabilities
        if base != "log_loss" and not np.allclose(1, P.sum(axis=1)):
            return None, n                                 # documented: sums off 1 (sklearn raises too)
        order = np.argsort(np.array(classes, dtype=object).astype(str)) if isinstance(classes[0], str) else np.argsort(classes)
        labels_sorted = [classes[j] for j in order]
        P_sorted = P[:, order]
        if base == "log_loss":
            return sk(log_loss, y, P_sorted, labels=labels_sorted), n
        avg = base.rsplit("_", 1)[1]
        return sk(roc_auc_score, y, P_sorted, multi_class="ovr", average=avg, labels=labels_sorted), n
    used = lab[lab[pred_col].notna()]
    n = len(used)
    if n == 0:
        return None, 0
    y = used["label_value"].to_numpy()
    p = used[pred_col].to_numpy()
    if y.dtype != object:
        y, p = y.astype(int), p.astype(int)
    if base == "accuracy":
        return sk(accuracy_score, y, p), n
    if base == "micro_f1":
        return sk(f1_score, y, p, average="micro"), n
    fn = {"precision": precision_score, "recall": recall_score, "f1": f1_score}
    if per_class:
        return sk(fn[base], y, p, labels=[cls], average=None, zero_division=np.nan), n
    if not set(y) | set(p) <= set(classes):
        return None, n                                     # documented: an undeclared class
    avg, part = base.split("_")
    return sk(fn[part], y, p, average=avg), n


EXPECTED: list[dict] = []
WINDOWS = {"mc_bad": (None, None)}


def obs(case, column, seg_col, seg_val, metric, value, threshold, n, fails, baseline=None, monitor="performance"):
    start, end = WINDOWS.get(case, (CUR_START, CUTOFF))
    EXPECTED.append({
        "case_name": case, "monitor": monitor, "column_name": column, "segment_column": seg_col,
        "segment_value": seg_val, "metric": metric, "value": value, "threshold": threshold,
        "baseline_value": baseline, "sample_size": n, "window_start": start, "window_end": end,
        "status": status_of(value, n, 1, fails),
    })


def column_of(metric, pred_col, score_cols):
    if metric.startswith("roc_auc["):
        return score_cols[[c for c in SCORE_COLS].index(metric[8:-1])] if score_cols else None
    if metric in PROB_METRICS:
        return ", ".join(score_cols)
    return pred_col


def case(name, df, metrics, segment_by, classes, pred_col="y_pred", score_cols=None, per_class=False,
         label_col="y_true", ref=None, drop=None):
    """Every metric of one case per segment, then the label coverage rows."""
    score_cols = score_cols or []
    names = list(metrics)
    if per_class:
        for c in classes:
            names += [f"{b}[{c}]" for b in ["precision", "recall", "f1"] + (["roc_auc"] if score_cols else [])]
    ref_segments = {(c, v): s for c, v, s in segments(ref, segment_by)} if ref is not None else {}
    for col, val, sub in segments(df, segment_by):
        for m in names:
            value, n = mc_value(m, sub, classes, pred_col, score_cols)
            base = bound = None
            if drop is not None:
                rsub = ref_segments.get((col, val))
                base = mc_value(m, rsub, classes, pred_col, score_cols)[0] if rsub is not None else None
                higher = m not in LOWER_IS_BETTER
                bound = None if base is None else (base - drop if higher else base + drop)
                if value is not None and base is None:
                    value = None
            fails = value is not None and bound is not None and (value < bound if m not in LOWER_IS_BETTER else value > bound)
            obs(name, column_of(m, pred_col, score_cols), col, val, m, value, bound, n, fails, baseline=base)
    for col, val, sub in segments(df, segment_by):
        n = len(sub)
        obs(name, label_col, col, val, "label_coverage", float(sub["has_label"].sum()) / n if n else None, None, n, False)


def main() -> None:
    rng = np.random.default_rng(20260117)
    preds, labels = make_main(rng)
    bad, bad_labels = make_bad(rng)
    write_csv(OUT / "mc_predictions.csv", list(preds.columns), preds.to_dict("records"))
    write_csv(OUT / "mc_labels.csv", list(labels.columns), labels.to_dict("records"))
    write_csv(OUT / "mc_bad.csv", list(bad.columns), bad.to_dict("records"))
    write_csv(OUT / "mc_bad_labels.csv", list(bad_labels.columns), bad_labels.to_dict("records"))
    score_cols = list(SCORE_COLS.values())

    # every metric, per class, by region and channel (rare: highstreet_card neither labelled
    # nor predicted; east: upmarket_card never predicted; probabilities in hundredths: ties)
    cur = join(preds, labels, "y_true", start=CUR_START, end=CUTOFF)
    case("mc_all", cur, PRED_METRICS + PROB_METRICS, ["region", "channel"], CLASSES,
         score_cols=score_cols, per_class=True)
    # integer classes declared with `classes` (no probabilities): prediction metrics only
    cur_codes = join(preds, labels, "y_code", start=CUR_START, end=CUTOFF)
    case("mc_codes", cur_codes, ["accuracy", "macro_f1", "weighted_recall"], ["region"], [1, 2, 3],
         pred_col="y_pred_code", per_class=True, label_col="y_code")
    # against the previous 14 days: south dropped
    ref = join(preds, labels, "y_true", start=REF_START, end=CUR_START)
    case("mc_drop", cur, ["macro_f1", "roc_auc_ovr_weighted", "log_loss"], ["region"], CLASSES,
         score_cols=score_cols, ref=ref, drop=0.05)
    # bad input: sums off 1, outside [0, 1], null probabilities, an undeclared class
    badj = bad.merge(latest_labels(bad_labels, "y_true", None), on="id", how="left")
    badj["has_label"] = badj["label_value"].notna()
    case("mc_bad", badj, ["accuracy", "macro_f1", "weighted_f1"] + PROB_METRICS, ["region"], CLASSES,
         score_cols=score_cols)

    write_expected("multiclass", EXPECTED)
    print(f"wrote {len(EXPECTED)} expected rows")


if __name__ == "__main__":
    main()
