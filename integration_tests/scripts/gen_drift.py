"""Seeds and expected observations for the drift monitors (psi, js_distance, ks, prediction_drift).

Inputs are seeded numpy draws; expected values come from independent implementations:
numpy (PSI with np.quantile edges), scipy.stats.ks_2samp (KS statistic),
scipy.spatial.distance.jensenshannon(base=2), and Evidently 0.7's PSI rules re-implemented
here with numpy (Evidently itself is not a dependency).

    python integration_tests/scripts/gen_drift.py
"""

from __future__ import annotations

import math
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2, chi2_contingency, kstwo, ks_2samp, wasserstein_distance

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oracle import SEEDS, status_of, write_csv, write_expected  # noqa: E402

EPS = 0.0001
PSI_T, JS_T, KS_T, RATE_T = 0.2, 0.1, 0.1, 0.1
EVIDENTLY_X_PSI = 0.08788759029969584  # Evidently 0.7, N(0,1) vs N(0.3,1), 10,000 each, default_rng(0)

# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------

N_REF, N_CUR, N_OLD = 1200, 800, 100
CATS_REF = ["a", "b", "c'q", "é日"]
CATS_CUR = ["a", "b", "c'q", "é日", "smart_tv"]


def make_main(rng):
    """One table, three samples: 'ref' (2026-01-23..29), 'cur' (2026-01-30), 'old' (ignored)."""
    rows = []
    t_ref0, t_cur0, t_old0 = datetime(2026, 1, 23), datetime(2026, 1, 30), datetime(2026, 1, 10)
    for sample, n in (("ref", N_REF), ("cur", N_CUR), ("old", N_OLD)):
        cur = sample == "cur"
        span = 7 * 86400 if sample == "ref" else 86400
        t0 = {"ref": t_ref0, "cur": t_cur0, "old": t_old0}[sample]
        secs = rng.integers(0, span, n)
        seg = rng.choice(["north", "south", "tiny", "west", None],
                         p=[0.5, 0.44, 0.03, 0.01, 0.02] if cur else [0.5, 0.45, 0.03, 0.0, 0.02], size=n)
        f_stable = rng.normal(10, 2, n)
        f_shift = rng.normal(0.8 if cur else (5.0 if sample == "old" else 0.0), 1, n)
        f_int = rng.choice([0, 1, 2, 3, 4], p=[0.1, 0.2, 0.3, 0.2, 0.2] if cur else [0.25, 0.25, 0.25, 0.25, 0.0], size=n)
        f_const = np.where(rng.random(n) < 0.3, 4.0, 3.0) if cur else np.full(n, 3.0)
        f_bad = rng.normal(0.2 if cur else 0.0, 1, n).astype(object)
        u = rng.random(n)
        f_bad[u < 0.03] = "NaN"
        f_bad[(u >= 0.03) & (u < 0.04)] = "Infinity"
        f_bad[(u >= 0.04) & (u < 0.05)] = "-Infinity"
        f_bad[(u >= 0.05) & (u < 0.08)] = None
        f_null_cur = np.full(n, None, dtype=object) if cur else rng.normal(0, 1, n).astype(object)
        cat = rng.choice(CATS_CUR, p=[0.35, 0.3, 0.15, 0.1, 0.1], size=n) if cur else \
            rng.choice(CATS_REF, p=[0.4, 0.3, 0.2, 0.1], size=n)
        cat = cat.astype(object)
        cat[rng.random(n) < 0.05] = None
        cat_num = rng.choice([1, 2, 3, 7], p=[0.3, 0.3, 0.3, 0.1], size=n) if cur else rng.choice([1, 2, 3], size=n)
        score = rng.beta(2.6, 4, n) if cur else rng.beta(2, 5, n)
        pred = (score >= 0.5).astype(int).astype(object)
        if cur:
            pred[rng.random(n) < 0.01] = None
        for i in range(n):
            rows.append({
                "sample_name": sample,
                "ts": (t0 + timedelta(seconds=int(secs[i]))).strftime("%Y-%m-%d %H:%M:%S"),
                "seg": seg[i],
                "f_stable": float(f_stable[i]),
                "f_shift": float(f_shift[i]),
                "f_int": int(f_int[i]),
                "f_const": float(f_const[i]),
                "f_bad": f_bad[i] if f_bad[i] is None or isinstance(f_bad[i], str) else repr(float(f_bad[i])),
                "f_null_cur": None if f_null_cur[i] is None else float(f_null_cur[i]),
                "f_null_all": None,
                "cat": cat[i],
                "cat_num": int(cat_num[i]),
                "score": float(score[i]),
                "pred": None if pred[i] is None else int(pred[i]),
            })
    return rows


