"""The performance family (issue 4) end to end on DuckDB: label join with late / duplicate /
missing labels, every metric against scikit-learn (integration_tests/scripts/gen_performance.py),
calibration, label coverage, champion vs challenger, and argument errors.

Runs in ~1 minute: one seed generation, one `dbt build` of the performance selection, a few
`dbt compile --inline` for argument errors (partial parsing makes those quick).
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest

from dbt_project_runner import INTEGRATION, build_family
from dbt_project_runner import inline_compiler as compile_inline_for
from dbt_project_runner import duckdb_rows as _rows


@pytest.fixture(scope="module")
def perf_build(tmp_path_factory):
    return build_family("performance", tmp_path_factory.mktemp("perf"))


def test_generator_is_deterministic_and_committed(perf_build):
    # regenerating must reproduce the committed seeds byte for byte
    assert perf_build["after"] == perf_build["before"]
    assert len(perf_build["after"]) == 8


def test_every_performance_node_passed(perf_build):
    run = perf_build["run"]
    assert run.results, run.output[-5000:]
    failed = run.failed_nodes()
    assert not failed, "\n".join(failed) + "\n" + run.output[-3000:]
    assert run.returncode == 0, run.output[-3000:]
    names = {r["unique_id"].split(".")[2] for r in run.results if r["unique_id"].startswith("test.")}
    for expected in ["perf_healthy_regions_roc_auc", "perf_apac_degraded_accuracy", "perf_apac_auc_drop",
                     "perf_challenger_worse", "perf_calibration_healthy", "perf_label_coverage_fresh",
                     "perf_column_placement_pr_auc", "perf_invalid_scores_no_data"]:
        assert expected in names
    assert any(n.startswith("equal_observations_actual_performance") for n in names)
    # the observation comparison really compared the whole expected seed
    assert _rows(perf_build["db"], "select count(*) from main.actual_performance")[0][0] == \
        _rows(perf_build["db"], "select count(*) from main.expected_performance")[0][0] > 400


def test_degraded_segment_detected_and_healthy_ones_not(perf_build):
    rows = dict(_rows(perf_build["db"], """
        select segment_value, status from main_dbt_test__audit.perf_apac_degraded_accuracy
        where metric = 'accuracy' and segment_column = 'region'"""))
    assert rows == {"apac": "fail", "north": "pass", "south": "pass", "east": "pass"}
    drop = dict(_rows(perf_build["db"], """
        select segment_value, status from main_dbt_test__audit.perf_apac_auc_drop
        where metric = 'roc_auc' and segment_column = 'region'"""))
    assert drop == {"apac": "fail", "north": "pass", "south": "pass", "east": "pass"}


def test_undefined_cases_are_explicit(perf_build):
    db = perf_build["db"]
    detail = dict(_rows(db, """
        select case_name || '/' || coalesce(segment_value, 'all') || '/' || metric, detail
        from main.actual_performance
        where status = 'no_data'"""))
    assert "only one class among 44 labelled rows" in detail["cls_all/solo/roc_auc"]
    assert detail["cls_all/fresh/accuracy"].startswith("no labelled rows")
    assert "outside [0, 1]" in detail["invalid_scores/bad/log_loss"]
    assert detail["invalid_scores/nulls/roc_auc"] == "all 36 labelled rows have a null score"
    assert "all 34 labelled targets are zero" in detail["regression/zeros/mape"]
    assert "constant target" in detail["regression/flat/r2"]
    assert detail["coverage_empty/all/label_coverage"].startswith("no eligible predictions")
    # precision with no predicted positive is no_data (scikit-learn would silently say 0.0)
    assert "no predicted positives" in detail["cls_all/quiet/precision"]


def test_late_and_duplicate_labels_in_detail(perf_build):
    ((detail,),) = _rows(perf_build["db"], """
        select detail from main.actual_performance
        where case_name = 'cls_all' and metric = 'roc_auc' and segment_column is null""")
    assert "labels picked among duplicates (kept the latest by label_ts)" in detail
    assert "label coverage" in detail


@pytest.fixture(scope="module")
def inline_compiler(perf_build):
    """In-process dbt with the parsed manifest: each `compile --inline` then takes ~1 s."""
    yield from compile_inline_for(perf_build)


@pytest.mark.parametrize("call, message", [
    ("metric='bogus', labels=ref('perf_labels'), join_key='id', label_column='label', score_column='score'",
     "argument 'metric' must be one of"),
    ("metric='roc_auc', labels=ref('perf_labels'), join_key='id', label_column='label', score_column='score', max_drop={'absolute': 0.1}",
     "argument 'max_drop' needs a reference"),
    ("metric='accuracy', labels=ref('perf_labels'), join_key='id', label_column='label', score_column='score'",
     "argument 'prediction_column' or decision_threshold"),
    ("metric='roc_auc', labels=ref('perf_labels'), join_key='id', label_column='label', score_column='score', label_delay={'period': 'day', 'count': 7}",
     "argument 'timestamp_column' is required when label_delay"),
    ("metric='roc_auc', labels=ref('perf_labels'), join_key='id', label_column='label', score_column='score', max_drop={'both': 1}, reference_where='1 = 1'",
     "argument 'max_drop' must be a mapping with one key"),
    ("metric=['accuracy', 'mae'], labels=ref('perf_labels'), join_key='id', label_column='label', prediction_column='predicted_label'",
     "must not mix classification and regression metrics"),
    ("metric='roc_auc', labels=ref('perf_labels'), join_key='id', label_column='label', score_column='score', challenger_score_column='score_v2', max_drop={'absolute': 0.1}, reference_where='1 = 1'",
     "cannot be combined with a challenger"),
    # one min_value for roc_auc and log_loss would fail a good log_loss and pass a bad one
    ("metric=['roc_auc', 'log_loss'], labels=ref('perf_labels'), join_key='id', label_column='label', score_column='score', min_value=0.6",
     "argument 'min_value' is one bound for every metric of the list, which mixes higher-is-better (roc_auc) and "
     "lower-is-better (log_loss) metrics"),
    # crossing bounds fail every segment (bad-input pass)
    ("metric='roc_auc', labels=ref('perf_labels'), join_key='id', label_column='label', score_column='score', min_value=0.9, max_value=0.1",
     "argument 'min_value' must not be greater than max_value 0.1 (got 0.9)"),
    # regression on a text column: an engine's Conversion Error at run time (on the first 'n/a')
    ("metric='mae', labels=ref('perf_predictions'), join_key='id', label_column='region', prediction_column='score'",
     "argument 'label_column' 'region' holds text"),
    ("metric=['rmse', 'r2'], labels=ref('perf_labels'), join_key='id', label_column='label', prediction_column='region'",
     "argument 'prediction_column' 'region' holds text"),
    # arguments are declared once (_perf_arguments) and forwarded as keywords: a misspelt one is named
    ("metric='roc_auc', labels=ref('perf_labels'), join_key='id', label_column='label', score_colum='score'",
     "argument 'score_colum' is not an argument of ml_monitor.performance (did you mean 'score_column'?); "
     "its arguments are: anomaly, bins, challenger_margin"),
])
def test_bad_arguments_fail_at_compile_time(inline_compiler, call, message):
    ok, output = inline_compiler("{{ ml_monitor.performance(ref('perf_predictions'), " + call + ") }}")
    assert not ok
    assert message in output, output[-2000:]
    assert "ml_monitor.performance on" in output


def test_wrappers_accept_only_their_arguments(inline_compiler):
    # calibration / label_coverage forward to performance but accept only their own arguments
    ok, output = inline_compiler("{{ ml_monitor.calibration(ref('perf_predictions'), labels=ref('perf_labels'), "
                                 "join_key='id', label_column='label', score_column='score', min_value=0.5) }}")
    assert not ok and "argument 'min_value' is not an argument of ml_monitor.calibration" in output, output[-2000:]
    ok, output = inline_compiler("{{ ml_monitor.label_coverage(ref('perf_predictions'), labels=ref('perf_labels'), "
                                 "join_key='id', label_column='label', metric='roc_auc') }}")
    assert not ok and "argument 'metric' is not an argument of ml_monitor.label_coverage" in output, output[-2000:]


def test_good_arguments_compile(inline_compiler):
    # the control for the cases above: the same call with valid arguments compiles
    ok, output = inline_compiler("{{ ml_monitor.performance(ref('perf_predictions'), metric='roc_auc', "
                                 "labels=ref('perf_labels'), join_key='id', label_column='label', score_column='score') }}")
    assert ok, output[-2000:]


def test_metrics_without_segments_match_sklearn(perf_build, inline_compiler):
    # no segment_by: the per-grouping-set aggregates (r2's total sum of squares, the AUC rank
    # sums) reduce to the overall row; values against scikit-learn on the same seeds
    import pandas as pd
    from sklearn.metrics import average_precision_score, r2_score, roc_auc_score

    # the in-process dbt of inline_compiler holds the file open read-write: same configuration
    con = duckdb.connect(str(perf_build["db"]))
    try:
        def observed(call: str) -> dict:
            sql = inline_compiler.compiled_sql("{{ ml_monitor.performance(" + call + ") }}")
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
            assert all(r["segment_column"] is None for r in rows)
            return {r["metric"]: r["value"] for r in rows}

        def joined(preds: str, labels: str, label: str) -> pd.DataFrame:
            p = con.execute(f"select * from main.{preds}").df()
            lab = con.execute(f"select id, {label} from main.{labels} where {label} is not null").df()
            # no label timestamp: the greatest label of a key wins (README, label join)
            return p.merge(lab.groupby("id", as_index=False)[label].max(), on="id", how="inner")

        reg = observed("ref('perf_reg_predictions'), metric='r2', labels=ref('perf_reg_labels'), "
                       "join_key='id', label_column='actual', prediction_column='predicted_value'")
        r = joined("perf_reg_predictions", "perf_reg_labels", "actual").dropna(subset=["predicted_value"])
        assert reg["r2"] == pytest.approx(r2_score(r["actual"], r["predicted_value"]), abs=1e-9)

        cls = observed("ref('perf_predictions'), metric=['roc_auc', 'pr_auc'], labels=ref('perf_labels'), "
                       "join_key='id', label_column='label', score_column='score'")
        c = joined("perf_predictions", "perf_labels", "label").dropna(subset=["score"])
        y = (c["label"] == 1).astype(int)
        assert cls["roc_auc"] == pytest.approx(roc_auc_score(y, c["score"]), abs=1e-9)
        assert cls["pr_auc"] == pytest.approx(average_precision_score(y, c["score"]), abs=1e-9)
    finally:
        con.close()


def _reliability_mismatch(expected: dict, observed: dict, tol=1e-9) -> list[str]:
    if expected.keys() != observed.keys():
        return [f"segments/bins {sorted(map(str, expected))} != {sorted(map(str, observed))}"]
    return [f"{k}: expected {v}, facts {observed[k]}" for k, v in expected.items()
            if v[0] != observed[k][0] or abs(v[1] - observed[k][1]) > tol or abs(v[2] - observed[k][2]) > tol]


def test_calibration_facts_carry_the_reliability_table_of_sklearn(perf_build):
    """The facts of the calibration case's ece rows hold the whole reliability table: for every
    segment and non-empty bin, n, mean score and positive rate equal sklearn's calibration_curve
    (the `reliability` case of expected_performance.csv, same arguments) to 1e-9."""
    exp = pd.read_csv(INTEGRATION / "seeds" / "expected" / "expected_performance.csv",
                      keep_default_na=False, na_values=[""])
    exp = exp[exp["case_name"] == "reliability"]
    expected: dict = {}
    for (seg_col, seg_val, col), g in exp.groupby(["segment_column", "segment_value", "column_name"], dropna=False):
        seg_col = None if pd.isna(seg_col) else seg_col
        seg_val = None if pd.isna(seg_val) else seg_val
        v = dict(zip(g["metric"], g["value"]))
        expected[(seg_col, seg_val, int(col.split("_")[1]))] = (
            int(g["sample_size"].iloc[0]), v["mean_score"], v["fraction_positive"])
    observed: dict = {}
    rows = _rows(perf_build["db"], """select segment_column, segment_value, facts from main.actual_performance
                                      where case_name = 'calibration' and metric = 'ece'""")
    assert len(rows) >= 3
    for seg_col, seg_val, facts in rows:
        f = json.loads(facts)
        assert f["used"] == sum(b["n"] for b in f["reliability"])
        for b in f["reliability"]:
            assert b["lower"] == pytest.approx(b["bin"] / 10) and b["upper"] == pytest.approx((b["bin"] + 1) / 10)
            observed[(seg_col, seg_val, b["bin"])] = (b["n"], b["mean_score"], b["fraction_positive"])
    assert len(expected) >= 20
    assert _reliability_mismatch(expected, observed) == []
    # the comparison really compares: one positive rate off by 1e-6 is caught
    k = next(iter(expected))
    n, ms, fp = expected[k]
    assert _reliability_mismatch({**expected, k: (n, ms, fp + 1e-6)}, observed) != []


def test_performance_facts_count_rows_and_name_the_reference(perf_build):
    rows = _rows(perf_build["db"], """select metric, sample_size, facts from main.actual_performance
                                      where case_name = 'cls_drop_abs' and segment_column is null""")
    assert rows
    for metric, n, facts in rows:
        f = json.loads(facts)
        assert f["rows"] >= f["labelled"] and f["label_coverage"] == pytest.approx(f["labelled"] / f["rows"])
        if metric != "label_coverage":
            assert f["used"] == n and f["reference"] is not None and "baseline_used" in f


def test_mape_divides_by_the_absolute_target(tmp_path):
    """mape on targets of both signs (profits, temperatures): each error is relative to |y|, as
    scikit-learn's mean_absolute_percentage_error; mae / rmse / r2 of the same rows too, to 1e-9."""
    import numpy as np
    from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, mean_squared_error, r2_score

    from dbt_project_runner import build_tiny_project

    y = np.array([(i - 20) * 1.5 + 0.25 for i in range(1, 41)])          # -28.25 .. 30.25, never 0
    p = np.array([v * 0.9 + (1.0 if i % 3 else -2.0) for i, v in enumerate(y)])
    assert (y < 0).sum() >= 15 and (y > 0).sum() >= 15
    rows = ", ".join(f"({i}, {float(v)!r}, {float(q)!r})" for i, (v, q) in enumerate(zip(y, p), 1))
    models = {
        "reg_src": f"select * from (values {rows}) as t(id, y, yhat)",
        "reg_perf": ("{{ ml_monitor.performance(ref('reg_src'), metric=['mape', 'mae', 'rmse', 'r2'], labels=ref('reg_src'), "
                     "join_key='id', label_column='y', prediction_column='yhat') }}"),
    }
    ok, _ = build_tiny_project(tmp_path / "reg", models, "version: 2\n")
    assert ok, "the tiny project's build failed (run dbt build in %s to see why)" % (tmp_path / "reg")
    got = dict(_rows(tmp_path / "reg" / "e.duckdb", "select metric, value from main.reg_perf where metric <> 'label_coverage'"))
    assert got["mape"] == pytest.approx(mean_absolute_percentage_error(y, p), abs=1e-9)
    assert got["mae"] == pytest.approx(mean_absolute_error(y, p), abs=1e-9)
    assert got["rmse"] == pytest.approx(np.sqrt(mean_squared_error(y, p)), abs=1e-9)
    assert got["r2"] == pytest.approx(r2_score(y, p), abs=1e-9)


