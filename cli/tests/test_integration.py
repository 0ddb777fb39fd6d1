"""The whole integration project (every monitor, every expected seed) on each adapter.

Adapters come from ML_MONITOR_ADAPTERS (default: duckdb). `make test` runs duckdb, postgres
and spark; PostgreSQL must be running (scripts/postgres.sh) and its password in
ML_MONITOR_PG_PASSWORD.
"""

from __future__ import annotations

import os

import pytest

from dbt_project_runner import generate_seeds, run_dbt

ADAPTERS = os.environ.get("ML_MONITOR_ADAPTERS", "duckdb").split()


@pytest.fixture(scope="module", autouse=True)
def seeds_and_deps(tmp_path_factory):
    generate_seeds()
    deps = run_dbt(["deps"], "duckdb", tmp_path_factory.mktemp("deps"))
    assert deps.returncode == 0, deps.output


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_integration_project(adapter, tmp_path):
    """One `dbt build` per adapter (Spark pays ~15 s of JVM start per invocation)."""
    extra = {}
    if adapter == "postgres":
        if not os.environ.get("ML_MONITOR_PG_PASSWORD"):
            pytest.fail("ML_MONITOR_PG_PASSWORD is not set: start PostgreSQL with scripts/postgres.sh")
        extra["ML_MONITOR_PG_SCHEMA"] = f"it_{os.getpid()}"
    if adapter == "spark":
        extra["ML_MONITOR_SPARK_SCHEMA"] = f"it_{os.getpid()}"
    run = run_dbt(["build", "--full-refresh"], adapter, tmp_path, extra_env=extra)
    assert run.results, run.output[-5000:]
    failed = run.failed_nodes()
    assert not failed, "\n".join(failed) + "\n" + run.output[-3000:]
    assert run.returncode == 0, run.output[-5000:]
    # every ml_monitor test's rows reached the history (hook on-run-end), once
    n_monitor_tests = sum(1 for r in run.results if ".ml_monitor_" in r["unique_id"] and r["unique_id"].startswith("test."))
    assert n_monitor_tests > 10
    assert "ml_monitor: recorded observations of" in run.output
