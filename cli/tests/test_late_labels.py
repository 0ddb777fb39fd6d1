"""Late labels re-score the past; incremental refresh evaluates only what changed.

The integration family late_labels (scripts/gen_late_labels.py) is built twice on each adapter
of ML_MONITOR_ADAPTERS, with ml_monitor_as_of one day apart, then a third time unchanged.
Expected values come from pandas + scikit-learn (never from our SQL) and are compared at 1e-9.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pandas as pd
import pytest

from dbt_project_runner import DBT, INTEGRATION, run_dbt

ADAPTERS = os.environ.get("ML_MONITOR_ADAPTERS", "duckdb").split()
SELECT = ["path:seeds/late_labels", "path:models/late_labels", "ml_monitor_observations", "ml_monitor_metrics"]
RUN_AS_OF = {1: "2026-01-31 00:00:00", 2: "2026-02-01 00:00:00"}
KEY = ["window_start", "metric", "segment_column", "segment_value"]
# (family, test-name prefix): the tests on the seed (naive UTC prediction_ts) and on
# ll_predictions_tz (the same instants, time-zone aware): the same expected rows
TESTS = [("performance", "ml_monitor_performance"), ("label_coverage", "ml_monitor_label_coverage"),
         ("performance", "ll_tz_performance"), ("label_coverage", "ll_tz_label_coverage")]
COLS = ["test_name", "window_start", "window_end", "metric", "segment_column", "segment_value", "value",
        "baseline_value", "sample_size", "invocation_id", "evaluations", "previous_value", "is_rescored", "as_of"]


def _env(adapter: str) -> dict:
    env = {}
    if adapter == "postgres":
        if not os.environ.get("ML_MONITOR_PG_PASSWORD"):
            pytest.fail("ML_MONITOR_PG_PASSWORD is not set: start PostgreSQL with scripts/postgres.sh")
        env["ML_MONITOR_PG_SCHEMA"] = f"ll_{uuid.uuid4().hex[:10]}"
    if adapter == "spark":
        env["ML_MONITOR_SPARK_SCHEMA"] = f"ll_{uuid.uuid4().hex[:10]}"
    return env


def _build(adapter, work, env, run):
    res = run_dbt(["build", "--select", *SELECT, "--vars", f"{{ml_monitor_as_of: '{RUN_AS_OF[run]}'}}"],
                  adapter, work, extra_env=env)
    assert res.returncode == 0 and not res.failed_nodes(), "\n".join(res.failed_nodes()) + res.output[-4000:]
    return res


def _show(adapter, work, env, relation: str, columns: list[str]) -> pd.DataFrame:
    """Rows of a package model through `dbt show` (the same path on every engine)."""
    return _show_sql(adapter, work, env, f"select {', '.join(columns)} from {{{{ ref('ml_monitor', '{relation}') }}}}",
                     columns)


def _show_sql(adapter, work, env, sql: str, columns: list[str]) -> pd.DataFrame:
    cmd = [DBT, "show", "--inline", sql, "--limit", "-1",
           "--output", "json", "--quiet", "--project-dir", str(INTEGRATION), "--profiles-dir", str(INTEGRATION),
           "--target", adapter, "--target-path", str(work / "show"), "--log-path", str(work / "logs")]
    full_env = {**os.environ, "ML_MONITOR_DUCKDB_PATH": str(work / "integration.duckdb"),
                "ML_MONITOR_SPARK_DIR": str(work / "spark"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env}
    proc = subprocess.run(cmd, cwd=INTEGRATION, env=full_env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout[proc.stdout.index("{"):]
    df = pd.DataFrame(json.loads(out)["show"], columns=columns)
    for c in ("window_start", "window_end", "as_of", "run_started_at"):
        if c in df:
            df[c] = pd.to_datetime(df[c]).dt.strftime("%Y-%m-%d %H:%M:%S")
    return df


def _show_store_and_log(adapter, work, env, log_columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The metric store (COLS) and the audit log (`log_columns`) in one `dbt show` (one JVM start
    on Spark instead of two): a union with a source column, NULL where a side lacks a column."""
    cols = list(dict.fromkeys(COLS + log_columns))
    side = lambda have: ", ".join(c if c in have else f"null as {c}" for c in cols)  # noqa: E731
    sql = (f"select 'store' as mm_side, {side(COLS)} from {{{{ ref('ml_monitor', 'ml_monitor_metrics') }}}}"
           f" union all select 'log' as mm_side, {side(log_columns)} from {{{{ ref('ml_monitor', 'ml_monitor_observations') }}}}")
    both = _show_sql(adapter, work, env, sql, ["mm_side"] + cols)
    return (both[both.mm_side == "store"][COLS].reset_index(drop=True),
            both[both.mm_side == "log"][log_columns].reset_index(drop=True))


