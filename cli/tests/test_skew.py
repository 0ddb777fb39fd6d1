"""The production-failure family (issue 18: feature_skew, serving_slo, point_in_time) end to end on DuckDB.

* regenerates the skew seeds (pandas / numpy oracles, integration_tests/scripts/gen_skew.py)
  and checks they are the committed ones;
* `dbt build` of the skew selection: every case of actual_skew equals the expected observations
  to 1e-9 (equal_observations), the negative control (one expected value moved by 1e-6) is
  proven to fail, generic tests that must fail are proven to (error_if "<1");
* details: worst example keys, duplicate counts;
* argument errors at compile time, in a tiny separate project: the message names the test,
  the argument and the columns that exist.
"""

from __future__ import annotations


import pytest

from dbt_project_runner import build_family, build_tiny_project
from dbt_project_runner import duckdb_rows as _rows


@pytest.fixture(scope="module")
def skew_build(tmp_path_factory):
    return build_family("skew", tmp_path_factory.mktemp("skew"))


def test_generator_is_deterministic_and_committed(skew_build):
    assert skew_build["after"] == skew_build["before"]
    assert len(skew_build["after"]) == 6


def test_every_skew_node_passed(skew_build):
    run = skew_build["run"]
    assert run.results, run.output[-5000:]
    failed = run.failed_nodes()
    assert not failed, "\n".join(failed) + "\n" + run.output[-3000:]
    names = {r["unique_id"].split(".")[2] for r in run.results if r["unique_id"].startswith("test.")}
    assert {"skew_comparison_catches_wrong_value", "skew_income_partner_fails", "skew_plan_defaults_fail",
            "skew_age_within_bounds_pass", "slo_v1_within_bounds_pass", "slo_v2_latency_regression_fails",
            "pit_income_leak_fails", "pit_within_bounds_pass"} <= names
    assert any(n.startswith("equal_observations_actual_skew_") for n in names)
    db = skew_build["db"]
    n_actual = _rows(db, "select count(*) from main.actual_skew")[0][0]
    n_expected = _rows(db, "select count(*) from main.expected_skew")[0][0]
    assert n_actual == n_expected > 100
    statuses = {r[0] for r in _rows(db, "select distinct status from main.actual_skew")}
    assert statuses == {"pass", "fail", "no_data", "skipped"}


def test_negative_control_failed_on_exactly_the_moved_value(skew_build):
    rows = _rows(skew_build["db"], "select case_name, column_name, metric, actual_value, expected_value "
                                   "from main_dbt_test__audit.skew_comparison_catches_wrong_value")
    assert len(rows) == 1
    case, column, metric, actual, expected = rows[0]
    assert (case, column, metric) == ("skew_segments", "income", "mismatch_rate")
    assert expected - actual == pytest.approx(1e-6, abs=1e-12)


def test_must_fail_tests_really_failed(skew_build):
    db = skew_build["db"]
    partner = _rows(db, "select status, value from main_dbt_test__audit.skew_income_partner_fails "
                        "where segment_value = 'partner' and metric = 'mismatch_rate'")
    assert partner and partner[0][0] == "fail" and partner[0][1] > 0.9
    v2 = _rows(db, "select segment_value from main_dbt_test__audit.slo_v2_latency_regression_fails "
                   "where status = 'fail'")
    assert ("v2",) in v2 and ("v1",) not in v2
    leak = _rows(db, "select status, value from main_dbt_test__audit.pit_income_leak_fails")
    assert leak == [("fail", pytest.approx(0.07, abs=1e-12))]


