"""`anomaly:` on the per-window series (issue 15 items 1-3) end to end on DuckDB.

* regenerates the anomaly seeds (numpy / pandas oracle, integration_tests/scripts/gen_anomaly.py)
  and checks they are the committed ones;
* `dbt build` of the anomaly family: every anomaly row (score, expected value, threshold,
  status, sample size, window) equals the oracle's to 1e-9; the comparison is proven to fail
  on a score off by 1e-6;
* the anomaly rows decide the test (a null_rate test without max_null_rate fails on its anomaly
  row alone); volume_anomaly and freshness_anomaly work as stand-alone tests;
* the compiled SQL reads the monitored table once, as `windows: N` alone does;
* bad settings are compile-time errors naming the test and the argument.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from dbt_project_runner import build_family, build_tiny_project, run_dbt
from dbt_project_runner import duckdb_rows as _rows

NEWEST = dt.datetime(2026, 1, 30)


def _build_anomaly_family(work):
    """build_family('anomaly') plus the inputs of anomaly_every_monitor (windows and late_labels
    seeds), without those families' own tests."""
    return build_family("anomaly", work, extra_select=("+path:models/anomaly",), exclude=(
        "resource_type:test,path:seeds/windows/windows.yml", "resource_type:test,path:models/late_labels/late_labels.yml"))


@pytest.fixture(scope="module")
def anomaly_build(tmp_path_factory):
    return _build_anomaly_family(tmp_path_factory.mktemp("anomaly"))


def test_generator_is_deterministic_and_committed(anomaly_build):
    assert anomaly_build["after"] == anomaly_build["before"]
    assert len(anomaly_build["after"]) == 3


def test_every_anomaly_node_passed(anomaly_build):
    run = anomaly_build["run"]
    assert run.results, run.output[-5000:]
    failed = run.failed_nodes()
    assert not failed, "\n".join(failed) + "\n" + run.output[-3000:]
    names = {r["unique_id"].split(".")[2] for r in run.results if r["unique_id"].startswith("test.")}
    assert {"anomaly_comparison_fails_on_a_wrong_value", "anomaly_volume_test_fails_on_a_spike",
            "anomaly_volume_test_passes_on_a_clean_series", "anomaly_freshness_test_fails_when_stale",
            "anomaly_null_rate_test_fails_on_the_anomaly_alone"} <= names
    db = anomaly_build["db"]
    statuses = dict(_rows(db, "select case_name, status from main.actual_anomaly"))
    assert len(statuses) == 21
    # what each case is meant to show (the oracle asserts the same on its side)
    assert statuses["weekly_by_weekday"] == "pass" and statuses["weekly_without_season"] == "fail"
    assert statuses["hourly_by_hour"] == "pass" and statuses["hourly_without_season"] == "fail"
    assert statuses["incident_excluded"] == "fail" and statuses["incident_included"] == "pass"
    assert statuses["tiny_with_floor"] == "pass" and statuses["tiny_without_floor"] == "fail"
    assert statuses["hidden"] == "fail" and statuses["short_history"] == "skipped"
    # every windowed monitor appends one anomaly row per series (structural check in the model)
    verdicts = dict(_rows(db, """select case_name, verdict from main.anomaly_every_dq union all
                                 select case_name, verdict from main.anomaly_every_drift union all
                                 select case_name, verdict from main.anomaly_every_perf"""))
    assert verdicts == {c: "ok" for c in ["volume", "freshness", "null_rate", "value_range", "accepted_values",
                                          "cardinality", "psi", "js", "ks", "prediction_drift", "performance"]}


def test_comparison_failure_is_real(anomaly_build):
    db = anomaly_build["db"]
    wrong = _rows(db, """select case_name, actual_value, expected_value
                         from main_dbt_test__audit.anomaly_comparison_fails_on_a_wrong_value""")
    assert [w[0] for w in wrong] == ["clean"]
    assert wrong[0][2] - wrong[0][1] == pytest.approx(1e-6, abs=1e-12)


