"""The package vars that change every monitor's status rule (dbt_project.yml `vars:`), set in a
user's project: ml_monitor_min_rows (segments below it are `skipped`) and
ml_monitor_fail_on_no_data (false: a `no_data` row does not fail the test). Issue #13, item 11."""

from __future__ import annotations

import duckdb
import pytest

from dbt_project_runner import build_tiny_project

pytestmark = pytest.mark.adversarial

SCHEMA = """models:
  - name: m
    columns:
      - name: x
        data_tests:
          - ml_monitor.null_rate:
              name: small_segments
              arguments: {max_null_rate: 0.5, segment_by: [g]}
          - ml_monitor.null_rate:
              name: empty_window
              arguments:
                max_null_rate: 0.5
                timestamp_column: ts
                window: {period: day, count: 1}
"""
# g = 'a': 3 rows (one null), g = 'b': 1 row; every timestamp is long before as_of
MODEL = ("select * from (values ('a', 1.0, timestamp '2020-01-01'), ('a', null, timestamp '2020-01-01'), "
         "('a', 2.0, timestamp '2020-01-01'), ('b', 3.0, timestamp '2020-01-01')) as t(g, x, ts)")


def _rows(root, test):
    con = duckdb.connect(str(root / "e.duckdb"))
    try:
        return con.execute(f"select segment_value, status from main_dbt_test__audit.{test} "
                           "order by segment_value nulls first").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("min_rows, fail_on_no_data, expected_segments, empty_window_status", [
    (None, None, [(None, "pass"), ("a", "pass"), ("b", "pass")], "fail"),        # defaults: 1, true
    (2, False, [(None, "pass"), ("a", "pass"), ("b", "skipped")], "pass"),
    (4, True, [(None, "pass"), ("a", "skipped"), ("b", "skipped")], "fail"),
])
def test_min_rows_and_fail_on_no_data_vars(tmp_path, min_rows, fail_on_no_data, expected_segments,
                                           empty_window_status):
    lines = ["  ml_monitor_as_of: '2026-01-31 00:00:00'\n"]
    if min_rows is not None:
        lines.append(f"  ml_monitor_min_rows: {min_rows}\n")
    if fail_on_no_data is not None:
        lines.append(f"  ml_monitor_fail_on_no_data: {str(fail_on_no_data).lower()}\n")
    root = tmp_path / "package_vars"
    _, by_name = build_tiny_project(root, {"m": MODEL}, SCHEMA, "".join(lines))
    assert by_name["small_segments"]["status"] == "pass"
    assert _rows(root, "small_segments") == expected_segments
    # the empty window is a no_data row whatever the var; the var decides whether it fails the test
    assert _rows(root, "empty_window") == [(None, "no_data")]
    assert by_name["empty_window"]["status"] == empty_window_status