def _expected(run: int) -> pd.DataFrame:
    e = pd.read_csv(INTEGRATION / "seeds" / "expected" / "expected_late_labels.csv")
    e = e[e.run == run].drop(columns="run")
    return e.astype({"segment_column": object, "segment_value": object}).where(e.notna(), None)


def _check_values(store: pd.DataFrame, expected: pd.DataFrame, windows: set[str]):
    """Every expected (window, metric, segment) row of `windows` is in the store once, same value."""
    exp = expected[expected.window_start.isin(windows)]
    got = store[store.window_start.isin(windows)]
    merged = exp.merge(got, on=KEY, how="outer", suffixes=("_exp", ""), indicator=True)
    assert (merged._merge == "both").all(), merged[merged._merge != "both"][KEY + ["_merge"]]
    for r in merged.itertuples():
        assert r.sample_size == r.sample_size_exp, r
        if pd.isna(r.value_exp):
            assert pd.isna(r.value), r
        else:
            assert abs(r.value - r.value_exp) <= 1e-9, r


def _expected_reference(run: int) -> pd.DataFrame:
    e = pd.read_csv(INTEGRATION / "seeds" / "expected" / "expected_late_labels_reference.csv")
    e = e[e.run == run].drop(columns="run")
    return e.astype({"segment_column": object, "segment_value": object}).where(e.notna(), None)


def _check_baselines(store: pd.DataFrame, expected: pd.DataFrame, test: str):
    """Every expected (window, metric, segment) baseline of `test` is in the store once, same value
    (the windows of the run's series: the store also keeps older ones)."""
    exp = expected[expected.test_name == test].drop(columns="test_name")
    got = store[(store.test_name == test) & store.metric.isin(["roc_auc", "brier"])
                & store.window_start.isin(set(exp.window_start))]
    merged = exp.merge(got, on=KEY, how="outer", suffixes=("_exp", ""), indicator=True)
    assert (merged._merge == "both").all(), merged[merged._merge != "both"][KEY + ["_merge"]]
    for r in merged.itertuples():
        if pd.isna(r.baseline_value_exp):
            assert pd.isna(r.baseline_value), r
        else:
            assert abs(r.baseline_value - r.baseline_value_exp) <= 1e-9, r


# reference_window tests (late_labels.yml): the windows run 2 must evaluate: the new one, and
# those whose own or reference period's labels arrived late (01-27's); the others keep run 1's rows
REF_TESTS = {"ll_ref_performance": ({28, 29, 31}, {30}), "ll_ref_count_performance": ({27, 28, 29, 31}, {30})}


def _check_reference_windows(store1, store2, log2, run_ids):
    days = lambda ds: {f"2026-01-{x:02d} 00:00:00" for x in ds}  # noqa: E731
    exp1, exp2 = _expected_reference(1), _expected_reference(2)
    for test, (evaluated_days, kept_days) in REF_TESTS.items():
        _check_baselines(store1, exp1, test)
        evaluated = log2[(log2.invocation_id == run_ids[1]) & (log2.test_name == test)]
        assert set(evaluated.window_start) == days(evaluated_days), (test, sorted(set(evaluated.window_start)))
        # every window's baseline in the store is the one of labels known at run 2
        _check_baselines(store2, exp2, test)
        s = store2[store2.test_name == test]
        assert set(s[s.window_start.isin(days(kept_days))].invocation_id) == {run_ids[0]}
        # the late labels changed the re-scored baselines (else this proves nothing)
        moved = exp1.merge(exp2, on=["test_name"] + KEY, suffixes=("_1", "_2"))
        moved = moved[(moved.test_name == test) & moved.window_start.isin(days({28, 29}))
                      & moved.segment_column.isna()]
        assert ((moved.baseline_value_1 - moved.baseline_value_2).abs() > 1e-6).all(), moved


