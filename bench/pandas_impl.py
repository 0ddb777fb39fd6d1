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
