"""Windows a series must not lose or invent (DuckDB and PostgreSQL, ML_MONITOR_ADAPTERS):

- freshness with windows reads the newest row before the oldest scanned window, so a re-run whose
  incremental refresh scans only the newest window still measures the age from yesterday's row
  (it said no_data "no rows in window" on the second run);
- volume gives every segment seen in any scanned window a row in every window, 0 rows where it
  has none (the segment silently vanished, and its anomaly was no_data);
- volume windows that end at or before the first row read are "before the data starts", not 0
  rows that train the anomaly band.

Data: pandas draws the rows (numpy rng); every expected number is computed with pandas and the
anomaly oracle of integration_tests/scripts/gen_anomaly.py (anomaly_row), never with our SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid

import numpy as np
import pandas as pd
import pytest

from conftest import drop_pg_schemas, sql_adapters
from dbt_project_runner import INTEGRATION, project_rows, run_dbt, write_package_project

sys.path.insert(0, str(INTEGRATION / "scripts"))
from gen_anomaly import DEFAULTS, anomaly_row  # noqa: E402

# DuckDB and PostgreSQL only: the SQL is the same on Spark (the integration project runs these
# macros there), and a Spark session per build would add minutes
ADAPTERS = sql_adapters()
DAY = dt.timedelta(days=1)
FIRST = dt.datetime(2026, 3, 1)
# us: a row every day 03-01 .. 03-19 (03-20 has none yet); eu: until 03-18; ap: no rows on 03-10, 03-14
LAST_DAY = {"us": dt.datetime(2026, 3, 19), "eu": dt.datetime(2026, 3, 18), "ap": dt.datetime(2026, 3, 19)}
AP_EMPTY = {dt.datetime(2026, 3, 10), dt.datetime(2026, 3, 14)}

SCHEMA_YML = """
seeds:
  - name: events
    data_tests:
      - ml_monitor.freshness_anomaly:
          name: fresh_anomaly
          arguments:
            timestamp_column: prediction_ts
            window: {period: day, count: 1}
            segment_by: [region]
            anomaly: {training_windows: 6, min_training_windows: 5}
      - ml_monitor.volume:
          name: vol_segments
          arguments:
            timestamp_column: prediction_ts
            window: {period: day, count: 1}
            windows: 2
            min_count: 1
            segment_by: [region]
      - ml_monitor.volume_anomaly:
          name: vol_anomaly_segments
          arguments:
            timestamp_column: prediction_ts
            window: {period: day, count: 1}
            segment_by: [region]
            training_windows: 6
            min_training_windows: 5
      - ml_monitor.volume:
          name: vol_before_data
          arguments:
            timestamp_column: prediction_ts
            window: {period: day, count: 1}
            where: "prediction_ts < '2026-03-05'"
            anomaly: {training_windows: 7, min_training_windows: 5}