MAIN_COLUMNS = ["sample_name", "ts", "seg", "f_stable", "f_shift", "f_int", "f_const", "f_bad", "f_null_cur",
                "f_null_all", "cat", "cat_num", "score", "pred"]


def make_evidently():
    rng = np.random.default_rng(0)
    ref_x = rng.normal(0, 1, 10_000)  # reference drawn first
    cur_x = rng.normal(0.3, 1, 10_000)
    other = np.random.default_rng(1)
    ref_k = other.poisson(3, 10_000)
    cur_k = other.poisson(3.4, 10_000)
    ref_c = other.choice(["x", "y", "z"], p=[0.5, 0.3, 0.2], size=10_000)
    cur_c = other.choice(["x", "y", "z", "new"], p=[0.45, 0.3, 0.2, 0.05], size=10_000)
    rows = [{"sample_name": "ref", "x": float(a), "k": int(b), "c": c} for a, b, c in zip(ref_x, ref_k, ref_c)]
    rows += [{"sample_name": "cur", "x": float(a), "k": int(b), "c": c} for a, b, c in zip(cur_x, cur_k, cur_c)]
    return rows


# ---------------------------------------------------------------------------------------------
# reference maths (independent of the SQL)
# ---------------------------------------------------------------------------------------------

def to_float(v):
    if v is None:
        return None
    return float(v)  # 'NaN', 'Infinity', '-Infinity' parse too


def finite(values):
    out = np.array([v for v in (to_float(x) for x in values) if v is not None], dtype=float)
    return out[np.isfinite(out)]


def quantile_edges(ref, bins):
    if len(ref) == 0:
        return np.array([])
    return np.unique(np.quantile(ref, [k / bins for k in range(1, bins)]))  # method='linear'


def numeric_counts(values, edges):
    # bins (-inf, e1], (e1, e2], ..., (em, +inf)
    return np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)


def categorical_counts(values, categories, include_nulls=False):
    """One bin per reference category, one for unseen ones, [one for null]."""
    idx = {c: i for i, c in enumerate(categories)}
    counts = np.zeros(len(categories) + 1 + (1 if include_nulls else 0), dtype=int)
    for v in values:
        if v is None:
            if include_nulls:
                counts[-1] += 1
            continue
        counts[idx.get(v, len(categories))] += 1
    return counts


def psi_counts(ref_counts, cur_counts, eps=EPS):
    r = np.maximum(ref_counts / ref_counts.sum(), eps)
    c = np.maximum(cur_counts / cur_counts.sum(), eps)
    return float(np.sum((c - r) * np.log(c / r)))


def js_counts(ref_counts, cur_counts):
    return float(jensenshannon(cur_counts / cur_counts.sum(), ref_counts / ref_counts.sum(), base=2))


def hellinger_counts(ref_counts, cur_counts):
    r, c = ref_counts / ref_counts.sum(), cur_counts / cur_counts.sum()
    return float(np.sqrt(np.sum((np.sqrt(c) - np.sqrt(r)) ** 2) / 2))


def tv_counts(ref_counts, cur_counts):
    return float(np.abs(cur_counts / cur_counts.sum() - ref_counts / ref_counts.sum()).sum() / 2)


def linf_counts(ref_counts, cur_counts):
    return float(np.abs(cur_counts / cur_counts.sum() - ref_counts / ref_counts.sum()).max())


