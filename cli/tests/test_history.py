"""The observation history: one row per observation per run, idempotent hook, --full-refresh."""

from __future__ import annotations

import textwrap

import duckdb
import pytest

from dbt_project_runner import run_dbt, write_package_project


@pytest.fixture()
def tiny_project(tmp_path):
    p = write_package_project(tmp_path / "proj", "tiny", tmp_path / "tiny.duckdb", """
        vars:
          ml_monitor_as_of: "2026-01-31 00:00:00"
    """, hooks=2)
    (p / "seeds" / "events.csv").write_text("id,x,seg\n1,1.0,a\n2,,a\n3,3.0,b\n4,,\n")
    (p / "models" / "schema.yml").write_text(textwrap.dedent("""
        seeds:
          - name: events
            columns:
              - name: x
                data_tests:
                  - ml_monitor.null_rate:
                      arguments: {max_null_rate: 1.0, segment_by: [seg]}
                  - ml_monitor.null_rate:
                      arguments: {max_null_rate: 0.1}
                      config: {severity: warn}
    """))
    assert run_dbt(["deps"], "duckdb", tmp_path / "w", project=p).returncode == 0
    return p, tmp_path / "tiny.duckdb"


def history(db):
    with duckdb.connect(str(db), read_only=True) as c:
        return c.sql("select * from main.ml_monitor_observations").df()


def test_history_one_row_per_observation_per_run(tiny_project, tmp_path):
    project, db = tiny_project
    first = run_dbt(["build"], "duckdb", tmp_path / "w", project=project)
    assert first.returncode == 0, first.output  # severity warn: the failing check only warns
    second = run_dbt(["build"], "duckdb", tmp_path / "w", project=project)
    assert second.returncode == 0, second.output
    h = history(db)
    # test 1: overall + segments a, b, null = 4 rows; test 2: 1 row -> 5 per run, 2 runs
    assert len(h) == 10
    assert h.invocation_id.nunique() == 2
    assert h.groupby("invocation_id").size().tolist() == [5, 5]
    assert h.observation_id.is_unique
    warn = h[h.severity == "warn"]
    assert set(warn.status) == {"fail"} and set(warn.test_status) == {"warn"}
    assert warn.value.tolist() == [0.5, 0.5]
    seg = h[(h.segment_column == "seg") & h.segment_value.isna()]
    assert len(seg) == 2 and seg.value.tolist() == [1.0, 1.0] and set(seg.status) == {"pass"}
    assert set(h.model_name) == {"events"}

    # the hook inserts its tests in batches (var ml_monitor_record_batch, default 50): one test
    # per insert records the same rows, and the second hook call again adds none
    third = run_dbt(["build", "--vars", "{ml_monitor_record_batch: 1}"], "duckdb", tmp_path / "w", project=project)
    assert third.returncode == 0, third.output
    h3 = history(db)
    assert len(h3) == 15 and h3.observation_id.is_unique
    new = h3[~h3.invocation_id.isin(set(h.invocation_id))]
    assert len(new) == 5 and sorted(new.test_unique_id.value_counts().tolist()) == [1, 4]

    # --full-refresh keeps history unless the var says otherwise
    kept = run_dbt(["build", "--full-refresh", "--select", "ml_monitor_observations"], "duckdb", tmp_path / "w", project=project)
    assert kept.returncode == 0, kept.output
    assert len(history(db)) == 15
    wiped = run_dbt(["build", "--full-refresh", "--select", "ml_monitor_observations",
                     "--vars", "{ml_monitor_full_refresh: true}"], "duckdb", tmp_path / "w", project=project)
    assert wiped.returncode == 0, wiped.output
    assert len(history(db)) == 0


def test_history_created_by_hook_when_model_not_built(tiny_project, tmp_path):
    """`dbt test` alone (history model never built) still records: the hook creates the table."""
    project, db = tiny_project
    assert run_dbt(["seed"], "duckdb", tmp_path / "w", project=project).returncode == 0
    run = run_dbt(["test"], "duckdb", tmp_path / "w", project=project)
    assert run.returncode == 0, run.output
    assert len(history(db)) == 5


def test_history_from_an_older_version_gains_the_facts_column(tiny_project, tmp_path):
    """A history table made before `facts` existed keeps its rows; the hook adds the column
    (no --full-refresh needed) and records the new rows with it."""
    from ml_monitor.schema import HISTORY_COLUMNS

    project, db = tiny_project
    assert run_dbt(["seed"], "duckdb", tmp_path / "w", project=project).returncode == 0
    old = {k: v for k, v in HISTORY_COLUMNS.items() if k != "facts"}
    types = {"string": "varchar", "double": "double", "bigint": "bigint", "timestamp": "timestamp"}
    with duckdb.connect(str(db)) as c:
        c.execute("create table main.ml_monitor_observations ("
                  + ", ".join(f"{n} {types[k]}" for n, k in old.items()) + ")")
        c.execute("insert into main.ml_monitor_observations (monitor, metric, status, invocation_id) "
                  "values ('null_rate', 'null_rate', 'pass', 'old-run')")
    run = run_dbt(["test"], "duckdb", tmp_path / "w", project=project)
    assert run.returncode == 0, run.output
    assert "adding column facts" in run.output
    h = history(db)
    assert list(h.columns) == list(old) + ["facts"]   # appended at the end
    assert len(h) == 6 and (h.invocation_id == "old-run").sum() == 1
    # null_rate has no facts of its own, only the lineage the hook adds; the old row has none
    from ml_monitor.schema import parse_facts
    assert h.facts[h.invocation_id == "old-run"].isna().all()
    assert all(set(parse_facts(f)) == {"lineage"} for f in h.facts[h.invocation_id != "old-run"])


