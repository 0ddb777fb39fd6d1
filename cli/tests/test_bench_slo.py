"""Smoke run of bench/slo_bench.py on tiny data: serving_slo's SQL and the pandas way agree on every
per-window, per-segment value (p50/p95/p99, error rate, throughput). No timing is asserted."""

from __future__ import annotations

import sys

import pytest

from bench_runner import REPO, run_bench_script


@pytest.fixture(scope="module")
def slo(tmp_path_factory) -> dict:
    return run_bench_script("slo_bench.py", ["--rows", "20000", "--repeat", "1"],
                            tmp_path_factory.mktemp("slo_bench"), "slo.json", timeout=600)


def test_the_sql_and_pandas_agree_on_every_value(slo):
    # 24 windows x (overall + 3 versions + 2 endpoints) x 6 metrics, all compared
    assert slo["values_compared"] == 24 * 6 * 6
    assert slo["max_relative_diff"] < 1e-9
    assert slo["raw_scan_s"] > 0 and slo["slo_sql_s"] > 0 and slo["pandas_s"] > 0


def test_the_agreement_check_can_fail():
    sys.path.insert(0, str(REPO / "bench"))
    import slo_bench

    expected = {("2026-01-01T00:00:00", None, None, "latency_p95"): 120.0,
                ("2026-01-01T00:00:00", "endpoint", "batch", "throughput"): 10.0}
    good = [{"window_start": "2026-01-01 00:00:00", "segment_column": None, "segment_value": None,
             "metric": "latency_p95", "value": 120.0},
            {"window_start": "2026-01-01 00:00:00", "segment_column": "endpoint", "segment_value": "batch",
             "metric": "throughput", "value": 10.0}]
    assert slo_bench.agreement(good, expected) == (0.0, 0)
    wrong = [dict(good[0], value=120.0 + 1e-6), good[1]]
    assert slo_bench.agreement(wrong, expected)[0] > 1e-9
    assert slo_bench.agreement(good[:1], expected)[1] == 1          # a row missing
    assert slo_bench.agreement([dict(good[0], value=None), good[1]], expected)[0] == float("inf")