"""


def events() -> pd.DataFrame:
    rng = np.random.default_rng(20260321)
    rows = []
    for region, last in LAST_DAY.items():
        day = FIRST
        while day <= last:
            if not (region == "ap" and day in AP_EMPTY):
                n = int(rng.integers(20, 40))
                for j in range(n):
                    # the day's first row at 00:00 (so 03-01 00:00 is where the data starts), the last at 06:00-08:00
                    minute = 0 if j == 0 else int(rng.integers(1, 360)) if j < n - 1 else int(rng.integers(360, 480))
                    rows.append((region, day + dt.timedelta(minutes=minute)))
            day += DAY
    return pd.DataFrame(rows, columns=["region", "prediction_ts"])


@pytest.fixture(params=ADAPTERS)
def project(request, tmp_path):
    adapter = request.param
    schema = f"zs_{uuid.uuid4().hex[:10]}"
    db = tmp_path / "zs.duckdb"
    root = write_package_project(tmp_path / "zs", "zs", db, """\
        seeds:
          zs:
            events:
              +column_types: {prediction_ts: timestamp, region: varchar(8)}
        """, adapter=adapter, schema=schema)
    ev = events()
    ev.assign(prediction_ts=ev.prediction_ts.dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(root / "seeds" / "events.csv", index=False)
    (root / "seeds" / "schema.yml").write_text(SCHEMA_YML)
    work = tmp_path / "w"
    assert run_dbt(["deps"], adapter, work, project=root).returncode == 0
    res = run_dbt(["seed"], adapter, work, project=root)
    assert res.returncode == 0, res.output[-3000:]

    def build(as_of: str, select: str) -> pd.DataFrame:
        res = run_dbt(["build", "--select", select, "ml_monitor_observations", "ml_monitor_metrics", "--vars",
                       f"{{ml_monitor_as_of: '{as_of}'}}"], adapter, work, project=root)
        assert res.returncode in (0, 1), res.output[-3000:]
        sql = ("select test_name, metric, segment_value, window_start, value, baseline_value, sample_size, status, detail, facts "
               "from {s}.ml_monitor_observations where invocation_id = (select invocation_id from {s}.ml_monitor_observations "
               "order by run_started_at desc limit 1)")
        cols = ["test_name", "metric", "segment_value", "window_start", "value", "baseline_value", "sample_size",
                "status", "detail", "facts"]
        rows = project_rows(adapter, sql, db, schema)
        df = pd.DataFrame(rows, columns=cols)
        df["window_start"] = pd.to_datetime(df.window_start)
        return df

    yield ev, build
    if adapter == "postgres":
        drop_pg_schemas(schema, schema + "_dbt_test__audit")


def _one(df, **match):
    sel = df
    for k, v in match.items():
        sel = sel[sel[k].isna()] if v is None else sel[sel[k] == v]
    assert len(sel) == 1, (match, df.to_string())
    return sel.iloc[0]


def _age(ev: pd.DataFrame, end: dt.datetime, region: str | None) -> float:
    g = ev if region is None else ev[ev.region == region]
    return (end - g[g.prediction_ts < end].prediction_ts.max()).total_seconds() / 3600


def test_freshness_series_reads_the_row_before_the_scan_on_every_run(project):
    """The age at the newest window is measured from the newest row before it however old: on the
    first build (13 windows scanned) and on the re-run (incremental refresh scans only the newest
    window, the training windows come from the metric store), 24+ h and the anomaly fails."""
    ev, build = project
    as_of = dt.datetime(2026, 3, 21)
    cfg = {**DEFAULTS, "training_windows": 6, "min_training_windows": 5, "direction": "spike"}
    ends = [as_of - k * DAY for k in range(12, -1, -1)]          # the 13 windows' ends, oldest first
    for run in (1, 2):
        obs = build("2026-03-21", "fresh_anomaly")
        for region in (None, "us", "eu", "ap"):
            row = _one(obs, metric="hours_since_latest", segment_value=region, window_start=as_of - DAY)
            assert row.status == "pass" and row.value == pytest.approx(_age(ev, as_of, region), abs=1e-9), (run, row.detail)
            g = ev if region is None else ev[ev.region == region]
            assert row.sample_size == int((g.prediction_ts < as_of).sum()), run
            expected = anomaly_row([_age(ev, e, region) for e in ends], cfg, 1)
            anom = _one(obs, metric="hours_since_latest_anomaly", segment_value=region)
            # ap had empty days in training (ages of ~40 h): its 40 h is not unusual
            assert anom.status == expected["status"] == ("pass" if region == "ap" else "fail"), (run, region, anom.detail)
            assert anom.value == pytest.approx(expected["value"], abs=1e-9)
            assert anom.baseline_value == pytest.approx(expected["baseline_value"], abs=1e-9)
        # the re-run scanned only the newest window: the older ones were not output again
        assert set(obs.window_start) == ({as_of - DAY} if run == 2 else set(ends) - {as_of} | {e - DAY for e in ends})
    assert _age(ev, as_of, "us") > 24 and _age(ev, as_of, "eu") > 48


def test_volume_segment_without_rows_in_a_window_is_zero(project):
    """windows: 2, as_of 03-20: eu's last rows are on 03-18, so on 03-19 it has 0 rows and fails
    min_count 1 (it had no row at all); every segment has a row in both windows."""
    ev, build = project
    obs = build("2026-03-20", "vol_segments")
    rows = obs[obs.metric == "row_count"]
    assert len(rows) == 2 * 4, rows.to_string()
    for start in (dt.datetime(2026, 3, 18), dt.datetime(2026, 3, 19)):
        for region in (None, "us", "eu", "ap"):
            g = ev if region is None else ev[ev.region == region]
            n = int(((g.prediction_ts >= start) & (g.prediction_ts < start + DAY)).sum())
            row = _one(rows, segment_value=region, window_start=start)
            assert (row.value, row.sample_size, row.status) == (float(n), n, "pass" if n >= 1 else "fail"), row.detail
    assert _one(rows, segment_value="eu", window_start=dt.datetime(2026, 3, 19)).status == "fail"


def test_volume_segment_that_stops_after_a_backfill_is_zero_on_the_incremental_run(project):
    """A scheduled run after a backfill scans only the new window: eu (last rows on 03-18) must
    still get its 0-row row on 03-19 and fail min_count, its segment known from the metric store."""
    ev, build = project
    first = build("2026-03-19", "vol_segments")
    assert set(first.window_start) == {dt.datetime(2026, 3, 17), dt.datetime(2026, 3, 18)}
    obs = build("2026-03-20", "vol_segments")
    rows = obs[obs.metric == "row_count"]
    assert set(rows.window_start) == {dt.datetime(2026, 3, 19)}, rows.to_string()   # incremental: the new window
    eu = _one(rows, segment_value="eu")
    assert (eu.value, eu.sample_size, eu.status) == (0.0, 0, "fail"), eu.detail
    for region in (None, "us", "ap"):
        g = ev if region is None else ev[ev.region == region]
        n = int(((g.prediction_ts >= dt.datetime(2026, 3, 19)) & (g.prediction_ts < dt.datetime(2026, 3, 20))).sum())
        assert _one(rows, segment_value=region).value == float(n) > 0


def test_volume_anomaly_segment_zero_days_are_values(project):
    """volume_anomaly by region, as_of 03-20: eu's empty newest window is an anomaly on 0 (not
    no_data), and ap's two empty training days train the band as 0 (not skipped). The re-run
    scans only the newest window (eu has no row there): eu's segment comes from the metric store."""
    ev, build = project
    as_of = dt.datetime(2026, 3, 20)
    cfg = {**DEFAULTS, "training_windows": 6, "min_training_windows": 5}
    starts = [as_of - k * DAY for k in range(13, 0, -1)]
    for run in (1, 2):
        obs = build("2026-03-20", "vol_anomaly_segments")
        assert set(obs.window_start) == (set(starts) if run == 1 else {starts[-1]}), run
        _check_volume_anomaly(ev, obs, starts, cfg)
    assert _one(obs, metric="row_count", segment_value="eu", window_start=starts[-1]).value == 0.0