def chi2_pvalue_counts(ref_counts, cur_counts):
    """scipy's chi-square test of homogeneity on the 2 x k table; bins empty on both sides dropped
    (chi2_contingency refuses zero expected counts)."""
    keep = (ref_counts + cur_counts) > 0
    return float(chi2_contingency(np.array([ref_counts[keep], cur_counts[keep]]), correction=False).pvalue)


BINNED = {"psi": lambda r, c, eps: psi_counts(r, c, eps), "js_distance": lambda r, c, eps: js_counts(r, c),
          "hellinger": lambda r, c, eps: hellinger_counts(r, c), "total_variation": lambda r, c, eps: tv_counts(r, c),
          "linf": lambda r, c, eps: linf_counts(r, c), "chi2_pvalue": lambda r, c, eps: chi2_pvalue_counts(r, c)}
BINNED_T = {"psi": PSI_T, "js_distance": JS_T, "hellinger": 0.1, "total_variation": 0.1, "linf": 0.1, "chi2_pvalue": 0.05}


def evidently_fill(p):
    p = p.copy()
    m = p[p != 0].min()
    np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return p


def evidently_psi(ref, cur, numeric):
    """Evidently 0.7's PSI (see PERFORMANCE_NOTES.md): sturges equal-width bins over the union when the
    reference has > 20 distinct values, else one bin per value of the union; its zero fill; ln."""
    if numeric and len(np.unique(ref)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        r = np.histogram(ref, bins)[0] / len(ref)
        c = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = sorted(set(ref) | set(cur))
        r = np.array([np.sum(ref == k) for k in keys]) / len(ref)
        c = np.array([np.sum(cur == k) for k in keys]) / len(cur)
    r, c = evidently_fill(r), evidently_fill(c)
    return float(np.sum((r - c) * np.log(r / c)))


# ---------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------

def rows_of(data, sample):
    return [r for r in data if r["sample_name"] == sample]


def segments(cur_rows, seg_col):
    """(segment_column, segment_value) keys: overall + every value present in the current rows."""
    keys = [(None, None)]
    for v in sorted({r[seg_col] for r in cur_rows}, key=lambda x: (x is None, x)):
        keys.append((seg_col, v))
    return keys


def subset(rows, key):
    col, val = key
    return rows if col is None else [r for r in rows if r[col] == val]


# the current window of the cases that have one: the day before as_of
WINDOWS = {"psi_window": (datetime(2026, 1, 30), datetime(2026, 1, 31))}


class Expect:
    def __init__(self):
        self.rows = []

    def add(self, case, monitor, column, key, metric, value, threshold, sample_size, min_rows=1,
            fails=None, status=None, baseline=None):
        if status is None:
            status = status_of(value, sample_size, min_rows, bool(fails))
        if status in ("no_data", "skipped"):
            value = value if status == "skipped" else None
        self.rows.append({"case_name": case, "monitor": monitor, "column_name": column,
                          "segment_column": key[0], "segment_value": key[1], "metric": metric,
                          "value": value, "threshold": threshold, "baseline_value": baseline,
                          "sample_size": sample_size, "status": status,
                          "window_start": WINDOWS.get(case, (None, None))[0],
                          "window_end": WINDOWS.get(case, (None, None))[1]})


def binned(case, e, monitor, metric, ref_rows, cur_rows, columns, kinds=None, seg_col=None, bins=10,
           binning="quantile", include_nulls=False, threshold=None, min_rows=1, eps=EPS):
    """psi / js_distance over quantile, equal-width or categorical bins (global reference bins)."""
    kinds = kinds or {}
    threshold = threshold if threshold is not None else BINNED_T[metric]
    keys = segments(cur_rows, seg_col) if seg_col else [(None, None)]
    for col in columns:
        kind = kinds.get(col, "categorical" if col.startswith("cat") else "numeric")
        if kind == "numeric":
            ref_all = finite(r[col] for r in ref_rows)
            if binning == "quantile":
                edges = quantile_edges(ref_all, bins)
            else:
                both = np.concatenate([ref_all, finite(r[col] for r in cur_rows)])
                hist_edges = np.histogram_bin_edges(both, bins=bins)
        else:
            cats = sorted({str(r[col]) for r in ref_rows if r[col] is not None})
        for key in keys:
            cur_s, ref_s = subset(cur_rows, key), subset(ref_rows, key)
            n = len(cur_s)
            if kind == "numeric":
                cv, rv = finite(r[col] for r in cur_s), finite(r[col] for r in ref_s)
                if binning == "quantile":
                    cc, rc = numeric_counts(cv, edges), numeric_counts(rv, edges)
                else:
                    cc, rc = np.histogram(cv, hist_edges)[0], np.histogram(rv, hist_edges)[0]
            else:
                conv = (lambda v: None if v is None else str(v))
                cc = categorical_counts([conv(r[col]) for r in cur_s], cats, include_nulls)
                rc = categorical_counts([conv(r[col]) for r in ref_s], cats, include_nulls)
            value = None
            if len(ref_s) and rc.sum() > 0 and cc.sum() > 0:
                value = BINNED[metric](rc, cc, eps)
            e.add(case, monitor, col, key, metric, value, threshold, n, min_rows,
                  fails=value is not None and ((value < threshold) if metric == "chi2_pvalue" else (value > threshold)))


def ks_pvalue(rv, cv):
    """scipy's asymptotic two-sample KS p-value: kstwo.sf(D, round(en)), en = n * m / (n + m)."""
    return float(ks_2samp(rv, cv, method="asymp").pvalue)


def kstwo_grid():
    """(n, x) points of scipy.stats.kstwo.sf over every branch of scipy's _kolmogn: x = 0 and 1,
    n x <= 1 (Ruben-Gambino, both sides of n x = 1/2), n x >= n - 1, x >= 1/2 (Smirnov's sum),
    n <= 140 with n x^2 below 0.754693 (Durbin), up to 4 (Pomeranz) and above (Smirnov),
    140 < n < 100000 with n x^1.5 <= 1.4 (Durbin; Pelz-Good in our SQL from n = 8192), the
    Pelz-Good series (n x^2 < 2.2), Smirnov's sum (2.2 <= n x^2 < 370) up to n = 10^6 (tested to 100001), its
    approximation above, and 0 (n x^2 >= 370)."""
    points = []
    for n in (1, 2, 3, 5, 10, 37, 100, 140):
        for x in (0.0, 1.0, 0.4 / n, 0.5 / n, 0.75 / n, 1.0 / n, 1.0 - 0.5 / n, 0.5, 0.7):
            points.append((n, x))
        for z in (0.3, 0.6, 0.8687, 1.2, 1.9, 2.5, 4.0):
            points.append((n, z / math.sqrt(n)))
    for n in (141, 500, 3000, 8191, 8192, 20000, 100000, 100001):
        for z in (0.2, 0.35, 0.6, 1.0, 1.4, 1.6, 3.0, 19.5, 20.0):
            points.append((n, z / math.sqrt(n)))
    for n in (1000, 141):
        for x in (0.0005, 1.3 / n, 1.0 / n, 0.999, 0.6):
            points.append((n, x))
    # (n = 10^6 itself: one SQL row per term of Smirnov's sum, a million; its accuracy was checked
    # once, 4.2e-13, and is left out of the test for time)
    points += [(1000001, 1.6 / math.sqrt(1000001)), (5000000, 1.2 / math.sqrt(5000000)),
               (5000000, 3.0 / math.sqrt(5000000)), (5000000, 0.001)]
    return [{"n": n, "x": repr(float(x)), "expected": repr(float(kstwo.sf(x, n)))} for n, x in points]


CDF_STATS = {
    "ks": (KS_T, lambda rv, cv: float(ks_2samp(rv, cv).statistic)),
    "ks_pvalue": (0.05, ks_pvalue),
    "wasserstein": (None, lambda rv, cv: float(wasserstein_distance(rv, cv))),
    # Evidently's normed Wasserstein: divided by max(np.std(reference), 0.001)
    "wasserstein_norm": (0.1, lambda rv, cv: float(wasserstein_distance(rv, cv)) / max(float(np.std(rv)), 0.001)),
}


def ks_case(case, e, ref_rows, cur_rows, columns, seg_col=None, threshold=None, min_rows=1, metric="ks"):
    keys = segments(cur_rows, seg_col) if seg_col else [(None, None)]
    default_t, fn = CDF_STATS[metric]
    threshold = default_t if threshold is None else threshold
    monitor = "wasserstein_drift" if metric.startswith("wasserstein") else "ks_drift"
    for col in columns:
        for key in keys:
            cur_s, ref_s = subset(cur_rows, key), subset(ref_rows, key)
            cv, rv = finite(r[col] for r in cur_s), finite(r[col] for r in ref_s)
            value = fn(rv, cv) if len(cv) and len(rv) else None
            e.add(case, monitor, col, key, metric, value, threshold, len(cur_s), min_rows,
                  fails=value is not None and ((value < threshold) if metric == "ks_pvalue" else (value > threshold)))


def prediction_case(case, e, ref_rows, cur_rows, seg_col=None, pred_col="pred", score_threshold=None,
                    rel_threshold=None, positive=1, statistic="psi"):
    binned(case, e, "prediction_drift", statistic, ref_rows, cur_rows, ["score"], seg_col=seg_col)
    keys = segments(cur_rows, seg_col) if seg_col else [(None, None)]

    def rate(rows):
        if pred_col:
            preds = [r[pred_col] for r in rows if r[pred_col] is not None]
            return (sum(1 for p in preds if p == positive) / len(preds)) if preds else None
        return float(np.mean([r["score"] >= score_threshold for r in rows])) if rows else None

    column = pred_col or "score"
    for key in keys:
        cur_s, ref_s = subset(cur_rows, key), subset(ref_rows, key)
        cr, rr = rate(cur_s), rate(ref_s)
        shift = None if cr is None or rr is None else cr - rr
        # baseline: the reference's positive rate
        e.add(case, "prediction_drift", column, key, "positive_rate_shift", shift, RATE_T, len(cur_s),
              fails=shift is not None and abs(shift) > RATE_T, baseline=rr)
        rel = None if shift is None or rr == 0 else shift / rr
        e.add(case, "prediction_drift", column, key, "positive_rate_relative_shift", rel, rel_threshold,
              len(cur_s), fails=rel is not None and rel_threshold is not None and abs(rel) > rel_threshold,
              baseline=rr)


def main():
    rng = np.random.default_rng(20260131)
    data = make_main(rng)
    evid = make_evidently()
    write_csv(SEEDS / "drift" / "drift_input.csv", MAIN_COLUMNS, data)
    write_csv(SEEDS / "drift" / "drift_evidently_input.csv", ["sample_name", "x", "k", "c"], evid)

    ref, cur = rows_of(data, "ref"), rows_of(data, "cur")
    numeric_cols = ["f_stable", "f_shift", "f_int", "f_const", "f_bad", "f_null_cur", "f_null_all"]
    e = Expect()

    binned("psi_where", e, "psi_drift", "psi", ref, cur, numeric_cols + ["cat"])
    binned("js_where", e, "js_drift", "js_distance", ref, cur, numeric_cols + ["cat"])
    ks_case("ks_where", e, ref, cur, numeric_cols)
    binned("psi_window", e, "psi_drift", "psi", ref, cur, ["f_shift", "cat"])
    binned("psi_reference", e, "psi_drift", "psi", ref, cur, ["f_shift"])
    binned("psi_segments", e, "psi_drift", "psi", ref, cur, ["f_shift", "cat"], seg_col="seg")
    binned("js_segments", e, "js_drift", "js_distance", ref, cur, ["f_shift"], seg_col="seg", min_rows=50)
    ks_case("ks_segments", e, ref, cur, ["f_shift", "f_stable"], seg_col="seg")
    binned("psi_kinds", e, "psi_drift", "psi", ref, cur, ["cat_num", "f_int"],
           kinds={"cat_num": "categorical", "f_int": "categorical"})
    binned("psi_nulls", e, "psi_drift", "psi", ref, cur, ["cat"], include_nulls=True)
    binned("psi_equal_width", e, "psi_drift", "psi", ref, cur, ["f_shift", "f_stable"], binning="equal_width", bins=8)
    binned("psi_sturges", e, "psi_drift", "psi", ref, cur, ["f_shift"], binning="equal_width", bins="sturges")
    binned("psi_bins5", e, "psi_drift", "psi", ref, cur, ["f_shift"], bins=5, threshold=0.5)
    prediction_case("pred_label", e, ref, cur, seg_col="seg")
    prediction_case("pred_threshold", e, ref, cur, pred_col=None, score_threshold=0.6, rel_threshold=0.5)
    # documented arguments without a case before (issue #13, item 11)
    n_cur = len(cur)
    e.add("psi_max_categories", "psi_drift", "cat", (None, None), "psi", None, PSI_T, n_cur, status="no_data")
    # integer reference categories vs the same values as doubles: one category each, by value
    binned("psi_numeric_categories", e, "psi_drift", "psi", ref, cur, ["cat_num"], kinds={"cat_num": "categorical"})
    binned("psi_epsilon", e, "psi_drift", "psi", ref, cur, ["cat", "f_shift"], eps=0.01)
    binned("js_nulls", e, "js_drift", "js_distance", ref, cur, ["cat"], include_nulls=True)
    for r in data:
        r["pred_text"] = None if r["pred"] is None else ("yes" if r["pred"] == 1 else "no")
        r["pred_bool"] = None if r["pred"] is None else r["pred"] == 1
    prediction_case("pred_text", e, ref, cur, pred_col="pred_text", positive="yes")
    prediction_case("pred_bool", e, ref, cur, pred_col="pred_bool", positive=True)
    # frozen baseline of the same reference rows: the same numbers as scanning the reference
    binned("baseline_segments", e, "psi_drift", "psi", ref, cur, ["f_shift", "cat"], seg_col="seg")
    binned("baseline_segments", e, "js_drift", "js_distance", ref, cur, ["f_shift", "cat"], seg_col="seg")
    # prediction_drift against a frozen baseline (score bins + positive rate): the same numbers
    prediction_case("pred_label_baseline", e, ref, cur, seg_col="seg")
    prediction_case("pred_threshold_baseline", e, ref, cur, pred_col=None, score_threshold=0.6, rel_threshold=0.5)
    # a baseline frozen before drift_v1 was (re)frozen is kept (freezing replaces one name's rows)
    binned("baseline_kept", e, "psi_drift", "psi", ref, cur, ["f_shift"])

    # empty current window / empty reference: no_data everywhere (a typed row, never a crash)
    for case, r, c in (("empty_current", ref, []), ("empty_reference", [], cur)):
        binned(case, e, "psi_drift", "psi", r, c, ["f_shift", "cat"])
        binned(case, e, "js_drift", "js_distance", r, c, ["f_shift", "cat"])
        ks_case(case, e, r, c, ["f_shift"])

    # more statistics (issue #17): on the psi bins, and from the two empirical CDFs
    stats_numeric = ["f_stable", "f_shift", "f_int", "f_const", "f_bad", "f_null_cur"]
    cats = {"cat_num": "categorical", "f_int": "categorical"}
    binned("hellinger_where", e, "binned_drift", "hellinger", ref, cur, stats_numeric + ["cat"])
    binned("tv_segments", e, "binned_drift", "total_variation", ref, cur, ["f_shift", "cat"], seg_col="seg")
    binned("hellinger_equal_width", e, "binned_drift", "hellinger", ref, cur, ["f_shift"], binning="equal_width", bins=8)
    binned("linf_categories", e, "binned_drift", "linf", ref, cur, ["cat", "cat_num", "f_int"], kinds=cats)
    binned("linf_nulls", e, "binned_drift", "linf", ref, cur, ["cat"], include_nulls=True, seg_col="seg")
    binned("chi2_categories", e, "binned_drift", "chi2_pvalue", ref, cur, ["cat", "cat_num", "f_int"], kinds=cats)
    binned("chi2_segments", e, "binned_drift", "chi2_pvalue", ref, cur, ["cat", "cat_num"], kinds=cats, seg_col="seg")
    binned("chi2_nulls", e, "binned_drift", "chi2_pvalue", ref, cur, ["cat"], include_nulls=True, threshold=0.01)
    ks_case("ks_pvalue_where", e, ref, cur, stats_numeric, metric="ks_pvalue")
    ks_case("ks_pvalue_segments", e, ref, cur, ["f_shift", "f_stable"], seg_col="seg", metric="ks_pvalue")
    ks_case("wasserstein_norm_where", e, ref, cur, stats_numeric, metric="wasserstein_norm")
    ks_case("wasserstein_segments", e, ref, cur, ["f_shift", "f_int"], seg_col="seg", metric="wasserstein", threshold=0.5)
    prediction_case("pred_hellinger", e, ref, cur, seg_col="seg", statistic="hellinger")
    for case, r, c in (("stats_empty_current", ref, []), ("stats_empty_reference", [], cur)):
        binned(case, e, "binned_drift", "chi2_pvalue", r, c, ["cat"])
        ks_case(case, e, r, c, ["f_shift"], metric="wasserstein_norm")
        ks_case(case, e, r, c, ["f_shift"], metric="ks_pvalue")

    # Evidently 0.7 mode
    ev_ref, ev_cur = rows_of(evid, "ref"), rows_of(evid, "cur")
    for col, numeric in (("x", True), ("k", True), ("c", False)):
        rv = np.array([r[col] for r in ev_ref]) if not numeric else np.array([r[col] for r in ev_ref], dtype=float)
        cv = np.array([r[col] for r in ev_cur]) if not numeric else np.array([r[col] for r in ev_cur], dtype=float)
        value = evidently_psi(rv, cv, numeric)
        if col == "x":
            assert abs(value - EVIDENTLY_X_PSI) < 1e-15, value
            n_bins = len(np.histogram_bin_edges(np.concatenate([rv, cv]), bins="sturges")) - 1
            assert n_bins == 16, n_bins
        e.add("psi_evidently", "psi_drift", col, (None, None), "psi", value, 0.1, len(ev_cur),
              fails=value >= 0.1)

    # the exact-quantile shim itself (numpy's linear rule)
    ref_stable = finite(r["f_stable"] for r in ref)
    for p in (0.1, 0.25, 0.5, 0.9):
        e.add("quantiles", "quantile", "f_stable", (None, None), f"quantile_{p}", float(np.quantile(ref_stable, p)),
              None, len(ref_stable), status="pass")
        # the distributed exact method (approximate brackets, exact selection): the same numbers
        e.add("quantiles_bracketed", "quantile", "f_stable", (None, None), f"quantile_{p}",
              float(np.quantile(ref_stable, p)), None, len(ref_stable), status="pass")

    # the p-value functions themselves over a grid (tests/drift_pvalue_functions.sql): chi-square
    # survival for both parities of dof, small and huge x
    grid = []
    for dof in list(range(1, 13)) + [25, 40]:
        for x in (1e-6, 0.01, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 79.0, 81.0, 100.0, 200.0, 1500.0):
            grid.append({"kind": "chi2", "x": x, "dof": dof, "expected": float(chi2.sf(x, dof))})
    write_csv(SEEDS / "drift" / "drift_pvalue_grid.csv", ["kind", "x", "dof", "expected"], grid)
    # scipy.stats.kstwo.sf over every branch (tests/drift_ks_pvalue_grid.sql)
    write_csv(SEEDS / "drift" / "drift_kstwo_grid.csv", ["n", "x", "expected"], kstwo_grid())

    write_expected("drift", e.rows)
    print(f"drift: {len(data)} + {len(evid)} input rows, {len(e.rows)} expected observations")


if __name__ == "__main__":
    main()
