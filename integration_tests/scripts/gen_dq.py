"""Integration data for the data-quality monitors, with expected observations computed
independently in pandas/numpy (never from our SQL).

Run: python integration_tests/scripts/gen_dq.py   (deterministic; rewrites seeds/dq and
seeds/expected/expected_dq.csv)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from oracle import SEEDS, status_of, write_csv, write_expected

AS_OF = dt.datetime(2026, 1, 31)
N = 400


def make_events(rng: np.random.Generator) -> pd.DataFrame:
    # timestamps over the 10 days before AS_OF, plus a few after it (must be ignored by windows)
    seconds = rng.integers(0, 10 * 86400, N)
    ts = [AS_OF - dt.timedelta(seconds=int(s)) - dt.timedelta(seconds=1) for s in seconds]
    ts[:3] = [AS_OF + dt.timedelta(hours=5)] * 3
    segment = rng.choice(["north", "south", "east", ""], N, p=[0.45, 0.4, 0.01, 0.14]).astype(object)
    feature_a = np.round(rng.normal(50, 10, N), 6)
    feature_a[rng.random(N) < 0.15] = np.nan
    select = rng.choice(["a", "b", "c", "d", "it_s", "é-ü", ""], N, p=[0.3, 0.3, 0.2, 0.05, 0.03, 0.02, 0.1]).astype(object)
    mixed = rng.integers(-2, 13, N)
    amount = np.round(rng.uniform(-5, 105, N), 6)
    special = rng.choice(["", "nan", "inf", "-inf"], N, p=[0.94, 0.02, 0.02, 0.02]).astype(object)
    amount_null = rng.random(N) < 0.05
    return pd.DataFrame({
        "id": np.arange(1, N + 1),
        "event_ts": [t.strftime("%Y-%m-%d %H:%M:%S") for t in ts],
        "Feature A": feature_a,
        "select": select,
        "MixedCase": mixed,
        "amount": np.where(amount_null, np.nan, amount),
        "amount_special": special,
        "segment": segment,
        "all_null": [np.nan] * N,
    })


def frame_as_dbt_sees_it(raw: pd.DataFrame) -> pd.DataFrame:
    """The dq_input model: empty strings are NULL in seeds; amount_special injects NaN/±inf."""
    df = raw.copy()
    for c in ["select", "segment", "amount_special"]:
        df[c] = df[c].replace("", None)
    # the seed cannot carry a quote on every engine (dbt-spark's seed loader does not escape it)
    df["select"] = df["select"].replace("it_s", "it's")
    df["amount"] = np.where(df["amount_special"] == "nan", np.nan,
                   np.where(df["amount_special"] == "inf", np.inf,
                   np.where(df["amount_special"] == "-inf", -np.inf, df["amount"])))
    # keep the seed's nulls of amount apart from injected NaN
    df["amount_is_null"] = raw["amount"].isna() & df["amount_special"].isna()
    df["event_ts"] = pd.to_datetime(df["event_ts"])
    return df


def groups(df: pd.DataFrame, segment_by: list[str]):
    """Yield (segment_column, segment_value, rows): the overall row and one per segment value, nulls included."""
    yield None, None, df
    for s in segment_by:
        for value, rows in df.groupby(df[s].astype(object).where(df[s].notna(), "__NULL__"), sort=True):
            yield s, (None if value == "__NULL__" else str(value)), rows


def obs(case, monitor, column, seg_col, seg_val, metric, value, threshold, n, status, baseline=None,
        window=(None, None)):
    return dict(case_name=case, monitor=monitor, column_name=column, segment_column=seg_col,
                segment_value=seg_val, metric=metric, value=value, threshold=threshold,
                baseline_value=baseline, sample_size=int(n), window_start=window[0], window_end=window[1],
                status=status)


def window(df, days):
    start = AS_OF - dt.timedelta(days=days)
    return df[(df.event_ts >= start) & (df.event_ts < AS_OF)]


def expected(df: pd.DataFrame, reference: pd.DataFrame) -> list[dict]:
    rows = []
    # 1. null rates of three columns by segment, last 3 days, max 0.2
    w = window(df, 3)
    for col in ["Feature A", "select", "all_null"]:
        for sc, sv, g in groups(w, ["segment"]):
            nulls = g[col].isna().sum() if col != "Feature A" else g[col].isna().sum()
            v = nulls / len(g) if len(g) else None
            rows.append(obs("null_rate_segments", "null_rate", col, sc, sv, "null_rate", v, 0.2, len(g),
                            status_of(v, len(g), 5, v is not None and v > 0.2),
                            window=(AS_OF - dt.timedelta(days=3), AS_OF)))
    # 2. value range of amount in [0, 100] by segment, NaN/inf count as violations, max rate 0.05
    for sc, sv, g in groups(df, ["segment"]):
        a = g["amount"]
        present = ~g["amount_is_null"]
        vals = a[present].to_numpy(dtype=float)
        bad = (~np.isfinite(vals)) | (vals < 0) | (vals > 100)
        n = len(vals)
        v = bad.sum() / n if n else None
        rows.append(obs("value_range_amount", "value_range", "amount", sc, sv, "violation_rate", v, 0.05, n,
                        status_of(v, n, 1, v is not None and v > 0.05)))
    # 3. exclusive range (0, 10) on MixedCase
    vals = df["MixedCase"].to_numpy()
    v = float(((vals <= 0) | (vals >= 10)).mean())
    rows.append(obs("value_range_exclusive", "value_range", "MixedCase", None, None, "violation_rate", v, 0.5,
                    len(vals), status_of(v, len(vals), 1, v > 0.5)))
    # 4. all-null column -> no_data
    rows.append(obs("value_range_all_null", "value_range", "all_null", None, None, "violation_rate", None, 0.0, 0,
                    "no_data"))
    # 5. accepted values of "select"
    s = df["select"].dropna()
    v = float((~s.isin(["a", "b", "c"])).mean())
    rows.append(obs("accepted_values_select", "accepted_values", "select", None, None, "violation_rate", v, 0.1,
                    len(s), status_of(v, len(s), 1, v > 0.1)))
    # 6. cardinality of "select" vs the reference categories, by segment
    ref_values = set(reference["select"].dropna())
    for sc, sv, g in groups(df, ["segment"]):
        d = g["select"].dropna()
        n_distinct = float(d.nunique()) if len(d) else None      # all null: no_data
        rows.append(obs("cardinality_select", "cardinality", "select", sc, sv, "distinct_count", n_distinct,
                        5.0, len(g), status_of(n_distinct, len(g), 1, n_distinct is not None and (n_distinct < 2 or n_distinct > 5))))
        n_new = len(set(d) - ref_values)
        rows.append(obs("cardinality_select", "cardinality", "select", sc, sv, "new_categories", float(n_new),
                        0.0, len(g), status_of(n_new, len(g), 1, n_new > 0)))
    # 7. freshness by segment: hours from newest row (<= as_of) to as_of, max 6 hours
    past = df[df.event_ts <= AS_OF]
    for sc, sv, g in groups(past, ["segment"]):
        hours = (AS_OF - g.event_ts.max()).total_seconds() / 3600.0
        rows.append(obs("freshness_segments", "freshness", "event_ts", sc, sv, "hours_since_latest", hours, 6.0,
                        len(g), status_of(hours, len(g), 1, hours > 6.0)))
    # 8. volume: last day vs the mean of the 3 days before; min_count 20, ratio within [0.5, 2]
    start = AS_OF - dt.timedelta(days=1)
    ref_start = AS_OF - dt.timedelta(days=4)
    span = df[(df.event_ts >= ref_start) & (df.event_ts < AS_OF)]
    for sc, sv, g in groups(span, ["segment"]):
        cur = int((g.event_ts >= start).sum())
        ref = int((g.event_ts < start).sum())
        day = (start, AS_OF)
        rows.append(obs("volume_daily", "volume", None, sc, sv, "row_count", float(cur), 20.0, cur,
                        "fail" if cur < 20 else "pass", window=day))
        ratio = cur / (ref / 3.0) if ref else None
        st = "no_data" if ratio is None else ("fail" if ratio < 0.5 or ratio > 2 else "pass")
        # baseline: the mean row count of the reference periods
        rows.append(obs("volume_daily", "volume", None, sc, sv, "row_count_ratio", ratio, 0.5, cur, st,
                        baseline=ref / 3.0, window=day))
    # 9. empty window -> no_data
    rows.append(obs("null_rate_empty", "null_rate", "Feature A", None, None, "null_rate", None, 0.0, 0, "no_data"))
    # 10. schema contract: id ok, "Feature A" ok, amount retyped (expected varchar), missing_col missing
    rows += [
        obs("schema_contract", "schema_contract", "id", None, None, "column_contract", 0.0, 0.0, 9, "pass"),
        obs("schema_contract", "schema_contract", "Feature A", None, None, "column_contract", 0.0, 0.0, 9, "pass"),
        obs("schema_contract", "schema_contract", "amount", None, None, "column_contract", 1.0, 0.0, 9, "fail"),
        obs("schema_contract", "schema_contract", "missing_col", None, None, "column_contract", 1.0, 0.0, 9, "fail"),
    ]
    rows += more_expected(df)
    return rows


def violation_rows(case, column, vals, bad, threshold, min_rows=1):
    n = len(vals)
    v = float(bad.sum()) / n if n else None
    return [obs(case, "value_range", column, None, None, "violation_rate", v, threshold, n,
                status_of(v, n, min_rows, v is not None and v > threshold))]


def more_expected(df: pd.DataFrame) -> list[dict]:
    """Documented arguments that had no oracle case (issue #13, item 11)."""
    rows = []
    vals = df.loc[~df["amount_is_null"], "amount"].to_numpy(dtype=float)
    # one-sided ranges: NaN and +/-inf still count as violations
    rows += violation_rows("value_range_min_only", "amount", vals, ~np.isfinite(vals) | (vals < 0), 0.05)
    rows += violation_rows("value_range_max_only", "amount", vals, ~np.isfinite(vals) | (vals > 100), 0.05)
    # min_rows above the row count: skipped, value still reported
    rows += violation_rows("value_range_min_rows", "amount", vals, ~np.isfinite(vals) | (vals < 0) | (vals > 100),
                           0.05, min_rows=1000)
    # numeric accepted values compare as numbers
    mixed = df["MixedCase"].to_numpy()
    v = float((~np.isin(mixed, list(range(10)))).mean())
    rows.append(obs("accepted_values_numeric", "accepted_values", "MixedCase", None, None, "violation_rate", v, 0.1,
                    len(mixed), status_of(v, len(mixed), 1, v > 0.1)))
    # strict contract: every column of the relation not in the contract is its own failing row
    contract = ["id", "Feature A", "select", "MixedCase", "amount"]
    for name in contract:
        rows.append(obs("schema_contract_strict", "schema_contract", name, None, None, "column_contract", 0.0, 0.0,
                        9, "pass"))
    for name in ["event_ts", "amount_special", "segment", "all_null"]:
        rows.append(obs("schema_contract_strict", "schema_contract", name, None, None, "unexpected_column", 1.0, 0.0,
                        9, "fail"))
    # the same integers as doubles against the integer reference: no new category
    rows.append(obs("cardinality_numeric_types", "cardinality", "MixedCase", None, None, "new_categories", 0.0, 0.0,
                    len(mixed), "pass"))
    # volume with max_count only (its threshold), last day
    day = (AS_OF - dt.timedelta(days=1), AS_OF)
    cur = int(((df.event_ts >= day[0]) & (df.event_ts < AS_OF)).sum())
    rows.append(obs("volume_max_count", "volume", None, None, None, "row_count", float(cur), 30.0, cur,
                    "fail" if cur > 30 else "pass", window=day))
    # week and month windows (a month back from 2026-01-31 is 2025-12-31)
    for case, start in (("null_rate_week", AS_OF - dt.timedelta(weeks=1)), ("null_rate_month", dt.datetime(2025, 12, 31))):
        w = df[(df.event_ts >= start) & (df.event_ts < AS_OF)]
        v = float(w["Feature A"].isna().mean())
        rows.append(obs(case, "null_rate", "Feature A", None, None, "null_rate", v, 0.1, len(w),
                        status_of(v, len(w), 1, v > 0.1), window=(start, AS_OF)))
    return rows


def main() -> None:
    rng = np.random.default_rng(20260131)
    raw = make_events(rng)
    reference = pd.DataFrame({"select": ["a", "b", "c", "a", None]})
    write_csv(SEEDS / "dq" / "dq_events.csv", list(raw.columns), raw.to_dict("records"))
    write_csv(SEEDS / "dq" / "dq_reference.csv", ["select"], reference.to_dict("records"))
    write_expected("dq", expected(frame_as_dbt_sees_it(raw), reference))


if __name__ == "__main__":
    main()