def _check_volume_anomaly(ev, obs, starts, cfg):
    for region in (None, "us", "eu", "ap"):
        g = ev if region is None else ev[ev.region == region]
        values = [float(((g.prediction_ts >= s) & (g.prediction_ts < s + DAY)).sum()) for s in starts]
        expected = anomaly_row(values, cfg, 1)
        anom = _one(obs, metric="row_count_anomaly", segment_value=region)
        assert anom.status == expected["status"], (region, anom.detail)
        assert anom.value == pytest.approx(expected["value"], abs=1e-9), region
        assert anom.baseline_value == pytest.approx(expected["baseline_value"], abs=1e-9), region
        assert "without a value" not in anom.detail, anom.detail
    assert _one(obs, metric="row_count_anomaly", segment_value="eu").status == "fail"
    assert json.loads(_one(obs, metric="row_count_anomaly", segment_value="ap").facts)["missing"] == 0


def test_volume_windows_before_the_data_starts_do_not_train(project):
    """Rows only from 03-01 (and the where keeps days before 03-05), as_of 03-06: the tested day
    has 0 rows, the four real days are the only training values (fewer than 5: skipped); the
    windows ending at or before the first row are no_data 'before the data starts'."""
    ev, build = project
    as_of = dt.datetime(2026, 3, 6)
    cfg = {**DEFAULTS, "training_windows": 7, "min_training_windows": 5}
    starts = [as_of - k * DAY for k in range(15, 0, -1)]
    kept = ev[ev.prediction_ts < dt.datetime(2026, 3, 5)]
    first = kept.prediction_ts.min()
    values = [None if s + DAY <= first else float(((kept.prediction_ts >= s) & (kept.prediction_ts < s + DAY)).sum())
              for s in starts]
    assert values.count(None) == 10 and values[-1] == 0.0
    expected = anomaly_row(values, cfg, 1)
    obs = build("2026-03-06", "vol_before_data")
    anom = _one(obs, metric="row_count_anomaly")
    assert anom.status == expected["status"] == "skipped", anom.detail
    assert anom.detail.startswith("4 training windows with a value"), anom.detail
    for s, v in zip(starts, values):
        row = _one(obs, metric="row_count", window_start=s)
        if v is None:
            assert row.status == "no_data" and row.value is None or np.isnan(row.value), row
            assert "before the data starts" in row.detail, row.detail
        else:
            assert row.value == v and row.status == "pass", row.detail