def test_every_other_test_of_the_run_gets_a_row_of_its_outcome(tiny_project, tmp_path):
    """A plain dbt test, a singular test and an ml_monitor test that errored before it stored
    rows were absent from the history, so the report (built from it) did not show a failing
    `not_null` that the alert named. Each now gets one row: failing_rows (dbt's failures) or
    test_error (dbt's message), no window; `ml_monitor_record_all_tests: false` leaves them out."""
    project, db = tiny_project
    (project / "tests").mkdir()
    (project / "tests" / "no_big_x.sql").write_text("select * from {{ ref('events_m') }} where x > 2")
    # a test that errors with a credential in a URL inside dbt's message (DuckDB quotes the SQL)
    (project / "tests" / "bad_sql.sql").write_text(
        "select 'postgres://app:hunter2@db.internal/x' as dsn fromm {{ ref('events_m') }}")
    # the fixture's two ml_monitor tests stay on the seed; the others on a model over it
    (project / "models" / "events_m.sql").write_text("select * from {{ ref('events') }}")
    (project / "models" / "more.yml").write_text(textwrap.dedent("""
        sources:
          - name: raw               # the seed again, as a source of the same name as the seed
            schema: main
            tables:
              - name: events
                columns:
                  - name: id
                    data_tests: [not_null]
        models:
          - name: events_m
            data_tests:
              - ml_monitor.null_rate:
                  name: broken_monitor
                  arguments: {columns: [no_such_column], max_null_rate: 0.5}
            columns:
              - name: x
                data_tests: [not_null]
              - name: id
                data_tests:
                  - unique
                  - not_null:
                      config: {severity: warn, where: "id > 1"}
    """))
    run = run_dbt(["build"], "duckdb", tmp_path / "w", project=project)
    assert run.returncode != 0, run.output      # not_null of x, the singular test and broken_monitor fail
    assert "recorded observations" in run.output, run.output[-3000:]
    h = history(db)
    other = h[h.observation_id.str.endswith(":outcome")].set_index("test_name")
    names = set(other.index)
    assert {"not_null_events_m_x", "unique_events_m_id", "no_big_x", "broken_monitor"} <= names, names
    assert len(h[~h.observation_id.str.endswith(":outcome")]) == 5      # the ml_monitor rows as before

    x = other.loc["not_null_events_m_x"]
    assert (x.monitor, x.column_name, x.metric, x.value, x.status, x.test_status) == \
        ("not_null", "x", "failing_rows", 2.0, "fail", "fail")
    assert x.detail.startswith("2 failing rows (dbt: ") and x.model_name == "events_m"
    assert x.window_start is None or x.window_start != x.window_start     # no window (NULL / NaT)
    u = other.loc["unique_events_m_id"]
    assert (u.metric, u.value, u.status, u.test_status, u.detail) == ("failing_rows", 0.0, "pass", "pass", "0 failing rows")
    s = other.loc["no_big_x"]
    assert (s.monitor, s.value, s.status) == ("singular", 1.0, "fail") and s.detail.startswith("1 failing row (dbt: ")
    b = other.loc["broken_monitor"]
    assert (b.monitor, b.metric, b.status, b.test_status) == ("null_rate", "test_error", "fail", "error")
    assert "no_such_column" in b.detail and b.detail.startswith("test error: Compilation Error in test broken_monitor")
    assert "\n" not in b.detail and "> in macro" not in b.detail     # one line, no macro call stack
    assert '"dbt_test": "ml_monitor.null_rate"' in b.facts
    # a source's table and a model (here the seed) of the same name stay apart
    assert other.loc["source_not_null_raw_events_id"].model_name == "raw.events"
    assert set(h[~h.observation_id.str.endswith(":outcome")].model_name) == {"events"}
    bad = other.loc["bad_sql"]
    assert (bad.metric, bad.test_status) == ("test_error", "error")
    assert "hunter2" not in bad.detail and "postgres://app:***@db.internal" in bad.detail, bad.detail
    w = other.loc["not_null_events_m_id"]
    assert (w.test_status, w.severity, w.status) == ("pass", "warn", "pass")   # where id > 1: no null

    # the second hook call of the same run added nothing; opting out records ml_monitor's rows only
    assert h.observation_id.is_unique
    before = len(h)
    again = run_dbt(["build", "--vars", "{ml_monitor_record_all_tests: false}"], "duckdb", tmp_path / "w", project=project)
    assert again.returncode != 0
    h2 = history(db)
    assert len(h2) == before + 5 and h2.observation_id.is_unique
