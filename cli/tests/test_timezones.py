"""The time-zone rule (docs/warehouses.md): ml_monitor_as_of and every window are UTC instants,
naive timestamps are read as UTC, and the session's time zone changes nothing.

integration_tests/models/timezone/ runs data-quality and performance cases (freshness with
max_age 6 h, a one-day volume window, a 3-day null_rate window, a label join with label_delay
and reference window) on time-zone-aware columns holding the same instants as the naive UTC
seeds, and compares every row with the naive cases' expected rows (computed by pandas /
scikit-learn). Each adapter runs it under three session time zones. Before the rule, DuckDB
and PostgreSQL compared a timestamptz column with naive UTC literals in the session's zone:
under Asia/Tokyo 39 rows differed.

Adapters from ML_MONITOR_ADAPTERS (default duckdb); Spark's session zone is
spark.sql.session.timeZone (profiles.yml), PostgreSQL's is PGTZ, DuckDB's the TimeZone setting.
"""

from __future__ import annotations

import os

import pytest

from dbt_project_runner import run_dbt

pytestmark = pytest.mark.adversarial

ADAPTERS = os.environ.get("ML_MONITOR_ADAPTERS", "duckdb").split()
ZONES = ["UTC", "America/New_York", "Asia/Tokyo"]


# Spark in UTC is the integration project's own run (test_integration, session zone UTC): only the
# other zones here, a minute of Spark each
ZONE_CASES = [pytest.param(zone, adapter, id=f"{zone}-{adapter}") for zone in ZONES for adapter in ADAPTERS
              if not (adapter == "spark" and zone == "UTC")]


@pytest.mark.parametrize("zone,adapter", ZONE_CASES)
def test_same_rows_in_every_session_time_zone(adapter, zone, tmp_path):
    tag = f"tz_{os.getpid()}_{ZONES.index(zone)}"
    env = {"ML_MONITOR_SESSION_TZ": zone, "PGTZ": zone,
           "ML_MONITOR_PG_SCHEMA": tag, "ML_MONITOR_SPARK_SCHEMA": tag}
    if adapter == "postgres" and not os.environ.get("ML_MONITOR_PG_PASSWORD"):
        pytest.fail("ML_MONITOR_PG_PASSWORD is not set: start PostgreSQL with scripts/postgres.sh")
    run = run_dbt(["build", "--full-refresh", "--indirect-selection", "empty", "--select", "+path:models/timezone"],
                  adapter, tmp_path, extra_env=env)
    by_name = {r["unique_id"].split(".")[2]: r for r in run.results}
    comparison = [r for n, r in by_name.items() if n.startswith("equal_observations_actual_timezone")]
    assert len(comparison) == 1, run.output[-3000:]
    assert comparison[0]["status"] == "pass", (zone, comparison[0].get("message"), run.output[-3000:])
    assert run.returncode == 0, run.output[-3000:]
    # the zone really was the session's: the tz-aware model exists and the run saw it
    assert by_name["actual_timezone"]["status"] == "success"


AS_OF_CASES = [
    ("2026-03-09", "2026-03-09 00:00:00"),
    ("2026-03-09T00:00:00Z", "2026-03-09 00:00:00"),
    ("2026-03-09T00:00:00.000Z", "2026-03-09 00:00:00"),
    ("2026-03-09 00:00:00 UTC", "2026-03-09 00:00:00"),
    ("2026-03-09 05:00:00+05:00", "2026-03-09 00:00:00"),       # an offset is converted to UTC ...
    ("2026-03-08T19:00:00-05:00", "2026-03-09 00:00:00"),
    ("2026-03-09 05:45+0545", "2026-03-09 00:00:00"),
    ("2026-03-09 03:00:00+03", "2026-03-09 00:00:00"),
    ("2026-03-09 12:30", "2026-03-09 12:30:00"),                # ... no zone means UTC
]


