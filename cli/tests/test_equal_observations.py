"""Negative controls of `equal_observations`, the comparison behind every expected number of the
integration project (integration_tests/macros/equal_observations.sql).

models/controls/controls_actual.sql holds copies of a small expected seed, each with one
thing changed; every changed copy must yield exactly the differing rows below, and the
identical / within-tolerance copies none. On the previous comparison, a value or threshold
that was NULL on one side only passed (three-valued logic) and baseline_value / window_start /
window_end were never compared.
"""

from __future__ import annotations

import pytest

from dbt_project_runner import run_dbt

pytestmark = pytest.mark.adversarial

# control -> rows the comparison must report
EXPECTED_FAILURES = {
    "pass_identical": 0,
    "pass_within_tolerance": 0,
    "must_fail_value_off_1e_6": 1,
    "must_fail_value_off_relative": 1,
    "must_fail_value_number_to_null": 1,
    "must_fail_value_null_to_number": 1,
    "must_fail_status_flipped": 1,
    "must_fail_threshold_number_to_null": 1,
    "must_fail_threshold_null_to_number": 1,
    "must_fail_baseline_off": 1,
    "must_fail_baseline_number_to_null": 1,
    "must_fail_baseline_null_to_number": 1,
    "must_fail_sample_size_off": 1,
    "must_fail_window_start_off": 1,
    "must_fail_window_end_to_null": 1,
    "must_fail_window_null_to_time": 1,
    "must_fail_segment_null_to_empty": 2,   # the expected row is missing and an unexpected one appears
    "must_fail_missing_row": 1,
    "must_fail_extra_row": 1,
    "must_fail_duplicated_row": 1,
}


def test_negative_controls_fail_and_positive_controls_pass(tmp_path):
    import duckdb

    db = tmp_path / "controls.duckdb"
    run = run_dbt(["build", "--select", "path:seeds/controls", "path:models/controls"], "duckdb", tmp_path,
                  extra_env={"ML_MONITOR_DUCKDB_PATH": str(db)})
    assert run.returncode == 0, run.output[-3000:]
    statuses = {r["unique_id"].split(".")[2]: r["status"] for r in run.results if r["unique_id"].startswith("test.")}
    assert set(statuses) == {f"controls_{c}" for c in EXPECTED_FAILURES}
    assert set(statuses.values()) == {"pass"}, statuses   # the must_fail ones via error_if "<1"
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = {c: con.execute(f'select count(*) from main_dbt_test__audit."controls_{c}"').fetchone()[0]
                 for c in EXPECTED_FAILURES}
    finally:
        con.close()
    assert found == EXPECTED_FAILURES
