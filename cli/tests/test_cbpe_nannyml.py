"""estimated_performance (CBPE, issue 16) against NannyML 0.13.1 itself, on DuckDB.

NannyML lives in its own virtualenv (scripts/nannyml_venv.sh builds it on first use: it is
never a dependency of ml_monitor). Covered here:
  - the cbpe integration family (scripts/gen_cbpe.py: a miscalibrated and a calibrated model,
    expected rows from NannyML's CBPE) builds and matches;
  - NannyML's bundled car-loan data: our monthly estimates equal NannyML's to 1e-6;
  - the isotonic map equals scikit-learn's IsotonicRegression to 1e-12, frozen and read back;
  - argument errors at compile time.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dbt_project_runner import INTEGRATION, build_family, run_dbt

REPO = INTEGRATION.parent
ALL = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy"]


def nannyml_python() -> str:
    out = subprocess.run(["bash", str(REPO / "scripts" / "nannyml_venv.sh")], check=True,
                         capture_output=True, text=True, timeout=1800)
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def cbpe_build(tmp_path_factory):
    return build_family("cbpe", tmp_path_factory.mktemp("cbpe"))


def _df(db, sql) -> pd.DataFrame:
    # not read-only: an in-process dbt (inline compiles) may hold the file open read-write, and
    # DuckDB refuses a second connection with another configuration in the same process
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_generator_is_deterministic_and_committed(cbpe_build):
    assert cbpe_build["after"] == cbpe_build["before"]
    assert len(cbpe_build["after"]) == 4


def test_every_cbpe_node_passed(cbpe_build):
    run = cbpe_build["run"]
    assert run.results, run.output[-5000:]
    failed = run.failed_nodes()
    assert not failed, "\n".join(failed) + "\n" + run.output[-3000:]
    assert run.returncode == 0, run.output[-3000:]
    names = {r["unique_id"].split(".")[2] for r in run.results if r["unique_id"].startswith("test.")}
    assert {"cbpe_cal_roc_auc_min", "cbpe_mis_band_fails"} <= names
    assert any(n.startswith("equal_observations_actual_cbpe") for n in names)


def test_family_rows_equal_nannyml_and_a_wrong_value_is_caught(cbpe_build):
    keys = ["case_name", "segment_column", "segment_value", "metric", "window_start"]
    actual = _df(cbpe_build["db"], "select * from main.actual_cbpe")
    actual["window_start"] = pd.to_datetime(actual.window_start).dt.strftime("%Y-%m-%d %H:%M:%S")
    expected = pd.read_csv(INTEGRATION / "seeds" / "expected" / "expected_cbpe.csv")
    both = actual.merge(expected, on=keys, how="outer", suffixes=("_a", "_e"), indicator=True)
    assert (both["_merge"] == "both").all() and len(both) == len(expected) > 100
    diff = (both.value_a - both.value_e).abs()
    assert diff.max() < 1e-6
    # calibration was exercised (miscalibrated model) and not (calibrated one), as NannyML decided
    detail = dict(zip(actual.case_name + "/" + actual.metric.fillna(""), actual.detail))
    assert "calibrated by isotonic regression" in detail["miscal_all/roc_auc"]
    assert "not calibrated" in detail["cal_all/roc_auc"]
    # the comparison can fail: one value moved by 1e-5 is outside the tolerance
    moved = both.value_e.copy()
    moved.iloc[0] += 1e-5
    assert (both.value_a - moved).abs().max() > 1e-6
    # the dbt-side check compares the same rows: remove one expected row -> equal_observations fails
    assert both.status_a.equals(both.status_e)


def test_windows_series_decides_on_estimates_only(cbpe_build):
    df = _df(cbpe_build["db"], "select * from main.actual_cbpe where case_name like 'windows_%'")
    mis = df[df.case_name == "windows_mis"]
    assert sorted(mis.window_start.dt.strftime("%Y-%m-%d %H:%M:%S").unique()) == [f"2026-01-{d} 00:00:00" for d in range(26, 31)]
    # fail_on latest: only the newest window's estimates decide; realized and coverage rows never
    newest = mis.window_start.dt.strftime("%Y-%m-%d %H:%M:%S") == "2026-01-30 00:00:00"
    context = mis.metric.str.startswith("realized_") | (mis.metric == "label_coverage")
    assert mis.is_deciding.eq(newest & ~context).all()
    # fail_on any: every estimate row of the series decides
    cal = df[df.case_name == "windows_cal"]
    assert cal.is_deciding.eq(~cal.metric.str.startswith("realized_") & (cal.metric != "label_coverage")).all()
    # realized rows only where labels arrived (before 2026-01-29), coverage in every window
    real = mis[mis.metric.str.startswith("realized_")]
    assert set(real.window_start.dt.strftime("%Y-%m-%d %H:%M:%S")) == {"2026-01-26 00:00:00", "2026-01-27 00:00:00"}
    cov = mis[(mis.metric == "label_coverage") & mis.segment_column.isna()].sort_values("window_start")
    assert list(cov.status) == ["pass", "pass", "no_data", "pass", "pass"]
    assert list(cov.value.round(6).fillna(-1))[3:] == [0.0, 0.0]
    empty = mis[(mis.window_start.dt.strftime("%Y-%m-%d %H:%M:%S") == "2026-01-28 00:00:00") & (mis.metric == "roc_auc")]
    assert list(empty.status) == ["no_data"] and "no rows in window" in empty.detail.iloc[0]


def test_bad_input_rows(cbpe_build):
    df = _df(cbpe_build["db"], "select case_name, status, detail, sample_size from main.actual_cbpe "
                               "where case_name in ('one_class', 'empty_window')")
    rows = {r.case_name: r for r in df.itertuples()}
    assert rows["one_class"].status == "no_data"
    assert "0 positive" in rows["one_class"].detail and "at least 10 of each class" in rows["one_class"].detail
    assert rows["empty_window"].status == "no_data" and rows["empty_window"].sample_size == 0
    assert "no rows in window" in rows["empty_window"].detail
    (detail,) = _df(cbpe_build["db"], "select detail from main.actual_cbpe where case_name = 'cal_all' "
                                      "and metric = 'roc_auc'").detail
    assert "excluded 4 null and 3 out-of-range scores" in detail


@pytest.fixture(scope="module")
def inline(cbpe_build):
    """In-process dbt with the parsed manifest: `compile --inline` against the family's DuckDB."""
    from dbt.cli.main import dbtRunner

    work = cbpe_build["work"]
    common = ["--project-dir", str(INTEGRATION), "--profiles-dir", str(INTEGRATION),
              "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    saved = os.environ.get("ML_MONITOR_DUCKDB_PATH")
    os.environ["ML_MONITOR_DUCKDB_PATH"] = str(cbpe_build["db"])
    parsed = dbtRunner().invoke(["parse", *common])
    assert parsed.success, parsed.exception
    messages: list[str] = []
    runner = dbtRunner(manifest=parsed.result, callbacks=[lambda e: messages.append(e.info.msg)])

    def compile_inline(sql: str, extra=()):
        import copy
        messages.clear()
        # a copy of the manifest each time: a compile that fails at execution leaves its
        # inline node behind, and the next one would be a duplicate
        fresh = dbtRunner(manifest=copy.deepcopy(parsed.result), callbacks=[lambda e: messages.append(e.info.msg)])
        result = fresh.invoke(["compile", "--inline", sql, *common, *extra])
        code = result.result.results[0].node.compiled_code if result.success else None
        return result.success, "\n".join(messages), code

    compile_inline.runner = runner
    compile_inline.common = common
    yield compile_inline
    if saved is None:
        os.environ.pop("ML_MONITOR_DUCKDB_PATH", None)
    else:
        os.environ["ML_MONITOR_DUCKDB_PATH"] = saved


def _query(db, sql) -> pd.DataFrame:
    # the in-process dbt holds the file open read-write: same configuration
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql).df()
    finally:
        con.close()