def test_as_of_with_a_zone_means_that_instant_in_utc(tmp_path):
    """ml_monitor_as_of '2026-03-09 05:00:00+05:00' once meant 05:00 UTC (the offset was cut off):
    windows five hours late, and a second set of windows in the metric store."""
    from dbt.cli.main import dbtRunner

    from dbt_project_runner import build_tiny_project

    root = tmp_path / "as_of_zones"
    build_tiny_project(root, {"m": "select 1 as x"}, "models: []\n")
    common = ["--project-dir", str(root), "--profiles-dir", str(root), "--log-path", str(root / "logs"),
              "--target-path", str(root / "target"), "--log-level", "none"]

    def as_of(value):
        res = dbtRunner().invoke(["compile", "--inline", "{{ ml_monitor.as_of() }}", "--vars",
                                  f"{{ml_monitor_as_of: '{value}'}}", *common])
        return res.result.results[0].node.compiled_code.strip() if res.success else str(res.exception)

    for value, utc in AS_OF_CASES:
        assert as_of(value) == utc, value

    def error(value):
        import subprocess

        from dbt_project_runner import DBT
        proc = subprocess.run([DBT, "compile", "--inline", "{{ ml_monitor.as_of() }}", "--vars",
                               f"{{ml_monitor_as_of: '{value}'}}", *common[:-2]], capture_output=True, text=True)
        assert proc.returncode != 0, value
        return proc.stdout + proc.stderr

    assert "impossible UTC offset +25:00" in error("2026-03-09 05:00:00+25:00")
    assert "must be a timestamp like" in error("2026-03-09 garbage")     # trailing text: an error, not ignored


PIT_MODELS = {
    # true leakage 0.5 (ids 3, 4 known an hour after the cutoff) whichever side carries a zone
    "pit": "select id, cast('2026-03-08 12:00:00+00:00' as timestamptz) as cutoff_tz, "
           "cast('2026-03-08 12:00:00' as timestamp) as cutoff_naive, "
           "cast(case when id <= 2 then '2026-03-08 11:00:00' else '2026-03-08 13:00:00' end as timestamp) as feat_naive, "
           "cast(case when id <= 2 then '2026-03-08 11:00:00+00:00' else '2026-03-08 13:00:00+00:00' end as timestamptz) as feat_tz "
           "from range(1, 5) as t(id)",
    # the version valid at the cutoff (12:00 UTC) holds income 2: no mismatch
    "pit2": "select id, cast('2026-03-08 12:00:00+00:00' as timestamptz) as cutoff_tz, 2 as income from range(1, 3) as t(id)",
    "pit_hist": "select id, timestamp '2026-03-08 00:00:00' as valid_from, timestamp '2026-03-08 11:30:00' as valid_to, "
                "1 as income from range(1, 3) as t(id) union all "
                "select id, timestamp '2026-03-08 11:30:00', cast(null as timestamp), 2 from range(1, 3) as t(id)",
    # a naive current table, a time-zone-aware reference: 4 reference rows in [03-05, 03-06) UTC
    "cur": "select id, id * 1.0 as x, timestamp '2026-03-06 12:00:00' as ts from range(1, 5) as t(id)",
    "refz": "select id, id * 2.0 as x, cast(case when id <= 4 then '2026-03-05 12:00:00+00:00' "
            "else '2026-03-06 06:00:00+00:00' end as timestamptz) as ts from range(1, 9) as t(id)",
}
PIT_SCHEMA = """models:
  - name: pit
    data_tests:
      - ml_monitor.point_in_time:
          name: pit_tz_cutoff
          arguments: {cutoff_column: cutoff_tz, feature_time_columns: [feat_naive], max_leakage_rate: 1}
      - ml_monitor.point_in_time:
          name: pit_tz_feature
          arguments: {cutoff_column: cutoff_naive, feature_time_columns: [feat_tz], max_leakage_rate: 1}
  - name: pit2
    data_tests:
      - ml_monitor.point_in_time:
          name: pit_tz_history
          arguments:
            cutoff_column: cutoff_tz
            feature_history: ref('pit_hist')
            entity_key: id
            valid_from: valid_from
            valid_to: valid_to
            history_features: [income]
            max_as_of_mismatch_rate: 1
  - name: cur
    columns:
      - name: x
        data_tests:
          - ml_monitor.ks_drift:
              name: ks_tz_reference
              arguments:
                reference: ref('refz')
                reference_window: {period: day, count: 1}
                timestamp_column: ts
                window: {period: day, count: 1}
                threshold: 1
"""


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Chatham", "America/New_York"])
def test_point_in_time_and_a_reference_window_compare_instants(tmp_path, zone):
    """point_in_time compared a timestamptz cutoff with a naive feature time (and the history's
    valid_from / valid_to) in the session's zone: leakage 0.5 read 1.0 or 0.0 by zone; a drift
    reference filtered by reference_window used the current table's column type."""
    import json

    from dbt_project_runner import build_tiny_project, duckdb_rows

    root = tmp_path / "pit_zones"
    ok, by_name = build_tiny_project(root, PIT_MODELS, PIT_SCHEMA, "  ml_monitor_as_of: '2026-03-07 00:00:00'\n",
                                     settings={"TimeZone": f"'{zone}'"})
    assert ok, {n: r.get("message") for n, r in by_name.items() if r["status"] != "pass"}

    def row(test, metric):
        (value, facts), = duckdb_rows(root / "e.duckdb", f"select value, facts from main_dbt_test__audit.{test} "
                                                         f"where metric = '{metric}' and segment_column is null")
        return value, json.loads(facts) if facts else {}

    assert row("pit_tz_cutoff", "leakage_rate")[0] == 0.5
    assert row("pit_tz_feature", "leakage_rate")[0] == 0.5
    assert row("pit_tz_history", "as_of_mismatch_rate")[0] == 0.0
    assert row("ks_tz_reference", "ks")[1]["reference_rows"] == 4


