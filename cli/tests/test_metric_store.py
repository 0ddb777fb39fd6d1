"""The metric store ml_monitor_metrics: the latest evaluation per (test, column, segment, metric,
window), read from the audit log ml_monitor_observations; no duplicates on re-runs."""

from __future__ import annotations

import textwrap

import duckdb
import pandas as pd
import pytest

from dbt_project_runner import run_dbt, write_package_project

GRAIN = ["test_unique_id", "column_name", "segment_column", "segment_value", "metric",
         "window_start", "window_end"]


@pytest.fixture()
def store_project(tmp_path):
    """A tiny DuckDB project: a null_rate test whose input changes with var `events_v`."""
    p = write_package_project(tmp_path / "proj", "store", tmp_path / "store.duckdb", """
        vars:
          ml_monitor_as_of: "2026-01-31 00:00:00"
          events_v: 1
    """, hooks=2)
    (p / "seeds" / "events_raw.csv").write_text("id,x,seg,v\n1,1.0,a,1\n2,,a,1\n3,3.0,b,1\n4,,b,2\n5,5.0,b,1\n")
    (p / "models" / "events.sql").write_text("select * from {{ ref('events_raw') }} where v <= {{ var('events_v') }}\n")
    (p / "models" / "schema.yml").write_text(textwrap.dedent("""
        models:
          - name: events
            columns:
              - name: x
                data_tests:
                  - ml_monitor.null_rate:
                      arguments: {max_null_rate: 1.0, segment_by: [seg]}
    """))
    assert run_dbt(["deps"], "duckdb", tmp_path / "w", project=p).returncode == 0
    return p, tmp_path / "store.duckdb"


def read(db, table):
    with duckdb.connect(str(db), read_only=True) as c:
        return c.sql(f"select * from main.{table}").df()


def test_metric_store_latest_evaluation_no_duplicates(store_project, tmp_path):
    project, db = store_project
    w = tmp_path / "w"
    first = run_dbt(["build"], "duckdb", w, project=project)
    assert first.returncode == 0, first.output
    m1 = read(db, "ml_monitor_metrics")
    # overall + seg a + seg b: 3 rows, one evaluation each, nothing re-scored
    assert len(m1) == 3
    assert not m1.duplicated(GRAIN).any()
    assert m1.evaluations.tolist() == [1, 1, 1] and not m1.is_rescored.any()
    assert list(m1.as_of.unique()) == [pd.Timestamp("2026-01-31 00:00:00")]

    # same inputs again: the log grows by one run, the store keeps one row per grain
    second = run_dbt(["build"], "duckdb", w, project=project)
    assert second.returncode == 0, second.output
    assert len(read(db, "ml_monitor_observations")) == 6
    m2 = read(db, "ml_monitor_metrics").set_index("segment_value", drop=False)
    assert len(m2) == 3 and not m2.duplicated(GRAIN).any()
    assert sorted(m2.evaluations) == [2, 2, 2] and not m2.is_rescored.any()
    assert m2.invocation_id.nunique() == 1 and m2.invocation_id.iloc[0] != m1.invocation_id.iloc[0]

    # the input changes (row 4 appears, a null in segment b): the new value replaces the old
    # one in the store, marked as re-scored; the audit log keeps both
    third = run_dbt(["build", "--vars", "{events_v: 2}"], "duckdb", w, project=project)
    assert third.returncode == 0, third.output
    m3 = read(db, "ml_monitor_metrics")
    assert len(m3) == 3 and not m3.duplicated(GRAIN).any()
    b = m3[m3.segment_value == "b"].iloc[0]
    assert b.value == pytest.approx(1 / 3, abs=1e-12) and b.previous_value == 0.0 and bool(b.is_rescored)
    overall = m3[m3.segment_column.isna()].iloc[0]
    assert overall.value == pytest.approx(2 / 5, abs=1e-12) and overall.previous_value == pytest.approx(1 / 4)
    a = m3[m3.segment_value == "a"].iloc[0]
    assert a.value == 0.5 and not bool(a.is_rescored) and a.evaluations == 3
    log = read(db, "ml_monitor_observations")
    assert len(log) == 9
    assert sorted(log[log.segment_value == "b"].value) == pytest.approx([0.0, 0.0, 1 / 3])