CALL = ("ref('cbpe_current'), reference=ref('cbpe_reference'), label_column='label', score_column='score_mis', "
        "prediction_column='pred_mis', metric=['roc_auc', 'f1', 'accuracy'], timestamp_column='ts', "
        "window={'period': 'month', 'count': 1}, segment_by=['region']")


def test_isotonic_map_equals_sklearn_and_freezes(cbpe_build, inline):
    from sklearn.isotonic import IsotonicRegression

    run = inline.runner.invoke(["run-operation", "ml_monitor.freeze_calibration", "--args",
                                "{name: mis_v1, model: cbpe_current, reference: cbpe_reference, label_column: label, "
                                "score_column: score_mis, prediction_column: pred_mis}", *inline.common])
    assert run.success, run.exception
    pts = _query(cbpe_build["db"], "select idx, x, y from main.ml_monitor_calibration_maps "
                                   "where map_name = 'mis_v1' and kind = 'point' order by idx")
    ref = _query(cbpe_build["db"], "select score_mis, label from main.cbpe_reference")
    iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(ref.score_mis, ref.label)
    assert len(pts) == len(iso.X_thresholds_) > 10
    assert (pts.x.values == iso.X_thresholds_).all()
    assert abs(pts.y.values - iso.y_thresholds_).max() < 1e-12
    # the SQL map applied to a grid (inside, between and outside the thresholds) equals predict()
    grid = sorted({float(x) for x in [0.0, 1.0, *iso.X_thresholds_, *((iso.X_thresholds_[1:] + iso.X_thresholds_[:-1]) / 2)]})
    from_ref = inline("-- depends_on: {{ ref('cbpe_current') }}\n{% if execute %}{{ ml_monitor._cbpe_calibrated_sql(ml_monitor._cbpe_plan_from_map("
                      "'t', ref('cbpe_current'), 'mis_v1'), 's') }}{% endif %}")
    assert from_ref[0], from_ref[1][-2000:]
    values = ", ".join(f"(cast('{x!r}' as double))" for x in grid)
    got = _query(cbpe_build["db"], f"select s, {from_ref[2]} as c from (values {values}) as g(s) order by s")
    assert abs(got.c.values - iso.predict(got.s.values)).max() < 1e-12

    # estimates read from the frozen map equal the ones fitted from the reference
    ok, out, live_sql = inline("{{ ml_monitor.estimated_performance(" + CALL + ") }}")
    assert ok, out[-2000:]
    ok, out, frozen_sql = inline("{{ ml_monitor.estimated_performance(" + CALL.replace(
        "reference=ref('cbpe_reference'), label_column='label', ", "calibration_map='mis_v1', ") + ") }}")
    assert ok, out[-2000:]
    assert "cbpe_reference" not in frozen_sql
    live = _query(cbpe_build["db"], live_sql).sort_values(["segment_column", "segment_value", "metric"])
    frozen = _query(cbpe_build["db"], frozen_sql).sort_values(["segment_column", "segment_value", "metric"])
    assert len(live) == 12
    assert abs(live.value.values - frozen.value.values).max() < 1e-12
    assert abs(live.baseline_value.values - frozen.baseline_value.values).max() < 1e-12
    assert list(live.detail) == list(frozen.detail)