def test_details_name_worst_keys_and_duplicates(skew_build):
    db = skew_build["db"]
    detail = _rows(db, "select detail from main.actual_skew where case_name = 'skew_segments' and column_name = 'income' "
                       "and metric = 'mismatch_rate' and segment_value = 'partner'")[0][0]
    assert "worst keys (serving vs offline): " in detail
    # income logged in thousands on the partner channel: a served value 1000 times smaller
    example = detail.split("worst keys (serving vs offline): ")[1].split(", ")[1]
    served, offline = example.split("(")[1].rstrip(")").split(" vs ")
    assert float(offline) == pytest.approx(1000 * float(served), rel=1e-6)
    dup = _rows(db, "select value, detail from main.actual_skew where case_name = 'skew_entity_only' "
                    "and metric = 'duplicate_key_rate'")[0]
    assert dup[0] > 0.4 and "are not compared" in dup[1]
    # n_examples=0: no example list
    none = _rows(db, "select detail from main.actual_skew where case_name = 'skew_age_categorical' "
                     "and metric = 'mismatch_rate'")
    assert none and all("worst keys" not in d for (d,) in none)


def test_as_of_check_counts_keys_without_or_with_several_versions(skew_build):
    """The as-of join never fans out: ids without history (5) and with overlapping versions are
    counted in the detail and left out of sample_size, which is their complement."""
    db = skew_build["db"]
    rows = _rows(db, "select column_name, value, sample_size, status, detail from main.actual_skew "
                     "where case_name = 'pit_as_of' and metric = 'as_of_mismatch_rate' and segment_column is null "
                     "order by column_name")
    assert [r[0] for r in rows] == ["income", "plan"]
    for _, value, n, status, detail in rows:
        assert status == "fail" and value > 0.05
        n_none = int(detail.split("; ")[1].split(" rows with no version")[0])
        n_several = int(detail.split("then, ")[1].split(" with several")[0])
        assert n_none >= 5 and n_several >= 1 and n + n_none + n_several == 300
        assert "from the value valid at prediction_ts in" in detail


def test_windows_give_one_row_per_window(skew_build):
    db = skew_build["db"]
    for case, n in [("slo_windows", 3), ("skew_windows", 3), ("pit_windows", 3)]:
        starts = _rows(db, "select count(distinct window_start) from main.actual_skew where case_name = ?", [case])
        assert starts == [(n,)], case
    # feature_skew with windows: N reports no missing_serving_rate (offline rows carry no window)
    assert _rows(db, "select count(*) from main.actual_skew where case_name = 'skew_windows' "
                     "and metric = 'missing_serving_rate'") == [(0,)]


ERROR_SCHEMA = """
models:
  - name: serving
    data_tests:
      - ml_monitor.feature_skew:
          name: ok_skew
          arguments: {offline: ref('offline'), entity_key: id, features: [x, c]}
      - ml_monitor.feature_skew:
          name: missing_offline_feature
          arguments: {offline: ref('offline'), entity_key: id, features: [x, only_serving]}
      - ml_monitor.feature_skew:
          name: missing_serving_feature
          arguments: {offline: ref('offline'), entity_key: id, features: [x, only_offline]}
      - ml_monitor.feature_skew:
          name: missing_key
          arguments: {offline: ref('offline'), entity_key: nope, features: [x]}
      - ml_monitor.feature_skew:
          name: numeric_kind_on_text
          arguments: {offline: ref('offline'), entity_key: id, features: [c], kind: numeric}
      - ml_monitor.feature_skew:
          name: unknown_feature_in_mapping
          arguments: {offline: ref('offline'), entity_key: id, features: [x], max_mismatch_rate: {y: 0.1}}
      - ml_monitor.feature_skew:
          name: bad_rate
          arguments: {offline: ref('offline'), entity_key: id, features: [x], max_mismatch_rate: 2}
      - ml_monitor.serving_slo:
          name: ok_slo
          arguments: {latency_column: x, status_column: c, error_values: [b]}
      - ml_monitor.serving_slo:
          name: text_latency
          arguments: {latency_column: c, max_p95_ms: 100}
      - ml_monitor.serving_slo:
          name: status_without_error_values
          arguments: {latency_column: x, status_column: c}
      - ml_monitor.serving_slo:
          name: throughput_without_window
          arguments: {latency_column: x, min_throughput: 10}
      - ml_monitor.point_in_time:
          name: pit_unknown_column
          arguments: {cutoff_column: id, feature_time_columns: [nope]}
      - ml_monitor.point_in_time:
          name: pit_nothing_to_check
          arguments: {cutoff_column: id}
      - ml_monitor.point_in_time:
          name: pit_history_unknown_valid_to
          arguments: {cutoff_column: id, feature_history: ref('offline'), entity_key: id, valid_from: x,
                      valid_to: nope, history_features: [x]}
      - ml_monitor.point_in_time:
          name: pit_history_feature_not_in_history
          arguments: {cutoff_column: id, feature_history: ref('offline'), entity_key: id, valid_from: x,
                      valid_to: x, history_features: [only_serving]}
      - ml_monitor.point_in_time:
          name: pit_valid_from_without_history
          arguments: {cutoff_column: id, feature_time_columns: [id], valid_from: x}
"""