@pytest.fixture(scope="module", autouse=True)
def seeds():
    subprocess.run([sys.executable, str(INTEGRATION / "scripts" / "gen_late_labels.py")],
                   cwd=INTEGRATION / "scripts", check=True)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_late_labels_rescore_exactly_their_window(adapter, tmp_path):
    env = _env(adapter)
    days = lambda *d: {f"2026-01-{x:02d} 00:00:00" for x in d}  # noqa: E731

    _build(adapter, tmp_path, env, 1)
    store1 = _show(adapter, tmp_path, env, "ml_monitor_metrics", COLS)
    for test, prefix in TESTS:
        s = store1[store1.test_name.str.startswith(prefix)]
        assert set(s.window_start) == days(26, 27, 28, 29, 30)
        assert not s.duplicated(["test_name"] + KEY).any()
        _check_values(s, _expected(1) if test == "performance" else
                      _expected(1)[_expected(1).metric == "label_coverage"], days(26, 27, 28, 29, 30))

    # one day later: late labels for 01-27 arrived (and a correction); 01-31 is new
    _build(adapter, tmp_path, env, 2)
    store2, log2 = _show_store_and_log(adapter, tmp_path, env,
                                       ["test_name", "window_start", "metric", "invocation_id", "run_started_at", "value"])
    run_ids = log2.groupby("invocation_id").run_started_at.min().sort_values().index.tolist()
    assert len(run_ids) == 2
    for test, prefix in TESTS:
        s = store2[store2.test_name.str.startswith(prefix)]
        exp1, exp2 = _expected(1), _expected(2)
        if test == "label_coverage":
            exp1, exp2 = exp1[exp1.metric == "label_coverage"], exp2[exp2.metric == "label_coverage"]
        assert set(s.window_start) == days(26, 27, 28, 29, 30, 31)
        assert not s.duplicated(["test_name"] + KEY).any()
        # the second run evaluated exactly the late-labelled window and the new one
        evaluated = log2[(log2.invocation_id == run_ids[1]) & log2.test_name.str.startswith(prefix)]
        assert set(evaluated.window_start) == days(27, 31), (test, sorted(set(evaluated.window_start)))
        # 01-27 re-scored with the late labels (new value, old one remembered), 01-31 new
        _check_values(s, exp2, days(27, 31))
        late = s[s.window_start == "2026-01-27 00:00:00"]
        assert set(late.invocation_id) == {run_ids[1]} and set(late.evaluations) == {2}
        assert late.is_rescored.astype(str).str.lower().isin(["true", "1"]).all()
        old = exp1[exp1.window_start == "2026-01-27 00:00:00"].merge(late, on=KEY, suffixes=("_exp", ""))
        assert len(old) == len(late)
        assert ((old.previous_value - old.value_exp).abs() <= 1e-9).all()
        # every other window keeps the first run's evaluation, untouched
        kept = s[s.window_start.isin(days(26, 28, 29, 30))]
        assert set(kept.invocation_id) == {run_ids[0]} and set(kept.evaluations) == {1}
        _check_values(s, exp1, days(26, 28, 29, 30))

    # reference_window: the baselines whose reference period's labels arrived are re-scored
    _check_reference_windows(store1, store2, log2, run_ids)

    # a plain dbt test beside them: one outcome row per run in the log (no window), its latest in
    # the store, on every engine (macros/history/record_observations.sql)
    plain_log = log2[log2.test_name == "ll_predictions_id_not_null"]
    assert len(plain_log) == 2 and set(plain_log.metric) == {"failing_rows"} and set(plain_log["value"]) == {0}
    assert plain_log.window_start.isna().all()
    plain = store2[store2.test_name == "ll_predictions_id_not_null"]
    assert len(plain) == 1 and plain.iloc[0].invocation_id == run_ids[1] and int(plain.iloc[0].evaluations) == 2
    # dbt's own accepted_values, declared without the namespace, ran as dbt's (it broke before)
    accepted = log2[log2.test_name == "ll_predictions_region_plain_accepted"]
    assert len(accepted) == 2 and set(accepted["value"]) == {0}

    # measured: the second run's performance SQL is bounded by the two evaluated windows only
    # (01-27 and 01-31), and its label_coverage rows cover 2 x 60 predictions, not 5 x 60
    compiled = next((tmp_path / "target" / "compiled").rglob("ml_monitor_performance_ll_*.sql")).read_text()
    assert "2026-01-27 00:00:00" in compiled and "2026-01-31 00:00:00" in compiled
    assert "2026-01-29 00:00:00" not in compiled and "2026-01-30 00:00:00" not in compiled
    read2 = log2[(log2.invocation_id == run_ids[1]) & (log2.metric == "label_coverage")
                 & log2.test_name.str.startswith("ml_monitor_performance")]
    assert len(read2) == 2 * 3  # two windows x (overall + 2 regions)

    # the same invocation again: only the newest window is evaluated, the store gains no row
    _build(adapter, tmp_path, env, 2)
    store3, log3 = _show_store_and_log(adapter, tmp_path, env,
                                       ["test_name", "window_start", "invocation_id", "run_started_at"])
    run3 = log3.groupby("invocation_id").run_started_at.min().sort_values().index[-1]
    assert set(log3[(log3.invocation_id == run3) & log3.window_start.notna()].window_start) == days(31)
    assert len(store3) == len(store2)
    assert not store3.duplicated(["test_name"] + KEY).any()
    merged = store2.merge(store3, on=["test_name"] + KEY, suffixes=("_2", "_3"))
    assert len(merged) == len(store2)
    assert ((merged.value_2 - merged.value_3).abs().fillna(0) <= 1e-12).all()