STAIRCASE_SETUP = ("{% set setup = {'test': 't', 'relation': none, 'reference': 'main.cbpe_staircase', "
                   "'reference_filter': '1 = 1', 'score_sql': 'score', 'label_sql': 'label', 'pred_sql': 'pred', "
                   "'pos': 1, 'calibration': 'isotonic'} %}")


def test_isotonic_fit_finishes_what_the_sql_rounds_leave(cbpe_build, inline):
    """The fit pools in SQL rounds, then in Jinja. A staircase of 30 rising block means (tied
    scores: 40 rows each) ended by a heavy block of negatives needs one more round per step, more
    than the SQL does: the blocks it leaves are more than the final ones, and the finished map
    still equals scikit-learn's. Negative control: the SQL's blocks alone are not the map."""
    from sklearn.isotonic import IsotonicRegression

    _query(cbpe_build["db"], """
        create or replace table main.cbpe_staircase as
        select cast(i as double) / 100 as score, case when j <= i then 1 else 0 end as label, 0 as pred
        from range(1, 31) as t(i), range(1, 41) as u(j)
        union all
        select 0.9, 0, 0 from range(2000)""")
    ok, out, code = inline(STAIRCASE_SETUP + "{% if execute %}{{ tojson(ml_monitor._cbpe_plan_from_reference(setup)) }}{% endif %}")
    assert ok, out[-2000:]
    plan = json.loads(code)
    ok, out, blocks_sql = inline(STAIRCASE_SETUP + "{{ ml_monitor._cbpe_blocks_sql(setup, false) }}")
    assert ok, out[-2000:]
    blocks = _query(cbpe_build["db"], blocks_sql)
    ref = _query(cbpe_build["db"], "select score, label from main.cbpe_staircase")
    iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(ref.score, ref.label)
    pts = pd.DataFrame(plan["points"], columns=["x", "y"])
    assert len(pts) == len(iso.X_thresholds_) and (pts.x.values == iso.X_thresholds_).all()
    assert abs(pts.y.values - iso.y_thresholds_).max() < 1e-12
    final_blocks = len(set(iso.y_thresholds_))
    assert len(blocks) > final_blocks + 5
    sql_only = sorted({(float(b.lo), b.pos / b.n) for b in blocks.itertuples()})
    assert [x for x, _ in sql_only] != list(pts.x.drop_duplicates())


