"""Integration data for `windows: N` (per-window series in one scan), with expected observations
computed independently in pandas: rows grouped by their window, never from our SQL.

Daily windows ending at AS_OF = 2026-01-31: the data starts on 2026-01-26 at 12:00 (so the
windows of 01-24 and 01-25 are empty and 01-26 is only partly covered), 2026-01-28 has no rows,
2026-01-29 has many nulls (an earlier window that breaches while the newest one passes), a few
rows have a NULL timestamp and a few lie after AS_OF.

Run: python integration_tests/scripts/gen_windows.py   (deterministic; rewrites seeds/windows and
seeds/expected/expected_windows.csv)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from scipy.stats import ks_2samp, wasserstein_distance

from gen_drift import categorical_counts, js_counts, numeric_counts, psi_counts, quantile_edges
from oracle import SEEDS, status_of, write_csv

AS_OF = dt.datetime(2026, 1, 31)
DAY = dt.timedelta(days=1)
COLUMNS = ["case_name", "monitor", "column_name", "segment_column", "segment_value", "metric", "value",
           "threshold", "baseline_value", "sample_size", "status", "window_start", "window_end"]


def make_events(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    # (day, first second of the day with data, rows, null probability of x)
    plan = [(dt.datetime(2026, 1, 26), 12 * 3600, 20, 0.05), (dt.datetime(2026, 1, 27), 0, 35, 0.05),
            (dt.datetime(2026, 1, 29), 0, 30, 0.5), (dt.datetime(2026, 1, 30), 0, 40, 0.05),
            (dt.datetime(2026, 1, 31), 3600, 4, 0.0)]       # after AS_OF: never in a window
    for day, first, n, p_null in plan:
        for s in rng.integers(first, 86400, n):
            rows.append((day + dt.timedelta(seconds=int(s)), p_null))
    rows += [(None, 0.0)] * 3                                  # NULL timestamps: counted, excluded
    n = len(rows)
    x = np.round(rng.normal(10, 3, n), 6)
    x[[rng.random() < p for _, p in rows]] = np.nan
    return pd.DataFrame({
        "id": np.arange(1, n + 1),
        "event_ts": [t.strftime("%Y-%m-%d %H:%M:%S") if t is not None else "" for t, _ in rows],
        "segment": rng.choice(["north", "south", ""], n, p=[0.5, 0.4, 0.1]).astype(object),
        "x": x,
        "cat": rng.choice(["a", "b", "c", "d", "e"], n, p=[0.35, 0.3, 0.25, 0.07, 0.03]).astype(object),
        "amount": np.round(rng.uniform(-5, 104, n), 6),
    })


def as_dbt_sees_it(raw: pd.DataFrame) -> pd.DataFrame:
    df = raw.copy()
    df["segment"] = df["segment"].replace("", None)
    df["event_ts"] = pd.to_datetime(df["event_ts"].replace("", None))
    return df


def windows(n: int, days: int = 1):
    """The n windows of `days` days ending at AS_OF, oldest first."""
    return [(AS_OF - k * days * DAY, AS_OF - (k - 1) * days * DAY) for k in range(n, 0, -1)]


def groups(df: pd.DataFrame, segment_by: list[str]):
    yield None, None, df
    for s in segment_by:
        for value, rows in df.groupby(df[s].astype(object).where(df[s].notna(), "__NULL__"), sort=True):
            yield s, (None if value == "__NULL__" else str(value)), rows


def per_window(df: pd.DataFrame, wins, segment_by: list[str]):
    """(start, end, segment_column, segment_value, rows): an overall group for every window
    (empty ones included) and one per segment value present in the window."""
    for start, end in wins:
        w = df[(df.event_ts >= start) & (df.event_ts < end)]
        for sc, sv, g in groups(w, segment_by):
            if sc is not None and len(g) == 0:
                continue
            yield start, end, sc, sv, g


def obs(case, monitor, column, start, end, sc, sv, metric, value, threshold, n, status, baseline=None):
    return dict(case_name=case, monitor=monitor, column_name=column, segment_column=sc, segment_value=sv,
                metric=metric, value=value, threshold=threshold, baseline_value=baseline, sample_size=int(n),
                status=status,
                window_start=start.strftime("%Y-%m-%d %H:%M:%S"), window_end=end.strftime("%Y-%m-%d %H:%M:%S"))


def expected(df: pd.DataFrame, reference: pd.DataFrame) -> list[dict]:
    rows = []
    # 1. null rate of x by segment, 7 daily windows, max 0.2, min_rows 3
    for s, e, sc, sv, g in per_window(df, windows(7), ["segment"]):
        v = g["x"].isna().sum() / len(g) if len(g) else None
        rows.append(obs("null_rate_windows", "null_rate", "x", s, e, sc, sv, "null_rate", v, 0.2, len(g),
                        status_of(v, len(g), 3, v is not None and v > 0.2)))
    # 2. value range of amount in [0, 100], 7 windows
    for s, e, sc, sv, g in per_window(df, windows(7), []):
        vals = g["amount"].dropna().to_numpy(dtype=float)
        v = float(((vals < 0) | (vals > 100)).mean()) if len(vals) else None
        rows.append(obs("value_range_windows", "value_range", "amount", s, e, sc, sv, "violation_rate", v, 0.1,
                        len(vals), status_of(v, len(vals), 1, v is not None and v > 0.1)))
    # 3. accepted values of cat in (a, b, c), 7 windows, by segment
    for s, e, sc, sv, g in per_window(df, windows(7), ["segment"]):
        c = g["cat"].dropna()
        v = float((~c.isin(["a", "b", "c"])).mean()) if len(c) else None
        rows.append(obs("accepted_values_windows", "accepted_values", "cat", s, e, sc, sv, "violation_rate", v,
                        0.1, len(c), status_of(v, len(c), 1, v is not None and v > 0.1)))
    # 4. cardinality of cat: distinct in [2, 4] and categories unseen in the reference, 7 windows
    ref_values = set(reference["cat"].dropna())
    for s, e, sc, sv, g in per_window(df, windows(7), []):
        d = g["cat"].dropna()
        nd = float(d.nunique()) if len(d) else None      # all null (or no rows): no_data
        rows.append(obs("cardinality_windows", "cardinality", "cat", s, e, sc, sv, "distinct_count", nd, 4.0,
                        len(g), status_of(nd, len(g), 1, nd is not None and (nd < 2 or nd > 4))))
        nn = float(len(set(d) - ref_values)) if len(g) else None
        rows.append(obs("cardinality_windows", "cardinality", "cat", s, e, sc, sv, "new_categories", nn, 0.0,
                        len(g), status_of(nn, len(g), 1, nn is not None and nn > 0)))
    # 5. volume by segment, 5 windows, each against the mean of the 2 windows before it; every
    #    segment seen in any of the 7 scanned days has a row in every window (0 rows where absent)
    scan = df[(df.event_ts >= AS_OF - 7 * DAY) & (df.event_ts < AS_OF)]
    for s, e in windows(5):
        for sc, sv, g in groups(scan, ["segment"]):
            cur = int(((g.event_ts >= s) & (g.event_ts < e)).sum())
            ref = int(((g.event_ts >= s - 2 * DAY) & (g.event_ts < s)).sum())
            rows.append(obs("volume_windows", "volume", None, s, e, sc, sv, "row_count", float(cur), 10.0, cur,
                            "fail" if cur < 10 else "pass"))
            ratio = cur / (ref / 2.0) if ref else None
            st = "no_data" if ratio is None else ("fail" if ratio < 0.5 or ratio > 2 else "pass")
            rows.append(obs("volume_windows", "volume", None, s, e, sc, sv, "row_count_ratio", ratio, 0.5, cur, st,
                            baseline=ref / 2.0))
    # 6. two-day windows, 3 of them: null rate of x overall
    for s, e, sc, sv, g in per_window(df, windows(3, days=2), []):
        v = g["x"].isna().sum() / len(g) if len(g) else None
        rows.append(obs("null_rate_two_day_windows", "null_rate", "x", s, e, sc, sv, "null_rate", v, 0.3, len(g),
                        status_of(v, len(g), 1, v is not None and v > 0.3)))
    # 7. drift on these events, for the notes drift shares with data quality (NULL timestamps
    #    counted and excluded, a partly covered first window): JS distance of cat against the
    #    reference's categories (a, b, c; the unseen bin holds d and e), 7 windows
    cats = sorted(reference["cat"].dropna().unique())
    ref_counts = categorical_counts(list(reference["cat"].dropna()), cats)      # nulls excluded
    for s, e, sc, sv, g in per_window(df, windows(7), []):
        cc = categorical_counts(list(g["cat"].dropna()), cats)
        v = js_counts(ref_counts, cc) if cc.sum() > 0 else None
        rows.append(obs("js_windows_notes", "js_drift", "cat", s, e, sc, sv, "js_distance", v, 0.3, len(g),
                        status_of(v, len(g), 1, v is not None and v > 0.3)))
    #    and KS of x against the previous window, 6 windows (the scan reads 7)
    wins = windows(7)
    for i in range(1, 7):
        (s, e), (ps, pe) = wins[i], wins[i - 1]
        cur = df[(df.event_ts >= s) & (df.event_ts < e)]
        prev = df[(df.event_ts >= ps) & (df.event_ts < pe)]
        cv, pv = cur["x"].dropna().to_numpy(), prev["x"].dropna().to_numpy()
        v = float(ks_2samp(pv, cv).statistic) if len(cv) and len(pv) else None
        rows.append(obs("ks_windows_notes", "ks_drift", "x", s, e, None, None, "ks", v, 0.5, len(cur),
                        status_of(v, len(cur), 1, v is not None and v > 0.5)))
    return rows


def make_drift(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores by day (2026-01-24 .. 2026-01-30, none on 01-27), drifting upwards on the last two
    days; values rounded to 2 decimals so that samples share values (ties). A reference of 300."""
    rows = []
    for day, mu in [(24, 0.0), (25, 0.05), (26, 0.0), (28, 0.1), (29, 0.8), (30, 1.2)]:
        for _ in range(60):
            rows.append((dt.datetime(2026, 1, day) + dt.timedelta(seconds=int(rng.integers(0, 86400))),
                         float(np.round(rng.normal(mu, 1), 2))))
    n = len(rows)
    f = np.array([v for _, v in rows])
    f[rng.random(n) < 0.05] = np.nan
    events = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "scored_at": [t.strftime("%Y-%m-%d %H:%M:%S") for t, _ in rows],
        "segment": rng.choice(["north", "south"], n, p=[0.6, 0.4]).astype(object),
        "f": f,
        "device": rng.choice(["ios", "android", "web", "tv"], n, p=[0.4, 0.4, 0.17, 0.03]).astype(object),
    })
    # one segment value only in the newest window: no reference in the previous window
    events.loc[events.index[-3:], "segment"] = "west"
    reference = pd.DataFrame({"segment": rng.choice(["north", "south"], 300, p=[0.5, 0.5]).astype(object),
                              "f": np.round(rng.normal(0, 1, 300), 2),
                              "device": rng.choice(["ios", "android", "web"], 300, p=[0.45, 0.45, 0.1]).astype(object)})
    return events, reference