def test_rescored_means_the_value_moved_not_float_noise(store_project, tmp_path):
    """A re-run whose value differs only in the last bits (an estimate summed in another order)
    is not a re-score; a real change is. The store (SQL) and the report (Python) agree."""
    from ml_monitor.report.shaping import latest_evaluations

    project, db = store_project
    assert run_dbt(["build"], "duckdb", tmp_path / "w", project=project).returncode == 0
    with duckdb.connect(str(db)) as c:
        # a second "run" of the same window: overall value * (1 + 4e-16), segment b + 1e-6
        c.execute("""
            insert into main.ml_monitor_observations
            select * replace (
                observation_id || '-r2' as observation_id, invocation_id || '-r2' as invocation_id,
                run_started_at + interval 1 hour as run_started_at,
                case when segment_value = 'b' then value + 1e-6
                     when segment_column is null then value * (1 + 4e-16) else value end as value)
            from main.ml_monitor_observations""")
        noisy = c.execute("select value from main.ml_monitor_metrics where segment_column is null").fetchone()[0]
    m = read(db, "ml_monitor_metrics").set_index(m_key := "segment_value", drop=False)
    assert len(m) == 3 and m.evaluations.tolist() == [2, 2, 2]
    overall = m[m.segment_column.isna()].iloc[0]
    assert overall.value != overall.previous_value and noisy == overall.value   # the bits did move
    assert not bool(overall.is_rescored)
    assert bool(m.loc["b"].is_rescored) and not bool(m.loc["a"].is_rescored)
    report = latest_evaluations(read(db, "ml_monitor_observations"))
    flagged = report[report.is_current & report.is_rescored]
    assert flagged.segment_value.tolist() == ["b"], flagged[[m_key, "value", "previous_value"]]


@pytest.fixture()
def windowed_project(tmp_path):
    """Daily events over 2026-01-25 .. 2026-01-31 and a null_rate test with windows: 4."""
    p = write_package_project(tmp_path / "wproj", "wstore", tmp_path / "wstore.duckdb", """
        vars:
          ml_monitor_as_of: "2026-01-31 00:00:00"
        seeds:
          wstore:
            events:
              +column_types: {event_ts: timestamp, x: double}
    """)
    rows = ["id,event_ts,x"]
    for d in range(25, 32):
        for h in range(4):  # day d: (d - 25) % 4 nulls of 4 rows
            x = "" if h < (d - 25) % 4 else str(float(h))
            rows.append(f"{d * 10 + h},2026-01-{d:02d} {h:02d}:00:00,{x}")
    (p / "seeds" / "events.csv").write_text("\n".join(rows) + "\n")
    (p / "seeds" / "schema.yml").write_text(textwrap.dedent("""
        seeds:
          - name: events
            columns:
              - name: x
                data_tests:
                  - ml_monitor.null_rate:
                      arguments:
                        max_null_rate: 1.0
                        timestamp_column: event_ts
                        window: {period: day, count: 1}
                        windows: 4
    """))
    assert run_dbt(["deps"], "duckdb", tmp_path / "w", project=p).returncode == 0
    return p, tmp_path / "wstore.duckdb"


def _runs(log):
    """Audit-log rows per run, oldest run first: [sorted window starts of each run]."""
    order = log.groupby("invocation_id").run_started_at.min().sort_values().index
    return [sorted(log[log.invocation_id == i].window_start.dt.strftime("%m-%d")) for i in order]


