"""Integration data for the production-failure monitors (feature_skew, serving_slo), with
expected observations computed independently in pandas/numpy (never from our SQL).

Run: python integration_tests/scripts/gen_skew.py   (deterministic; rewrites seeds/skew and
seeds/expected/expected_skew.csv)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from oracle import SEEDS, status_of, write_csv, write_expected

AS_OF = dt.datetime(2026, 1, 31)
N_IDS = 160
FEATURES = {"income": "numeric", "age": "numeric", "plan": "categorical"}


# --- data -------------------------------------------------------------------------------------

def make_skew(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A serving log keyed by (id, event_day) and the offline feature table recomputing it."""
    rows = []
    for i in range(1, N_IDS + 1):
        for day in sorted(rng.choice(6, size=int(rng.integers(1, 3)), replace=False)):
            # day 0 is the day after as_of (outside every window), days 1..5 before it
            day_start = AS_OF - dt.timedelta(days=int(day))
            if day == 0:
                day_start = AS_OF
            ts = day_start + dt.timedelta(seconds=int(rng.integers(0, 86400)))
            rows.append({"id": i, "event_day": ts.strftime("%Y-%m-%d"), "event_ts": ts.strftime("%Y-%m-%d %H:%M:%S")})
    serving = pd.DataFrame(rows)
    n = len(serving)
    serving["channel"] = rng.choice(["web", "app", "partner", ""], n, p=[0.4, 0.3, 0.22, 0.08]).astype(object)
    income = np.round(np.exp(rng.normal(10.5, 0.5, n)), 2)
    age = rng.integers(18, 80, n).astype(float)
    plan = rng.choice(["basic", "pro", "team", ""], n, p=[0.45, 0.3, 0.2, 0.05]).astype(object)
    both_null = rng.random(n) < 0.05
    off_income = income.copy()
    noise = rng.random(n) < 0.2            # within rel_tolerance 0.001
    off_income[noise] = off_income[noise] * (1 + rng.uniform(-0.0005, 0.0005, noise.sum()))
    shifted = rng.random(n) < 0.05         # a real disagreement
    off_income[shifted] = off_income[shifted] + rng.uniform(5, 50, shifted.sum())
    # the partner channel logs income in thousands: the skew the monitor must catch
    srv_income = np.where(serving["channel"] == "partner", income / 1000.0, income)
    srv_income[both_null] = np.nan
    off_income[both_null] = np.nan
    srv_income[(rng.random(n) < 0.03) & ~both_null] = np.nan      # null on one side only
    off_age = age.copy()
    off_age[rng.random(n) < 0.04] += 1
    off_age[rng.random(n) < 0.02] = np.nan
    off_plan = plan.copy()
    flip = rng.random(n) < 0.05
    off_plan[flip] = rng.choice(["basic", "pro", "team"], flip.sum())
    off_plan[rng.random(n) < 0.02] = ""
    serving["income"] = srv_income
    serving["age"] = age
    serving["plan"] = plan
    offline = pd.DataFrame({"id": serving["id"], "event_day": serving["event_day"],
                            "income": off_income, "age": off_age, "plan": off_plan})
    # keys on one side only, duplicates on both sides
    drop = rng.choice(n, 9, replace=False)
    offline = offline.drop(index=drop)
    extra = pd.DataFrame({"id": np.arange(N_IDS + 1, N_IDS + 13), "event_day": "2026-01-29",
                          "income": 1000.0, "age": 40.0, "plan": "pro"})
    offline = pd.concat([offline, extra, offline.iloc[[3, 17, 40]]], ignore_index=True)
    dup = serving.iloc[[5, 22, 61, 90]].copy()
    dup["income"] = dup["income"] + 1.0
    serving = pd.concat([serving, dup], ignore_index=True)
    serving = serving.sample(frac=1, random_state=7).reset_index(drop=True)
    serving.insert(0, "row_id", np.arange(1, len(serving) + 1))
    return serving, offline


def window_bounds(length: dt.timedelta | None, ts_range: tuple | None = None) -> dict:
    """window_start / window_end of the observation rows (NULL without a window); ts_range
    (start, end) for one window of a series (windows: N)."""
    if ts_range is not None:
        return {"window_start": ts_range[0].strftime("%Y-%m-%d %H:%M:%S"),
                "window_end": ts_range[1].strftime("%Y-%m-%d %H:%M:%S")}
    if length is None:
        return {"window_start": None, "window_end": None}
    return {"window_start": (AS_OF - length).strftime("%Y-%m-%d %H:%M:%S"),
            "window_end": AS_OF.strftime("%Y-%m-%d %H:%M:%S")}