def test_label_delay_cutoff_is_exclusive(tmp_path):
    """With label_delay, a prediction is eligible when it is strictly older than as_of - label_delay:
    predictions stamped exactly at the cutoff (a midnight batch) wait for the next run. Coverage and
    row counts against pandas."""
    from dbt_project_runner import build_tiny_project

    preds = pd.DataFrame({"id": range(1, 11),
                          "ts": [pd.Timestamp("2026-01-20 12:00")] * 6 + [pd.Timestamp("2026-01-24")] * 4})
    labelled = {1, 2, 3, 7}
    values = ", ".join(f"({i}, timestamp '{t}')" for i, t in preds.itertuples(index=False))
    models = {
        "p": f"select * from (values {values}) as v(id, ts)",
        "l": "select * from (values " + ", ".join(f"({i}, 1)" for i in sorted(labelled)) + ") as v(id, label)",
        "cov": ("{{ ml_monitor.label_coverage(ref('p'), labels=ref('l'), join_key='id', label_column='label', "
                "timestamp_column='ts', label_delay={'period': 'day', 'count': 7}) }}"),
    }
    root = tmp_path / "cutoff"
    ok, _ = build_tiny_project(root, models, "version: 2\n", project_vars="  ml_monitor_as_of: '2026-01-31'\n")
    assert ok, "the tiny project's build failed (run dbt build in %s to see why)" % root
    eligible = preds[preds.ts < pd.Timestamp("2026-01-31") - pd.Timedelta(days=7)]
    assert len(eligible) == 6
    rows = _rows(root / "e.duckdb", "select metric, value, sample_size from main.cov")
    assert rows == [("label_coverage", pytest.approx(eligible.id.isin(labelled).mean(), abs=1e-12), len(eligible))]