def test_anomaly_rows_decide_and_say_why(anomaly_build):
    db = anomaly_build["db"]
    rows = _rows(db, """select metric, window_start, status, is_deciding
                        from main_dbt_test__audit.anomaly_null_rate_test_fails_on_the_anomaly_alone
                        where is_deciding order by metric""")
    # no max_null_rate: the newest window's own row passes; the anomaly row fails the test
    assert rows == [("null_rate", NEWEST, "pass", True), ("null_rate_anomaly", NEWEST, "fail", True)]
    details = dict(_rows(db, "select case_name, detail from main.actual_anomaly"))
    assert details["weekly_by_weekday"].startswith("value 200.0 inside expected range [")
    assert "training windows (weekday Friday)" in details["weekly_by_weekday"]
    assert details["hourly_by_hour"].startswith("value 81.0 inside expected range [")
    assert "training windows (hour 23:00)" in details["hourly_by_hour"]
    assert details["incident_excluded"].endswith("; 1 training window excluded as anomalies")
    assert details["tiny_with_floor"].endswith("not an anomaly: change 2.5 within min_abs_change 5")
    assert details["drop_watching_spikes"].endswith("not an anomaly: direction is spike")
    assert details["null_rate_mad"].endswith("; 2 training windows without a value skipped")
    assert details["short_history"].startswith("3 training windows with a value, fewer than min_training_windows 5")
    facts = {c: json.loads(f) for c, f in _rows(db, "select case_name, facts from main.actual_anomaly")}
    # a constant training series: spread 0, band [50, 50], no score, and 51 is anomalous
    assert facts["constant"]["spread"] == 0 and facts["constant"]["lower"] == facts["constant"]["upper"] == 50
    assert facts["hidden"]["anomaly"]["exclude_anomalies"] is False and facts["hidden"]["training"] == 5
    assert facts["level_shift_mad"]["excluded"] == 3 and facts["level_shift_mad"]["anomaly"]["method"] == "mad"
    # the band's bounds are clipped to the metric's domain (a rate to [0, 1], a count or an age to
    # >= 0); the verdict is the unclipped rule's. At least one case's raw lower bound is negative.
    domain = {"null_rate": (0.0, 1.0), "row_count": (0.0, None), "hours_since_latest": (0.0, None)}
    clipped = 0
    for case, metric, f in _rows(db, "select case_name, metric, facts from main.actual_anomaly"):
        f = json.loads(f)
        if f["expected"] is None or f["spread"] is None:
            continue
        k = f["anomaly"]["sensitivity"]
        lo, hi = f["expected"] - k * f["spread"], f["expected"] + k * f["spread"]
        floor, ceiling = domain[metric.removesuffix("_anomaly")]
        assert f["lower"] == pytest.approx(max(lo, floor), abs=1e-12), case
        assert f["upper"] == pytest.approx(hi if ceiling is None else min(hi, ceiling), abs=1e-12), case
        clipped += lo < floor
    assert clipped >= 1
    assert re.search(r"expected range \[0(\.0)?, 0\.1217\]", details["null_rate_mad"]), details["null_rate_mad"]


def test_anomaly_adds_no_scan_of_the_monitored_table(anomaly_build):
    """The compiled stand-alone test reads anomaly_events in one FROM, like windows: N alone."""
    compiled = next((anomaly_build["work"] / "target" / "compiled").rglob("anomaly_volume_test_fails_on_a_spike.sql"))
    sql = compiled.read_text()
    assert len(re.findall(r'from\s+"anomaly"\."main"\."anomaly_events"', sql, flags=re.I)) == 1, sql[:2000]
    # and every one of the 29 windows (tested + 14 training + 14 judging them) is in that scan
    assert "2026-01-02 00:00:00" in sql and "2026-01-01 00:00:00" not in sql
    parts = [p.read_text() for p in (anomaly_build["work"] / "target" / "compiled").rglob("actual_anomaly_part*.sql")]
    # 1 per case, and freshness (case stale) reads the rows before its scanned windows too (the
    # newest row before a window however old: docs/anomaly-detection.md, freshness with windows)
    assert sum(len(re.findall(r'from\s+"anomaly"\."main"\."anomaly_events"', p)) for p in parts) == 21 + 1



_CTE = re.compile(r"(?:\bwith|,)\s+(\w+)\s+as\s+\(", re.I)