def series(length: dt.timedelta, n: int) -> list[tuple]:
    """The n windows of a windows: N series ending at as_of, oldest first."""
    return [(AS_OF - k * length, AS_OF - (k - 1) * length) for k in range(n, 0, -1)]


# --- oracle: feature_skew in pandas -------------------------------------------------------------

def _nulls(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].replace("", None)
    return df


def skew_oracle(case, serving, offline, keys, features, kinds, abs_tol, rel_tol, max_mismatch,
                max_mad=None, max_missing_offline=None, max_missing_serving=None, max_dup=None,
                segment_by=None, where=None, window_days=None, offline_where=None, min_rows=1, ts_range=None):
    """ts_range (start, end): one window of a windows: N series; the join keeps serving keys
    only there and missing_serving_rate is not reported (offline rows carry no window)."""
    s = _nulls(serving)
    o = _nulls(offline)
    if where is not None:
        s = s[where(s)]
    if window_days is not None:
        ts = pd.to_datetime(s["event_ts"])
        s = s[(ts >= AS_OF - dt.timedelta(days=window_days)) & (ts < AS_OF)]
    if ts_range is not None:
        ts = pd.to_datetime(s["event_ts"])
        s = s[(ts >= ts_range[0]) & (ts < ts_range[1])]
    if offline_where is not None:
        o = o[offline_where(o)]
    s = s.dropna(subset=keys)
    o = o.dropna(subset=keys)
    seg_cols = [segment_by] if segment_by else []
    agg_s = {f: "max" for f in features}
    agg_s.update({c: "max" for c in seg_cols})
    sk = s.groupby(keys).agg(**{**{f"s_{c}": (c, "max") for c in features + seg_cols},
                                "n_s": (keys[0], "size")}).reset_index()
    ok = o.groupby(keys).agg(**{**{f"o_{c}": (c, "max") for c in features},
                                "n_o": (keys[0], "size")}).reset_index()
    j = sk.merge(ok, on=keys, how="left" if ts_range is not None else "outer")
    j["compared"] = (j["n_s"] == 1) & (j["n_o"] == 1)
    for f in features:
        sv, ov = j[f"s_{f}"], j[f"o_{f}"]
        both_null = sv.isna() & ov.isna()
        one_null = sv.isna() ^ ov.isna()
        if kinds[f] == "numeric":
            sv, ov = sv.astype(float), ov.astype(float)
            diff = (sv - ov).abs()
            tol = np.maximum(abs_tol.get(f, 0), rel_tol.get(f, 0) * ov.abs())
            equal = diff <= tol
            j[f"diff_{f}"] = np.where(j["compared"], diff, np.nan)
        else:
            equal = sv.astype(str) == ov.astype(str)
        mis = np.where(both_null, 0, np.where(one_null, 1, np.where(equal, 0, 1)))
        j[f"mis_{f}"] = np.where(j["compared"], mis, np.nan)

    groups = [(None, None, j)]
    for c in seg_cols:
        present = j[j["n_s"].notna()]
        for v, g in present.groupby(f"s_{c}", dropna=False):
            groups.append((c, None if pd.isna(v) else str(v), g))
    out = []

    def row(column, segc, segv, metric, value, n, thr, fails):
        value = None if value is None or (isinstance(value, float) and np.isnan(value)) else float(value)
        out.append({"case_name": case, "monitor": "feature_skew", "column_name": column,
                    "segment_column": segc, "segment_value": segv, "metric": metric, "value": value,
                    "threshold": thr, "sample_size": int(n),
                    "status": status_of(value, int(n), min_rows, bool(fails) if value is not None else False),
                    **window_bounds(dt.timedelta(days=window_days) if window_days else None, ts_range)})

    key_label = ", ".join(k for k in keys if k != "event_day") + (" @ event_day" if "event_day" in keys else "")
    for segc, segv, g in groups:
        comp = g[g["compared"]]
        for f in features:
            n = len(comp)
            rate = comp[f"mis_{f}"].sum() / n if n else None
            thr = max_mismatch.get(f) if isinstance(max_mismatch, dict) else max_mismatch
            row(f, segc, segv, "mismatch_rate", rate, n, thr, thr is not None and rate is not None and rate > thr)
            if kinds[f] == "numeric":
                d = comp[f"diff_{f}"].dropna()
                mad = d.mean() if len(d) else None
                row(f, segc, segv, "mean_abs_diff", mad, len(d), max_mad,
                    max_mad is not None and mad is not None and mad > max_mad)
        srv = g[g["n_s"].notna()]
        n_srv = len(srv)
        miss = (srv["n_o"].isna()).sum() / n_srv if n_srv else None
        row(key_label, segc, segv, "missing_offline_rate", miss, n_srv, max_missing_offline,
            max_missing_offline is not None and miss is not None and miss > max_missing_offline)
        dup = ((srv["n_s"] > 1) | (srv["n_o"] > 1)).sum() / n_srv if n_srv else None
        row(key_label, segc, segv, "duplicate_key_rate", dup, n_srv, max_dup,
            max_dup is not None and dup is not None and dup > max_dup)
        if segc is None and ts_range is None:
            off = g[g["n_o"].notna()]
            ms = off["n_s"].isna().sum() / len(off) if len(off) else None
            row(key_label, None, None, "missing_serving_rate", ms, len(off), max_missing_serving,
                max_missing_serving is not None and ms is not None and ms > max_missing_serving)
    return out