EXPECTED_ERRORS = {
    "missing_offline_feature": ("ml_monitor.feature_skew", "argument 'features' must name columns of both sides; "
                                "'only_serving' is missing from the offline"),
    # a column missing from the monitored relation is caught by the shared check (macros/core/args.sql),
    # naming the argument the user wrote (features, not the shared check's 'columns')
    "missing_serving_feature": ("ml_monitor.feature_skew", "argument 'features' names column(s) only_offline that do not "
                                "exist; its columns are: id, x, c, only_serving"),
    "missing_key": ("ml_monitor.feature_skew", "argument 'entity_key' names column(s) nope that do not exist; its columns are: id, x, c, only_serving"),
    "numeric_kind_on_text": ("ml_monitor.feature_skew", "argument 'kind' numeric needs numeric columns on both sides"),
    "unknown_feature_in_mapping": ("ml_monitor.feature_skew", "argument 'max_mismatch_rate' is a mapping feature -> value, but 'y'"),
    "bad_rate": ("ml_monitor.feature_skew", "argument 'max_mismatch_rate.x' must be a number <= 1"),
    "text_latency": ("ml_monitor.serving_slo", "argument 'latency_column' must be numeric"),
    "status_without_error_values": ("ml_monitor.serving_slo", "argument 'error_values' is required with status_column"),
    "throughput_without_window": ("ml_monitor.serving_slo", "argument 'window' is required with min_throughput"),
    "pit_unknown_column": ("ml_monitor.point_in_time", "argument 'feature_time_columns' names column(s) nope that do not exist"),
    "pit_nothing_to_check": ("ml_monitor.point_in_time", "argument 'feature_time_columns' or 'label_time_column' or 'feature_history' is required"),
    "pit_history_unknown_valid_to": ("ml_monitor.point_in_time", "argument 'valid_to' names column(s) nope that do not exist"),
    "pit_history_feature_not_in_history": ("ml_monitor.point_in_time", "argument 'history_features' must name columns of feature_history"),
    "pit_valid_from_without_history": ("ml_monitor.point_in_time", "argument 'valid_from' needs feature_history"),
}


def test_argument_errors_name_the_test_the_argument_and_the_columns(tmp_path):
    ok, by_name = build_tiny_project(tmp_path / "skew_errors", {
        "serving": "select * from (values (1, 1.0, 'a', 5), (2, 2.0, 'b', 6)) as t(id, x, c, only_serving)",
        "offline": "select * from (values (1, 1.0, 'a', 0), (2, 2.5, 'b', 0)) as t(id, x, c, only_offline)",
    }, ERROR_SCHEMA)
    assert by_name["ok_skew"]["status"] == "fail"      # x differs for id 2: mismatch 0.5 > default 0
    assert by_name["ok_slo"]["status"] == "pass"
    for name, (test, message) in EXPECTED_ERRORS.items():
        r = by_name[name]
        assert r["status"] == "error", (name, r)
        assert test in r["message"] and message in r["message"], (name, r["message"])
    assert "(it has: c, id, only_offline, x)" in by_name["missing_offline_feature"]["message"]
    assert "'columns'" not in by_name["missing_serving_feature"]["message"]
    assert not ok