def test_a_timestamp_of_unknown_type_is_said_not_guessed_silently(tmp_path):
    """An ephemeral model's column types cannot be listed at compile time: its timestamp is read
    as naive UTC, and the compile says so (a timestamptz there depends on the session's zone)."""
    from dbt_project_runner import build_tiny_project

    root = tmp_path / "eph"
    models = {"events": "select 1 as id, timestamp '2026-03-06 12:00:00' as ts",
              "events_eph": "{{ config(materialized='ephemeral') }} select * from {{ ref('events') }}"}
    schema = """models:
  - name: events_eph
    data_tests:
      - ml_monitor.volume:
          name: eph_volume
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, min_count: 1}
  - name: events
    data_tests:
      - ml_monitor.volume:
          name: table_volume
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, min_count: 1}
"""
    ok, by_name = build_tiny_project(root, models, schema, "  ml_monitor_as_of: '2026-03-07 00:00:00'\n")
    assert ok and by_name["eph_volume"]["status"] == "pass"
    from dbt.cli.main import dbtRunner

    seen: list[str] = []
    res = dbtRunner(callbacks=[lambda e: seen.append(e.info.msg)]).invoke(
        ["compile", "--select", "eph_volume", "table_volume", "--project-dir", str(root), "--profiles-dir", str(root),
         "--log-path", str(root / "logs"), "--target-path", str(root / "target")])
    assert res.success, res.exception
    warnings = [m for m in seen if "cannot be read" in m]
    assert len(warnings) == 1 and "column ts of __dbt__cte__events_eph cannot be read" in warnings[0], warnings


TEXT_TIME_MODELS = {
    # ISO text with an offset (what an API log writes), a time of day, and a real timestamp
    "events_text": "select 1 as id, '2026-03-08 05:30:00+05:30' as ts_text, cast('05:30:00' as time) as t_of_day, "
                   "cast('2026-03-08 00:00:00' as timestamp) as ts",
}
TEXT_TIME_SCHEMA = """models:
  - name: events_text
    data_tests:
      - ml_monitor.volume:
          name: vol_text
          arguments: {timestamp_column: ts_text, window: {period: day, count: 1}, min_count: 1}
      - ml_monitor.volume:
          name: vol_time_of_day
          arguments: {timestamp_column: t_of_day, window: {period: day, count: 1}, min_count: 1}
      - ml_monitor.volume:
          name: vol_ts
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, min_count: 1}
"""