# --- serving_slo -------------------------------------------------------------------------------

def make_requests(rng: np.random.Generator) -> pd.DataFrame:
    """A request log over three days (and a few rows after as_of); model v2 got slower."""
    n = 900
    seconds = rng.integers(1, 3 * 86400, n)
    ts = [AS_OF - dt.timedelta(seconds=int(s)) for s in seconds]
    ts[:4] = [AS_OF + dt.timedelta(minutes=10)] * 4
    version = rng.choice(["v1", "v2"], n, p=[0.6, 0.4]).astype(object)
    endpoint = rng.choice(["score", "batch"], n, p=[0.8, 0.2]).astype(object)
    latency = np.round(rng.gamma(4.0, 30.0, n), 3)
    latency = np.where(version == "v2", np.round(latency * 2.5, 3), latency)
    latency[rng.random(n) < 0.03] = np.nan
    status = rng.choice([200, 500, 503, 429], n, p=[0.95, 0.02, 0.01, 0.02]).astype(float)
    status[rng.random(n) < 0.02] = np.nan
    return pd.DataFrame({"request_id": np.arange(1, n + 1),
                         "requested_at": [t.strftime("%Y-%m-%d %H:%M:%S") for t in ts],
                         "model_version": version, "endpoint": endpoint,
                         "latency_ms": latency,
                         "http_status": pd.Series([None if np.isnan(v) else int(v) for v in status], dtype=object)})


def slo_oracle(case, req, latency=None, status=None, errors=(), bounds=(None, None, None),
               max_error_rate=None, min_tp=None, min_tps=None, segment_by=None, window=None,
               where=None, min_rows=1, ts_range=None):
    d = req.copy()
    if where is not None:
        d = d[where(d)]
    if ts_range is not None:
        ts = pd.to_datetime(d["requested_at"])
        d = d[(ts >= ts_range[0]) & (ts < ts_range[1])]
    elif window is not None:
        ts = pd.to_datetime(d["requested_at"])
        d = d[(ts >= AS_OF - window) & (ts < AS_OF)]
    groups = [(None, None, d)]
    for c in segment_by or []:
        for v, g in d.groupby(c, dropna=False):
            groups.append((c, None if pd.isna(v) else str(v), g))
    out = []

    def row(column, segc, segv, metric, value, n, thr, fails, empty_is_data=False):
        value = None if value is None or (isinstance(value, float) and np.isnan(value)) else float(value)
        if empty_is_data:
            st = "no_data" if value is None else ("fail" if fails else "pass")
        else:
            st = status_of(value, int(n), min_rows, bool(fails) if value is not None else False)
        out.append({"case_name": case, "monitor": "serving_slo", "column_name": column, "segment_column": segc,
                    "segment_value": segv, "metric": metric, "value": value, "threshold": thr,
                    "sample_size": int(n), "status": st, **window_bounds(window, ts_range)})

    for segc, segv, g in groups:
        if latency:
            x = g[latency].dropna().to_numpy(dtype=float)
            for p, name, bound in zip([0.5, 0.95, 0.99], ["latency_p50", "latency_p95", "latency_p99"], bounds):
                q = float(np.quantile(x, p)) if len(x) else None
                row(latency, segc, segv, name, q, len(x), bound, bound is not None and q is not None and q > bound)
        if status:
            s = g[status]
            n_err = s.dropna().map(lambda v: str(int(v))).isin([str(e) for e in errors]).sum()  # status as text
            rate = n_err / len(g) if len(g) else None
            row(status, segc, segv, "error_rate", rate, len(g), max_error_rate,
                max_error_rate is not None and rate is not None and rate > max_error_rate)
        if window is not None:
            n = len(g)
            row("requested_at", segc, segv, "throughput", float(n), n, min_tp,
                min_tp is not None and n < min_tp, empty_is_data=True)
            tps = n / window.total_seconds()
            row("requested_at", segc, segv, "throughput_per_second", tps, n, min_tps,
                min_tps is not None and tps < min_tps, empty_is_data=True)
    return out