# NaN and ±inf (issues from a bad-input pass): one serving log and offline table, the oracle numpy.
# (key, serving, offline): None is NULL
NONFINITE_PAIRS = [
    (1, 1.0, 1.0),                    # equal
    (2, float("nan"), 2.0),           # NaN vs a value: differs
    (3, 3.0, float("nan")),           # a value vs NaN: differs (was a silent match)
    (4, float("nan"), float("nan")),  # NaN vs NaN: matches, like NULL vs NULL
    (5, float("inf"), float("inf")),  # the same infinity: matches
    (6, float("-inf"), float("inf")), # opposite infinities: differ
    (7, 5.0, float("inf")),           # |5 - inf| <= 0.001 x inf held: differs
    (8, 2.5, 2.0),                    # a finite difference of 0.5
    (9, None, float("nan")),          # NULL on one side only
    (10, 4.0, 4.002),                 # within rel_tolerance 0.001 x 4.002
]
# latencies of one day's requests per version: b has no finite latency at all
LATENCIES = {"a": [1.0, float("nan"), 3.0, float("inf"), 7.5, None, float("-inf"), 12.0],
             "b": [float("nan"), float("inf"), None]}
STATUSES = [200.0, 500.0, float("nan"), 503.0, 200.0, None, 500.5]


def _sql_double(v) -> str:
    import math

    if v is None:
        return "cast(null as double)"
    if math.isnan(v) or math.isinf(v):
        return f"cast('{'NaN' if math.isnan(v) else ('-' if v < 0 else '') + 'Infinity'}' as double)"
    return f"cast({v!r} as double)"


@pytest.fixture(scope="module")
def nonfinite_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("nonfinite") / "nonfinite"
    serving = ", ".join(f"({k}, {_sql_double(s)}, timestamp '2026-01-30 0{k % 10}:00:00')" for k, s, _ in NONFINITE_PAIRS)
    offline = ", ".join(f"({k}, {_sql_double(o)})" for k, _, o in NONFINITE_PAIRS)
    requests = ", ".join(f"('{v}', {_sql_double(x)}, timestamp '2026-01-30 10:00:00', {_sql_double(STATUSES[i % len(STATUSES)])})"
                         for i, (v, x) in enumerate((v, x) for v, xs in LATENCIES.items() for x in xs))
    models = {
        "serving": f"select * from (values {serving}) as t(id, f, ts)",
        "offline": f"select * from (values {offline}) as t(id, f)",
        "requests": f"select * from (values {requests}) as t(version, latency, ts, status)",
        "skew_rows": "{{ ml_monitor.feature_skew(ref('serving'), offline=ref('offline'), entity_key='id', features=['f'], "
                     "rel_tolerance=0.001, n_examples=0) }}",
        "slo_rows": "{{ ml_monitor.serving_slo(ref('requests'), latency_column='latency', segment_by=['version'], "
                    "timestamp_column='ts', window={'period': 'day', 'count': 1}) }}",
        # no serving key has an offline row: the reason must say so, not "no rows in window"
        "offline_elsewhere": "select id + 1000 as id, f from {{ ref('offline') }}",
        "skew_nomatch_rows": "{{ ml_monitor.feature_skew(ref('serving'), offline=ref('offline_elsewhere'), entity_key='id', "
                             "features=['f'], n_examples=0, timestamp_column='ts', window={'period': 'day', 'count': 1}) }}",
        # a DOUBLE status column (a pandas column with one NaN): 500.0 must count as error 500
        "slo_status_rows": "{{ ml_monitor.serving_slo(ref('requests'), status_column='status', error_values=[500, 503], "
                           "timestamp_column='ts', window={'period': 'day', 'count': 1}) }}",
    }
    schema = """
models:
  - name: serving
    data_tests:
      - ml_monitor.feature_skew:
          name: skew_nan_without_mad_bound
          arguments: {offline: ref('offline'), entity_key: id, features: [f], rel_tolerance: 0.001, max_mismatch_rate: 1}
          config: {severity: warn}
"""
    ok, by_name = build_tiny_project(root, models, schema, project_vars="  ml_monitor_as_of: '2026-01-31'\n")
    return {"ok": ok, "tests": by_name, "db": root / "e.duckdb"}


