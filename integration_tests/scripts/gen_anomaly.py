"""Integration data for `anomaly:` (docs/anomaly-detection.md), with the expected anomaly rows
computed independently here in numpy / pandas: the per-window values are counted from the
expanded events with pandas, the bands with numpy, never from our SQL.

Each case is one daily series (rows per day, nulls per day, time of the day's last row) ending
on 2026-01-30, the tested window of AS_OF = 2026-01-31 (a Friday); the `hourly` series is one of
hours instead (HOURS hours, the tested window 2026-01-30 23:00). The model anomaly_events expands
the series into rows (one per row of the day / hour, all at its first second except the last
one); the monitors scan it with `where case_name = ...`.

Run: python integration_tests/scripts/gen_anomaly.py   (deterministic; rewrites seeds/anomaly and
seeds/expected/expected_anomaly.csv)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from oracle import EXPECTED_COLUMNS, SEEDS, write_csv

AS_OF = dt.datetime(2026, 1, 31)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
DAYS = 60                       # days of data before AS_OF
HOURS = 24 * 9                  # hours of data of the hourly series
DEFAULTS = {"method": "zscore", "sensitivity": 3, "training_windows": 14, "min_training_windows": 5,
            "direction": "both", "seasonality": None, "min_abs_change": 0, "min_rel_change": 0,
            "exclude_anomalies": True}


# ---- the rules, independently ------------------------------------------------------------------

def band(values: list[float], method: str) -> tuple[float, float]:
    x = np.asarray(values, dtype=float)
    if method == "zscore":
        return float(np.mean(x)), float(np.std(x, ddof=1))
    med = float(np.median(x))
    return med, 1.4826 * float(np.median(np.abs(x - med)))


def breaches(v: float, e: float, sd: float, cfg: dict) -> bool:
    k = cfg["sensitivity"]
    out = ((cfg["direction"] in ("spike", "both") and v > e + k * sd)
           or (cfg["direction"] in ("drop", "both") and v < e - k * sd))
    return bool(out and abs(v - e) > cfg["min_abs_change"] and abs(v - e) > cfg["min_rel_change"] * abs(e))


def training_of(i: int, cfg: dict, stride: int) -> list[int]:
    return [i - m * stride for m in range(1, cfg["training_windows"] + 1) if i - m * stride >= 0]


def anomaly_row(values: list[float | None], cfg: dict, stride: int, include_tested: bool = False) -> dict:
    """The anomaly verdict of the newest value of `values` (oldest first; None = no usable value)."""
    n = len(values)
    tested = n - 1
    excluded = set()
    if cfg["exclude_anomalies"]:
        for j in training_of(tested, cfg, stride):
            if values[j] is None:
                continue
            prior = [values[k] for k in training_of(j, cfg, stride) if values[k] is not None]
            if len(prior) >= cfg["min_training_windows"]:
                e, sd = band(prior, cfg["method"])
                if breaches(values[j], e, sd, cfg):
                    excluded.add(j)
    train = [values[j] for j in training_of(tested, cfg, stride) if values[j] is not None and j not in excluded]
    if include_tested:            # the flaw we avoid: the tested value in its own training set
        train.append(values[tested])
    v = values[tested]
    if v is None:
        return {"status": "no_data", "value": None, "baseline_value": None}
    if len(train) < cfg["min_training_windows"]:
        return {"status": "skipped", "value": None, "baseline_value": None}
    e, sd = band(train, cfg["method"])
    score = (v - e) / sd if sd > 0 else (0.0 if v == e else None)
    return {"status": "fail" if breaches(v, e, sd, cfg) else "pass", "value": score, "baseline_value": e,
            "excluded": len(excluded), "n": len(train)}


# ---- the cases ---------------------------------------------------------------------------------

def series_plans(rng: np.random.Generator) -> dict[str, list[tuple[int, int, int]]]:
    """case -> [(rows, nulls, minute of the last row)] per day, oldest first, DAYS days (per hour,
    HOURS hours, for the HOURLY series)."""
    days = [AS_OF - (DAYS - i) * DAY for i in range(DAYS)]

    def noisy(base, sd, newest=None, changes=None):
        counts = [int(round(x)) for x in rng.normal(base, sd, DAYS)]
        for i, c in (changes or {}).items():
            counts[i] = c
        if newest is not None:
            counts[-1] = newest
        return [(c, 0, int(rng.integers(60, 1380))) for c in counts]

    plans = {
        "clean": noisy(100, 6, newest=104),
        "spike": noisy(100, 6, newest=160),
        "drop": noisy(100, 6, newest=60),
        "level_shift": noisy(100, 6, changes={DAYS - 4: 131, DAYS - 3: 129, DAYS - 2: 133}, newest=130),
        "incident": noisy(100, 4, changes={DAYS - 10: 400}, newest=125),
        "hidden": [(c, 0, 600) for c in [100] * (DAYS - 6) + [100, 102, 98, 101, 99, 130]],
        "tiny": [(3 + (i % 2), 0, 600) for i in range(DAYS - 1)] + [(6, 0, 600)],
        "constant": [(50, 0, 600)] * (DAYS - 1) + [(51, 0, 600)],
        "constant_same": [(50, 0, 600)] * DAYS,
        "relative": noisy(500, 3, newest=515),
    }
    weekly = []
    for d in days:
        peak = d.weekday() == 4          # Friday, the weekday of the tested window
        weekly.append((int(round(rng.normal(200 if peak else 100, 5))), 0, 600))
    plans["weekly"] = weekly
    # null rate: 100 rows a day, ~5 nulls, two empty days among the training windows, 30 nulls at the end
    nulls = [(100, int(rng.integers(2, 9)), 600) for _ in range(DAYS)]
    nulls[DAYS - 5] = (0, 0, 0)
    nulls[DAYS - 8] = (0, 0, 0)
    nulls[-1] = (100, 30, 600)
    plans["null_rate"] = nulls
    # too little history: only the last 4 days have rows
    plans["short"] = [(0, 0, 0)] * (DAYS - 4) + [(100, 5, 600), (100, 6, 600), (100, 4, 600), (100, 20, 600)]
    # freshness: the last row of every day between 06:00 and 08:00; the newest day has no row
    plans["stale"] = [(20, 0, int(rng.integers(360, 480))) for _ in range(DAYS - 1)] + [(0, 0, 0)]
    # hourly: ~40 rows an hour, ~80 in the 23:00 hour every day (the hour of the tested window)
    hours = [AS_OF - (HOURS - i) * HOUR for i in range(HOURS)]
    plans["hourly"] = [(int(round(rng.normal(80 if h.hour == 23 else 40, 3))), 0, int(rng.integers(1, 59)))
                       for h in hours]
    return plans


HOURLY = {"hourly"}             # series of hourly windows


def step_of(series: str) -> dt.timedelta:
    return HOUR if series in HOURLY else DAY


# (case name, series, monitor, metric, anomaly settings)
CASES = [
    ("clean", "clean", "volume", {}),
    ("spike_mad", "spike", "volume", {"method": "mad"}),
    ("drop", "drop", "volume", {"direction": "drop"}),
    ("drop_watching_spikes", "drop", "volume", {"direction": "spike"}),
    ("level_shift_mad", "level_shift", "volume", {"method": "mad"}),
    # a one-in-seven peak scores ~2.4 standard deviations against all days: sensitivity 2 in both
    ("weekly_by_weekday", "weekly", "volume", {"seasonality": "day_of_week", "training_windows": 4,
                                               "min_training_windows": 3, "sensitivity": 2}),
    ("weekly_without_season", "weekly", "volume", {"sensitivity": 2}),
    ("incident_excluded", "incident", "volume", {}),
    ("incident_included", "incident", "volume", {"exclude_anomalies": False}),
    ("hidden", "hidden", "volume", {"training_windows": 5, "exclude_anomalies": False}),
    ("tiny_with_floor", "tiny", "volume", {"min_abs_change": 5}),
    ("tiny_without_floor", "tiny", "volume", {}),
    ("constant", "constant", "volume", {}),
    ("constant_with_floor", "constant", "volume", {"min_abs_change": 2}),
    ("constant_same", "constant_same", "volume", {}),
    ("relative_floor", "relative", "volume", {"min_rel_change": 0.05}),
    ("null_rate_mad", "null_rate", "null_rate", {"method": "mad"}),
    ("short_history", "short", "null_rate", {}),
    ("stale", "stale", "freshness", {"direction": "spike"}),
    # hourly windows: the daily 23:00 peak is normal against the same hour of earlier days, an
    # alert against the hours just before it
    ("hourly_by_hour", "hourly", "volume", {"seasonality": "hour_of_day", "training_windows": 3,
                                            "min_training_windows": 3, "exclude_anomalies": False}),
    ("hourly_without_season", "hourly", "volume", {}),
]


def expand(plans) -> pd.DataFrame:
    """The rows the model anomaly_events builds, as pandas sees them."""
    rows = []
    for case, plan in plans.items():
        for i, (n, n_null, last_minute) in enumerate(plan):
            day = AS_OF - (len(plan) - i) * step_of(case)
            for j in range(n):
                ts = day + dt.timedelta(minutes=last_minute) if j == n - 1 else day
                rows.append((case, ts, None if j < n_null else 1.0))
    return pd.DataFrame(rows, columns=["case_name", "event_ts", "x"])


def per_window_values(events: pd.DataFrame, series: str, monitor: str, n_windows: int) -> list[float | None]:
    """The monitor's usable value per window (daily or hourly; oldest first), from the events."""
    ev = events[events.case_name == series]
    step = step_of(series)
    starts = [AS_OF - k * step for k in range(n_windows, 0, -1)]
    out = []
    for s in starts:
        w = ev[(ev.event_ts >= s) & (ev.event_ts < s + step)]
        if monitor == "volume":
            out.append(float(len(w)))                       # zero rows is the value 0
        elif monitor == "null_rate":
            out.append(float(w.x.isna().mean()) if len(w) else None)
        else:                                               # hours from the newest row before the window end, however old
            seen = ev[ev.event_ts < s + step]
            out.append((s + step - seen.event_ts.max()).total_seconds() / 3600 if len(seen) else None)
    return out