def test_paired_versions_without_a_common_key_say_so(tmp_path):
    """Champion vs challenger paired on the keys both versions scored: a canary where no id was
    scored by both has thousands of eligible predictions, and `no_data` must say what is missing
    (it said "no eligible predictions", which sends the reader to the window and the delay)."""
    from dbt_project_runner import build_tiny_project, duckdb_rows

    preds = ", ".join(f"({i}, '{'v1' if i % 2 else 'v2'}', {i % 2})" for i in range(40))
    labs = ", ".join(f"({i}, {(i // 2) % 2})" for i in range(40))
    schema = """
models:
  - name: p
    data_tests:
      - ml_monitor.performance:
          name: canary
          arguments: {metric: accuracy, labels: ref('l'), join_key: id, label_column: label,
                      prediction_column: pred, model_version_column: v, champion_version: v1,
                      challenger_version: v2, challenger_margin: {absolute: 0.1}}
"""
    models = {"p": f"select * from (values {preds}) as t(id, v, pred)",
              "l": f"select * from (values {labs}) as t(id, label)"}
    ok, by_name = build_tiny_project(root := tmp_path / "paired", models, schema, "")
    assert not ok and by_name["canary"]["status"] == "fail", by_name
    rows = duckdb_rows(root / "e.duckdb", "select status, detail from main_dbt_test__audit.canary "
                                          "where segment_column is null")
    assert rows and all(s == "no_data" for s, _ in rows), rows
    assert all("no eligible prediction whose key both v1 and v2 scored" in d for _, d in rows), rows