def drift_expected(events: pd.DataFrame, reference: pd.DataFrame) -> list[dict]:
    rows = []
    ev = events.copy()
    ev["scored_at"] = pd.to_datetime(ev["scored_at"])
    wins = windows(6)
    prev = {wins[i]: wins[i - 1] for i in range(1, len(wins))}

    def in_window(w):
        return ev[(ev.scored_at >= w[0]) & (ev.scored_at < w[1])]

    def seg_subsets(cur, ref):
        yield None, None, cur, ref
        for v in sorted(cur["segment"].dropna().unique()):
            yield "segment", v, cur[cur.segment == v], ref[ref.segment == v]

    def cdf_stat(metric, rv, cv):
        if metric == "ks_pvalue":
            return float(ks_2samp(rv, cv, method="asymp").pvalue)
        if metric == "wasserstein_norm":  # Evidently's: divided by max(np.std(reference), 0.001)
            return float(wasserstein_distance(rv, cv)) / max(float(np.std(rv)), 0.001)
        return float(ks_2samp(rv, cv).statistic)

    def ks(case, cur, ref, w, threshold=0.2, metric="ks"):
        monitor = "wasserstein_drift" if metric.startswith("wasserstein") else "ks_drift"
        for sc, sv, c, r in seg_subsets(cur, ref):
            cv, rv = c["f"].dropna().to_numpy(), r["f"].dropna().to_numpy()
            v = cdf_stat(metric, rv, cv) if len(cv) and len(rv) else None
            fails = v is not None and ((v < threshold) if metric == "ks_pvalue" else (v > threshold))
            rows.append(obs(case, monitor, "f", w[0], w[1], sc, sv, metric, v, threshold, len(c),
                            status_of(v, len(c), 1, fails)))

    # 7. KS of every window against the fixed reference (5 windows, by segment)
    for w in wins[1:]:
        ks("ks_windows_fixed", in_window(w), reference, w)
    # 8. KS of every window against the window before it (5 windows; the scan reads 6)
    for w in wins[1:]:
        ks("ks_windows_previous", in_window(w), in_window(prev[w]), w)
    # 8b. the KS p-value (scipy's ks_2samp(method='asymp')) against the window before it, and
    #     Evidently's normed Wasserstein distance against the fixed reference (issue #17)
    for w in wins[1:]:
        ks("ks_pvalue_windows_previous", in_window(w), in_window(prev[w]), w, threshold=0.05, metric="ks_pvalue")
        ks("wasserstein_windows_fixed", in_window(w), reference, w, threshold=0.1, metric="wasserstein_norm")

    # 9. PSI and JS of every window against the fixed reference: quantile edges (10 bins) of the
    #    whole reference, the same for every window and segment; device: one bin per reference
    #    category plus one for unseen categories
    edges = quantile_edges(reference["f"].dropna().to_numpy(), 10)
    cats = sorted(reference["device"].dropna().unique())

    def binned(case, monitor, metric, threshold):
        for w in wins[1:]:
            for sc, sv, c, r in seg_subsets(in_window(w), reference):
                for col in ["f", "device"]:
                    if col == "f":
                        cc = numeric_counts(c["f"].dropna().to_numpy(), edges)
                        rc = numeric_counts(r["f"].dropna().to_numpy(), edges)
                    else:
                        cc = categorical_counts([v for v in c["device"] if v is not None], cats)
                        rc = categorical_counts([v for v in r["device"] if v is not None], cats)
                    v = None
                    if len(r) and rc.sum() > 0 and cc.sum() > 0:
                        v = psi_counts(rc, cc) if metric == "psi" else js_counts(rc, cc)
                    rows.append(obs(case, monitor, col, w[0], w[1], sc, sv, metric, v, threshold, len(c),
                                    status_of(v, len(c), 1, v is not None and v > threshold)))

    binned("psi_windows_fixed", "psi_drift", "psi", 0.2)
    binned("js_windows_fixed", "js_drift", "js_distance", 0.1)

    # 11. PSI and JS of every window against the window before it: the bins of each comparison
    #     are the PREVIOUS window's own quantile edges (10 bins) and categories (per window, the
    #     same for its segments); an empty previous window (01-27) or a segment absent from it
    #     (west) has no reference -> no_data
    def previous_bins(r):
        return (quantile_edges(r["f"].dropna().to_numpy(), 10) if r["f"].notna().any() else np.array([]),
                sorted(r["device"].dropna().unique()))

    def binned_previous(case, monitor, metric, threshold):
        for w in wins[1:]:
            p = in_window(prev[w])
            p_edges, p_cats = previous_bins(p)
            for sc, sv, c, r in seg_subsets(in_window(w), p):
                for col in ["f", "device"]:
                    if col == "f":
                        cc = numeric_counts(c["f"].dropna().to_numpy(), p_edges)
                        rc = numeric_counts(r["f"].dropna().to_numpy(), p_edges)
                    else:
                        cc = categorical_counts([v for v in c["device"] if v is not None], p_cats)
                        rc = categorical_counts([v for v in r["device"] if v is not None], p_cats)
                    v = None
                    if len(r) and rc.sum() > 0 and cc.sum() > 0:
                        v = psi_counts(rc, cc) if metric == "psi" else js_counts(rc, cc)
                    rows.append(obs(case, monitor, col, w[0], w[1], sc, sv, metric, v, threshold, len(c),
                                    status_of(v, len(c), 1, v is not None and v > threshold)))

    binned_previous("psi_windows_previous", "psi_drift", "psi", 0.2)
    binned_previous("js_windows_previous", "js_drift", "js_distance", 0.1)

    # 10. prediction drift of the score f per window against the fixed reference: PSI on the same
    #     quantile edges, and the positive rate (f >= 0.5 among non-null f) against the reference's
    def rate(df):
        v = df["f"].dropna()
        return float((v >= 0.5).mean()) if len(v) else None

    def prediction(case, w, reference, edges):
        for sc, sv, c, r in seg_subsets(in_window(w), reference):
            cc = numeric_counts(c["f"].dropna().to_numpy(), edges)
            rc = numeric_counts(r["f"].dropna().to_numpy(), edges)
            v = psi_counts(rc, cc) if len(r) and rc.sum() > 0 and cc.sum() > 0 else None
            rows.append(obs(case, "prediction_drift", "f", w[0], w[1], sc, sv, "psi", v, 0.2,
                            len(c), status_of(v, len(c), 1, v is not None and v > 0.2)))
            cr, rr = rate(c), rate(r)
            shift = None if (cr is None or rr is None or len(c) == 0) else cr - rr
            rows.append(obs(case, "prediction_drift", "f", w[0], w[1], sc, sv,
                            "positive_rate_shift", shift, 0.1, len(c),
                            status_of(shift, len(c), 1, shift is not None and abs(shift) > 0.1), baseline=rr))
            rel = None if shift is None or rr == 0 else shift / rr
            rows.append(obs(case, "prediction_drift", "f", w[0], w[1], sc, sv,
                            "positive_rate_relative_shift", rel, None, len(c), status_of(rel, len(c), 1, False),
                            baseline=rr))

    for w in wins[1:]:
        prediction("prediction_drift_windows", w, reference, edges)
    # 12. the same against the previous window, binned by its own quantile edges
    for w in wins[1:]:
        prediction("prediction_drift_windows_previous", w, in_window(prev[w]),
                   previous_bins(in_window(prev[w]))[0])
    return rows


def main() -> None:
    rng = np.random.default_rng(20260131)
    raw = make_events(rng)
    reference = pd.DataFrame({"cat": ["a", "b", "c", "a", None]})
    write_csv(SEEDS / "windows" / "window_events.csv", list(raw.columns), raw.to_dict("records"))
    write_csv(SEEDS / "windows" / "window_reference.csv", ["cat"], reference.to_dict("records"))
    events, drift_reference = make_drift(rng)
    write_csv(SEEDS / "windows" / "window_drift_events.csv", list(events.columns), events.to_dict("records"))
    write_csv(SEEDS / "windows" / "window_drift_reference.csv", list(drift_reference.columns),
              drift_reference.to_dict("records"))
    write_csv(SEEDS / "expected" / "expected_windows.csv", COLUMNS,
              expected(as_dbt_sees_it(raw), reference) + drift_expected(events, drift_reference))


if __name__ == "__main__":
    main()
