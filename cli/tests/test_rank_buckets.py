"""The value buckets of the distributed ROC AUC / average precision
(`_perf_rank_value_bucket`, macros/metrics/performance/_perf_rank_metrics.sql) on DuckDB.

A score's bucket is its sign, binary exponent and first 10 mantissa bits, computed in SQL from
ln and power (no pass over the data for a score range). The exact rank sums are right only if
the bucket never decreases as the score grows and tied scores share one. Here:

* the SQL bucket of every awkward double (powers of two and their neighbours one ulp away, where
  ln can put the exponent one off; subnormals; the largest doubles; zero and minus zero;
  negatives) equals a reference computed from `math.frexp` (the exact exponent), bit for bit;
* ROC AUC and average precision with the value buckets forced on DuckDB
  (`ml_monitor_rank_method: bucketed`) equal scikit-learn's on scores that cross many binades,
  sign changes, heavy ties and such awkward values, per segment and overall.

The same bucket reference runs on PostgreSQL and Spark in the integration project
(integration_tests/tests/rank_value_buckets.sql).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from dbt_project_runner import build_tiny_project, duckdb_rows

BITS = 10


def reference_bucket(x: float) -> int:
    """The bucket from the exact exponent: floor(|x| 2^-e 2^10) + (e - 1) 2^10 + 2^20, signed."""
    if x == 0:
        return 0
    a = abs(x)
    _, ex = math.frexp(a)                 # a = m 2^ex, 0.5 <= m < 1: the exponent is ex - 1
    e = max(ex - 1, -1022)
    k = 2 ** BITS
    m = math.floor(math.ldexp(a, BITS - e)) + (e - 1) * k + k * k
    return m if x > 0 else -m


def awkward_values() -> list[float]:
    vals = [0.0, -0.0, 5e-324, 2.2250738585072014e-308, sys.float_info.max, 1.0, 0.5, 0.75, 1e-300, 1e300]
    for e in list(range(-1074, -1000, 7)) + list(range(-60, 61)) + list(range(1000, 1024, 3)):
        p = math.ldexp(1.0, e)
        vals += [p, math.nextafter(p, 0.0), math.nextafter(p, math.inf)]
    vals += [v * 3.0 for v in vals[10:200]]
    vals = [v for v in vals if math.isfinite(v)]
    return vals + [-v for v in vals]


def _scores() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 3000
    seg = rng.choice(["logit", "ties", "wide"], n)
    logit = rng.normal(0.0, 3.0, n)
    ties = np.round(rng.uniform(0, 1, n), 2)                    # 101 distinct values
    wide = np.exp(rng.uniform(-700, 700, n)) * rng.choice([-1.0, 1.0], n)
    score = np.where(seg == "logit", logit, np.where(seg == "ties", ties, wide))
    awk = awkward_values()
    score[: len(awk)] = awk[: n]                                # every awkward value ranked too
    seg[: len(awk)] = "awkward"
    p = 1 / (1 + np.exp(-np.clip(np.sign(score) * np.log1p(np.abs(score)), -30, 30)))
    y = (rng.uniform(0, 1, n) < p).astype(int)
    return pd.DataFrame({"id": np.arange(n), "seg": seg, "score": score, "label": y})


MODELS = {
    "rb_pred": "select id, seg, score from read_parquet('{parquet}')",
    "rb_lab": "select id, label from read_parquet('{parquet}')",
    "rb_vals": "select x from read_parquet('{vals}')",
    "rb_keys": "select x, {{{{ ml_monitor._perf_rank_value_bucket('x') }}}} as k from {{{{ ref('rb_vals') }}}}",
    "rb_perf": ("{{{{ ml_monitor.performance(ref('rb_pred'), metric=['roc_auc', 'pr_auc'], labels=ref('rb_lab'), "
                "join_key='id', label_column='label', score_column='score', segment_by=['seg']) }}}}"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("rb")
    frame = _scores()
    frame.to_parquet(root / "scores.parquet")
    pd.DataFrame({"x": awkward_values()}).to_parquet(root / "vals.parquet")
    models = {k: v.format(parquet=root / "scores.parquet", vals=root / "vals.parquet") for k, v in MODELS.items()}
    proj = root / "proj"
    ok, _ = build_tiny_project(proj, models, "version: 2\n", project_vars="  ml_monitor_rank_method: bucketed\n")
    assert ok, "the tiny project's build failed (run dbt build in %s to see why)" % proj
    compiled = next((proj / "target" / "compiled").rglob("rb_perf.sql")).read_text()
    return frame, proj / "e.duckdb", compiled


def test_reference_is_monotone_and_ties_share():
    vals = sorted(set(awkward_values()))
    keys = [reference_bucket(v) for v in vals]
    assert keys == sorted(keys)
    assert reference_bucket(0.0) == reference_bucket(-0.0) == 0
    # neighbours across a power of two: the last bucket of one binade, the first of the next
    assert reference_bucket(math.nextafter(1.0, 0)) + 1 == reference_bucket(1.0) == 2 ** 20
    assert len(set(keys)) > 600


def test_sql_bucket_equals_the_reference_for_every_awkward_double(built):
    _, db, _ = built
    rows = duckdb_rows(db, "select x, k from main.rb_keys")
    assert len(rows) == len(awkward_values())
    wrong = [(x, k, reference_bucket(x)) for x, k in rows if k != reference_bucket(x)]
    assert not wrong, wrong[:10]


def test_reference_comparison_can_fail():
    """One mantissa bit more gives other buckets: the comparisons above are of exact keys.
    (Sabotages of the SQL, each run once: the exponent offset (e - 1) as e, negatives not
    negated, the -1022 clamp removed: each fails this file; ln(2) as ln(2.0000001) does not,
    as it should not: that moves ln's exponent off by one only next to a power of two, where
    the formula corrects it.)"""
    global BITS
    vals = awkward_values()
    good = [reference_bucket(v) for v in vals]
    BITS = 11
    try:
        assert [reference_bucket(v) for v in vals] != good
    finally:
        BITS = 10


INTEGRATION_TEST = Path(__file__).resolve().parents[2] / "integration_tests" / "tests" / "rank_value_buckets.sql"


def render_integration_test() -> str:
    cases = [(repr(v), reference_bucket(v)) for v in awkward_values()]
    lines = ",\n".join("  " + ", ".join(f"('{x}', {k})" for x, k in cases[i:i + 4]) for i in range(0, len(cases), 4))
    return ("{#- The value buckets of the distributed ROC AUC / average precision (_perf_rank_value_bucket)\n"
            "    against a reference from the exact binary exponent (math.frexp), on every engine: powers\n"
            "    of two and their neighbours one ulp away (where ln can put the exponent one off),\n"
            "    subnormals, the largest doubles, zero, minus zero, negatives. Fails on every value whose\n"
            "    bucket differs. Written by cli/tests/test_rank_buckets.py (render_integration_test),\n"
            "    which also checks that this file is current. -#}\n"
            "{%- set cases = [\n" + lines + "\n] -%}\n"
            "{%- set rows = [] -%}\n"
            "{%- for x, k in cases -%}{%- do rows.append([ml_monitor.string_literal(x), k]) -%}{%- endfor -%}\n"
            "select x_text, expected, k\n"
            "from (\n"
            "  select x_text, expected, {{ ml_monitor._perf_rank_value_bucket(ml_monitor.to_double('x_text')) }} as k\n"
            "  from {{ ml_monitor.literal_rows(rows, ['x_text', 'expected'], 'ml_cases') }}\n"
            ") as ml_buckets\n"
            "where k is null or k <> expected\n")


def test_integration_bucket_test_is_current():
    """integration_tests/tests/rank_value_buckets.sql runs the reference on PostgreSQL and Spark."""
    assert INTEGRATION_TEST.read_text() == render_integration_test()


def test_auc_and_average_precision_equal_sklearn_with_value_buckets(built):
    frame, db, compiled = built
    assert "mm_rank_rows" in compiled and "mm_rank_range" not in compiled   # the bucketed form, no range pass
    rows = duckdb_rows(db, "select metric, segment_column, segment_value, value from main.rb_perf")
    got = {(m, sv if sc else None): v for m, sc, sv, v in rows}
    groups = [(None, frame)] + [(s, g) for s, g in frame.groupby("seg")]
    compared = 0
    for seg, g in groups:
        for metric, fn in (("roc_auc", roc_auc_score), ("pr_auc", average_precision_score)):
            expected = float(fn(g["label"], g["score"]))
            value = got[(metric, seg)]
            assert value == pytest.approx(expected, abs=1e-12), (metric, seg, value, expected)
            compared += 1
    assert compared == 10
    # the comparison is sharp: the AUC with one tie broken the other way differs
    g = frame[frame.seg == "ties"]
    nudged = g["score"].to_numpy().copy()
    nudged[np.argmax(g["label"].to_numpy() == 1)] += 1e-9
    assert abs(roc_auc_score(g["label"], nudged) - got[("roc_auc", "ties")]) > 1e-12