def test_windows_are_one_scan(inline):
    # the N windows are evaluated by one scan of the current rows, grouped by window
    ok, out, sql = inline("{{ ml_monitor.estimated_performance(" + CALL.replace("'month'", "'day'") + ", windows=5) }}")
    assert ok, out[-2000:]
    assert sql.count("cbpe_current") == 1 and sql.count("cbpe_reference") == 0
    assert sql.count("'2026-01-26 00:00:00'") >= 2   # the oldest window's bound: scan filter and window key


def test_reference_rows_the_fit_cannot_use_are_counted_in_every_row(cbpe_build, inline):
    # a reference with null, NaN and out-of-range scores: the fit leaves them out (the estimates
    # equal the clean reference's) and every row says how many, in detail and in facts
    _query(cbpe_build["db"], """create or replace view main.cbpe_reference_bad as
        select * from main.cbpe_reference
        union all select * replace (null::double as score_mis) from (select * from main.cbpe_reference limit 2)
        union all select * replace ('nan'::double as score_mis) from (select * from main.cbpe_reference limit 3)
        union all select * replace (1.5 as score_mis) from (select * from main.cbpe_reference limit 4)""")
    bad_ref = ("{% set r = ref('cbpe_reference') %}{% set bad = api.Relation.create(database=r.database, "
               "schema=r.schema, identifier='cbpe_reference_bad') %}")
    ok, out, clean_sql = inline("{{ ml_monitor.estimated_performance(" + CALL + ") }}")
    assert ok, out[-2000:]
    ok, out, bad_sql = inline(bad_ref + "{{ ml_monitor.estimated_performance("
                              + CALL.replace("ref('cbpe_reference')", "bad") + ") }}")
    assert ok, out[-2000:]
    order = ["metric", "segment_column", "segment_value"]
    clean, bad = [_query(cbpe_build["db"], sql).sort_values(order, na_position="first").reset_index(drop=True)
                  for sql in (clean_sql, bad_sql)]
    assert len(bad) == len(clean) > 3
    assert (bad.value - clean.value).abs().max() < 1e-12
    assert bad.detail.str.contains("; 9 reference rows excluded (null or out-of-range score", regex=False).all(), list(bad.detail)
    assert not clean.detail.str.contains("reference rows excluded").any()
    assert {json.loads(f)["calibration"]["reference_excluded"] for f in bad.facts} == {9}
    assert {json.loads(f)["calibration"]["reference_excluded"] for f in clean.facts} == {0}


@pytest.mark.parametrize("call, message", [
    ("ref('cbpe_current'), reference=ref('cbpe_reference'), label_column='label', score_column='score_mis', metric='bogus'",
     "argument 'metric' must be one of"),
    ("ref('cbpe_current'), label_column='label', score_column='score_mis', metric='roc_auc'",
     "argument 'reference' is required"),
    ("ref('cbpe_current'), reference=ref('cbpe_reference'), label_column='nope', score_column='score_mis', metric='roc_auc'",
     "argument 'label_column' names column(s) nope that do not exist of"),
    ("ref('cbpe_current'), reference=ref('cbpe_reference'), label_column='label', score_column='score_mis', metric='roc_auc', positive_label='yes'",
     "argument 'label_column' is numeric"),
    ("ref('cbpe_current'), reference=ref('cbpe_reference'), label_column='label', score_column='score_mis', metric='f1'",
     "argument 'prediction_column' is required for f1"),
    ("ref('cbpe_current'), reference=ref('cbpe_reference'), label_column='label', score_column='score_mis', metric='roc_auc', calibration='platt'",
     "argument 'calibration' must be one of auto, isotonic, none"),
    ("ref('cbpe_current'), calibration_map='never_frozen', score_column='score_mis', metric='roc_auc'",
     "argument 'calibration_map'"),
    ("ref('cbpe_current'), reference=ref('cbpe_reference'), label_column='label', score_column='score_mis', metric='roc_auc', join_key='id'",
     "argument 'join_key' needs labels"),
    ("ref('cbpe_current'), reference=ref('cbpe_reference'), label_column='label', score_column='score_mis', metric='roc_auc', labels=ref('cbpe_labels')",
     "argument 'join_key' is required"),
    ("ref('cbpe_current'), reference=ref('cbpe_reference'), label_column='label', score_column='score_mis', metric='roc_auc', windows=3",
     "argument 'windows' needs timestamp_column and window"),
])
def test_bad_arguments_fail_at_compile_time(inline, call, message):
    ok, output, _ = inline("{{ ml_monitor.estimated_performance(" + call + ") }}")
    assert not ok
    assert message in output, output[-2000:]
    assert "ml_monitor.estimated_performance on" in output


