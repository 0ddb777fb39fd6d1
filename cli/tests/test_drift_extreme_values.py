"""Drift statistics on numerically awkward values, on DuckDB and PostgreSQL (ML_MONITOR_ADAPTERS):
integers near 2^53 (a mean of 9e15 loses the units digit) and doubles near 1e300 with 1e-300 and
0 beside them, and -0.0 beside 0.0 (equal values: one category, as pandas' value_counts and
numpy's unique count them). PostgreSQL raises an error on a double precision overflow or underflow where
DuckDB gives inf or 0, so every intermediate value must stay in range. Each number is compared
with scipy to 1e-9, and both engines must give the same rows."""

from __future__ import annotations

import json
import os
import random
from decimal import Decimal

import numpy as np
import pytest
import scipy.stats as st

from conftest import drop_pg_schemas
from test_column_case import ADAPTERS, _build

pytestmark = pytest.mark.adversarial


def _data():
    rnd = random.Random(5)
    rows = []
    for i in range(240):
        half = i % 2
        big = 2**53 + (rnd.randrange(0, 8) if half == 0 else rnd.randrange(2, 10))
        huge = rnd.choice([1e300, -1e300, 1e-300, -1e-300, 0.0, 5e299] if half == 0 else [1e300, 1e-300, 2e300, 0.0])
        negz = rnd.choice([-0.0, 0.0, 0.0, 1.0] if half == 0 else [-0.0, 1.0])
        # 27 digits: one double holds 16 consecutive integers' worth of these
        dec = Decimal(10**17 + rnd.randrange(0, 30 if half == 0 else 40)) + Decimal(rnd.randrange(0, 10**9)) / 10**9
        # constant reference, current half at 1e306: the normed distance (w / 0.001) is beyond 1.8e308
        spike = 1e306 if i % 4 == 1 else 0.0
        # +-1e300 on both sides but one row (1e-300 vs 0): w / std is 1e-603, below the doubles
        tiny = 1e-300 if i == 0 else (0.0 if i == 1 else (1e300 if i % 4 < 2 else -1e300))
        rows.append((i, half, big, huge, negz, dec, spike, tiny))
    return rows


def _model(rows) -> str:
    values = ",\n  ".join(f"({i}, {h}, cast({b} as bigint), cast('{x!r}' as double precision), cast('{z!r}' as double precision), "
                           f"cast('{d}' as {{{{ dec }}}}), cast('{p!r}' as double precision), cast('{t!r}' as double precision))"
                           for i, h, b, x, z, d, p, t in rows)
    return ("{% set dec = 'numeric' if target.type == 'postgres' else 'decimal(38, 9)' %}\n"
            f"select * from (values\n  {values}\n) as t(id, half, big, huge, negz, dec, spike, tiny)\n")


SCHEMA = """
models:
  - name: awkward
    data_tests:
      - ml_monitor.ks_drift:
          name: awk_ks
          arguments: &args {columns: [big, huge, dec], reference_where: 'half = 0', where: 'half = 1', threshold: 1}
      - ml_monitor.ks_drift:
          name: awk_ksp
          arguments: {columns: [big, huge, dec], reference_where: 'half = 0', where: 'half = 1', statistic: ks_pvalue, threshold: 0}
      - ml_monitor.wasserstein_drift:
          name: awk_w
          arguments: {columns: [big, huge], reference_where: 'half = 0', where: 'half = 1', statistic: wasserstein, threshold: 1.0e+305}
      - ml_monitor.wasserstein_drift:
          name: awk_wn
          arguments: {columns: [big, huge], reference_where: 'half = 0', where: 'half = 1', threshold: 100}
      - ml_monitor.wasserstein_drift:
          name: awk_wn_edge
          arguments: {columns: [spike, tiny], reference_where: 'half = 0', where: 'half = 1', threshold: 100,
                      fail_on_no_data: false}
      - ml_monitor.binned_drift:
          name: awk_chi2
          arguments: {columns: [negz], kind: categorical, statistic: chi2_pvalue, threshold: 0,
                      reference_where: 'half = 0', where: 'half = 1'}
      - ml_monitor.psi_drift:
          name: awk_ev
          arguments: {columns: [negz], binning: evidently, threshold: 100, reference_where: 'half = 0', where: 'half = 1'}
      - ml_monitor.psi_drift:
          name: awk_psi
          arguments: {columns: [huge], threshold: 100, reference_where: 'half = 0', where: 'half = 1'}
      - ml_monitor.psi_drift:
          name: awk_ew
          arguments: {columns: [big], binning: equal_width, threshold: 100, fail_on_no_data: false,
                      reference_where: 'half = 0', where: 'half = 1'}
      - ml_monitor.value_range:
          name: awk_vr
          arguments: {columns: [big], min_value: 0, where: 'half = 1'}
"""


