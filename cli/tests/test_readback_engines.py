"""`ml-monitor run` reads the failing observation rows back (one `dbt show` over the tables
store_failures keeps) on PostgreSQL and Spark too, not only DuckDB.

The fixture project of conftest.py, with its profile pointed at the engine; the expected values
are computed with pandas from the same seed. Adapters come from ML_MONITOR_ADAPTERS (PostgreSQL
needs ML_MONITOR_PG_PASSWORD; Spark is one invocation, ~30 s of JVM).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURE_SEED, _write_fixture_project, console_script, drop_pg_schemas, pg_profile, subprocess_env

ADAPTERS = os.environ.get("ML_MONITOR_ADAPTERS", "duckdb").split()
SCHEMA = f"readback_{os.getpid()}"

PROFILES = {
    "postgres": pg_profile("fixture_proj", "pg", "%(schema)s"),
    "spark": """fixture_proj:
  target: spark
  outputs:
    spark:
      type: spark
      method: session
      host: localhost
      schema: "%(schema)s"
      server_side_parameters:
        "spark.sql.warehouse.dir": "%(work)s/warehouse"
        "spark.driver.extraJavaOptions": "-Dderby.system.home=%(work)s/derby"
        "spark.sql.session.timeZone": "UTC"
        "spark.ui.enabled": "false"
        "spark.sql.shuffle.partitions": "2"
        "spark.sql.codegen.wholeStage": "false"
      threads: 1
""",
}


def expected_null_rates() -> dict[str | None, float]:
    """null_rate of `score` overall and per `segment`, from the seed with pandas."""
    seed = pd.read_csv(io.StringIO(FIXTURE_SEED))
    rates: dict[str | None, float] = {None: float(seed["score"].isna().mean())}
    for segment, rows in seed.groupby("segment"):
        rates[str(segment)] = float(rows["score"].isna().mean())
    return rates


def _drop_pg_schema() -> None:
    drop_pg_schemas(SCHEMA, f"{SCHEMA}_dbt_test__audit")


def _run(adapter: str, work: Path) -> dict:
    project = work / "proj"
    _write_fixture_project(project)
    (project / "profiles.yml").write_text(PROFILES[adapter] % {"schema": SCHEMA, "work": work})
    # subprocess_env drops ML_MONITOR_* (CLI settings); the profile's connection variables go back in
    engine = {k: v for k, v in os.environ.items() if k.startswith(("ML_MONITOR_PG_", "ML_MONITOR_SPARK_"))}
    env = subprocess_env(DBT_SEND_ANONYMOUS_USAGE_STATS="false", **engine)
    deps = subprocess.run([str(Path(console_script()).with_name("dbt")), "deps", "--project-dir", str(project),
                           "--profiles-dir", str(project)], cwd=project, env=env, capture_output=True, text=True,
                          timeout=300)
    assert deps.returncode == 0, deps.stdout + deps.stderr
    proc = subprocess.run([console_script(), "run", "--project-dir", str(project), "--profiles-dir", str(project),
                           "--state-path", str(work / "state.sqlite"), "--format", "json"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 1, proc.stderr[-5000:]
    return {"out": json.loads(proc.stdout), "err": proc.stderr}


def _check_readback(adapter: str, result: dict) -> None:
    out = result["out"]
    assert out["target"] == {"postgres": "pg", "spark": "spark"}[adapter]          # the profile's default
    (score,) = [c for c in out["checks"] if c["monitor"] == "null_rate" and c["column"] == "score"]
    assert score["status"] == "warn" and score["failing_observations"] == 3
    rows = {o["segment_value"] if o["segment_column"] else None: o for o in score["observations"]}
    expected = expected_null_rates()
    assert set(rows) == set(expected)
    for key, rate in expected.items():
        assert rows[key]["status"] == "fail"
        assert rows[key]["value"] == pytest.approx(rate, abs=1e-9), key
        assert rows[key]["threshold"] == pytest.approx(0.1, abs=1e-9)
    # the alert carries the rows read back, and its text names the engine's target
    (alert,) = [a for a in out["alerts"] if a["column"] == "score"]
    assert len(alert["observations"]) == 3 and "segment segment = a is 0.5" in alert["summary"]
    (id_rate,) = [c for c in out["checks"] if c["monitor"] == "null_rate" and c["column"] == "id"]
    assert id_rate["status"] == "pass" and id_rate["observations"] == []


def test_the_expected_rates_are_not_trivial():
    # a wrong read-back (all zeros, or segments swapped) would not match these
    assert expected_null_rates() == {None: 0.4, "a": 0.5, "b": pytest.approx(1 / 3, abs=1e-12)}


@pytest.mark.parametrize("adapter", [
    pytest.param("postgres", marks=pytest.mark.skipif("postgres" not in ADAPTERS,
                                                      reason="postgres not in ML_MONITOR_ADAPTERS")),
    pytest.param("spark", marks=pytest.mark.skipif("spark" not in ADAPTERS, reason="spark not in ML_MONITOR_ADAPTERS")),
])
def test_failing_rows_read_back(adapter, tmp_path):
    """One `ml-monitor run` per engine (Spark: one invocation, ~30 s of JVM)."""
    if adapter == "postgres" and not os.environ.get("ML_MONITOR_PG_PASSWORD"):
        pytest.fail("ML_MONITOR_PG_PASSWORD is not set: start PostgreSQL with scripts/postgres.sh")
    try:
        _check_readback(adapter, _run(adapter, tmp_path))
    finally:
        if adapter == "postgres":
            _drop_pg_schema()
