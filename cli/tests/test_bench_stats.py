"""Issue #17 in the benchmark (bench/stats_bench.py) on tiny data: the newer drift statistics and the
multiclass test equal scipy / scikit-learn, and each test reads each side once in DuckDB's plan.
No timing is asserted (the machine is shared).

One run: 3,000 + 3,000 rows and 3,000 multiclass rows, one dbt build (the warm-up), the SQL replayed
once, pandas / scipy / scikit-learn once; Evidently and the timed dbt builds off.
"""

from __future__ import annotations

import sys

import pytest

from bench_runner import REPO, run_bench_script

sys.path.insert(0, str(REPO / "bench"))

DRIFT_TESTS = ["bench_hellinger", "bench_total_variation", "bench_linf", "bench_chi2_pvalue", "bench_ks_drift",
               "bench_ks_pvalue", "bench_wasserstein_norm", "bench_wasserstein", "bench_prediction_drift_hellinger"]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    return run_bench_script("stats_bench.py", ["--rows", "3000", "--repeat", "1", "--evidently", "off", "--skip-dbt-build"],
                            tmp_path_factory.mktemp("bench_stats"), "stats.json", timeout=900)


def test_statistics_equal_scipy_and_sklearn(run):
    ag = run["agreement"]
    expected = {"bench_hellinger": 15, "bench_total_variation": 15, "bench_linf": 5, "bench_chi2_pvalue": 5,
                "bench_ks_drift": 10, "bench_ks_pvalue": 10, "bench_wasserstein_norm": 10, "bench_wasserstein": 10,
                "bench_prediction_drift_hellinger": 1}
    for test, n in expected.items():
        assert ag[test]["compared"] == n, (test, ag[test])
        assert ag[test]["max_abs_diff"] < 1e-9, (test, ag[test])
    mc = ag["bench_mc_performance"]
    # 9 metrics + 4 classes x 4 per-class metrics, overall and in 8 segments (seg_7 never predicts
    # business_card: its precision is undefined on both sides and not compared)
    assert mc["compared"] > 200, mc
    assert mc["max_abs_diff"] < 1e-9, mc
    assert 0.3 < mc["values"]["accuracy"]["sklearn"] < 0.9


def test_each_test_reads_each_side_once(run):
    for test in DRIFT_TESTS + ["bench_psi_drift", "bench_ks_drift"]:
        scans = run["tests"][test]["scans"]["test_query"]
        assert scans == {"predictions": 1, "reference": 1}, (test, scans)
    assert run["tests"]["bench_mc_performance"]["scans"]["test_query"] == {"mc_predictions": 1, "mc_labels": 1}
    # the binned statistics read the reference at compile time exactly as psi_drift does
    for test in ("bench_hellinger", "bench_total_variation"):
        assert run["tests"][test]["scans"]["compile_time"] == run["tests"]["bench_psi_drift"]["scans"]["compile_time"]
    assert "x scan" in run["_stdout"]


def test_the_checks_can_fail(run, tmp_path):
    """Negative controls: a value moved by 1e-6 is reported; a statement reading a side twice is counted twice."""
    import duckdb
    import stats_bench
    sql = {"bench_ks_pvalue": [{"column_name": "num_0", "segment_value": None, "metric": "ks_pvalue", "value": 0.5}]}
    ag = stats_bench.agreement(sql, {"num_0": {"ks_pvalue": 0.5 + 1e-6}}, None)
    assert ag["bench_ks_pvalue"]["max_abs_diff"] > 1e-9
    db = tmp_path / "t.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw; create table raw.predictions as select range as x from range(100)")
    con.close()
    twice = "select (select sum(x) from raw.predictions) + (select max(x) from raw.predictions where x > 3)"
    scans = stats_bench.plan_scans(str(db), [{"node": "test.p.bench_twice.h", "kind": "test", "sql": twice}])
    assert scans["bench_twice"]["test_query"] == {"predictions": 2}