def test_car_loan_monthly_estimates_equal_nannyml(cbpe_build, inline, tmp_path):
    """NannyML's bundled car-loan data (50k reference, 50k analysis rows, 11 monthly chunks):
    CBPE(chunk_period='M') vs estimated_performance with one window per month."""
    subprocess.run([nannyml_python(), str(Path(__file__).with_name("cbpe_carloan_oracle.py")), str(tmp_path)],
                   check=True, env=dict(os.environ, NML_DISABLE_USAGE_LOGGING="1"), timeout=900)
    nml = json.loads((tmp_path / "estimates.json").read_text())
    assert nml["needs_calibration"] is True and len(nml["chunks"]) == 11
    con = duckdb.connect(str(cbpe_build["db"]))
    try:
        for name in ["reference", "analysis"]:
            con.execute(f"create or replace table main.carloan_{name} as select * from read_csv_auto('{tmp_path / (name + '.csv')}')")
    finally:
        con.close()
    # one inline compile: a union of the per-month calls (each month is its window, via var as_of)
    parts = []
    for i, c in enumerate(nml["chunks"]):
        start = pd.Timestamp(c["start"])
        end = (start + pd.offsets.MonthBegin(1))
        parts.append(
            f"select {i} as chunk, o.* from ({{{{ ml_monitor.estimated_performance(api.Relation.create(database=target.database, schema='main', identifier='carloan_analysis'), "
            f"reference=api.Relation.create(database=target.database, schema='main', identifier='carloan_reference'), label_column='repaid', "
            f"score_column='y_pred_proba', prediction_column='y_pred', metric={ALL!r}, confusion_matrix=true, band_rows=true, "
            f"where=\"timestamp >= '{start:%Y-%m-%d}' and timestamp < '{end:%Y-%m-%d}'\") }}}}) as o")
    ok, out, sql = inline("\nunion all\n".join(parts))
    assert ok, out[-3000:]
    got = _query(cbpe_build["db"], sql)
    assert "calibrated by isotonic regression" in got.detail.iloc[0]
    worst = {}
    for i, c in enumerate(nml["chunks"]):
        rows = got[got.chunk == i].set_index("metric")
        assert int(rows.loc["roc_auc", "sample_size"]) == c["n"]
        for m in ALL + [f"estimated_{x}" for x in ["true_positive", "false_positive", "false_negative", "true_negative"]]:
            d = abs(rows.loc[m, "value"] - c[f"{m}.value"]) / max(1.0, abs(c[f"{m}.value"]))
            worst[m] = max(worst.get(m, 0.0), d)
        for m in ALL:
            for ours, theirs in [("_lower", "lower_confidence_boundary"), ("_upper", "upper_confidence_boundary")]:
                d = abs(rows.loc[m + ours, "value"] - c[f"{m}.{theirs}"])
                worst[m + ours] = max(worst.get(m + ours, 0.0), d)
    estimates = {k: v for k, v in worst.items() if not k.endswith(("_lower", "_upper"))}
    assert max(estimates.values()) < 1e-6, estimates
    # bands of the confusion-matrix metrics agree exactly; ROC AUC's sampling error depends on
    # how NannyML's unstable argsort orders tied reference scores (car-loan scores have 2
    # decimals), see docs/model-performance.md
    bands = {k: v for k, v in worst.items() if k.endswith(("_lower", "_upper"))}
    assert max(v for k, v in bands.items() if not k.startswith("roc_auc")) < 1e-9, bands
    assert max(bands["roc_auc_lower"], bands["roc_auc_upper"]) < 1e-2, bands


def test_facts_carry_the_band_and_the_calibration(cbpe_build):
    # the structured column holds what the detail says: the band equals the band rows (NannyML's)
    rows = _df(cbpe_build["db"], "select metric, value, facts from main.actual_cbpe where case_name = 'miscal_all' "
                                 "and segment_column is null")
    by_metric = {r.metric: r for r in rows.itertuples()}
    facts = json.loads(by_metric["roc_auc"].facts)
    assert facts["estimate"] == pytest.approx(by_metric["roc_auc"].value, abs=1e-15)
    assert facts["lower"] == pytest.approx(by_metric["roc_auc_lower"].value, abs=1e-15)
    assert facts["upper"] == pytest.approx(by_metric["roc_auc_upper"].value, abs=1e-15)
    assert facts["calibration"]["calibrated"] is True and facts["calibration"]["thresholds"] > 10
    assert (facts["excluded_null"], facts["excluded_outside"]) == (4, 3)