def test_nan_and_inf_feature_values_are_compared_not_silently_matched(nonfinite_build):
    """NaN or ±inf against another value differs (a NaN offline value matched everything: "0 of 2
    keys differ"); NaN vs NaN and the same infinity match; no tolerance applies to them. The mean
    |serving - offline| is over keys with both values finite, the others counted in its detail (it
    was NaN, and passed without a bound). Against numpy."""
    import numpy as np

    assert nonfinite_build["ok"], nonfinite_build["tests"]
    rows = {r[0]: r[1:] for r in _rows(nonfinite_build["db"], "select metric, value, sample_size, status, detail "
                                                                  "from main.skew_rows where column_name = 'f'")}
    both = [(s, o) for _, s, o in NONFINITE_PAIRS if s is not None and o is not None]
    s, o = np.array([b[0] for b in both]), np.array([b[1] for b in both])
    n_null_one_side = sum((s_ is None) != (o_ is None) for _, s_, o_ in NONFINITE_PAIRS)
    finite = np.isfinite(s) & np.isfinite(o)
    with np.errstate(invalid="ignore"):
        within = finite & (np.abs(s - o) <= np.maximum(0.0, 0.001 * np.abs(o)))
    same_nonfinite = ~finite & ((s == o) | (np.isnan(s) & np.isnan(o)))
    n_mismatch = int((~(within | same_nonfinite)).sum()) + n_null_one_side
    n_compared = len(NONFINITE_PAIRS)
    value, n, status, detail = rows["mismatch_rate"]
    assert (n, status) == (n_compared, "pass") and n_mismatch == 6
    assert value == pytest.approx(n_mismatch / n_compared, abs=1e-12)
    assert f"{n_mismatch} of {n_compared} keys differ" in detail and "4 NaN/inf against another value" in detail
    value, n, status, detail = rows["mean_abs_diff"]
    assert n == int(finite.sum()) == 3 and status == "pass"
    assert value == pytest.approx(float(np.mean(np.abs(s[finite] - o[finite]))), abs=1e-12)
    assert f"3 keys with both values finite; {int((~finite).sum())} with NaN/inf left out" in detail, detail
    # the generic test: a finite mean, no NaN stored
    stored = _rows(nonfinite_build["db"], "select metric, value from main_dbt_test__audit.skew_nan_without_mad_bound "
                                          "where column_name = 'f'")
    assert all(v == v for _, v in stored), stored


def test_nan_and_inf_latencies_are_left_out_of_the_percentiles(nonfinite_build):
    """NaN and ±inf latencies are left out like NULLs (p50 was inf and p95 NaN, which passed
    without a bound and failed every bound): percentiles of the finite ones against numpy, the
    left-out ones counted in detail; a version with no finite latency is no_data with a reason."""
    import numpy as np

    rows = _rows(nonfinite_build["db"], "select segment_value, metric, value, sample_size, status, detail "
                                        "from main.slo_rows where metric like 'latency_%'")
    got = {(seg, metric): (value, n, status, detail) for seg, metric, value, n, status, detail in rows}
    for seg, xs in [(None, LATENCIES["a"] + LATENCIES["b"]), ("a", LATENCIES["a"]), ("b", LATENCIES["b"])]:
        x = np.array([v for v in xs if v is not None])
        finite = x[np.isfinite(x)]
        n_nonfinite = int((~np.isfinite(x)).sum())
        for p in (50, 95, 99):
            value, n, status, detail = got[(seg, f"latency_p{p}")]
            assert n == len(finite), (seg, p)
            if len(finite):
                assert status == "pass" and value == pytest.approx(float(np.quantile(finite, p / 100)), abs=1e-9), (seg, p)
                assert f"over {len(finite)} requests with a latency" in detail and f"{n_nonfinite} NaN/inf latencies left out" in detail
            else:
                assert (status, value) == ("no_data", None), (seg, p)
                assert detail == f"no finite latency: {n_nonfinite} NaN/inf, {len(xs) - n_nonfinite} null", detail