def test_incremental_refresh_evaluates_new_and_newest_windows(windowed_project, tmp_path):
    project, db = windowed_project
    w = tmp_path / "w"

    def build(*extra):
        res = run_dbt(["build", *extra], "duckdb", w, project=project)
        assert res.returncode == 0, res.output
        return res

    build()
    build("--vars", "{ml_monitor_as_of: '2026-02-01 00:00:00'}")
    log = read(db, "ml_monitor_observations")
    # run 1: the backfill of 4 windows; run 2: only the new (newest) window 01-31
    assert _runs(log) == [["01-27", "01-28", "01-29", "01-30"], ["01-31"]]
    # and it read only that window's rows: the compiled scan is bounded by it
    compiled = next((w / "target" / "compiled").rglob("*null_rate*.sql")).read_text()
    assert "2026-01-31 00:00:00" in compiled and "2026-01-27 00:00:00" not in compiled
    store = read(db, "ml_monitor_metrics").sort_values("window_start")
    assert store.window_start.dt.strftime("%m-%d").tolist() == ["01-27", "01-28", "01-29", "01-30", "01-31"]
    # null share of day d is ((d - 25) % 4) / 4
    assert store.value.tolist() == [0.5, 0.75, 0.0, 0.25, 0.5]
    assert store.evaluations.tolist() == [1, 1, 1, 1, 1]

    # the same as_of again: the newest window only; no duplicate in the store
    build("--vars", "{ml_monitor_as_of: '2026-02-01 00:00:00'}")
    assert _runs(read(db, "ml_monitor_observations"))[-1] == ["01-31"]
    again = read(db, "ml_monitor_metrics")
    assert len(again) == 5 and not again.duplicated(GRAIN).any()

    # opt-outs: --full-refresh and var ml_monitor_incremental: false recompute every window
    build("--full-refresh", "--vars", "{ml_monitor_as_of: '2026-02-01 00:00:00'}")
    assert _runs(read(db, "ml_monitor_observations"))[-1] == ["01-28", "01-29", "01-30", "01-31"]
    build("--vars", "{ml_monitor_as_of: '2026-02-01 00:00:00', ml_monitor_incremental: false}")
    log = read(db, "ml_monitor_observations")
    assert _runs(log)[-1] == ["01-28", "01-29", "01-30", "01-31"]
    assert len(log) == 4 + 1 + 1 + 4 + 4  # the audit log kept every run (history survives --full-refresh)
    final = read(db, "ml_monitor_metrics")
    assert len(final) == 5 and not final.duplicated(GRAIN).any()