def cte_reads(sql: str, prefixes=("ml_observed", "ml_anomaly", "ml_j_", "ml_t_")) -> dict[str, int]:
    """How often each CTE of the anomaly builder (by name prefix) is read (`from` / `join` it)."""
    sql = re.sub(r"--[^\n]*", "", sql)
    names = {m.group(1) for m in _CTE.finditer(sql) if m.group(1).startswith(prefixes)}
    return {n: len(re.findall(rf"\b(?:from|join)\s+{n}\b", sql, flags=re.I)) for n in sorted(names)}


def test_anomaly_sql_is_one_chain(anomaly_build):
    """Every CTE of the anomaly builder is read exactly once, the monitor's rows (ml_observed)
    included: Spark inlines a CTE at each reference, so one read twice is planned twice (the
    earlier shape read the monitor's rows along some 45 paths). Checked on a case with
    exclude_anomalies and mad (the longest chain) and on one without exclusion."""
    compiled = anomaly_build["work"] / "target" / "compiled"
    spike = next(compiled.rglob("anomaly_volume_test_fails_on_a_spike.sql")).read_text()
    reads = cte_reads(spike)
    assert {"ml_observed", "ml_anomaly_parts", "ml_j_band", "ml_anomaly_flagged", "ml_t_band"} <= set(reads), reads
    assert set(reads.values()) == {1}, reads
    clean = next(compiled.rglob("anomaly_volume_test_passes_on_a_clean_series.sql")).read_text()
    assert set(cte_reads(clean).values()) == {1}, cte_reads(clean)
    # the check can fail: a CTE read twice
    assert cte_reads("with ml_observed as (select 1 as a), ml_anomaly_x as (select * from ml_observed) "
                     "select * from ml_anomaly_x join ml_observed on true") == {"ml_anomaly_x": 1, "ml_observed": 2}


ERRORS_SCHEMA = """
models:
  - name: m
    data_tests:
      - ml_monitor.volume_anomaly:
          name: ok_volume_anomaly
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, min_training_windows: 2, training_windows: 2}
      - ml_monitor.volume_anomaly:
          name: bad_method
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, method: iqr}
      - ml_monitor.volume_anomaly:
          name: bad_direction
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, direction: up}
      - ml_monitor.volume_anomaly:
          name: bad_seasonality
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, seasonality: monthly}
      - ml_monitor.volume_anomaly:
          name: zero_sensitivity
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, sensitivity: 0}
      - ml_monitor.volume_anomaly:
          name: training_below_minimum
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, training_windows: 3, min_training_windows: 5}
      - ml_monitor.volume:
          name: unknown_setting
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, anomaly: {sensitivty: 3}}
      - ml_monitor.volume:
          name: ok_one_window_scanned
          # windows: 1 scans the newest window only (training from the metric store, empty here)
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, windows: 1, anomaly: {}}
      - ml_monitor.volume:
          name: season_of_weekly_windows
          arguments: {timestamp_column: ts, window: {period: week, count: 1}, anomaly: {seasonality: day_of_week}}
      - ml_monitor.freshness_anomaly:
          name: freshness_without_window
          arguments: {timestamp_column: ts}
  - name: p
    data_tests:
      - ml_monitor.calibration:
          name: ok_calibration_anomaly
          arguments: {labels: ref('l'), join_key: id, label_column: label, score_column: score, timestamp_column: ts,
                      window: {period: day, count: 1}, anomaly: {training_windows: 2, min_training_windows: 2}}
      - ml_monitor.label_coverage:
          name: ok_label_coverage_anomaly
          arguments: {labels: ref('l'), join_key: id, label_column: label, timestamp_column: ts,
                      window: {period: day, count: 1}, anomaly: {training_windows: 2, min_training_windows: 2}}
"""

EXPECTED_ERRORS = {
    "bad_method": ("ml_monitor.volume_anomaly", "'anomaly.method' must be one of zscore, mad (got iqr)"),
    "bad_direction": ("ml_monitor.volume_anomaly", "'anomaly.direction' must be one of spike, drop, both (got up)"),
    "bad_seasonality": ("ml_monitor.volume_anomaly", "'anomaly.seasonality' must be one of"),
    "zero_sensitivity": ("ml_monitor.volume_anomaly", "'anomaly.sensitivity' must be a number > 0 (got 0)"),
    "training_below_minimum": ("ml_monitor.volume_anomaly",
                               "'anomaly.training_windows' must be at least min_training_windows (5) (got 3)"),
    "unknown_setting": ("ml_monitor.volume", "'anomaly.sensitivty' is not an anomaly setting; the settings are:"),
    "season_of_weekly_windows": ("ml_monitor.volume", "'anomaly.seasonality' day_of_week needs windows shorter than a week that divide it evenly"),
    "freshness_without_window": ("ml_monitor.freshness_anomaly", "'window' is required"),
}