def test_calibration_and_reliability_table_with_one_bin(tmp_path):
    """bins: 1 was a runtime syntax error (a CASE with no WHEN). One bin: ECE = |mean score -
    positive rate|, and the reliability table's one row is sklearn's calibration_curve(n_bins=1)."""
    import numpy as np
    from sklearn.calibration import calibration_curve

    from dbt_project_runner import build_tiny_project

    rng = np.random.default_rng(7)
    score = np.round(rng.uniform(0, 1, 60), 6)
    y = (rng.uniform(0, 1, 60) < score ** 2).astype(int)
    rows = ", ".join(f"({i}, {float(s)!r}, {int(t)})" for i, (s, t) in enumerate(zip(score, y), 1))
    args = "labels=ref('src'), join_key='id', label_column='y', score_column='score', bins=1"
    models = {
        "src": f"select * from (values {rows}) as t(id, score, y)",
        "cal": "{{ ml_monitor.calibration(ref('src'), " + args + ") }}",
        "rel": "{{ ml_monitor.reliability_table(ref('src'), " + args + ") }}",
    }
    schema = """
models:
  - name: src
    data_tests:
      - ml_monitor.calibration:
          name: calibration_one_bin
          arguments: {labels: ref('src'), join_key: id, label_column: y, score_column: score, bins: 1, max_ece: 1}
"""
    ok, by_name = build_tiny_project(root := tmp_path / "one_bin", models, schema)
    assert ok and by_name["calibration_one_bin"]["status"] == "pass", {k: r.get("message") for k, r in by_name.items()}
    (ece, n), = _rows(root / "e.duckdb", "select value, sample_size from main.cal where metric = 'ece'")
    assert n == 60 and ece == pytest.approx(abs(score.mean() - y.mean()), abs=1e-12)
    prob_true, prob_pred = calibration_curve(y, score, n_bins=1)
    assert _rows(root / "e.duckdb", "select bin, bin_lower, bin_upper, n_rows, mean_score, fraction_positive from main.rel") == [
        (0, 0.0, 1.0, 60, pytest.approx(prob_pred[0], abs=1e-12), pytest.approx(prob_true[0], abs=1e-12))]
