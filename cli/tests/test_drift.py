"""The drift family (issue 3) end to end on DuckDB.

* regenerates the drift seeds (numpy / scipy oracles, integration_tests/scripts/gen_drift.py)
  and checks they are the committed ones;
* `dbt build` of the drift selection: every case of actual_drift equals the expected
  observations to 1e-9 (equal_observations), generic tests that must pass pass and those that
  must fail are proven to (error_if "<1");
* details, baseline values, the Evidently 0.7 reference number recomputed here;
* the explicit freeze_baseline operation (replace, not duplicate; builds never touch it);
* argument errors at compile time, in a tiny separate project: the message names the test
  and the argument.

Runs in about 1.5 minutes on a shared 2-core machine.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dbt_project_runner import INTEGRATION, build_family, build_tiny_project, run_dbt
from dbt_project_runner import duckdb_rows as _rows



@pytest.fixture(scope="module")
def drift_build(tmp_path_factory):
    return build_family("drift", tmp_path_factory.mktemp("drift"))


def _input() -> pd.DataFrame:
    return pd.read_csv(INTEGRATION / "seeds" / "drift" / "drift_input.csv", keep_default_na=False,
                       na_values=[""], dtype={"f_bad": str})


def test_generator_is_deterministic_and_committed(drift_build):
    assert drift_build["after"] == drift_build["before"]
    # drift_input, drift_evidently_input, drift_pvalue_grid, drift_kstwo_grid and expected_drift
    assert len(drift_build["after"]) == 5


def test_every_drift_node_passed(drift_build):
    run = drift_build["run"]
    assert run.results, run.output[-5000:]
    failed = run.failed_nodes()
    assert not failed, "\n".join(failed) + "\n" + run.output[-3000:]
    assert run.returncode == 0, run.output[-3000:]
    names = {r["unique_id"].split(".")[2] for r in run.results if r["unique_id"].startswith("test.")}
    for expected in ["drift_psi_f_stable_pass", "drift_psi_f_shift_fails", "drift_ks_f_shift_fails",
                     "drift_js_many_columns_fails", "drift_prediction_fails", "drift_psi_evidently_x_pass",
                     "drift_psi_empty_window_fails", "drift_psi_empty_window_no_data_allowed"]:
        assert expected in names
    assert any(n.startswith("equal_observations_actual_drift") for n in names)
    # the comparison covered the whole expected seed, every case and every status
    db = drift_build["db"]
    n_actual = _rows(db, "select count(*) from main.actual_drift")[0][0]
    n_expected = _rows(db, "select count(*) from main.expected_drift")[0][0]
    assert n_actual == n_expected > 100
    cases = {r[0] for r in _rows(db, "select distinct case_name from main.expected_drift")}
    assert {"psi_where", "ks_where", "js_where", "psi_segments", "baseline_segments", "psi_evidently",
            "pred_label", "empty_current", "empty_reference", "psi_kinds", "psi_sturges"} <= cases
    statuses = {r[0] for r in _rows(db, "select distinct status from main.actual_drift")}
    assert statuses == {"pass", "fail", "no_data", "skipped"}


def test_must_fail_tests_really_failed(drift_build):
    """The error_if '<1' tests are green only because their observations failed."""
    db = drift_build["db"]
    psi = _rows(db, "select status, value from main_dbt_test__audit.drift_psi_f_shift_fails")
    assert psi == [("fail", pytest.approx(0.6122739339851639, abs=1e-9))]
    js = dict(_rows(db, "select column_name, status from main_dbt_test__audit.drift_js_many_columns_fails"))
    assert js == {"f_shift": "fail", "cat": "fail", "f_stable": "pass"}
    nodata = _rows(db, "select status, sample_size from main_dbt_test__audit.drift_psi_empty_window_fails")
    assert nodata == [("no_data", 0)]


def test_details_name_the_moved_bin_and_the_excluded_values(drift_build):
    db = drift_build["db"]
    df = _input()
    detail = dict(_rows(db, """select column_name, detail from main.actual_drift
                               where case_name = 'psi_where'"""))
    # f_shift moved right: the open top bin gained the most
    assert "largest shift in bin (1.32007, +inf): 10.0% -> 30.63%" in detail["f_shift"]
    # the new category lands in the unseen bin
    assert "largest shift in bin unseen categories: 0.0% ->" in detail["cat"]
    # NaN / inf excluded and counted (counts taken from the seed here)
    cur, ref = df[df["sample_name"] == "cur"], df[df["sample_name"] == "ref"]
    nf = lambda d: int(d["f_bad"].isin(["NaN", "Infinity", "-Infinity"]).sum())  # noqa: E731
    nulls = lambda d: int(d["f_bad"].isna().sum())  # noqa: E731
    assert f"non-finite excluded: {nf(cur)} current, {nf(ref)} reference" in detail["f_bad"]
    assert f"nulls excluded: {nulls(cur)} current, {nulls(ref)} reference" in detail["f_bad"]
    assert detail["f_null_cur"] == f"no usable current values: {len(cur)} null, 0 non-finite of {len(cur)} rows"
    assert detail["f_null_all"].startswith("no usable reference values: ")
    ks = dict(_rows(db, "select column_name, detail from main.actual_drift where case_name = 'ks_where'"))
    assert ks["f_shift"].startswith("ks 0.3192 above 0.1; largest gap at value ")
    # a segment with no reference rows is no_data and says why
    west = _rows(db, """select status, detail from main.actual_drift
                        where case_name = 'psi_segments' and segment_value = 'west'""")
    assert west and all(r == ("no_data", "no reference rows for this segment") for r in west)
    empty = _rows(db, """select distinct detail from main.actual_drift where case_name = 'empty_reference'""")
    assert empty == [("no reference rows",)]


def _gen_drift():
    """integration_tests/scripts/gen_drift.py as a module: the numpy oracle of the drift seeds."""
    import importlib.util
    import sys

    path = INTEGRATION / "scripts" / "gen_drift.py"
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("gen_drift_oracle", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _expected_bins(g, ref, cur, col, key):
    """numpy: {bin key: (reference count, current count, reference share, current share)} for one
    (column, segment) of the quantile / categorical binning of the psi_segments case."""
    cur_s, ref_s = g.subset(cur, key), g.subset(ref, key)
    if col.startswith("cat"):
        cats = sorted({str(r[col]) for r in ref if r[col] is not None})
        conv = (lambda v: None if v is None else str(v))
        cc = g.categorical_counts([conv(r[col]) for r in cur_s], cats)
        rc = g.categorical_counts([conv(r[col]) for r in ref_s], cats)
        keys = cats + [None]            # the last count is the unseen-categories bin
    else:
        edges = g.quantile_edges(g.finite(r[col] for r in ref), 10)
        cc = g.numeric_counts(g.finite(r[col] for r in cur_s), edges)
        rc = g.numeric_counts(g.finite(r[col] for r in ref_s), edges)
        keys = list(range(1, len(edges) + 2))   # bin indexes 1..K
    return {k: (int(r), int(c), r / rc.sum(), c / cc.sum()) for k, r, c in zip(keys, rc, cc)}


def _facts_bins_by_key(facts: dict, categorical: bool) -> dict:
    return {(b["category"] if b["index"] != 0 else None) if categorical else b["index"]:
            (b["reference_n"], b["current_n"], b["reference"], b["current"]) for b in facts["bins"]}


def _bins_mismatch(expected: dict, observed: dict, tol=1e-9) -> list[str]:
    if expected.keys() != observed.keys():
        return [f"bins {sorted(map(str, expected))} != {sorted(map(str, observed))}"]
    bad = []
    for k, (rn, cn, r, c) in expected.items():
        orn, ocn, o_r, o_c = observed[k]
        if (rn, cn) != (orn, ocn) or abs(r - o_r) > tol or abs(c - o_c) > tol:
            bad.append(f"bin {k}: expected {(rn, cn, r, c)}, facts {observed[k]}")
    return bad


def test_facts_carry_every_bin_share_as_numpy_computes_them(drift_build):
    """The facts column of psi rows: every bin's counts and shares equal numpy's (1e-9), for the
    overall row and each segment, numeric (quantile) and categorical columns."""
    import numpy as np

    g = _gen_drift()
    data = g.make_main(np.random.default_rng(20260131))   # the generator's own seeded data
    ref, cur = g.rows_of(data, "ref"), g.rows_of(data, "cur")
    rows = _rows(drift_build["db"], """select column_name, segment_column, segment_value, facts
                                       from main.actual_drift where case_name = 'psi_segments'""")
    checked = 0
    for col, seg_col, seg_val, facts_text in rows:
        facts = json.loads(facts_text)
        assert facts["reference"]["where"] is not None and facts["reference"]["baseline"] is None
        key = (seg_col, seg_val)
        if seg_col is not None and not g.subset(ref, key):
            assert all(b["reference_n"] == 0 for b in facts["bins"])  # no reference rows: no_data
            continue
        expected = _expected_bins(g, ref, cur, col, key)
        observed = _facts_bins_by_key(facts, col.startswith("cat"))
        assert _bins_mismatch(expected, observed) == [], (col, key)
        assert facts["current_rows"] == len(g.subset(cur, key))
        assert facts["reference_rows"] == len(g.subset(ref, key))
        # the comparison really compares: one share off by 1e-6 is caught
        k0 = next(iter(expected))
        rn, cn, r, c = expected[k0]
        assert _bins_mismatch({**expected, k0: (rn, cn, r + 1e-6, c)}, observed) != []
        checked += 1
    assert checked >= 6, rows


def test_prediction_drift_carries_the_reference_rate(drift_build):
    df = _input()
    ref = df[(df["sample_name"] == "ref")]
    cur = df[(df["sample_name"] == "cur")]
    ref_rate = (ref["pred"] == 1).sum() / ref["pred"].notna().sum()
    cur_rate = (cur["pred"] == 1).sum() / cur["pred"].notna().sum()
    rows = _rows(drift_build["db"], """
        select metric, value, baseline_value, status from main.actual_drift
        where case_name = 'pred_label' and segment_column is null order by metric""")
    by_metric = {r[0]: r[1:] for r in rows}
    assert set(by_metric) == {"psi", "positive_rate_shift", "positive_rate_relative_shift"}
    shift, base, status = by_metric["positive_rate_shift"]
    assert base == pytest.approx(ref_rate, abs=1e-12)
    assert shift == pytest.approx(cur_rate - ref_rate, abs=1e-12)
    assert status == "fail"
    rel, base, _ = by_metric["positive_rate_relative_shift"]
    assert rel == pytest.approx((cur_rate - ref_rate) / ref_rate, abs=1e-12)


def _evidently_psi(ref: np.ndarray, cur: np.ndarray) -> float:
    """Evidently 0.7's numeric PSI, written out here (Evidently itself is not installed)."""
    assert len(np.unique(ref)) > 20
    bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    r = np.histogram(ref, bins)[0] / len(ref)
    c = np.histogram(cur, bins)[0] / len(cur)
    for p in (r, c):
        m = p[p != 0].min()
        np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return float(np.sum((r - c) * np.log(r / c)))


