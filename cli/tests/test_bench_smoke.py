"""Smoke run of the benchmark (bench/run_bench.py) on tiny data: every approach computes the same
numbers. No timing is asserted (the machine is shared); only that the approaches agree.

The run generates 3,000 + 3,000 rows, builds the generated dbt project twice (reference and frozen
baseline), replays the suite's SQL in DuckDB and runs the pandas implementation.
"""

from __future__ import annotations

import pytest

from bench_runner import run_bench_script


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> dict:
    return run_bench_script("run_bench.py", ["--rows", "3000", "--repeat", "1", "--evidently", "off",
                                             "--approaches", "raw_scan,suite_sql,baseline_sql,pandas"],
                            tmp_path_factory.mktemp("bench_smoke"), "smoke.json", timeout=600)


def test_every_approach_was_measured(smoke):
    summary = smoke["main"]["summary"]
    assert set(summary) == {"raw_scan", "suite_sql", "baseline_sql", "pandas"}
    for name, s in summary.items():
        assert s["seconds"] > 0, name
        assert s["peak_rss_mb"] > 10, name          # a real child process was measured
    # the tests the suite is built to fail (shifted features, a null-heavy column, a drifted segment)
    assert "(a) DuckDB raw scan" in smoke["_stdout"] and "ROC AUC by segment" in smoke["_stdout"]


def test_approaches_agree(smoke):
    diffs = smoke["main"]["agreement"]["max_abs_diff_vs_suite_sql"]
    # dbt build (store_failures rows), the frozen-baseline SQL and pandas vs the suite SQL:
    # 15 PSI + 15 null rates + 11 range shares + 27 accuracy/f1/AUC + score PSI = 69 numbers
    for name in ("dbt_build", "baseline_sql", "pandas"):
        assert diffs[name]["compared"] == 69, (name, diffs[name])
        assert diffs[name]["max"] < 1e-9, (name, diffs[name])


def test_psi_and_auc_values_are_meaningful(smoke):
    ag = smoke["main"]["agreement"]
    # num_6 is shifted by half a standard deviation in the current window, num_1 is not
    assert ag["psi"]["num_6"]["pandas"] > 0.1
    assert ag["psi"]["num_1"]["pandas"] < 0.05
    assert ag["psi"]["num_6"]["suite_sql"] == pytest.approx(ag["psi"]["num_6"]["pandas"], abs=1e-12)
    # segment 5 has concept drift: its AUC is far below the overall one, in every approach
    auc = ag["roc_auc"]
    assert 0.7 < auc["(all)"]["pandas"] < 0.85
    assert auc["seg_5"]["suite_sql"] < auc["(all)"]["suite_sql"] - 0.05
    for seg in auc:
        assert auc[seg]["dbt_build"] == pytest.approx(auc[seg]["pandas"], abs=1e-12), seg