# --- point_in_time -----------------------------------------------------------------------------

def make_training(rng: np.random.Generator) -> pd.DataFrame:
    """A training set with the time each feature value became known and the label time;
    some feature values come from after the prediction, some labels from before it."""
    n = 300
    cutoff = [AS_OF - dt.timedelta(seconds=int(s)) for s in rng.integers(60, 20 * 86400, n)]

    def shifted(lo, hi, leak_share, leak_lo, leak_hi, null_share=0.0, after=False):
        out = []
        for c in cutoff:
            r = rng.random()
            if r < null_share:
                out.append(None)
                continue
            leak = rng.random() < leak_share
            sec = int(rng.integers(leak_lo, leak_hi) if leak else rng.integers(lo, hi))
            forward = leak != after     # feature times leak forward, labels leak backward
            out.append((c + dt.timedelta(seconds=sec)) if forward else (c - dt.timedelta(seconds=sec)))
        return out

    income_t = shifted(3600, 30 * 86400, 0.08, 60, 5 * 86400)
    income_t[0] = cutoff[0]                               # known exactly at the cutoff: no leak
    plan_t = shifted(3600, 90 * 86400, 0.02, 60, 86400, null_share=0.05)
    label_t = shifted(86400, 30 * 86400, 0.04, 60, 3 * 86400, after=True)
    region = rng.choice(["emea", "amer", "apac", ""], n, p=[0.4, 0.35, 0.2, 0.05]).astype(object)
    f = lambda t: None if t is None else t.strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    return pd.DataFrame({"id": np.arange(1, n + 1), "prediction_ts": [f(t) for t in cutoff],
                         "income_updated_at": [f(t) for t in income_t], "plan_updated_at": [f(t) for t in plan_t],
                         "label_ts": [f(t) for t in label_t], "region": region})


def pit_oracle(case, train, features=(), label=None, max_leak=None, max_target=None, segment_by=None,
               window=None, where=None, min_rows=1, history=None, history_features=(), max_as_of=None,
               ts_range=None):
    d = _nulls(train)
    for c in ["prediction_ts", "income_updated_at", "plan_updated_at", "label_ts"]:
        d[c] = pd.to_datetime(d[c])
    if where is not None:
        d = d[where(d)]
    if ts_range is not None:
        d = d[(d["prediction_ts"] >= ts_range[0]) & (d["prediction_ts"] < ts_range[1])]
    elif window is not None:
        d = d[(d["prediction_ts"] >= AS_OF - window) & (d["prediction_ts"] < AS_OF)]
    if history is not None:
        d = as_of_oracle(d, history, history_features)
    groups = [(None, None, d)]
    for c in segment_by or []:
        for v, g in d.groupby(c, dropna=False):
            groups.append((c, None if pd.isna(v) else str(v), g))
    checks = [(c, "leakage_rate", max_leak, lambda t, cut: t > cut) for c in features]
    if label:
        checks.append((label, "target_leakage_rate", max_target, lambda t, cut: t < cut))
    out = []
    for segc, segv, g in groups:
        for col, metric, bound, leaks in checks:
            timed = g[g[col].notna() & g["prediction_ts"].notna()]
            n = len(timed)
            rate = float(leaks(timed[col], timed["prediction_ts"]).sum() / n) if n else None
            out.append({"case_name": case, "monitor": "point_in_time", "column_name": col, "segment_column": segc,
                        "segment_value": segv, "metric": metric, "value": rate, "threshold": bound,
                        "sample_size": n, "status": status_of(rate, n, min_rows,
                                                              bound is not None and rate is not None and rate > bound),
                        **window_bounds(window, ts_range)})
        for f in history_features:
            one = g[g["n_versions"] == 1]
            n = len(one)
            rate = float(one[f"mis_{f}"].sum() / n) if n else None
            out.append({"case_name": case, "monitor": "point_in_time", "column_name": f, "segment_column": segc,
                        "segment_value": segv, "metric": "as_of_mismatch_rate", "value": rate, "threshold": max_as_of,
                        "sample_size": n, "status": status_of(rate, n, min_rows,
                                                              max_as_of is not None and rate is not None and rate > max_as_of),
                        **window_bounds(window, ts_range)})
    return out


