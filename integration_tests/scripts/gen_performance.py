"""Integration data for the performance monitors (performance, calibration, label_coverage,
reliability_table), with expected observations computed independently: pandas for the label
join (dedup, delay, late labels), scikit-learn for every metric value (never our SQL).

Run: python integration_tests/scripts/gen_performance.py   (deterministic; rewrites
seeds/performance/*.csv and seeds/expected/expected_performance.csv)
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    accuracy_score, average_precision_score, brier_score_loss, f1_score, log_loss,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_error, precision_score,
    r2_score, recall_score, roc_auc_score,
)

from oracle import SEEDS, status_of, write_csv, write_expected

AS_OF = dt.datetime(2026, 1, 31)
DAY = dt.timedelta(days=1)
CUTOFF = AS_OF - 7 * DAY                  # label_delay {period: day, count: 7}
CUR_START = CUTOFF - 14 * DAY             # window {period: day, count: 14}
REF_START = CUR_START - 14 * DAY          # reference_window {period: day, count: 14}
OUT = SEEDS / "performance"
HIGHER = {"accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "r2"}
SCORE_METRICS = {"roc_auc", "pr_auc", "log_loss", "brier", "ece"}
PROB_METRICS = {"log_loss", "brier", "ece"}


def ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------- data
def make_classification(rng):
    n = 1500
    regions = rng.choice(["north", "south", "east", "apac", "solo", "quiet", "fresh"], n,
                         p=[0.2, 0.2, 0.16, 0.16, 0.08, 0.1, 0.1])
    tier = rng.choice(["gold", "silver", ""], n, p=[0.45, 0.45, 0.1]).astype(object)
    span = (AS_OF - REF_START).total_seconds()
    pts = [REF_START + dt.timedelta(seconds=int(s)) for s in rng.integers(0, int(span), n)]
    pts[:5] = [AS_OF + dt.timedelta(hours=3)] * 5           # after as_of: never evaluated
    score = np.round(rng.beta(2, 2, n), 2)                   # 2 decimals: many tied scores
    truth_p = score.copy()
    current = np.array([CUR_START <= t < CUTOFF for t in pts])
    apac_bad = (regions == "apac") & current
    truth_p[apac_bad] = 0.5                                  # apac degraded in the current window
    y = (rng.random(n) < truth_p).astype(int)
    y[regions == "solo"] = 1                                 # one class only
    pred = (score >= 0.5).astype(int)
    pred[regions == "quiet"] = 0                              # never predicts the positive class
    # challenger: a noisier score, much worse in east
    noise = np.where(regions == "east", 0.45, 0.08)
    score_v2 = np.round(np.clip(score + rng.normal(0, 1, n) * noise, 0, 1), 2)
    pred_v2 = (score_v2 >= 0.5).astype(int)
    score_null = rng.random(n) < 0.03
    pred_null = rng.random(n) < 0.02
    preds = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "prediction_ts": [ts(t) for t in pts],
        "region": regions,
        "tier": tier,
        "model_version": "v1",
        "score": np.where(score_null, np.nan, score),
        "score_v2": np.where(score_null, np.nan, score_v2),
        "predicted_label": np.where(pred_null, None, pred.astype(object)),
        "predicted_label_v2": pred_v2,
    })
    # labels: missing (12%, all of 'fresh'), delayed, corrected, duplicated (messy_labels)
    rows = messy_labels(rng, pts, y, wrong=lambda i: 1 - y[i], skip=lambda i: regions[i] == "fresh")
    rows.append((99999, 1, ts(AS_OF - DAY)))                   # label without a prediction
    rows.append((7, None, ts(AS_OF - DAY)))                    # null label: ignored
    labels = pd.DataFrame(rows, columns=["id", "label", "label_ts"], dtype=object)
    labels["label"] = pd.Series([None if v is None else int(v) for v in labels["label"]], dtype=object)
    order = rng.permutation(len(labels))
    return preds, labels.iloc[order].reset_index(drop=True)


def messy_labels(rng, pts, y, wrong, skip=None) -> list[tuple]:
    """(id, label, label_ts) rows for predictions 1..n as labels arrive in practice: 12% missing
    (and every i with skip(i)), delayed 0.5-9 days (late ones land after as_of), corrections (a
    wrong(i) label first, the right one a day later), exact-timestamp duplicates, a null label
    time, a correction after as_of (ignored)."""
    rows = []
    for i in range(len(y)):
        if (skip is not None and skip(i)) or rng.random() < 0.12:
            continue
        lts = pts[i] + dt.timedelta(seconds=int(rng.integers(43200, 9 * 86400)))
        bad = wrong(i)
        u = rng.random()
        if u < 0.08:
            rows += [(i + 1, bad, ts(lts - DAY)), (i + 1, y[i], ts(lts))]          # corrected later
        elif u < 0.10:
            rows += [(i + 1, y[i], ts(lts)), (i + 1, y[i], ts(lts))]               # exact duplicate
        elif u < 0.12:
            rows.append((i + 1, y[i], ""))                                          # unknown time: kept
        elif u < 0.14:
            rows += [(i + 1, y[i], ts(lts)), (i + 1, bad, ts(AS_OF + 2 * DAY))]    # after as_of: ignored
        else:
            rows.append((i + 1, y[i], ts(lts)))
    return rows


def make_shadow(rng, labels_y: dict):
    """Champion v1 and challenger v2 scoring the same ids 1..300 (261..300 v1 only)."""
    rows = []
    for i in range(1, 301):
        region = "north" if i % 2 else "south"
        y = labels_y.get(i, int(rng.random() < 0.5))
        for version in (["v1", "v2"] if i <= 260 else ["v1"]):
            good = version == "v1" or region == "north"
            p = np.clip((0.7 if y else 0.3) + rng.normal(0, 0.2 if good else 0.45), 0, 1)
            rows.append((i, region, version, round(float(p), 3), int(p >= 0.5)))
    return pd.DataFrame(rows, columns=["id", "region", "model_version", "score", "predicted_label"])


def make_regression(rng):
    n = 400
    store = rng.choice(["a", "b", "c", "flat", "zeros"], n, p=[0.3, 0.3, 0.2, 0.1, 0.1])
    span = (CUTOFF - CUR_START).total_seconds()
    pts = [CUR_START + dt.timedelta(seconds=int(s)) for s in rng.integers(0, int(span), n)]
    actual = np.round(rng.normal(100, 30, n), 2)
    actual[rng.random(n) < 0.06] = 0.0
    actual[store == "flat"] = 50.0
    actual[store == "zeros"] = 0.0
    predicted = np.round(actual + rng.normal(0, 12, n), 3)
    pred_null = rng.random(n) < 0.03
    preds = pd.DataFrame({"id": np.arange(1, n + 1), "prediction_ts": [ts(t) for t in pts], "store": store,
                          "predicted_value": np.where(pred_null, np.nan, predicted)})
    rows = []
    for i in range(n):
        if rng.random() < 0.1:
            continue
        lts = pts[i] + 2 * DAY
        if rng.random() < 0.1:
            rows.append((i + 1, actual[i] + 17.0, ts(lts - DAY)))   # corrected later
        rows.append((i + 1, actual[i], ts(lts)))
    return preds, pd.DataFrame(rows, columns=["id", "actual", "label_ts"])


def make_invalid(rng):
    n = 240
    region = rng.choice(["ok", "bad", "nulls"], n, p=[0.6, 0.25, 0.15])
    y = (rng.random(n) < 0.4).astype(int)
    score = np.round(np.clip(0.25 + 0.5 * y + rng.normal(0, 0.25, n), 0, 1), 3)
    bad = (region == "bad") & (rng.random(n) < 0.3)
    score[bad] = np.round(score[bad] * 1.6 - 0.3, 3)            # some outside [0, 1]
    score = np.where(region == "nulls", np.nan, score)
    preds = pd.DataFrame({"id": np.arange(1, n + 1), "region": region, "score": score})
    rows = []
    for i in range(n):
        rows.append((i + 1, y[i]))
        if rng.random() < 0.1:
            rows.append((i + 1, 1 - y[i]))                       # conflicting duplicate, no timestamp
    return preds, pd.DataFrame(rows, columns=["id", "label"])


# --------------------------------------------------------------------------- oracle
def latest_labels(labels: pd.DataFrame, label="label", label_ts="label_ts") -> pd.DataFrame:
    """One label per id: latest label_ts (null last), then greatest label; labels after as_of ignored."""
    df = labels[labels[label].notna()].copy()
    if label_ts:
        t = pd.to_datetime(df[label_ts].replace("", None))
        df = df[t.isna() | (t <= AS_OF)].copy()
        df["_t"] = pd.to_datetime(df[label_ts].replace("", None))
        df["_tnull"] = df["_t"].isna()
        df = df.sort_values(["id", "_tnull", "_t", label], ascending=[True, True, False, False])
    else:
        df = df.sort_values(["id", label], ascending=[True, False])
    versions = df.groupby("id").size().rename("versions")
    one = df.drop_duplicates("id", keep="first")[["id", label]].rename(columns={label: "label_value"})
    return one.merge(versions, on="id")


def join(preds, labels, label="label", label_ts="label_ts", start=None, end=None, ts_col="prediction_ts"):
    p = preds.copy()
    if ts_col:
        t = pd.to_datetime(p[ts_col])
        keep = t < end
        if start is not None:
            keep &= t >= start
        p = p[keep]
    out = p.merge(latest_labels(labels, label, label_ts), on="id", how="left")
    out["has_label"] = out["label_value"].notna()
    return out


def segments(df, segment_by):
    yield None, None, df
    for col in segment_by:
        for value, sub in df.groupby(df[col], dropna=False):
            yield col, (None if (value is None or (isinstance(value, float) and math.isnan(value))) else str(value)), sub


def exact_auc(y, s):
    """Mann-Whitney U with average ranks (half-integers are exact): U / (P * N)."""
    ranks = rankdata(s)
    pos = int(y.sum())
    neg = len(y) - pos
    u2 = Fraction(2 * ranks[y == 1].sum()).limit_denominator(2) - pos * (pos + 1)
    return float(u2 / 2) / (float(pos) * float(neg))


def cls_value(metric, sub, score_col, pred_col, threshold=None):
    """(value or None, rows used) for one metric on one segment, from scikit-learn."""
    lab = sub[sub["has_label"]]
    y_all = (lab["label_value"] == 1).astype(int)
    if metric in SCORE_METRICS:
        used = lab[lab[score_col].notna()]
        y = y_all[used.index].to_numpy()
        s = used[score_col].to_numpy(dtype=float)
        n = len(used)
        if n == 0:
            return None, 0
        if metric in PROB_METRICS and ((s < 0) | (s > 1)).any():
            return None, n
        if metric == "roc_auc":
            return (float(roc_auc_score(y, s)) if 0 < y.sum() < n else None), n
        if metric == "pr_auc":
            return (float(average_precision_score(y, s)) if y.sum() > 0 else None), n
        if metric == "log_loss":
            return float(log_loss(y, s, labels=[0, 1])), n
        if metric == "brier":
            return float(brier_score_loss(y, s, labels=[0, 1])), n
        if metric == "ece":
            prob_true, prob_pred = calibration_curve(y, s, n_bins=BINS, strategy="uniform")
            ids = np.searchsorted(np.linspace(0, 1, BINS + 1)[1:-1], s)
            counts = np.bincount(ids, minlength=BINS)
            counts = counts[counts > 0]
            return float(np.sum(counts / n * np.abs(prob_true - prob_pred))), n
    if threshold is not None:
        used = lab[lab[score_col].notna()]
        pred = (used[score_col] >= threshold).astype(int).to_numpy()
    else:
        used = lab[lab[pred_col].notna()]
        pred = used[pred_col].astype(int).to_numpy()
    y = y_all[used.index].to_numpy()
    n = len(used)
    if n == 0:
        return None, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if metric == "accuracy":
            return float(accuracy_score(y, pred)), n
        if metric == "precision":
            return (float(precision_score(y, pred)) if pred.sum() > 0 else None), n
        if metric == "recall":
            return (float(recall_score(y, pred)) if y.sum() > 0 else None), n
        if metric == "f1":
            return (float(f1_score(y, pred)) if (pred.sum() + y.sum()) > 0 else None), n
    raise ValueError(metric)


def exact_value(metric, sub, score_col, pred_col):
    """Reference / champion values that thresholds are derived from, in the same IEEE order as the SQL."""
    lab = sub[sub["has_label"]]
    if metric == "roc_auc":
        used = lab[lab[score_col].notna()]
        y = (used["label_value"] == 1).astype(int).to_numpy()
        return exact_auc(y, used[score_col].to_numpy(float)) if 0 < y.sum() < len(y) else None
    if metric == "accuracy":
        used = lab[lab[pred_col].notna()]
        return int((used["label_value"] == used[pred_col]).sum()) / len(used) if len(used) else None
    if metric == "recall":
        used = lab[lab[pred_col].notna()]
        y = used["label_value"] == 1
        tp = int((y & (used[pred_col] == 1)).sum())
        return tp / int(y.sum()) if y.sum() else None
    raise ValueError(metric)


def reg_value(metric, sub, pred_col="predicted_value"):
    used = sub[sub["has_label"] & sub[pred_col].notna()]
    y = used["label_value"].to_numpy(float)
    p = used[pred_col].to_numpy(float)
    n = len(used)
    if metric == "mape":
        nz = y != 0
        if nz.sum() == 0:
            return None, 0
        return float(mean_absolute_percentage_error(y[nz], p[nz])), int(nz.sum())
    if n == 0:
        return None, 0
    if metric == "mae":
        return float(mean_absolute_error(y, p)), n
    if metric == "rmse":
        return float(math.sqrt(mean_squared_error(y, p))), n
    if metric == "r2":
        return (float(r2_score(y, p)) if y.max() > y.min() else None), n
    raise ValueError(metric)


BINS = 10
EXPECTED: list[dict] = []


# the current window of each case: label_delay 7 days, window 14 days before that; none for
# cases without a timestamp; coverage_empty has a 5-year label_delay and no window
WINDOWS = {"challenger_versions": (None, None), "composite_key": (None, None), "invalid_scores": (None, None),
           "reliability": (None, None), "coverage_empty": (None, AS_OF.replace(year=AS_OF.year - 5))}


def obs(case, monitor, column, seg_col, seg_val, metric, value, threshold, n, fails, min_rows=1, baseline=None):
    start, end = WINDOWS.get(case, (CUR_START, CUTOFF))
    EXPECTED.append({
        "case_name": case, "monitor": monitor, "column_name": column, "segment_column": seg_col,
        "segment_value": seg_val, "metric": metric, "value": value, "threshold": threshold,
        "baseline_value": baseline, "sample_size": n, "window_start": start, "window_end": end,
        "status": status_of(value, n, min_rows, fails),
    })


def coverage_rows(case, monitor, df, segment_by, min_coverage=None, min_rows=1, column="label"):
    for col, val, sub in segments(df, segment_by):
        n = len(sub)
        value = float(sub["has_label"].sum()) / n if n else None
        fails = min_coverage is not None and value is not None and value < min_coverage
        obs(case, monitor, column, col, val, "label_coverage", value, min_coverage, n, fails, min_rows)


def simple_case(case, df, metrics, segment_by, score_col="score", pred_col="predicted_label", threshold=None,
                min_value=None, max_value=None, monitor="performance", min_rows=1, kind="cls"):
    for col, val, sub in segments(df, segment_by):
        for m in metrics:
            if kind == "cls":
                value, n = cls_value(m, sub, score_col, pred_col, threshold)
            else:
                value, n = reg_value(m, sub, pred_col)
            fails = value is not None and ((min_value is not None and value < min_value)
                                           or (max_value is not None and value > max_value))
            thr = (min_value if m in HIGHER else max_value)
            if thr is None:
                thr = max_value if m in HIGHER else min_value
            column = score_col if (m in SCORE_METRICS or threshold is not None) else pred_col
            obs(case, monitor, column, col, val, m, value, thr, n, fails, min_rows)
    coverage_rows(case, monitor, df, segment_by, min_rows=min_rows)


def drop_case(case, cur, ref, metric, segment_by, kind, amount, score_col="score", pred_col="predicted_label"):
    ref_segments = {(c, v): s for c, v, s in segments(ref, segment_by)}
    for col, val, sub in segments(cur, segment_by):
        value, n = cls_value(metric, sub, score_col, pred_col)
        rsub = ref_segments.get((col, val))
        base = exact_value(metric, rsub, score_col, pred_col) if rsub is not None else None
        bound = None if base is None else (base - amount if kind == "absolute" else base - amount * abs(base))
        if value is not None and base is None:
            value = None
        fails = value is not None and value < bound
        column = score_col if metric in SCORE_METRICS else pred_col
        obs(case, "performance", column, col, val, metric, value, bound, n, fails, baseline=base)
    coverage_rows(case, "performance", cur, segment_by)


def main() -> None:
    rng = np.random.default_rng(20260131)
    preds, labels = make_classification(rng)
    lab_y = {int(r.id): int(r.label) for r in labels.itertuples() if r.label is not None and not pd.isna(r.label)}
    shadow = make_shadow(rng, lab_y)
    reg_preds, reg_labels = make_regression(rng)
    inv_preds, inv_labels = make_invalid(rng)

    write_csv(OUT / "perf_predictions.csv", list(preds.columns), preds.to_dict("records"))
    write_csv(OUT / "perf_labels.csv", list(labels.columns), labels.to_dict("records"))
    write_csv(OUT / "perf_shadow.csv", list(shadow.columns), shadow.to_dict("records"))
    write_csv(OUT / "perf_reg_predictions.csv", list(reg_preds.columns), reg_preds.to_dict("records"))
    write_csv(OUT / "perf_reg_labels.csv", list(reg_labels.columns), reg_labels.to_dict("records"))
    write_csv(OUT / "perf_invalid.csv", list(inv_preds.columns), inv_preds.to_dict("records"))
    write_csv(OUT / "perf_invalid_labels.csv", list(inv_labels.columns), inv_labels.to_dict("records"))

    preds_na = preds.copy()
    preds_na["tier"] = preds_na["tier"].replace("", None)
    cur = join(preds_na, labels, start=CUR_START, end=CUTOFF)
    ref = join(preds_na, labels, start=REF_START, end=CUR_START)

    # every classification metric, by region and tier (null tier is its own segment)
    simple_case("cls_all", cur, ["accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "log_loss", "brier"],
                ["region", "tier"])
    # a decision threshold on the score instead of a prediction column; apac fails min_value
    simple_case("cls_threshold", cur, ["accuracy", "f1"], ["region"], threshold=0.5, min_value=0.65)
    # against the previous 14 days: apac dropped by more than 0.1 AUC
    drop_case("cls_drop_abs", cur, ref, "roc_auc", ["region"], "absolute", 0.1)
    # relative drop of accuracy, reference given by reference_where
    ref_where = join(preds_na, labels, end=CUTOFF)
    ref_where = ref_where[pd.to_datetime(ref_where["prediction_ts"]) < CUR_START]
    drop_case("cls_drop_rel", cur, ref_where, "accuracy", ["region"], "relative", 0.1)

    # champion score vs challenger score_v2 on the same rows (both present); east is worse
    margin = 0.02
    for col, val, sub in segments(cur, ["region"]):
        both = sub[sub["score"].notna() & sub["score_v2"].notna()]
        for m in ["roc_auc", "accuracy"]:
            champ_col, chal_col = ("score", "score_v2") if m == "roc_auc" else ("predicted_label", "predicted_label_v2")
            both_m = both if m == "roc_auc" else sub[sub["predicted_label"].notna()]
            a, n = cls_value(m, both_m, champ_col, champ_col)
            obs("challenger_columns", "performance", champ_col, col, val, m, a, None, n, False)
            b, nb = cls_value(m, both_m, chal_col, chal_col)
            a_exact = exact_value(m, both_m, champ_col, champ_col)
            bound = None if a_exact is None else a_exact - margin
            if b is not None and a_exact is None:
                b = None
            obs("challenger_columns", "performance", chal_col, col, val, m, b, bound, nb, b is not None and b < bound,
                baseline=a_exact)
    coverage_rows("challenger_columns", "performance", cur, ["region"])

    # champion v1 vs challenger v2 rows of a shadow deployment: paired on the ids both scored
    sh = shadow.merge(latest_labels(labels), on="id", how="left")
    sh["has_label"] = sh["label_value"].notna()
    paired_ids = set(shadow.groupby("id")["model_version"].nunique().loc[lambda s: s == 2].index)
    sh = sh[sh["id"].isin(paired_ids)]
    v1, v2 = sh[sh["model_version"] == "v1"], sh[sh["model_version"] == "v2"]
    v2_segments = {(c, v): s for c, v, s in segments(v2, ["region"])}
    for col, val, s1 in segments(v1, ["region"]):
        s2 = v2_segments[(col, val)]
        for m in ["accuracy", "recall"]:
            a, n = cls_value(m, s1, "score", "predicted_label")
            obs("challenger_versions", "performance", "predicted_label (model_version=v1)", col, val, m, a, None, n, False)
            b, nb = cls_value(m, s2, "score", "predicted_label")
            a_exact = exact_value(m, s1, "score", "predicted_label")
            bound = None if a_exact is None else a_exact - 0.05 * abs(a_exact)
            obs("challenger_versions", "performance", "predicted_label (model_version=v2)", col, val, m, b, bound, nb,
                b is not None and b < bound, baseline=a_exact)
    coverage_rows("challenger_versions", "performance", v1, ["region"], column="label (model_version=v1)")
    coverage_rows("challenger_versions", "performance", v2, ["region"], column="label (model_version=v2)")

    # max_drop against another relation (the shadow table's v1 rows): only north / south exist there
    ref_rel = shadow[shadow["model_version"] == "v1"].merge(latest_labels(labels), on="id", how="left")
    ref_rel["has_label"] = ref_rel["label_value"].notna()
    drop_case("drop_reference_relation", cur, ref_rel, "accuracy", ["region"], "absolute", 0.05)

    # composite join key with differently named label columns (label_join_key)
    comp = shadow.merge(latest_labels(labels), on="id", how="left")
    comp["has_label"] = comp["label_value"].notna()
    simple_case("composite_key", comp, ["accuracy", "roc_auc"], ["model_version"])
    for r in EXPECTED:
        if r["case_name"] == "composite_key" and r["metric"] == "label_coverage":
            r["column_name"] = "outcome"

    # regression: zero targets excluded from mape, constant target -> r2 undefined
    reg = join(reg_preds, reg_labels.rename(columns={"actual": "label"}), start=CUR_START, end=CUTOFF)
    simple_case("regression", reg, ["mae", "rmse", "mape", "r2"], ["store"], pred_col="predicted_value",
                max_value=15.0, kind="reg")
    for r in EXPECTED:
        if r["case_name"] == "regression" and r["metric"] == "label_coverage":
            r["column_name"] = "actual"

    # scores outside [0, 1] and all-null scores; duplicate labels without a timestamp
    inv = inv_preds.merge(latest_labels(inv_labels, label_ts=None), on="id", how="left")
    inv["has_label"] = inv["label_value"].notna()
    simple_case("invalid_scores", inv, ["roc_auc", "pr_auc", "log_loss", "brier"], ["region"])

    # max_drop against an empty reference window: no_data (the detail names the reference window)
    drop_case("drop_empty_reference", cur, ref.iloc[0:0], "roc_auc", [], "absolute", 0.1)

    # positive_label: class 0 is the positive class
    lab = cur[cur["has_label"] & cur["predicted_label"].notna()]
    y0, p0 = lab["label_value"].astype(int).to_numpy(), lab["predicted_label"].astype(int).to_numpy()
    obs("positive_label", "performance", "predicted_label", None, None, "precision",
        float(precision_score(y0, p0, pos_label=0)), None, len(lab), False)
    obs("positive_label", "performance", "predicted_label", None, None, "recall",
        float(recall_score(y0, p0, pos_label=0)), None, len(lab), False)
    coverage_rows("positive_label", "performance", cur, [])

    # label coverage with a minimum: fresh has no labels at all
    coverage_rows("coverage", "label_coverage", cur, ["region"], min_coverage=0.8)
    # nothing old enough: every row no_data
    coverage_rows("coverage_empty", "label_coverage", cur.iloc[0:0], [])

    # calibration: ECE over 10 bins, and the reliability table it comes from
    simple_case("calibration", cur, ["ece"], ["region"], max_value=0.12, monitor="calibration")
    for col, val, sub in segments(cur, ["region"]):
        lab = sub[sub["has_label"] & sub["score"].notna()]
        if len(lab) == 0:
            continue
        y = (lab["label_value"] == 1).astype(int).to_numpy()
        s = lab["score"].to_numpy(float)
        prob_true, prob_pred = calibration_curve(y, s, n_bins=BINS, strategy="uniform")
        ids = np.searchsorted(np.linspace(0, 1, BINS + 1)[1:-1], s)
        counts = np.bincount(ids, minlength=BINS)
        for k, pt, pp in zip(np.flatnonzero(counts), prob_true, prob_pred):
            for metric, v in [("fraction_positive", pt), ("mean_score", pp)]:
                EXPECTED.append({"case_name": "reliability", "monitor": "reliability_table", "column_name": f"bin_{k}",
                                 "segment_column": col, "segment_value": val, "metric": metric, "value": float(v),
                                 "threshold": None, "sample_size": int(counts[k]), "status": "pass"})

    write_expected("performance", EXPECTED)
    print(f"wrote {len(EXPECTED)} expected rows")


if __name__ == "__main__":
    main()