def main() -> None:
    rng = np.random.default_rng(15)
    plans = series_plans(rng)
    out = SEEDS / "anomaly"
    series_rows = []
    for case, plan in plans.items():
        for i, (n, n_null, last_minute) in enumerate(plan):
            day = AS_OF - (len(plan) - i) * step_of(case)
            series_rows.append({"case_name": case, "day_ts": day, "last_ts": day + dt.timedelta(minutes=last_minute),
                                "n_rows": n, "n_null": n_null})
    write_csv(out / "anomaly_series.csv", ["case_name", "day_ts", "last_ts", "n_rows", "n_null"], series_rows)
    write_csv(out / "anomaly_digits.csv", ["d"], [{"d": d} for d in range(10)])

    events = expand(plans)
    expected = []
    for case, series, monitor, given in CASES:
        cfg = dict(DEFAULTS, **given)
        step = step_of(series)
        stride = {"day_of_week": 7 * DAY // step, "hour_of_day": DAY // step, None: 1}[cfg["seasonality"]]
        n_windows = 1 + stride * cfg["training_windows"] * (2 if cfg["exclude_anomalies"] else 1)
        assert n_windows <= len(plans[series]), case
        values = per_window_values(events, series, monitor, n_windows)
        r = anomaly_row(values, cfg, stride)
        metric = {"volume": "row_count", "null_rate": "null_rate", "freshness": "hours_since_latest"}[monitor]
        tested = events[(events.case_name == series) & (events.event_ts >= AS_OF - step) & (events.event_ts < AS_OF)]
        sample = len(tested) if monitor != "freshness" else len(
            events[(events.case_name == series) & (events.event_ts < AS_OF)])       # every row up to the window end
        expected.append({
            "case_name": case, "monitor": monitor, "column_name": {"volume": None, "null_rate": "x", "freshness": "event_ts"}[monitor],
            "segment_column": None, "segment_value": None, "metric": metric + "_anomaly",
            "value": r["value"], "threshold": float(cfg["sensitivity"]), "baseline_value": r["baseline_value"],
            "sample_size": sample, "window_start": AS_OF - step, "window_end": AS_OF, "status": r["status"]})
        # the cases are meant to show something: hold the oracle to it
        if case == "hidden":
            assert r["status"] == "fail" and anomaly_row(values, cfg, stride, include_tested=True)["status"] == "pass", case
    status = {e["case_name"]: e["status"] for e in expected}
    assert status["weekly_by_weekday"] == "pass" and status["weekly_without_season"] == "fail", status
    assert status["hourly_by_hour"] == "pass" and status["hourly_without_season"] == "fail", status
    assert status["incident_excluded"] == "fail" and status["incident_included"] == "pass", status
    assert status["tiny_with_floor"] == "pass" and status["tiny_without_floor"] == "fail", status
    assert status["constant"] == "fail" and status["constant_with_floor"] == "pass", status
    assert status["drop"] == "fail" and status["drop_watching_spikes"] == "pass", status
    assert status["clean"] == "pass" and status["spike_mad"] == "fail" and status["level_shift_mad"] == "fail", status
    assert status["relative_floor"] == "pass" and status["short_history"] == "skipped", status
    assert status["null_rate_mad"] == "fail" and status["stale"] == "fail", status
    write_csv(SEEDS / "expected" / "expected_anomaly.csv", EXPECTED_COLUMNS, expected)


if __name__ == "__main__":
    main()