def test_bad_settings_are_compile_errors_naming_test_and_argument(tmp_path):
    ok, by_name = build_tiny_project(tmp_path / "anomaly_errors", {
        "m": "select cast('2026-01-29 10:00:00' as timestamp) as ts union all "
             "select cast('2026-01-30 10:00:00' as timestamp)",
        "p": "select 1 as id, 0.8 as score, cast('2026-01-29 10:00:00' as timestamp) as ts union all "
             "select 2, 0.3, cast('2026-01-30 10:00:00' as timestamp)",
        "l": "select 1 as id, 1 as label union all select 2, 0",
    }, ERRORS_SCHEMA, project_vars="  ml_monitor_as_of: '2026-01-31 00:00:00'\n")
    # too little history is a status, not an error: skipped with its reason
    for name in ("ok_volume_anomaly", "ok_calibration_anomaly", "ok_label_coverage_anomaly", "ok_one_window_scanned"):
        assert by_name[name]["status"] in ("pass", "fail"), by_name[name]
    for name, (test, message) in EXPECTED_ERRORS.items():
        r = by_name[name]
        assert r["status"] == "error", (name, r)
        assert test in r["message"] and message in r["message"], (name, r["message"])
    assert not ok


# --- training from the metric store -----------------------------------------------------------

STORE_COUNTS = {"2026-01-28": 10, "2026-01-29": 12, "2026-01-30": 30}


@pytest.fixture()
def store_project(tmp_path):
    """Daily events (STORE_COUNTS rows a day) and a volume_anomaly test that scans one window
    (`windows: 1`); the history hook records every run."""
    import textwrap

    from dbt_project_runner import write_package_project

    p = write_package_project(tmp_path / "aproj", "astore", tmp_path / "astore.duckdb", """
        seeds:
          astore:
            events:
              +column_types: {event_ts: timestamp}
    """)
    rows = ["id,event_ts"]
    for day, n in STORE_COUNTS.items():
        rows += [f"{len(rows)},{day} {h % 24:02d}:00:00" for h in range(n)]
    (p / "seeds" / "events.csv").write_text("\n".join(rows) + "\n")
    (p / "seeds" / "schema.yml").write_text(textwrap.dedent("""
        seeds:
          - name: events
            data_tests:
              - ml_monitor.volume_anomaly:
                  name: volume_from_store
                  arguments:
                    timestamp_column: event_ts
                    window: {period: day, count: 1}
                    windows: 1
                    training_windows: 5
                    min_training_windows: 2
    """))
    assert run_dbt(["deps"], "duckdb", tmp_path / "w", project=p).returncode == 0
    return p, tmp_path / "astore.duckdb"