def test_no_key_on_both_sides_is_said_not_no_rows(nonfinite_build):
    """The window has serving rows, none with an offline row: mean_abs_diff said "no rows in
    window", which sends the reader to the serving log instead of the offline side."""
    rows = _rows(nonfinite_build["db"], "select metric, status, detail from main.skew_nomatch_rows "
                                        "where column_name = 'f' or metric = 'missing_offline_rate'")
    got = {m: (st, d) for m, st, d in rows}
    assert got["mismatch_rate"] == ("no_data", "no key is present exactly once on both sides"), got
    assert got["mean_abs_diff"] == ("no_data", "no key is present exactly once on both sides"), got
    assert got["missing_offline_rate"][1].startswith(f"{len(NONFINITE_PAIRS)} of {len(NONFINITE_PAIRS)} serving keys"), got


def test_a_numeric_status_column_is_compared_as_numbers(nonfinite_build):
    """A DOUBLE status column compared as text read 500.0 as '500.0', never '500': a 0% error
    rate that passed every bound. Compared as numbers: the share of rows whose status is one of
    error_values (pandas isin; NaN and NULL are not errors, NULL is counted as no status)."""
    import pandas as pd

    status = pd.Series([STATUSES[i % len(STATUSES)] for i in range(sum(map(len, LATENCIES.values())))], dtype=float)
    expected = status.isin([500, 503]).mean()
    (value, n, detail), = _rows(nonfinite_build["db"], "select value, sample_size, detail from main.slo_status_rows "
                                                       "where metric = 'error_rate' and segment_column is null")
    assert n == len(status) and expected > 0
    assert value == pytest.approx(expected, abs=1e-12), detail
    assert f"{int(status.isin([500, 503]).sum())} of {len(status)} requests" in detail, detail


def _history(db, test_name: str) -> list[tuple]:
    tables = _rows(db, "select table_schema from information_schema.tables where table_name = 'ml_monitor_observations'")
    assert tables, "the on-run-end hook wrote no history"
    return _rows(db, f"select segment_column, segment_value, facts from {tables[0][0]}.ml_monitor_observations "
                     "where test_name = ?", [test_name])


def test_history_rows_carry_lineage_and_the_model_version(skew_build):
    """Every history row names the monitored relation, the package version, hashes of the test's
    arguments and compiled SQL, what else it read and, with model_version_column, the version."""
    import hashlib
    import json

    run = skew_build["run"]
    rows = _history(skew_build["db"], "slo_v2_latency_regression_fails")
    assert rows
    node = next(r for r in run.results if r["unique_id"].split(".")[2] == "slo_v2_latency_regression_fails")
    sql_hashes = set()
    for segment_column, segment_value, facts in rows:
        lineage = json.loads(facts)["lineage"]
        assert lineage["relation"].endswith("skew_requests") and '"' not in lineage["relation"]
        assert lineage["package_version"] == "0.1.0" and lineage["references"] == [] and lineage["baseline"] is None
        assert lineage["model_version_column"] == "model_version"
        assert len(lineage["config_hash"]) == 32
        sql_hashes.add(lineage["sql_hash"])
        if segment_column == "model_version":
            assert lineage["model_version"] == segment_value and lineage["model_versions"] is None
        else:
            assert lineage["model_version"] is None and lineage["model_versions"] == ["v1", "v2"]
    compiled = node.get("compiled_code")
    if compiled:
        assert sql_hashes == {hashlib.md5(compiled.encode()).hexdigest()}
    # not segmented by the version column: the versions the test read (its `where` keeps v1)
    v1 = _history(skew_build["db"], "slo_v1_within_bounds_pass")
    assert v1 and all(json.loads(f)["lineage"]["model_versions"] == ["v1"] and json.loads(f)["lineage"]["model_version"] is None
                      for _, _, f in v1)
    # a test reading another relation names it; without model_version_column there is no version
    skew = _history(skew_build["db"], "skew_income_partner_fails")
    lineage = json.loads(skew[0][2])["lineage"]
    assert [r.split(".")[-1] for r in lineage["references"]] == ["skew_offline"]
    assert lineage["model_version_column"] is None and "model_version" not in lineage
