"""Approach (e): the suite's metrics in pandas / numpy / scikit-learn, written to be fast.

Same definitions as the SQL (see README.md, "Drift" and "Model performance"):

* null_rate = nulls / rows; value_range = share of non-null values outside [lo, hi]
  (NaN / inf count as outside);
* PSI, quantile mode: edges = ``np.quantile(reference, k / 10)`` for k = 1..9 (linear
  interpolation), duplicates collapsed, open outer bins, right-closed bins
  (``np.searchsorted(edges, x, side="left")``), nulls left out, shares floored at 1e-4;
  categorical: one bin per reference category plus one bin for unseen categories;
* prediction_drift: PSI of the score plus the positive-rate shift;
* performance: inner join of predictions and labels on id; accuracy, f1 and ROC AUC
  (``sklearn.metrics.roc_auc_score``) overall and per segment.

Only the needed columns are read (``pd.read_parquet(columns=...)``); the time to read them
is reported separately (``load_seconds``) and included in the total.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

EPS = 1e-4


def psi_numeric(ref: np.ndarray, cur: np.ndarray, bins: int = 10) -> float:
    ref = ref[np.isfinite(ref)]
    cur = cur[np.isfinite(cur)]
    if len(ref) == 0 or len(cur) == 0:
        return float("nan")
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    nb = len(edges) + 1
    r = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=nb) / len(ref)
    c = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=nb) / len(cur)
    r, c = np.maximum(r, EPS), np.maximum(c, EPS)
    return float(np.sum((c - r) * np.log(c / r)))


def psi_categorical(ref: pd.Series, cur: pd.Series) -> float:
    rc = ref.value_counts(dropna=True)
    cc = cur.value_counts(dropna=True)
    if rc.sum() == 0 or cc.sum() == 0:
        return float("nan")
    r = rc / rc.sum()
    c = (cc.reindex(r.index, fill_value=0) / cc.sum()).to_numpy()
    r = r.to_numpy()
    unseen = cc[~cc.index.isin(rc.index)].sum() / cc.sum()
    r = np.append(r, 0.0)
    c = np.append(c, unseen)
    r, c = np.maximum(r, EPS), np.maximum(c, EPS)
    return float(np.sum((c - r) * np.log(c / r)))


def _classification(y: np.ndarray, pred: np.ndarray, score: np.ndarray) -> dict:
    tp = int(np.sum((y == 1) & (pred == 1)))
    fp = int(np.sum((y == 0) & (pred == 1)))
    fn = int(np.sum((y == 1) & (pred == 0)))
    return {
        "accuracy": float(np.mean(y == pred)),
        "f1": 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else float("nan"),
        "roc_auc": float(roc_auc_score(y, score)) if 0 < y.sum() < len(y) else float("nan"),
        "n": int(len(y)),
    }


def run(data_dir: Path, numeric: list[str], categorical: list[str]) -> dict:
    t0 = time.perf_counter()
    features = numeric + categorical
    cur_cols = ["id", "segment", *features, "score", "predicted_label"]
    cur = pd.read_parquet(data_dir / "predictions.parquet", columns=cur_cols)
    ref = pd.read_parquet(data_dir / "reference.parquet", columns=[*features, "score", "predicted_label"])
    labels = pd.read_parquet(data_dir / "labels.parquet", columns=["id", "label"])
    t_load = time.perf_counter() - t0

    out: dict = {"null_rate": {}, "value_range": {}, "psi": {}, "prediction_drift": {}, "performance": {}}
    n = len(cur)
    for col in features:
        out["null_rate"][col] = float(cur[col].isna().sum() / n) if n else float("nan")
    for col, lo, hi in [*[(c, -1000.0, 1000.0) for c in numeric], ("score", 0.0, 1.0)]:
        x = cur[col].to_numpy(dtype=np.float64, na_value=np.nan)
        nonnull = ~np.isnan(x)   # nulls (no NaN / inf in the generated data)
        bad = nonnull & ~((x >= lo) & (x <= hi))
        k = int(nonnull.sum())
        out["value_range"][col] = float(bad.sum() / k) if k else float("nan")
    for col in numeric:
        out["psi"][col] = psi_numeric(ref[col].to_numpy(dtype=np.float64, na_value=np.nan),
                                      cur[col].to_numpy(dtype=np.float64, na_value=np.nan))
    for col in categorical:
        out["psi"][col] = psi_categorical(ref[col], cur[col])
    out["prediction_drift"] = {
        "psi": psi_numeric(ref["score"].to_numpy(dtype=np.float64), cur["score"].to_numpy(dtype=np.float64)),
        "positive_rate_shift": float(cur["predicted_label"].mean() - ref["predicted_label"].mean()),
    }
    joined = cur[["id", "segment", "score", "predicted_label"]].merge(labels, on="id", how="inner")
    y = joined["label"].to_numpy()
    pred = joined["predicted_label"].to_numpy()
    score = joined["score"].to_numpy()
    out["performance"]["(all)"] = _classification(y, pred, score)
    seg = joined["segment"].to_numpy()
    codes, names = pd.factorize(seg, sort=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    for i, name in enumerate(names):
        idx = order[bounds[i]:bounds[i + 1]]
        out["performance"][str(name)] = _classification(y[idx], pred[idx], score[idx])
    out["load_seconds"] = t_load
    out["compute_seconds"] = time.perf_counter() - t0 - t_load
    return out


# ---- issue #17: the newer drift statistics and a multiclass model (bench/stats_bench.py) ----
#
# Same definitions as the SQL (docs/drift.md, "More statistics"; docs/model-performance.md,
# "Multiclass models"): hellinger / total variation on the psi bins (raw shares, no epsilon),
# linf and the chi-square p-value on the categories (plus the unseen bin; bins empty on both
# sides left out), KS and Wasserstein on the raw values (nulls left out), the multiclass metrics
# with scikit-learn's default conventions, overall and per segment.


def _numeric_bin_counts(ref: np.ndarray, cur: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    nb = len(edges) + 1
    return (np.bincount(np.searchsorted(edges, ref, side="left"), minlength=nb),
            np.bincount(np.searchsorted(edges, cur, side="left"), minlength=nb))


def _categorical_bin_counts(ref: pd.Series, cur: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    rc = ref.value_counts(dropna=True)
    cc = cur.value_counts(dropna=True)
    seen = cc.index.isin(rc.index)
    return (np.append(rc.to_numpy(), 0), np.append(cc.reindex(rc.index, fill_value=0).to_numpy(), cc[~seen].sum()))


def binned_statistics(r: np.ndarray, c: np.ndarray, categorical: bool) -> dict:
    p, q = r / r.sum(), c / c.sum()
    out = {"hellinger": float(np.sqrt(0.5 * np.sum((np.sqrt(q) - np.sqrt(p)) ** 2))),
           "total_variation": float(0.5 * np.sum(np.abs(q - p)))}
    if categorical:
        from scipy.stats import chi2_contingency
        keep = (r + c) > 0
        out["linf"] = float(np.max(np.abs(q - p)))
        out["chi2_pvalue"] = (float(chi2_contingency(np.vstack([r[keep], c[keep]]), correction=False).pvalue)
                              if keep.sum() > 1 else 1.0)
    return out


def _finite(x: pd.Series) -> np.ndarray:
    a = x.to_numpy(dtype=np.float64, na_value=np.nan)
    return a[np.isfinite(a)]


def multiclass_metrics(y: np.ndarray, pred: np.ndarray, proba: np.ndarray, classes: list[str]) -> dict:
    from sklearn.metrics import (accuracy_score, f1_score, log_loss, precision_recall_fscore_support,
                                 precision_score, recall_score, roc_auc_score)
    order = sorted(classes)                      # scikit-learn wants the labels (and columns) sorted
    ps = proba[:, [classes.index(c) for c in order]]
    out = {"accuracy": float(accuracy_score(y, pred)),
           "macro_f1": float(f1_score(y, pred, average="macro")),
           "weighted_f1": float(f1_score(y, pred, average="weighted")),
           "micro_f1": float(f1_score(y, pred, average="micro")),
           "macro_precision": float(precision_score(y, pred, average="macro", zero_division=0)),
           "macro_recall": float(recall_score(y, pred, average="macro", zero_division=0)),
           "roc_auc_ovr_macro": float(roc_auc_score(y, ps, multi_class="ovr", average="macro", labels=order)),
           "roc_auc_ovr_weighted": float(roc_auc_score(y, ps, multi_class="ovr", average="weighted", labels=order)),
           "log_loss": float(log_loss(y, ps, labels=order))}
    prec, rec, f1, _ = precision_recall_fscore_support(y, pred, labels=classes, average=None, zero_division=np.nan)
    for j, c in enumerate(classes):
        out[f"precision[{c}]"], out[f"recall[{c}]"], out[f"f1[{c}]"] = float(prec[j]), float(rec[j]), float(f1[j])
        yc = y == c
        out[f"roc_auc[{c}]"] = float(roc_auc_score(yc, proba[:, j])) if 0 < yc.sum() < len(yc) else float("nan")
    return out


def run_stats17(data_dir: Path, numeric: list[str], categorical: list[str], classes: list[str],
                ks_columns: list[str] | None = None) -> dict:
    """Every issue-#17 statistic of bench/suite.py's stats17 tests; times per group (reading the
    parquet files apart), values for the agreement table."""
    from scipy.stats import ks_2samp, wasserstein_distance
    t0 = time.perf_counter()
    features = numeric + categorical
    cur = pd.read_parquet(data_dir / "predictions.parquet", columns=[*features, "score"])
    ref = pd.read_parquet(data_dir / "reference.parquet", columns=[*features, "score"])
    mc_cols = ["id", "segment", "y_pred", *[f"p_{c}" for c in classes]]
    mc = pd.read_parquet(data_dir / "mc_predictions.parquet", columns=mc_cols)
    mc_labels = pd.read_parquet(data_dir / "mc_labels.parquet", columns=["id", "y_true"])
    times: dict = {"load": time.perf_counter() - t0}
    values: dict = {}

    def timed(group: str, fn) -> None:
        t = time.perf_counter()
        fn()
        times[group] = times.get(group, 0.0) + time.perf_counter() - t

    ks_cols = ks_columns or numeric

    def ks_all(statistic: str) -> None:
        for col in ks_cols:
            res = ks_2samp(_finite(ref[col]), _finite(cur[col]), method="asymp")
            values.setdefault(col, {})["ks" if statistic == "ks" else "ks_pvalue"] = float(
                res.statistic if statistic == "ks" else res.pvalue)

    def wasserstein_all(normed: bool) -> None:
        for col in ks_cols:
            r, c = _finite(ref[col]), _finite(cur[col])
            w = float(wasserstein_distance(r, c))
            values.setdefault(col, {})["wasserstein_norm" if normed else "wasserstein"] = (
                w / max(float(np.std(r)), 0.001) if normed else w)

    def binned_all(cols: list[str], wanted: tuple[str, ...]) -> None:
        for col in cols:
            if col in numeric:
                r, c = _numeric_bin_counts(_finite(ref[col]), _finite(cur[col]))
            else:
                r, c = _categorical_bin_counts(ref[col], cur[col])
            stats = binned_statistics(r, c, col in categorical)
            values.setdefault(col, {}).update({k: stats[k] for k in wanted if k in stats})

    def score_hellinger() -> None:
        r, c = _numeric_bin_counts(_finite(ref["score"]), _finite(cur["score"]))
        values.setdefault("score", {})["hellinger"] = binned_statistics(r, c, False)["hellinger"]

    def multiclass() -> None:
        joined = mc.merge(mc_labels, on="id", how="inner")
        y = joined["y_true"].to_numpy()
        pred = joined["y_pred"].to_numpy()
        proba = joined[[f"p_{c}" for c in classes]].to_numpy()
        seg = joined["segment"].to_numpy()
        perf = {"(all)": multiclass_metrics(y, pred, proba, classes)}
        for s in np.unique(seg):
            m = seg == s
            perf[str(s)] = multiclass_metrics(y[m], pred[m], proba[m], classes)
        values["multiclass"] = perf

    timed("ks", lambda: ks_all("ks"))
    timed("ks_pvalue", lambda: ks_all("ks_pvalue"))
    timed("wasserstein_norm", lambda: wasserstein_all(True))
    timed("wasserstein", lambda: wasserstein_all(False))
    timed("hellinger", lambda: binned_all(features, ("hellinger",)))
    timed("total_variation", lambda: binned_all(features, ("total_variation",)))
    timed("linf", lambda: binned_all(categorical, ("linf",)))
    timed("chi2_pvalue", lambda: binned_all(categorical, ("chi2_pvalue",)))
    timed("prediction_drift_hellinger", score_hellinger)
    timed("multiclass", multiclass)
    return {"seconds": time.perf_counter() - t0, "times": times, "values": values}