def as_of_oracle(d: pd.DataFrame, history: pd.DataFrame, features) -> pd.DataFrame:
    """Per training row, explicitly: the history versions of its id valid at its cutoff
    (valid_from <= cutoff < valid_to, valid_to empty = still valid), how many there are, and
    per feature whether the row's value differs from that version's (NULL vs NULL equal)."""
    h = _nulls(history)
    h["valid_from"] = pd.to_datetime(h["valid_from"])
    h["valid_to"] = pd.to_datetime(h["valid_to"])
    d = d.copy()
    n_versions, mis = [], {f: [] for f in features}
    by_id = {k: g for k, g in h.groupby("id")}
    for _, r in d.iterrows():
        g = by_id.get(r["id"])
        cut = r["prediction_ts"]
        if g is None or pd.isna(cut):
            valid = h.iloc[0:0]
        else:
            valid = g[(g["valid_from"] <= cut) & (g["valid_to"].isna() | (cut < g["valid_to"]))]
        n_versions.append(len(valid))
        for f in features:
            if len(valid) != 1:
                mis[f].append(0)
                continue
            a, b = r[f], valid.iloc[0][f]
            a_null, b_null = pd.isna(a), pd.isna(b)
            mis[f].append(0 if (a_null and b_null) else 1 if (a_null or b_null) else int(a != b))
    d["n_versions"] = n_versions
    for f in features:
        d[f"mis_{f}"] = mis[f]
    return d


def make_history(rng: np.random.Generator, training: pd.DataFrame) -> pd.DataFrame:
    """A feature history (id, valid_from, valid_to, income, plan) of the training ids, and the
    training set's income / plan taken from it: mostly the version valid at the prediction,
    some from the latest version ("as of now": the leak), some ids without history, a few with
    overlapping versions, values exactly at a version's bounds, NULLs on either side."""
    hist, income, plan = [], [], []
    fmt_ts = lambda t: None if t is None else t.strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    for i, row in training.iterrows():
        cut = dt.datetime.strptime(row["prediction_ts"], "%Y-%m-%d %H:%M:%S")
        starts = [cut - dt.timedelta(seconds=int(rng.integers(5 * 86400, 60 * 86400)))]
        if rng.random() < 0.3:
            starts.append(cut - dt.timedelta(seconds=int(rng.integers(60, 4 * 86400))))
        if rng.random() < 0.5:
            starts.append(cut + dt.timedelta(seconds=int(rng.integers(60, 5 * 86400))))
        if i == 1:
            starts = [starts[0], cut]                   # a version starting exactly at the cutoff: valid
        if i == 2:
            starts = [starts[0] - dt.timedelta(days=1), starts[0], cut + dt.timedelta(days=1)]
        versions = []
        for k, st in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else None
            versions.append({"id": int(row["id"]), "valid_from": st, "valid_to": end,
                             "income": float(np.round(np.exp(rng.normal(10.5, 0.5)), 2)),
                             "plan": str(rng.choice(["basic", "pro", "team"]))})
        if i == 3:
            versions[-1]["valid_to"] = cut                   # ends exactly at the cutoff: not valid then
            versions.append({**versions[-1], "valid_from": cut + dt.timedelta(days=2), "valid_to": None})
        valid = [v for v in versions if v["valid_from"] <= cut and (v["valid_to"] is None or cut < v["valid_to"])]
        pick = versions[-1] if rng.random() < 0.1 else (valid[0] if valid else versions[-1])
        inc, pl = pick["income"], pick["plan"]
        u = rng.random()
        if u < 0.03:
            inc = None
            for v in versions:
                v["income"] = None                            # NULL on both sides: a match
        elif u < 0.05:
            inc = None                                        # NULL vs a value: a mismatch
        income.append(inc)
        plan.append(pl)
        if i >= len(training) - 5:
            continue                                          # no history at all
        if i in (10, 11, 12) and valid:
            versions.append({**valid[0], "plan": "team"})     # overlapping versions: several valid
        hist += versions
    training["income"] = income
    training["plan"] = plan
    return pd.DataFrame([{**v, "valid_from": fmt_ts(v["valid_from"]), "valid_to": fmt_ts(v["valid_to"])} for v in hist])