@pytest.mark.parametrize("adapter", __import__("conftest").sql_adapters())
def test_a_text_or_time_of_day_column_is_refused_with_advice_that_keeps_the_offset(adapter, tmp_path):
    """The compile error for a text timestamp said `cast(ts as timestamp)`: on DuckDB and
    PostgreSQL that cast drops an offset ('2026-03-08 05:30:00+05:30' -> 05:30, 5.5 h late), so
    the advice now names the time-zone-aware cast for text with an offset, and shows it works. A
    time of day (`time`) passed the check ('time' in its type) and failed at run time with an
    engine error; it is a compile error naming the argument now."""
    import json as _json

    from dbt.cli.main import dbtRunner

    from conftest import drop_pg_schemas, pg_profile
    from ml_monitor.paths import package_root

    if adapter == "postgres" and not os.environ.get("ML_MONITOR_PG_PASSWORD"):
        pytest.fail("ML_MONITOR_PG_PASSWORD is not set: start PostgreSQL with scripts/postgres.sh")
    root, schema = tmp_path / "tz_text", f"tz_text_{os.getpid()}"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: tz_text\nversion: '1.0'\nconfig-version: 2\nprofile: tz_text\n"
                                          "models:\n  tz_text:\n    +materialized: table\n"
                                          "vars:\n  ml_monitor_as_of: '2026-03-09'\n")
    (root / "profiles.yml").write_text(
        pg_profile("tz_text", "dev", schema) if adapter == "postgres" else
        f"tz_text:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: \"{root / 'e.duckdb'}\"\n")
    (root / "packages.yml").write_text(f"packages:\n  - local: \"{package_root()}\"\n")
    for name, sql in TEXT_TIME_MODELS.items():
        (root / "models" / f"{name}.sql").write_text(sql)
    (root / "models" / "schema.yml").write_text(TEXT_TIME_SCHEMA)
    common = ["--project-dir", str(root), "--profiles-dir", str(root), "--log-path", str(root / "logs"),
              "--target-path", str(root / "target"), "--log-level", "none"]
    try:
        assert dbtRunner().invoke(["deps", *common[:4], "--log-level", "none"]).success
        dbtRunner().invoke(["build", *common])
        results = _json.loads((root / "target" / "run_results.json").read_text())["results"]
        by_name = {r["unique_id"].split(".")[2]: r for r in results}
        assert by_name["vol_ts"]["status"] == "pass"
        text = by_name["vol_text"]
        assert text["status"] == "error", text
        assert "argument 'timestamp_column' must name a timestamp or date column; ts_text is" in text["message"]
        assert "cast(ts_text as timestamp)" in text["message"] and "cast(ts_text as timestamptz)" in text["message"]
        assert "drops the offset" in text["message"]
        tod = by_name["vol_time_of_day"]
        assert tod["status"] == "error" and "t_of_day is time" in tod["message"].lower(), tod["message"]
        assert "must name a timestamp or date column" in tod["message"]
        # the advice holds: the time-zone-aware cast keeps the instant, the naive one does not
        (root / "models" / "events_cast.sql").write_text(
            "select id, cast(ts_text as timestamptz) as ts_aware, cast(ts_text as timestamp) as ts_naive "
            "from {{ ref('events_text') }}")
        (root / "models" / "schema.yml").write_text(TEXT_TIME_SCHEMA + """  - name: events_cast
    data_tests:
      - ml_monitor.volume:
          name: vol_aware
          arguments: {timestamp_column: ts_aware, window: {period: hour, count: 1}, min_count: 1}
""")
        res = dbtRunner().invoke(["build", "--select", "events_cast", "vol_aware", *common,
                                  "--vars", "{ml_monitor_as_of: '2026-03-08 00:30:00'}"])
        assert res.success, [(r.node.name, r.message) for r in res.result.results if r.status not in ("pass", "success")]
    finally:
        if adapter == "postgres":
            drop_pg_schemas(schema, schema + "_dbt_test__audit")
