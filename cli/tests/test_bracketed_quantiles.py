"""The bracketed exact quantiles (macros/metrics/drift/_drift_quantiles.sql, Spark's default for
reference edges) against numpy, with the brackets chosen here, on DuckDB.

The profile pass normally supplies approximate quantiles as brackets; this test hands
`_drift_bracketed_quantiles` a profile row of its own, so that every shape of bracket the
selection query must handle is present in one query: wide brackets that overlap each other on
heavily tied values, brackets whose bounds are themselves data values (the order statistics
exactly), bounds between data values, brackets of a single point (lo = hi) among ties, a constant column, an all-NULL column, NaN / inf / NULL
values (excluded), and a bracket that misses its order statistic (the exact counts must catch
it and that column fall back to the exact aggregate). Every quantile must equal
numpy.quantile(x, p) (method 'linear') bit for bit.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dbt_project_runner import build_tiny_project, duckdb_rows

PROBS = [0.1, 0.25, 0.5, 0.75, 0.9]
N = 1000


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    a = rng.integers(0, 21, N).astype(float)            # heavy ties
    a[:10] = np.nan
    a[10:13] = np.inf
    a[13:15] = -np.inf
    b = rng.normal(size=N)
    c = rng.normal(3.0, 2.0, size=N)
    d = np.full(N, 5.0)
    e = np.full(N, np.nan)
    f = rng.exponential(size=N)
    g = rng.integers(0, 21, N).astype(float)            # ties: brackets of one point each
    frame = pd.DataFrame({"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g})
    frame.loc[20:30, "b"] = None                          # NULLs too
    return frame


def _finite(x: pd.Series) -> np.ndarray:
    v = x.to_numpy(dtype=float)
    return np.sort(v[np.isfinite(v)])


def _order_stats(v: np.ndarray, p: float) -> tuple[float, float]:
    vi = (len(v) - 1) * p
    f = int(vi)
    return float(v[f]), float(v[min(f + 1, len(v) - 1)])


def _brackets(frame: pd.DataFrame) -> dict[str, list[tuple[float, float]]]:
    """(lo, hi) per column and probability, each column a different shape."""
    out: dict[str, list[tuple[float, float]]] = {}
    a = _finite(frame["a"])
    out["a"] = [(float(np.quantile(a, max(p - 0.2, 0.0))), float(np.quantile(a, min(p + 0.2, 1.0)))) for p in PROBS]
    b = _finite(frame["b"])
    out["b"] = [_order_stats(b, p) for p in PROBS]                      # bounds = the order statistics
    c = _finite(frame["c"])
    out["c"] = [_order_stats(c, p) for p in PROBS]
    lo, hi = out["c"][2]
    out["c"][2] = (hi, hi + 1.0)                                         # misses x[f]: must fall back
    out["d"] = [(5.0, 5.0) for _ in PROBS]
    out["e"] = [(0.0, 0.0) for _ in PROBS]
    f = _finite(frame["f"])
    out["f"] = []
    for p in PROBS:
        x_f, x_g = _order_stats(f, p)
        out["f"].append((np.nextafter(x_f, -np.inf) - 0.003, np.nextafter(x_g, np.inf) + 0.004))
    g = _finite(frame["g"])
    out["g"] = [_order_stats(g, p) for p in PROBS]
    assert all(lo == hi for lo, hi in out["g"])                         # lo = hi: values just above are outside
    return out


def _profile_row(frame: pd.DataFrame, brackets: dict) -> dict:
    """The profile row _quantile_bracket reads: n, min, max and four approximate quantiles per
    probability (the first pair is the bracket used when n * 1% >= 4, as here)."""
    row: dict = {}
    for idx, name in enumerate(frame.columns, start=1):
        v = _finite(frame[name])
        row[f"n_{idx}"] = int(len(v))
        row[f"rmin_{idx}"] = float(v[0]) if len(v) else None
        row[f"rmax_{idx}"] = float(v[-1]) if len(v) else None
        for j, (lo, hi) in enumerate(brackets[name], start=1):
            k = 4 * (j - 1)
            row[f"q_{idx}_{k + 1}"], row[f"q_{idx}_{k + 2}"] = float(lo), float(hi)
            row[f"q_{idx}_{k + 3}"], row[f"q_{idx}_{k + 4}"] = float(lo), float(hi)
    return row


MODEL = """
-- depends_on: {{ ref('bq_src') }}
{%- set cols = fromjson(var('bq_cols')) -%}
{%- if execute -%}
  {%- set out = ml_monitor._drift_bracketed_quantiles({'ref_relation': ref('bq_src'), 'ref_filter': '1 = 1'},
                                                      cols, fromjson(var('bq_probs')), fromjson(var('bq_row'))) -%}
{%- else -%}{%- set out = {} -%}{%- endif %}
select '{{ tojson(out) }}' as result
"""


@pytest.fixture(scope="module", params=["nulls_last", "nulls_first"])
def bracketed(request, tmp_path_factory):
    """Built twice: with DuckDB's default order of NULLs (last, as PostgreSQL) and with NULLs
    first (as Spark): the query must not depend on it."""
    root = tmp_path_factory.mktemp("bq")
    frame = _data()
    parquet = root / "src.parquet"
    frame.to_parquet(parquet)
    brackets = _brackets(frame)
    cols = [{"idx": i, "kind": "numeric", "sql": name, "name": name} for i, name in enumerate(frame.columns, 1)]
    project_vars = (f"  bq_cols: '{json.dumps(cols)}'\n  bq_probs: '{json.dumps(PROBS)}'\n"
                    f"  bq_row: '{json.dumps(_profile_row(frame, brackets))}'\n")
    proj = root / "proj"
    ok, _ = build_tiny_project(proj, {"bq_src": f"select * from read_parquet('{parquet}')", "bq_result": MODEL},
                               "version: 2\n", project_vars=project_vars,
                               settings={"default_null_order": request.param})
    assert ok, "the tiny project's build failed (run dbt build in %s to see why)" % proj
    result = json.loads(duckdb_rows(proj / "e.duckdb", "select result from main.bq_result")[0][0])
    return frame, result


def test_every_quantile_equals_numpy_bit_for_bit(bracketed):
    frame, result = bracketed
    compared = 0
    for idx, name in enumerate(frame.columns, 1):
        v = _finite(frame[name])
        for j, p in enumerate(PROBS, 1):
            key = f"{idx}:{j}"
            if len(v) == 0:
                assert key not in result, (name, p)           # no values, no quantile
                continue
            expected = float(np.quantile(v, p))
            assert result[key] == expected, (name, p, result[key], expected)
            # the comparison is exact: one ulp off would fail it
            assert np.nextafter(expected, np.inf) != result[key]
            compared += 1
    assert compared == 6 * len(PROBS)


def test_a_missed_bracket_is_caught_and_its_column_falls_back(bracketed):
    _, result = bracketed
    # column c (idx 3) had one bracket above its order statistic: the exact counts noticed,
    # the exact aggregate answered for the whole column; every other bracket held
    assert result["fallback"] == [3]