def _std(x):
    """The population standard deviation without numpy's own overflow (np.std of 1e300 is inf)
    or cancellation (np.std of 2^53 + small integers is off by 20%): shifted and scaled."""
    span = x.max() - x.min()
    return float(np.std((x - x.min()) / span) * span) if span else 0.0


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_extreme_magnitudes_agree_with_scipy_on_every_engine(adapter, tmp_path):
    schema = f"awkward_{os.getpid()}"
    rows = _data()
    try:
        ok, by_name, read = _build(adapter, tmp_path / "awkward", {"awkward": _model(rows)}, SCHEMA, schema)
        assert ok, {k: r.get("message") for k, r in by_name.items()}
        got = {}
        for test in ("awk_ks", "awk_ksp", "awk_w", "awk_wn"):
            for column, metric, value, status, detail in read(
                    f"select column_name, metric, value, status, detail from {{audit}}.{test}"):
                assert status == "pass", (test, column, status, detail)
                got[(metric, column)] = value
        for column, idx in (("big", 2), ("huge", 3), ("dec", 5)):
            ref = np.array([r[idx] for r in rows if r[1] == 0], dtype=float)
            cur = np.array([r[idx] for r in rows if r[1] == 1], dtype=float)
            # KS on the values as the driver returns them (int64, Decimal): scipy tells apart
            # 2^53 and 2^53 + 1, which one double holds (on the doubles D differs here)
            exact_ref = [r[idx] for r in rows if r[1] == 0]
            exact_cur = [r[idx] for r in rows if r[1] == 1]
            if column == "big":
                exact_ref, exact_cur = np.array(exact_ref, dtype=np.int64), np.array(exact_cur, dtype=np.int64)
            ks = st.ks_2samp(exact_ref, exact_cur)
            if column != "huge":
                assert abs(ks.statistic - st.ks_2samp(ref, cur).statistic) > 0.01, column
            w = st.wasserstein_distance(ref, cur)
            expected = {"ks": ks.statistic, "ks_pvalue": st.ks_2samp(exact_ref, exact_cur, method="asymp").pvalue}
            if column != "dec":
                expected.update({"wasserstein": w, "wasserstein_norm": w / max(_std(ref), 0.001)})
            for metric, value in expected.items():
                assert got[(metric, column)] == pytest.approx(value, rel=1e-9, abs=1e-12), (adapter, metric, column)
        # the normed distance at the ends of the double range: beyond it no_data with the reason,
        # below it 0 (as numpy's quotient); PostgreSQL raised overflow / underflow errors
        edge = {c: (v, st_, d) for c, v, st_, d in read("select column_name, value, status, detail from {audit}.awk_wn_edge")}
        assert edge["spike"][:2] == (None, "no_data") and "beyond the largest double" in edge["spike"][2], edge
        ref_t = np.array([r[7] for r in rows if r[1] == 0]); cur_t = np.array([r[7] for r in rows if r[1] == 1])
        assert st.wasserstein_distance(ref_t, cur_t) / np.std(ref_t / 1e300) / 1e300 == 0.0
        assert edge["tiny"][:2] == (0.0, "pass"), edge
        # -0.0 and 0.0: one category (the chi-square had 2 degrees of freedom), one value bin
        ref = np.array([r[4] for r in rows if r[1] == 0])
        cur = np.array([r[4] for r in rows if r[1] == 1])
        keys = np.unique(np.concatenate([ref, cur]))
        assert len(keys) == 2 and (np.signbit(ref) & (ref == 0)).any()
        counts = [[int((ref == k).sum()) for k in keys], [int((cur == k).sum()) for k in keys]]
        [(chi2, facts)] = read("select value, facts from {audit}.awk_chi2")
        assert chi2 == pytest.approx(st.chi2_contingency(counts, correction=False).pvalue, rel=1e-9)
        assert json.loads(facts)["chi2_dof"] == 1
        r_share, c_share = np.array(counts[0]) / len(ref), np.array(counts[1]) / len(cur)
        [(psi,)] = read("select value from {audit}.awk_ev")
        assert psi == pytest.approx(float(np.sum((r_share - c_share) * np.log(r_share / c_share))), rel=1e-9)
        # the details' numbers: PostgreSQL wrote 2^53 + 2 as 9007199254740990 (15 digits), and a
        # bin edge of 1e300 took 301 digits on both engines
        lowest = min(r[2] for r in rows if r[1] == 1)
        [(detail,)] = read("select detail from {audit}.awk_vr")
        assert f"finite min {lowest}." in detail, detail
        [(detail,)] = read("select detail from {audit}.awk_psi")
        assert "1e+300" in detail and "0" * 20 not in detail, detail
        # 10 equal-width bins over 2^53 + 0..9 are narrower than a double's step: numpy refuses
        # ("Too many bins for data range"); the product said a psi on duplicate edges
        with pytest.raises(ValueError, match="Too many bins"):
            np.histogram_bin_edges(np.array([r[2] for r in rows], dtype=float), 10)
        [(value, status, detail)] = read("select value, status, detail from {audit}.awk_ew")
        assert (value, status) == (None, "no_data") and detail.startswith("too many bins for the data range"), detail
        # numpy's own np.std is no oracle here: off by 20% for the integers, inf for 1e300
        ref_big = np.array([r[2] for r in rows if r[1] == 0], dtype=float)
        assert abs(np.std(ref_big) - _std(ref_big)) > 0.1 * _std(ref_big)
    finally:
        if adapter == "postgres":
            drop_pg_schemas(schema, f"{schema}_dbt_test__audit")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_boolean_column_error_suggests_a_cast_the_engine_accepts(adapter, tmp_path):
    """value_range on a boolean column is a compile error that suggested cast(flag as double):
    PostgreSQL has no type `double` and cannot cast a boolean to double precision. It suggests
    cast(flag as integer) now, which both engines run (checked by building the suggested view)."""
    schema = f"awkbool_{os.getpid()}"
    models = {"flags": "select true as flag union all select false",
              # the suggested cast, on its own (a view on `flags` would be skipped after its error)
              "flags_cast": "select cast(flag as integer) as flag from (select true as flag union all select false) as t"}
    yml = """
models:
  - name: flags
    data_tests:
      - ml_monitor.value_range:
          name: bool_vr
          arguments: {columns: [flag], min_value: 0, max_value: 1}
  - name: flags_cast
    data_tests:
      - ml_monitor.value_range:
          name: cast_vr
          arguments: {columns: [flag], min_value: 0, max_value: 1}
"""
    try:
        _, by_name, _ = _build(adapter, tmp_path / "awkbool", models, yml, schema)
        assert by_name["bool_vr"]["status"] == "error"
        assert "flag is boolean" in by_name["bool_vr"]["message"].lower()
        assert "cast(flag as integer)" in by_name["bool_vr"]["message"], by_name["bool_vr"]["message"]
        assert by_name["cast_vr"]["status"] == "pass", by_name["cast_vr"].get("message")
    finally:
        if adapter == "postgres":
            drop_pg_schemas(schema, f"{schema}_dbt_test__audit")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_ks_facts_name_the_smallest_value_of_the_largest_gap(adapter, tmp_path):
    """The facts of ks_drift (at_value, reference_cdf, current_cdf) against numpy's empirical CDFs,
    on data whose largest gap is reached at two values (1 and 4): the smallest of them, and both
    CDFs there (taking the other value would say 91.7% / 60% instead of 8.3% / 30%)."""
    schema = f"ksfacts_{os.getpid()}"
    ref = [2, 2, 4, 4, 2, 4, 4, 4, 1, 2, 4, 5]
    cur = [4, 5, 1, 5, 5, 1, 1, 4, 4, 4]
    values = ", ".join([f"(0, {v})" for v in ref] + [f"(1, {v})" for v in cur] + ["(1, null)"])
    model = f"select side, cast(x as double precision) as x from (values {values}) as t(side, x)"
    yml = """
models:
  - name: ksf
    data_tests:
      - ml_monitor.ks_drift:
          name: ksf_ks
          arguments: {columns: [x], reference_where: 'side = 0', where: 'side = 1', threshold: 1}
"""
    xs = np.unique(ref + cur)
    f_ref = np.array([np.mean(np.array(ref) <= x) for x in xs])
    f_cur = np.array([np.mean(np.array(cur) <= x) for x in xs])
    gap = np.abs(f_cur - f_ref)
    peaks = xs[gap == gap.max()]
    assert list(peaks) == [1, 4]
    at = int(peaks[0])
    try:
        ok, by_name, read = _build(adapter, tmp_path / "ksf", {"ksf": model}, yml, schema)
        assert ok, {k: r.get("message") for k, r in by_name.items()}
        [(value, facts)] = read("select value, facts from {audit}.ksf_ks")
        facts = json.loads(facts)
        assert value == pytest.approx(st.ks_2samp(ref, cur).statistic, abs=1e-12)
        assert facts["at_value"] == at
        assert facts["reference_cdf"] == pytest.approx(np.mean(np.array(ref) <= at), abs=1e-12)
        assert facts["current_cdf"] == pytest.approx(np.mean(np.array(cur) <= at), abs=1e-12)
    finally:
        if adapter == "postgres":
            drop_pg_schemas(schema, f"{schema}_dbt_test__audit")