def main() -> None:
    rng = np.random.default_rng(18)
    serving, offline = make_skew(rng)
    write_csv(SEEDS / "skew" / "skew_serving.csv", list(serving.columns), serving.to_dict("records"))
    write_csv(SEEDS / "skew" / "skew_offline.csv", list(offline.columns), offline.to_dict("records"))

    feats = ["income", "age", "plan"]
    kinds = dict(FEATURES)
    keys = ["id", "event_day"]
    expected = []
    expected += skew_oracle("skew_segments", serving, offline, keys, feats, kinds, {}, {"income": 0.001},
                            0.05, max_missing_offline=0.1, max_missing_serving=0.2, max_dup=0.05,
                            segment_by="channel")
    expected += skew_oracle("skew_window_tolerance", serving, offline, keys, ["income", "plan"], kinds,
                            {"income": 20.0}, {}, {"income": 0.1, "plan": 0.02}, max_mad=100.0,
                            window_days=2, min_rows=5)
    # entity key alone: an id logged on two days is a duplicate, never a fan-out
    expected += skew_oracle("skew_entity_only", serving, offline, ["id"], ["age"], kinds, {}, {}, None,
                            offline_where=lambda d: d["id"] <= 150)
    expected += skew_oracle("skew_age_categorical", serving, offline, keys, ["age", "plan"],
                            {"age": "categorical", "plan": "categorical"}, {}, {}, 0.0)
    expected += skew_oracle("skew_empty", serving, offline, keys, ["plan"], kinds, {}, {}, None,
                            where=lambda d: d["id"] < 0)
    requests = make_requests(rng)
    write_csv(SEEDS / "skew" / "skew_requests.csv", list(requests.columns), requests.to_dict("records"))
    day = dt.timedelta(days=1)
    expected += slo_oracle("slo_segments", requests, "latency_ms", "http_status", (500, 503),
                           (None, 250.0, None), 0.02, 100, 0.002, segment_by=["model_version", "endpoint"],
                           window=day)
    expected += slo_oracle("slo_no_window", requests, "latency_ms", "http_status", (500, 503, 429),
                           (120.0, 400.0, 600.0), 0.05)
    expected += slo_oracle("slo_latency_only_hours", requests, "latency_ms", bounds=(None, None, 500.0),
                           window=dt.timedelta(hours=6), min_rows=50, segment_by=["model_version"])
    expected += slo_oracle("slo_empty_window", requests, "latency_ms", "http_status", (500,),
                           max_error_rate=0.1, min_tp=1, window=day, where=lambda d: d["request_id"] < 0,
                           segment_by=["model_version"])
    training = make_training(rng)
    history = make_history(rng, training)
    write_csv(SEEDS / "skew" / "skew_training.csv", list(training.columns), training.to_dict("records"))
    write_csv(SEEDS / "skew" / "skew_feature_history.csv", list(history.columns), history.to_dict("records"))
    expected += pit_oracle("pit_segments", training, ["income_updated_at", "plan_updated_at"], "label_ts",
                           0.05, 0.01, segment_by=["region"])
    expected += pit_oracle("pit_window_labels", training, label="label_ts", window=dt.timedelta(days=7), min_rows=10)
    expected += pit_oracle("pit_empty", training, ["income_updated_at"], where=lambda d: d["id"] < 0)
    expected += pit_oracle("pit_as_of", training, ["income_updated_at"], max_leak=0.1, segment_by=["region"],
                           history=history, history_features=["income", "plan"], max_as_of=0.05)
    # windows: N, one row per window of the series (oldest first)
    for w in series(dt.timedelta(days=1), 3):
        expected += slo_oracle("slo_windows", requests, "latency_ms", "http_status", (500, 503),
                               (None, 300.0, None), None, 250, None, segment_by=["model_version"],
                               window=dt.timedelta(days=1), ts_range=w)
        expected += skew_oracle("skew_windows", serving, offline, keys, ["income", "plan"], kinds, {},
                                {"income": 0.001}, 0.05, max_missing_offline=0.1, segment_by="channel", ts_range=w)
    for w in series(dt.timedelta(days=7), 3):
        expected += pit_oracle("pit_windows", training, ["income_updated_at"], "label_ts", 0.05, 0.05,
                               window=dt.timedelta(days=7), history=history, history_features=["income"],
                               ts_range=w)
    write_expected("skew", expected)


if __name__ == "__main__":
    main()