def test_value_check_fails_on_a_wrong_value_or_a_missing_window():
    """The comparison above is real: a value off by 1e-6, or a window missing, fails it."""
    exp = _expected(2)
    store = exp.copy()
    _check_values(store, exp, {"2026-01-27 00:00:00"})
    wrong = store.copy()
    wrong.loc[wrong.window_start == "2026-01-27 00:00:00", "value"] += 1e-6
    with pytest.raises(AssertionError):
        _check_values(wrong, exp, {"2026-01-27 00:00:00"})
    with pytest.raises(AssertionError):
        _check_values(store[store.window_start != "2026-01-27 00:00:00"], exp, {"2026-01-27 00:00:00"})


def test_baseline_check_fails_on_a_stale_baseline():
    """The reference_window comparison is real: run 1's baseline left in place for 01-28 (the
    bug: a window whose reference period got late labels kept it) fails it against run 2's."""
    exp1, exp2 = _expected_reference(1), _expected_reference(2)
    test = "ll_ref_performance"
    store = exp2[exp2.test_name == test].copy()
    _check_baselines(store, exp2, test)
    stale = store.merge(exp1, on=["test_name"] + KEY, suffixes=("", "_1"))
    day = stale.window_start == "2026-01-28 00:00:00"
    stale.loc[day, "baseline_value"] = stale.loc[day, "baseline_value_1"]
    with pytest.raises(AssertionError):
        _check_baselines(stale.drop(columns="baseline_value_1"), exp2, test)


def test_a_backfill_of_an_earlier_day_keeps_what_a_later_day_knew(tmp_path):
    """Runs at 01-31 and 02-01 (the late labels of 01-27 arrive in between); then the missed day
    01-28 is run (a backfill, as_of 01-28, started last). Its newest window is 01-27, evaluated
    with the labels known at 01-28. The store kept the backfill's value (the run that started
    last) - without the late labels, and for good: 01-27 is out of the next day's series, nothing
    re-scores it. The store keeps the evaluation of the latest as_of."""
    env = _env("duckdb")
    _build("duckdb", tmp_path, env, 1)
    _build("duckdb", tmp_path, env, 2)
    res = run_dbt(["build", "--select", *SELECT, "--vars", "{ml_monitor_as_of: '2026-01-28 00:00:00'}"],
                  "duckdb", tmp_path, extra_env=env)
    assert not [n for n in res.failed_nodes() if not n.startswith("test.")], res.output[-3000:]
    store, log = _show_store_and_log("duckdb", tmp_path, env,
                                     ["test_name", "window_start", "metric", "invocation_id", "as_of", "value"])
    s = store[store.test_name.str.startswith("ml_monitor_performance")]
    assert not s.duplicated(["test_name"] + KEY).any()
    # the backfill evaluated 01-27 (its newest window) and the windows the store lacked
    backfill = log[(log.as_of.astype(str).str.startswith("2026-01-28"))
                   & log.test_name.str.startswith("ml_monitor_performance")]
    assert set(backfill.window_start) == {f"2026-01-{d} 00:00:00" for d in (23, 24, 25, 27)}
    # the store keeps 01-27 as 02-01 knew it (late labels in), the backfill's rows in the log only
    _check_values(s, _expected(2), {"2026-01-27 00:00:00"})
    late = s[s.window_start == "2026-01-27 00:00:00"]
    assert set(late.as_of.astype(str).str[:10]) == {"2026-02-01"}
    assert set(late.evaluations) == {3}
    # the windows only the backfill evaluated are in the store from it
    assert set(s[s.window_start == "2026-01-23 00:00:00"].as_of.astype(str).str[:10]) == {"2026-01-28"}