def test_store_keeps_the_anomaly_row_of_every_tested_window(windowed_project, tmp_path):
    """An anomaly row is written only for the newest window of a run; the next day's run, when it
    scans its training windows (here `ml_monitor_incremental: false`; incremental runs read them
    from the store instead), evaluates that window again as a training window, without an anomaly
    row. The store keeps the earlier
    anomaly row (it is not replaced by the re-evaluation), so the `<metric>_anomaly` series has one
    point per tested window (what the report plots and `consecutive_windows` triggers read)."""
    project, db = windowed_project
    schema = project / "seeds" / "schema.yml"     # the fixture's test, with an anomaly rule instead
    schema.write_text(schema.read_text().replace(
        "max_null_rate: 1.0", "anomaly: {training_windows: 2, min_training_windows: 2, exclude_anomalies: false}"))
    assert "anomaly:" in schema.read_text()
    w = tmp_path / "w"
    for command, extra in (("build", "ml_monitor_as_of: '2026-01-31 00:00:00'"),
                           ("test", "ml_monitor_as_of: '2026-02-01 00:00:00', ml_monitor_incremental: false")):
        res = run_dbt([command, "--vars", f"{{{extra}}}"], "duckdb", w, project=project)
        assert res.returncode in (0, 1), res.output
    store = read(db, "ml_monitor_metrics")
    assert not store.duplicated(GRAIN).any()
    anomaly = store[store.metric == "null_rate_anomaly"].sort_values("window_start")
    # both tested windows (Jan 30 from the first run, Jan 31 from the second) are in the store
    assert list(anomaly.window_start.dt.strftime("%m-%d")) == ["01-30", "01-31"]
    assert anomaly.invocation_id.nunique() == 2
    # the metric's own rows of Jan 30 are the second run's (re-evaluated as a training window)
    rate = store[(store.metric == "null_rate") & (store.window_start == pd.Timestamp("2026-01-30"))]
    assert len(rate) == 1 and rate.invocation_id.iloc[0] == anomaly.invocation_id.iloc[1]
    # the report draws both tested windows' expected range from these real rows' facts, clipped to
    # the rate's domain: training (0.75, 0) -> 0.375 +- 3 * 0.53 -> [0, 1]; (0, 0.25) -> [0, 0.655]
    import datetime as dt
    import json

    from ml_monitor.report.shaping import shape_report
    model = shape_report(read(db, "ml_monitor_observations"), now=dt.datetime(2026, 2, 1, 12), days=None)
    (t,) = next(p for p in model["plots"] if p["metric"] == "null_rate")["traces"]
    assert t["anomaly"]["x"] == ["2026-01-30 00:00:00", "2026-01-31 00:00:00"]
    facts = [json.loads(f) for f in anomaly.facts]
    assert t["anomaly"]["lower"] == [f["lower"] for f in facts] == [0.0, 0.0]
    assert t["anomaly"]["upper"] == [f["upper"] for f in facts]
    assert facts[0]["upper"] == 1.0 and facts[1]["upper"] == pytest.approx(0.125 + 3 * 0.25 / 2 ** 0.5, abs=1e-12)
    assert t["band"]["upper"][-2:] == t["anomaly"]["upper"]


def test_fail_on_any_keeps_failing_while_a_failing_window_is_in_the_series(windowed_project, tmp_path):
    """fail_on: any fails while any of the N windows breaches. With incremental refresh it
    evaluated only the newest window on the next run, so a failing past window still in the
    series stopped failing the test (a silent pass, found by a new user). fail_on: any now
    evaluates every window of its series; fail_on: latest keeps the incremental refresh."""
    project, db = windowed_project
    (project / "seeds" / "schema.yml").write_text(textwrap.dedent("""
        seeds:
          - name: events
            columns:
              - name: x
                data_tests:
                  - ml_monitor.null_rate:
                      name: any_window
                      arguments: {max_null_rate: 0.6, timestamp_column: event_ts,
                                  window: {period: day, count: 1}, windows: 4, fail_on: any}
                      config: {severity: warn}
                  - ml_monitor.null_rate:
                      name: latest_window
                      arguments: {max_null_rate: 0.6, timestamp_column: event_ts,
                                  window: {period: day, count: 1}, windows: 4}
                      config: {severity: warn}
    """))
    w = tmp_path / "w"
    status = {}
    for as_of in ("2026-01-31 00:00:00", "2026-02-01 00:00:00", "2026-02-01 00:00:00"):
        res = run_dbt(["build", "--vars", f"{{ml_monitor_as_of: '{as_of}'}}"], "duckdb", w, project=project)
        assert res.returncode == 0, res.output
        for r in res.results:
            name = r["unique_id"].split(".")[2]
            if name in ("any_window", "latest_window"):
                status.setdefault(name, []).append(r["status"])
    # 01-28 (null share 0.75) is in the series of every run: any_window warns every time;
    # latest_window passes (its newest window, 01-30 then 01-31, is below 0.6)
    assert status == {"any_window": ["warn", "warn", "warn"], "latest_window": ["pass", "pass", "pass"]}, status
    log = read(db, "ml_monitor_observations")
    any_runs = _runs(log[log.test_name == "any_window"])
    assert any_runs[1:] == [["01-28", "01-29", "01-30", "01-31"]] * 2       # every window, every run
    assert _runs(log[log.test_name == "latest_window"])[1:] == [["01-31"], ["01-31"]]
