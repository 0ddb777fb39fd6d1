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


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("zone", ZONES)
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