def test_training_comes_from_the_metric_store(store_project, tmp_path):
    """`windows: 1` scans only the newest window; after a history of runs, the training windows
    are the ones the metric store holds for this test (latest evaluation), read, not rescanned,
    and not recorded again. Without the store (--full-refresh) the same run has no training."""
    import numpy as np

    project, db = store_project
    w = tmp_path / "w"

    def run(as_of, *extra):
        res = run_dbt(["build", *extra, "--vars", f"{{ml_monitor_as_of: '{as_of} 00:00:00'}}"], "duckdb", w,
                      project=project)
        assert res.returncode in (0, 1), res.output[-3000:]
        return _rows(db, """select metric, status, value, baseline_value, facts, window_start
                            from main.ml_monitor_observations
                            where invocation_id = (select invocation_id from main.ml_monitor_observations
                                                   order by run_started_at desc limit 1)
                            order by metric""")

    # a daily schedule: each run scans (and stores) its newest window only; too little history yet
    for day, n_stored in [("2026-01-29", 0), ("2026-01-30", 1)]:
        rows = run(day)
        assert [r[:2] for r in rows] == [("row_count", "pass"), ("row_count_anomaly", "skipped")], rows
        assert json.loads(rows[1][4])["from_store"] == n_stored
        assert rows[1][5] == dt.datetime.fromisoformat(day) - dt.timedelta(days=1)

    # the third run: 2 training windows, both from the store (01-28, 01-29), the spike on 01-30
    rows = run("2026-01-31")
    training = np.array([10.0, 12.0])
    expected, spread = training.mean(), training.std(ddof=1)
    assert [r[:2] for r in rows] == [("row_count", "pass"), ("row_count_anomaly", "fail")], rows
    metric, status, value, baseline, facts, start = rows[1]
    assert value == pytest.approx((30 - expected) / spread, abs=1e-9)
    assert baseline == pytest.approx(expected, abs=1e-9)
    facts = json.loads(facts)
    assert facts["training"] == 2 and facts["from_store"] == 2 and facts["missing"] == 3
    # only the newest window was read from the table and recorded (the stored ones are not re-output)
    assert {r[5] for r in rows} == {dt.datetime(2026, 1, 30)}
    compiled = next((w / "target" / "compiled").rglob("volume_from_store.sql")).read_text()
    scan = compiled[:compiled.index("ml_anomaly_windows as")]
    assert "2026-01-30 00:00:00" in scan and "2026-01-29 00:00:00" not in scan

    # negative control: without the store (--full-refresh reads no history) nothing trains it
    rows = run("2026-01-31", "--full-refresh")
    assert rows[1][:2] == ("row_count_anomaly", "skipped")
    assert json.loads(rows[1][4])["from_store"] == 0


def test_a_training_window_with_exactly_min_training_windows_is_judged(tmp_path):
    """exclude_anomalies judges a training window that has min_training_windows usable values of its
    own training (>=, not >): here window 3 has exactly 2 (window 0 is empty) and is an outlier, so
    it is left out of the tested window's band. Against the oracle of gen_anomaly.py (anomaly_row).
    windows: 7 scans the whole series (1 + 2 x 3 windows), so no metric store is read."""
    import sys

    from dbt_project_runner import INTEGRATION

    sys.path.insert(0, str(INTEGRATION / "scripts"))
    from gen_anomaly import DEFAULTS, anomaly_row

    nulls = {"2026-01-25": 10, "2026-01-26": 12, "2026-01-27": 50, "2026-01-28": 11, "2026-01-29": 10, "2026-01-30": 30}
    model = " union all ".join(f"select timestamp '{d} 10:00:00' as ts, case when i < {k} then null else 1.0 end as x "
                               f"from range(0, 100) as t(i)" for d, k in nulls.items())
    schema = """
models:
  - name: m
    data_tests:
      - ml_monitor.null_rate:
          name: judged_null_rate
          arguments: {columns: [x], timestamp_column: ts, window: {period: day, count: 1}, windows: 7,
                      anomaly: {training_windows: 3, min_training_windows: 2}}
"""
    build_tiny_project(tmp_path / "judged", {"m": model}, schema,
                       project_vars="  ml_monitor_as_of: '2026-01-31'\n  ml_monitor_incremental: false\n")
    cfg = {**DEFAULTS, "training_windows": 3, "min_training_windows": 2}
    values = [None] + [k / 100 for k in nulls.values()]        # 2026-01-24 (empty) .. 2026-01-30, oldest first
    expected = anomaly_row(values, cfg, 1)
    assert expected["excluded"] == 1 and expected["status"] == "fail"
    assert anomaly_row(values, {**cfg, "exclude_anomalies": False}, 1)["status"] == "pass"   # the exclusion decides
    rows = _rows(tmp_path / "judged" / "e.duckdb", """select status, value, baseline_value, facts
                 from main_dbt_test__audit.judged_null_rate where metric = 'null_rate_anomaly'""")
    assert len(rows) == 1
    status, value, baseline, facts = rows[0]
    assert (status, json.loads(facts)["excluded"]) == ("fail", 1)
    assert value == pytest.approx(expected["value"], abs=1e-9) and baseline == pytest.approx(expected["baseline_value"], abs=1e-9)
