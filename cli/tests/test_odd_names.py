"""Column names with quotes in them (a double quote, a single quote, a space) work in every kind of
monitor on DuckDB: the SQL quotes them itself (not adapter.quote, which on dbt-duckdb does not
double an inner quote), the rows name them as written."""

from __future__ import annotations

import pytest

from dbt_project_runner import build_tiny_project, duckdb_rows

pytestmark = pytest.mark.adversarial

DQ = 'a"b'
SQ = "it's"
SP = "se g"
MODEL = f"""
select i as id,
       case when i % 7 = 0 then null else i * 1.5 end as "a""b",
       (i % 10) / 10.0 as "it's",
       case when i % 2 = 0 then 'x' else 'y"z' end as "se g",
       i % 2 as y
from range(1, 201) as t(i)
"""


def _schema(tests: str) -> str:
    """The schema.yml of model t with these data tests (YAML items at 6 spaces)."""
    return "models:\n  - name: t\n    data_tests:\n" + tests


SCHEMA = _schema("""      - ml_monitor.null_rate:
          name: odd_null_rate
          arguments: {columns: ['a"b', "it's"], max_null_rate: 0.5, segment_by: ['se g']}
      - ml_monitor.value_range:
          name: odd_value_range
          arguments: {columns: ['a"b'], min_value: 0, segment_by: ['se g']}
      - ml_monitor.psi_drift:
          name: odd_psi
          arguments: {columns: ['a"b', "it's"], reference_where: 'id <= 100', where: 'id > 100', threshold: 10}
      - ml_monitor.ks_drift:
          name: odd_ks
          arguments: {columns: ['a"b'], reference_where: 'id <= 100', where: 'id > 100', threshold: 1}
      - ml_monitor.performance:
          name: odd_performance
          arguments: {metric: [roc_auc], labels: ref('t'), join_key: id, label_column: y,
                      score_column: "it's", segment_by: ['se g']}
""")


def test_quotes_in_column_names(tmp_path):
    ok, by_name = build_tiny_project(tmp_path / "odd_names", {"t": MODEL}, SCHEMA,
                                     project_vars='  ml_monitor_as_of: "2026-01-31 00:00:00"\n')
    for name, r in by_name.items():
        assert r["status"] in ("pass", "fail"), (name, r["status"], r.get("message"))
    db = tmp_path / "odd_names" / "e.duckdb"
    cols = {r[0] for r in duckdb_rows(db, "select distinct column_name from main_dbt_test__audit.odd_null_rate")}
    assert cols == {DQ, SQ}
    segs = {r[0] for r in duckdb_rows(db, "select distinct segment_column from main_dbt_test__audit.odd_null_rate "
                                          "where segment_column is not null")}
    assert segs == {SP}
    # the null rate of a"b: every 7th of 200 rows (28), and per segment value (incl. the one with a quote)
    rows = dict(duckdb_rows(db, "select coalesce(segment_value, 'all'), value from main_dbt_test__audit.odd_null_rate "
                                "where column_name = ?", [DQ]))
    assert rows["all"] == pytest.approx(28 / 200, abs=1e-12)
    assert rows['y"z'] == pytest.approx(14 / 100, abs=1e-12)
    assert {r[0] for r in duckdb_rows(db, "select distinct column_name from main_dbt_test__audit.odd_psi")} == {DQ, SQ}


def test_null_timestamps_are_named_by_the_column_not_its_conversion(tmp_path):
    """The window note names a time-zone-aware timestamp column as written (not the expression
    that converts it to UTC), with an odd name, and counts one row in the singular."""
    model = """
    select i as id, i * 1.0 as x,
           case when i = 1 then null
                else timestamptz '2026-01-29 00:00:00+00' + to_hours(i) end as "t s"
    from range(1, 41) as t(i)
    """
    schema = _schema("""      - ml_monitor.null_rate:
          name: tz_null_rate
          arguments: {columns: [x], timestamp_column: 't s', window: {period: day}, windows: 2, max_null_rate: 1}
""")
    ok, by_name = build_tiny_project(tmp_path / "tz_names", {"t": model}, schema,
                                     project_vars='  ml_monitor_as_of: "2026-01-31 00:00:00"\n')
    assert by_name["tz_null_rate"]["status"] == "pass", by_name["tz_null_rate"].get("message")
    details = [r[0] for r in duckdb_rows(tmp_path / "tz_names" / "e.duckdb",
                                         "select detail from main_dbt_test__audit.tz_null_rate")]
    assert len(details) == 2 and all(d.endswith("; 1 row with a NULL t s excluded") for d in details), details