def test_evidently_mode_reproduces_evidently(drift_build):
    rng = np.random.default_rng(0)
    ref = rng.normal(0, 1, 10_000)  # reference drawn first
    cur = rng.normal(0.3, 1, 10_000)
    here = _evidently_psi(ref, cur)
    assert here == pytest.approx(0.08788759029969584, abs=1e-15)
    assert len(np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")) == 17  # 16 bins
    sql = _rows(drift_build["db"], """select value, threshold, status from main.actual_drift
                                      where case_name = 'psi_evidently' and column_name = 'x'""")
    assert sql[0][0] == pytest.approx(here, abs=1e-12)
    assert sql[0][1:] == (0.1, "pass")
    # the default (quantile) PSI of the same data differs a little: the modes are not interchangeable
    quantile = _rows(drift_build["db"], """select value from main_dbt_test__audit.drift_psi_quantile_x_pass""")
    assert abs(quantile[0][0] - here) > 1e-4


def test_freeze_baseline_is_explicit_and_replaces(drift_build):
    work, db = drift_build["work"], drift_build["db"]
    env = {"ML_MONITOR_DUCKDB_PATH": str(db)}
    args = ("{name: op_v1, model: drift_main, reference: drift_reference, "
            "columns: [f_shift, cat, score], segment_by: [seg], positive_rate: {prediction_column: pred}}")
    first = run_dbt(["run-operation", "ml_monitor.freeze_baseline", "--args", args], "duckdb", work, extra_env=env)
    assert first.returncode == 0, first.output[-3000:]
    assert "froze baseline 'op_v1' of drift_main" in first.output and "positive rate (prediction = 1)" in first.output
    count = "select count(*) from main.ml_monitor_baselines where baseline_name = ?"
    n = _rows(db, count, ["op_v1"])[0][0]
    # the operation stores exactly what the post-hook froze for drift_v1 (same reference)
    same = """select column_name, kind, segment_column, segment_value, bin_index, bin_label, bin_upper,
                     category, reference_count, reference_rows
              from main.ml_monitor_baselines where baseline_name = ? order by all"""
    assert n > 20 and _rows(db, same, ["op_v1"]) == _rows(db, same, ["drift_v1"])
    # reference counts agree with the seed
    ref = _input().query("sample_name == 'ref'")
    total = _rows(db, """select reference_rows from main.ml_monitor_baselines
                         where baseline_name = 'op_v1' and segment_column is null limit 1""")[0][0]
    assert total == len(ref)
    unseen = _rows(db, """select reference_count from main.ml_monitor_baselines where baseline_name = 'op_v1'
                          and column_name = 'cat' and segment_column is null and bin_index = 0""")
    assert unseen == [(0,)]
    # the positive rate: bin 1 the positives under the rule, bin 2 the predictions, per segment
    rate = dict(((r[0], r[1]), r[2]) for r in _rows(db, """select bin_index, bin_label, reference_count
        from main.ml_monitor_baselines where baseline_name = 'op_v1' and kind = 'positive_rate' and segment_column is null"""))
    assert rate == {(1, "prediction = 1"): int((ref["pred"] == 1).sum()), (2, "predictions"): int(ref["pred"].notna().sum())}
    # one build: the package model is rebuilt with --full-refresh (must keep every baseline) and
    # the post-hook re-freezes drift_v1 (must replace its rows, not add to them)
    n_v1 = _rows(db, count, ["drift_v1"])[0][0]
    build = run_dbt(["build", "--full-refresh", "--select", "ml_monitor_baselines", "drift_baseline_freeze"],
                    "duckdb", work, extra_env=env)
    assert build.returncode == 0, build.output[-3000:]
    assert _rows(db, count, ["op_v1"])[0][0] == n
    assert _rows(db, count, ["drift_v1"])[0][0] == n_v1
    assert _rows(db, same, ["op_v1"]) == _rows(db, same, ["drift_v1"])


def _show_error(drift_build, inline: str) -> str:
    env = {"ML_MONITOR_DUCKDB_PATH": str(drift_build["db"])}
    run = run_dbt(["show", "--inline", inline], "duckdb", drift_build["work"], extra_env=env)
    assert run.returncode != 0, run.output[-2000:]
    return run.output


def test_prediction_drift_baseline_needs_the_same_frozen_rule(drift_build):
    """prediction_drift against a baseline compares the frozen positive rate: a baseline without
    one, or frozen under another rule, is a compile-time error naming test, argument and the fix."""
    main = "ref('drift_main')"
    env = {"ML_MONITOR_DUCKDB_PATH": str(drift_build["db"])}
    out = _show_error(drift_build, "{{ ml_monitor.prediction_drift(" + main + ", 'score', baseline='drift_keep') }}")
    assert "argument 'score_column' must be frozen in baseline drift_keep (it has: f_shift)" in out
    frozen = run_dbt(["run-operation", "ml_monitor.freeze_baseline", "--args",
                      "{name: op_norate, model: drift_main, reference: drift_reference, columns: [score]}"],
                     "duckdb", drift_build["work"], extra_env=env)
    assert frozen.returncode == 0, frozen.output[-2000:]
    out = _show_error(drift_build, "{{ ml_monitor.prediction_drift(" + main + ", 'score', baseline='op_norate') }}")
    assert "ml_monitor.prediction_drift" in out and "argument 'baseline' has no frozen positive rate" in out
    assert "positive_rate: {prediction_column" in out
    out = _show_error(drift_build, "{{ ml_monitor.prediction_drift(" + main + ", 'score', score_threshold=0.5, baseline='drift_pred_t') }}")
    assert "froze the positive rate as 'score >= 0.6' on column score, the test counts 'score >= 0.5'" in out
    out = _show_error(drift_build, "{{ ml_monitor.prediction_drift(" + main + ", 'score', prediction_column='pred', baseline='drift_pred_t') }}")
    assert "the test counts 'prediction = 1' on column pred" in out
    out = _show_error(drift_build, "{{ ml_monitor.prediction_drift(" + main + ", 'score', binning='equal_width', baseline='drift_pred_t') }}")
    assert "argument 'binning' must be quantile with a frozen baseline" in out
    bad = run_dbt(["run-operation", "ml_monitor.freeze_baseline", "--args",
                   "{name: op_bad, model: drift_main, columns: [score], positive_rate: {prediction: pred}}"],
                  "duckdb", drift_build["work"], extra_env=env)
    assert bad.returncode != 0 and "argument 'positive_rate' has an unknown key prediction" in bad.output, bad.output[-2000:]


# --------------------------------------------------------------------------- argument errors

ERROR_PROJECT_SCHEMA = """
models:
  - name: m
    columns:
      - name: x
        data_tests:
          - ml_monitor.psi_drift:
              name: ok_psi
              arguments: {reference_where: "g = 'r'", where: "g = 'c'"}
          - ml_monitor.psi_drift:
              name: bad_binning
              arguments: {binning: foo, reference_where: "g = 'r'"}
          - ml_monitor.psi_drift:
              name: bad_bins_zero
              arguments: {bins: 0, reference_where: "g = 'r'"}
          - ml_monitor.js_drift:
              name: bad_bins_negative
              arguments: {bins: -3, reference_where: "g = 'r'"}
          - ml_monitor.psi_drift:
              name: bad_bins_sturges_quantile
              arguments: {bins: sturges, reference_where: "g = 'r'"}
          - ml_monitor.psi_drift:
              name: missing_reference
              arguments: {where: "g = 'c'"}
          - ml_monitor.psi_drift:
              name: bad_epsilon
              arguments: {epsilon: 0, reference_where: "g = 'r'"}
          - ml_monitor.psi_drift:
              name: unknown_baseline
              arguments: {baseline: nope_v9}
          - ml_monitor.psi_drift:
              name: baseline_and_reference
              arguments: {baseline: nope_v9, reference_where: "g = 'r'"}
          - ml_monitor.psi_drift:
              name: reference_window_without_window
              arguments: {reference_window: {period: day, count: 7}}
          - ml_monitor.js_drift:
              name: js_evidently
              arguments: {binning: evidently, reference_where: "g = 'r'"}
          # more statistics (issue #17)
          - ml_monitor.binned_drift:
              name: chi2_on_numeric
              arguments: {statistic: chi2_pvalue, reference_where: "g = 'r'"}
          - ml_monitor.binned_drift:
              name: linf_on_numeric
              arguments: {statistic: linf, reference_where: "g = 'r'"}
          - ml_monitor.binned_drift:
              name: unknown_statistic
              arguments: {statistic: kl, reference_where: "g = 'r'"}
          - ml_monitor.binned_drift:
              name: chi2_threshold_above_one
              arguments: {statistic: chi2_pvalue, threshold: 5, kind: categorical, reference_where: "g = 'r'"}
          - ml_monitor.binned_drift:
              name: hellinger_evidently
              arguments: {binning: evidently, reference_where: "g = 'r'"}
          - ml_monitor.wasserstein_drift:
              name: wasserstein_without_threshold
              arguments: {statistic: wasserstein, reference_where: "g = 'r'"}
          - ml_monitor.wasserstein_drift:
              name: wasserstein_ks_statistic
              arguments: {statistic: ks, reference_where: "g = 'r'"}
          - ml_monitor.ks_drift:
              name: ks_pvalue_threshold_above_one
              arguments: {statistic: ks_pvalue, threshold: 1.5, reference_where: "g = 'r'"}
          - ml_monitor.prediction_drift:
              name: prediction_chi2
              arguments: {statistic: chi2_pvalue, reference_where: "g = 'r'"}
          # one bin holds every row on both sides: PSI 0 whatever moved (refused, every binned test)
          - ml_monitor.psi_drift:
              name: bad_bins_one
              arguments: {bins: 1, reference_where: "g = 'r'"}
          - ml_monitor.js_drift:
              name: bad_bins_one_js
              arguments: {bins: 1, binning: equal_width, reference_where: "g = 'r'"}
          - ml_monitor.binned_drift:
              name: bad_bins_one_binned
              arguments: {bins: 1, reference_where: "g = 'r'"}
          - ml_monitor.prediction_drift:
              name: bad_bins_one_prediction
              arguments: {bins: 1, reference_where: "g = 'r'"}
          # a string where a number belongs is named as a string
          - ml_monitor.psi_drift:
              name: threshold_string
              arguments: {threshold: "0.2", reference_where: "g = 'r'"}
          - ml_monitor.psi_drift:
              name: bins_string
              arguments: {bins: "5", reference_where: "g = 'r'"}
          # kind: a mapping naming no monitored column was ignored silently
          - ml_monitor.psi_drift:
              name: kind_unknown_column
              arguments: {kind: {y: categorical}, reference_where: "g = 'r'"}
          # a column twice: duplicate history rows, or (x, X) one column as two series
          - ml_monitor.psi_drift:
              name: duplicate_columns
              arguments: {columns: [x, c, x], reference_where: "g = 'r'"}
          # text predictions and the default positive_value 1 (a Conversion Error at run time)
          - ml_monitor.prediction_drift:
              name: prediction_text_default_positive
              arguments: {prediction_column: c, reference_where: "g = 'r'"}
          - ml_monitor.prediction_drift:
              name: ok_prediction_text_positive
              arguments: {prediction_column: c, positive_value: a, reference_where: "g = 'r'"}
      - name: c
        data_tests:
          - ml_monitor.ks_drift:
              name: ks_categorical
              arguments: {reference_where: "g = 'r'"}
          - ml_monitor.psi_drift:
              name: numeric_kind_on_text
              arguments: {kind: numeric, reference_where: "g = 'r'"}
          - ml_monitor.wasserstein_drift:
              name: wasserstein_categorical
              arguments: {reference_where: "g = 'r'"}
          # a categorical column: the chi-square p-value is defined (and passes on equal samples)
          - ml_monitor.binned_drift:
              name: ok_chi2
              arguments: {statistic: chi2_pvalue, reference_where: "g = 'r'"}
          # a text score: the error names score_column, which the user gave (not 'kind')
          - ml_monitor.prediction_drift:
              name: prediction_text_score
              arguments: {reference_where: "g = 'r'"}
    data_tests:
      - ml_monitor.psi_drift:
          name: unknown_column
          arguments: {columns: [x, nope], reference_where: "g = 'r'"}
      - ml_monitor.prediction_drift:
          name: prediction_without_score
          arguments: {reference_where: "g = 'r'"}
      - ml_monitor.ks_drift:
          name: duplicate_columns_case
          arguments: {columns: [x, X], reference_where: "g = 'r'"}
"""

EXPECTED_ERRORS = {
    "bad_binning": ("ml_monitor.psi_drift", "argument 'binning' must be one of quantile, equal_width, evidently (got foo)"),
    "bad_bins_zero": ("ml_monitor.psi_drift", "argument 'bins' must be a whole number >= 2"),
    "bad_bins_negative": ("ml_monitor.js_drift", "argument 'bins' must be a whole number >= 2"),
    "bad_bins_one": ("ml_monitor.psi_drift", "argument 'bins' must be a whole number >= 2 (got 1)"),
    "bad_bins_one_js": ("ml_monitor.js_drift", "argument 'bins' must be a whole number >= 2 or 'sturges' (got 1)"),
    "bad_bins_one_binned": ("ml_monitor.binned_drift", "argument 'bins' must be a whole number >= 2 (got 1)"),
    "bad_bins_one_prediction": ("ml_monitor.prediction_drift", "argument 'bins' must be a whole number >= 2 (got 1)"),
    "threshold_string": ("ml_monitor.psi_drift", "argument 'threshold' must be a number, got the string '0.2'"),
    "bins_string": ("ml_monitor.psi_drift", "argument 'bins' must be a whole number >= 2, got the string '5'"),
    "kind_unknown_column": ("ml_monitor.psi_drift", "argument 'kind' is a mapping column -> kind, but 'y' is not one of the monitored columns (x)"),
    "duplicate_columns": ("ml_monitor.psi_drift", "argument 'columns' names column x twice (got x, c, x)"),
    "duplicate_columns_case": ("ml_monitor.ks_drift", "argument 'columns' names column X twice (as x and X; column names are matched without regard to case)"),
    "prediction_text_default_positive": ("ml_monitor.prediction_drift", "argument 'positive_value' is a number (its default is 1) but "
                                         "prediction_column 'c' holds text (VARCHAR); give the positive class as the predictions spell it"),
    "prediction_text_score": ("ml_monitor.prediction_drift", "argument 'score_column' must name a numeric column; 'c' is VARCHAR"),
    "bad_bins_sturges_quantile": ("ml_monitor.psi_drift", "argument 'bins' 'sturges' needs binning: equal_width"),
    "missing_reference": ("ml_monitor.psi_drift", "argument 'reference' is required"),
    "bad_epsilon": ("ml_monitor.psi_drift", "argument 'epsilon' must be a number > 0"),
    # the package model ml_monitor_baselines is built (empty) by this build: the name is unknown
    "unknown_baseline": ("ml_monitor.psi_drift", "argument 'baseline' is not a frozen baseline of model m"),
    "baseline_and_reference": ("ml_monitor.psi_drift", "argument 'baseline' replaces reference"),
    "reference_window_without_window": ("ml_monitor.psi_drift", "argument 'reference_window' needs window"),
    "js_evidently": ("ml_monitor.js_drift", "argument 'binning' must be quantile or equal_width"),
    "ks_categorical": ("ml_monitor.ks_drift", "argument 'columns' must be numeric columns"),
    "numeric_kind_on_text": ("ml_monitor.psi_drift", "argument 'kind' numeric needs a numeric column"),
    "unknown_column": ("ml_monitor.psi_drift", "argument 'columns' names column(s)"),
    "prediction_without_score": ("ml_monitor.prediction_drift", "argument 'score_column' is required"),
    "chi2_on_numeric": ("ml_monitor.binned_drift", "argument 'columns' must be categorical columns for this monitor"),
    "linf_on_numeric": ("ml_monitor.binned_drift", "argument 'columns' must be categorical columns for this monitor"),
    "unknown_statistic": ("ml_monitor.binned_drift", "argument 'statistic' must be one of psi, js_distance, hellinger"),
    "chi2_threshold_above_one": ("ml_monitor.binned_drift", "argument 'threshold'"),
    "hellinger_evidently": ("ml_monitor.binned_drift", "argument 'binning' evidently is a PSI mode"),
    "wasserstein_without_threshold": ("ml_monitor.wasserstein_drift", "argument 'threshold' is required with statistic: wasserstein"),
    "wasserstein_ks_statistic": ("ml_monitor.wasserstein_drift", "argument 'statistic' must be one of wasserstein_norm, wasserstein (got ks)"),
    "ks_pvalue_threshold_above_one": ("ml_monitor.ks_drift", "argument 'threshold'"),
    "prediction_chi2": ("ml_monitor.prediction_drift", "argument 'statistic' must be one of psi, js_distance, hellinger, total_variation"),
    "wasserstein_categorical": ("ml_monitor.wasserstein_drift", "argument 'columns' must be numeric columns"),
}


def test_argument_errors_name_the_test_and_the_argument(tmp_path):
    ok, by_name = build_tiny_project(tmp_path / "drift_errors", {
        "m": "select * from (values ('r', 1.0, 'a'), ('r', 2.0, 'b'), ('c', 1.0, 'a'), ('c', 2.0, 'b')) as t(g, x, c)",
    }, ERROR_PROJECT_SCHEMA)
    assert by_name["ok_psi"]["status"] == "pass"
    assert by_name["ok_chi2"]["status"] == "pass"
    assert by_name["ok_prediction_text_positive"]["status"] == "pass", by_name["ok_prediction_text_positive"].get("message")
    for name, (test, message) in EXPECTED_ERRORS.items():
        r = by_name[name]
        assert r["status"] == "error", (name, r)
        assert test in r["message"] and message in r["message"], (name, r["message"])
    assert "freeze it first: dbt run-operation ml_monitor.freeze_baseline" in by_name["unknown_baseline"]["message"]
    assert not ok


def test_identical_distributions_name_no_bin(tmp_path):
    """PSI 0 (every bin's share the same): the detail says no bin moved instead of naming an
    arbitrary bin with '0.0% -> 0.0%'."""
    from dbt_project_runner import build_tiny_project, duckdb_rows

    schema = """
models:
  - name: t
    data_tests:
      - ml_monitor.psi_drift:
          name: same_psi
          arguments: {columns: [x, c], reference_where: 'half = 0', where: 'half = 1'}
"""
    model = "select i % 2 as half, (i // 2) % 10 * 1.0 as x, chr(97 + cast((i // 2) % 3 as integer)) as c from range(0, 400) as t(i)"
    ok, by_name = build_tiny_project(tmp_path / "same", {"t": model}, schema)
    assert by_name["same_psi"]["status"] == "pass", by_name["same_psi"].get("message")
    rows = duckdb_rows(tmp_path / "same" / "e.duckdb", "select column_name, value, detail from main_dbt_test__audit.same_psi")
    assert len(rows) == 2
    for column, value, detail in rows:
        assert value == 0 and detail.endswith("; no bin moved"), (column, value, detail)


def test_equal_width_bins_are_half_open_as_numpy_histogram(tmp_path):
    """binning: equal_width puts a value on an inner edge in the bin above it, as numpy.histogram
    ([e_k, e_k+1), the last bin closed): integer features hit the edges (here 0..8 in 4 bins:
    edges 0, 2, 4, 6, 8). PSI and every bin's counts against numpy, to 1e-9."""
    schema = """
models:
  - name: t
    data_tests:
      - ml_monitor.psi_drift:
          name: ew_psi
          arguments: {columns: [x], binning: equal_width, bins: 4, reference_where: 'half = 0', where: 'half = 1'}
"""
    model = ("select i % 2 as half, case when i % 2 = 0 then (i // 2) % 9 else ((i // 2) * (i // 2)) % 9 end as x "
             "from range(0, 180) as t(i)")
    _, by_name = build_tiny_project(tmp_path / "ew", {"t": model}, schema)
    assert "ew_psi" in by_name, by_name
    ref = np.array([(i // 2) % 9 for i in range(0, 180, 2)], dtype=float)
    cur = np.array([((i // 2) * (i // 2)) % 9 for i in range(1, 180, 2)], dtype=float)
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins=4)
    assert list(edges) == [0, 2, 4, 6, 8] and np.isin(cur, [2, 4, 6]).any()   # values on inner edges
    rc, cc = np.histogram(ref, edges)[0], np.histogram(cur, edges)[0]
    r, c = np.maximum(rc / rc.sum(), 0.0001), np.maximum(cc / cc.sum(), 0.0001)
    rows = _rows(tmp_path / "ew" / "e.duckdb", "select value, facts from main_dbt_test__audit.ew_psi")
    assert len(rows) == 1
    value, facts = rows[0]
    bins = sorted(json.loads(facts)["bins"], key=lambda b: b["index"])
    assert [(b["reference_n"], b["current_n"]) for b in bins] == list(zip(rc.tolist(), cc.tolist()))
    assert value == pytest.approx(float(np.sum((c - r) * np.log(c / r))), abs=1e-9)


def test_evidently_zero_fill_at_exactly_one_in_ten_thousand(tmp_path):
    """binning: evidently fills an empty bin with (smallest non-zero share) / 1e6 when that share
    is <= 0.0001, else 0.0001 (Evidently 0.7), each side on its own: 10,000 rows per side with one
    row of 'y' (reference) or 'z' (current) make the smallest share exactly 0.0001, the boundary
    itself, and leave the other value empty. PSI against the rule in numpy."""
    schema = """
models:
  - name: t
    data_tests:
      - ml_monitor.psi_drift:
          name: ev_fill_psi
          arguments: {columns: [c], binning: evidently, reference_where: 'half = 0', where: 'half = 1'}
"""
    model = ("select case when i < 10000 then 0 else 1 end as half, "
             "case i when 0 then 'y' when 10000 then 'z' else 'x' end as c from range(0, 20000) as t(i)")
    _, by_name = build_tiny_project(tmp_path / "ev", {"t": model}, schema)
    assert "ev_fill_psi" in by_name, by_name
    ref, cur = np.array(["y"] + ["x"] * 9999), np.array(["z"] + ["x"] * 9999)
    value = _evidently_psi_categorical(ref, cur)
    assert abs(value - _evidently_psi_categorical(ref, cur, fill_at=0.00009)) > 1e-4   # the boundary matters
    rows = _rows(tmp_path / "ev" / "e.duckdb", "select value from main_dbt_test__audit.ev_fill_psi")
    assert rows[0][0] == pytest.approx(value, abs=1e-9)


def _evidently_psi_categorical(ref, cur, fill_at=0.0001):
    """Evidently 0.7's PSI of a categorical column: shares per value of the union, zero fill, ln."""
    keys = sorted(set(ref) | set(cur))
    r = np.array([np.sum(ref == k) for k in keys]) / len(ref)
    c = np.array([np.sum(cur == k) for k in keys]) / len(cur)

    def fill(p):
        p = p.copy()
        m = p[p != 0].min()
        np.place(p, p == 0, m / 10**6 if m <= fill_at else 0.0001)
        return p
    r, c = fill(r), fill(c)
    return float(np.sum((r - c) * np.log(r / c)))


def test_a_reference_relation_filtered_by_reference_window_says_which_period_was_empty(tmp_path):
    """`reference: ref(...)` with `reference_window` reads the reference relation's rows of the
    period before the window. A training table whose rows are all older is empty there: the
    detail said only "no reference rows", which read as a bug for a table that has rows; it now
    names the period and the relation (psi, ks and prediction_drift alike)."""
    schema = """
models:
  - name: cur
    data_tests:
      - ml_monitor.psi_drift:
          name: refwin_psi
          arguments: &args {columns: [x], reference: ref('train'), reference_window: {period: day, count: 2},
                            timestamp_column: ts, window: {period: day, count: 1}, fail_on_no_data: false}
      - ml_monitor.ks_drift:
          name: refwin_ks
          arguments: *args
      - ml_monitor.prediction_drift:
          name: refwin_pred
          arguments: {score_column: x, reference: ref('train'), reference_window: {period: day, count: 2},
                      timestamp_column: ts, window: {period: day, count: 1}, fail_on_no_data: false}
"""
    models = {"cur": "select i * 0.1 as x, timestamp '2026-01-30 12:00:00' as ts from range(0, 10) as t(i)",
              "train": "select i * 0.1 as x, timestamp '2026-01-20 12:00:00' as ts from range(0, 10) as t(i)"}
    root = tmp_path / "refwin"
    ok, by_name = build_tiny_project(root, models, schema, "  ml_monitor_as_of: '2026-01-31 00:00:00'\n")
    assert ok, {k: r.get("message") for k, r in by_name.items()}
    for test in ["refwin_psi", "refwin_ks", "refwin_pred"]:
        rows = _rows(root / "e.duckdb", f"select distinct status, detail from main_dbt_test__audit.{test}")
        assert rows == [("no_data", 'no reference rows in reference_window [2026-01-28 00:00:00, 2026-01-30 00:00:00) '
                                    'of "e"."main"."train"')], (test, rows)
