"""Regression metrics at the edges of double precision (DuckDB and PostgreSQL, ML_MONITOR_ADAPTERS).

- A prediction or target beyond +-1e100: its squared error overflows a double. PostgreSQL raised
  "value out of range: overflow" (the whole test errored); DuckDB returned rmse = inf and
  r2 = NaN, and a NaN compares false with every bound, so `min_value` passed it. Now the
  segment's mae / rmse / mape / r2 are `no_data` with the reason; other segments are computed.
- Values of 1e15 (prices in cents) agree with scikit-learn, r2 included.
- Targets closer to 0 than the float64 epsilon: mape divides by max(|y|, eps) as scikit-learn's
  mean_absolute_percentage_error does (it divided by |y|: 1e-300 gave a mape of ~1e299).
Expected values from scikit-learn, never from our SQL.
"""

from __future__ import annotations

import math
import uuid

import numpy as np
import pytest

from conftest import drop_pg_schemas, sql_adapters
from dbt_project_runner import project_rows, run_dbt, write_package_project

ADAPTERS = sql_adapters()

ROWS = {  # region: [(prediction, target)]
    "huge": [(1e160, 3e160), (2e160, 1e160), (5e160, 2e160)],
    "tiny": [(1.0, 1e-20), (2.0, 3.0), (1.0, 1e-300), (5.0, 4.0), (-2.0, -2.5e-17)],
    "plain": [(101.5, 100.0), (190.0, 200.0), (330.25, 300.0), (41.0, 40.0)],
    # prices in cents: spread of a few units on 1e15, r2 from squares around the segment mean
    "big": [(1e15 + 3 * k + (k % 2) + 0.5 * (k % 3), 1e15 + 3 * k) for k in range(7)],
}
# 1e15 spread by ~20: the mean's rounding alone moved a plain two-pass r2 by ~3e-6 (its sum of
# squares is taken around a mean whose last bit is off); scikit-learn is off by ~4e-7 itself, so
# r2 here is checked against exact rational arithmetic
_rng = np.random.default_rng(1)
_y = 1e15 + _rng.normal(0, 20, 200)
ROWS["spread"] = [(float(v + e), float(v)) for v, e in zip(_y, _rng.normal(0, 3, 200))]


@pytest.fixture(params=ADAPTERS)
def results(request, tmp_path):
    adapter = request.param
    schema = f"rx_{uuid.uuid4().hex[:10]}"
    db = tmp_path / "rx.duckdb"
    root = write_package_project(tmp_path / "rx", "rx", db, "models:\n  rx:\n    +materialized: table\n",
                                 hooks=0, adapter=adapter, schema=schema)
    selects, i = [], 0
    for region, pairs in ROWS.items():
        for pred, y in pairs:
            i += 1
            selects.append(f"select {i} as id, cast('{region}' as varchar(8)) as region, "
                           f"cast({pred!r} as double precision) as yhat, cast({y!r} as double precision) as y")
    (root / "models" / "src.sql").write_text("\nunion all\n".join(selects))
    for metric, bound in [("r2", "min_value=0.5"), ("rmse", "max_value=1e6"), ("mape", "max_value=1e300"), ("mae", "max_value=1e6")]:
        (root / "models" / f"perf_{metric}.sql").write_text(
            f"{{{{ ml_monitor.performance(ref('src'), metric='{metric}', labels=ref('src'), join_key='id', "
            f"label_column='y', prediction_column='yhat', segment_by=['region'], {bound}) }}}}")
    work = tmp_path / "w"
    assert run_dbt(["deps"], adapter, work, project=root).returncode == 0
    res = run_dbt(["build"], adapter, work, project=root)
    assert res.returncode == 0, "\n".join(res.failed_nodes()) + res.output[-3000:]
    sql = ("select segment_value, metric, value, status, detail from {s}.perf_r2 union all select segment_value, metric, value, status, detail from {s}.perf_rmse "
           "union all select segment_value, metric, value, status, detail from {s}.perf_mape union all select segment_value, metric, value, status, detail from {s}.perf_mae")
    rows = project_rows(adapter, sql, db, schema)
    yield {(seg, metric): (value, status, detail) for seg, metric, value, status, detail in rows if metric != "label_coverage"}
    if adapter == "postgres":
        drop_pg_schemas(schema)


def test_values_beyond_1e100_are_no_data_never_a_crash_or_a_nan_that_passes(results):
    for metric in ["mae", "rmse", "mape", "r2"]:
        for seg in ["huge", None]:
            value, status, detail = results[(seg, metric)]
            n = len(ROWS["huge"])
            total = sum(len(v) for v in ROWS.values())
            assert value is None and status == "no_data", (seg, metric, value, status)
            assert detail == (f"{n} of {n if seg else total} labelled rows have a prediction or target beyond +-1e100 "
                              f"(squared errors overflow double precision): {metric} undefined"), detail


def test_other_segments_and_tiny_targets_match_sklearn(results):
    from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, mean_squared_error, r2_score

    for seg in ["tiny", "plain", "big"]:
        p, y = (np.array(v) for v in zip(*ROWS[seg]))
        expected = {"mae": mean_absolute_error(y, p), "rmse": math.sqrt(mean_squared_error(y, p)),
                    "mape": mean_absolute_percentage_error(y, p), "r2": r2_score(y, p)}
        for metric, want in expected.items():
            value, status, _ = results[(seg, metric)]
            assert value == pytest.approx(want, rel=1e-12, abs=1e-9), (seg, metric, value, want)
    # 1e15 spread by 20: r2 as exact rational arithmetic gives it (the inputs are exact doubles)
    from fractions import Fraction

    p, y = ([Fraction(v) for v in col] for col in zip(*ROWS["spread"]))
    mean = sum(y) / len(y)
    exact = 1 - sum((a - b) ** 2 for a, b in zip(y, p)) / sum((a - mean) ** 2 for a in y)
    assert abs(results[("spread", "r2")][0] - float(exact)) < 1e-12, (results[("spread", "r2")], float(exact))
    # the tiny targets divide by the float64 epsilon, as scikit-learn: ~1.8e15, not ~1e299
    assert results[("tiny", "mape")][0] < 1e16
