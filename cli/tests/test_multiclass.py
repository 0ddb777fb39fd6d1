"""performance with problem: multiclass (issue 17) on DuckDB: the integration cases against
scikit-learn (integration_tests/scripts/gen_multiclass.py), one scan of predictions and labels,
how per-class rows are named, and the argument errors of bad input.

One seed generation and one `dbt build` of the multiclass selection, then in-process
`dbt compile --inline` calls (~1 s each).
"""

from __future__ import annotations

import json

import pytest

from dbt_project_runner import build_family
from dbt_project_runner import duckdb_rows as _rows
from dbt_project_runner import inline_compiler as compile_inline_for

SCORES = ("score_columns={'prepaid_card': 'p_prepaid_card', 'highstreet_card': 'p_highstreet_card', "
          "'upmarket_card': 'p_upmarket_card'}")
LABELS = "labels=ref('mc_labels'), join_key='id', label_column='y_true'"


@pytest.fixture(scope="module")
def mc_build(tmp_path_factory):
    return build_family("multiclass", tmp_path_factory.mktemp("mc"))


@pytest.fixture(scope="module")
def inline_compiler(mc_build):
    yield from compile_inline_for(mc_build)


def test_generator_is_deterministic_and_committed(mc_build):
    assert mc_build["after"] == mc_build["before"]
    assert len(mc_build["after"]) == 5


def test_every_multiclass_node_passed(mc_build):
    run = mc_build["run"]
    assert run.returncode == 0, run.output[-3000:]
    names = {r["unique_id"].split(".")[2]: r["status"] for r in run.results}
    # the comparison with scikit-learn, its negative control (must fail: error_if "<1"),
    # a healthy test, a drop that must fail and an undeclared class that must be no_data
    for name in ["multiclass_comparison_catches_wrong_value", "multiclass_healthy_regions",
                 "multiclass_south_macro_f1_drop", "multiclass_undeclared_class_no_data"]:
        assert names.get(name) == "pass", (name, names)
    assert any(n.startswith("equal_observations_actual_multiclass") and s == "pass" for n, s in names.items())


def test_per_class_rows_name_their_class(mc_build):
    rows = _rows(mc_build["db"], """
        select metric, column_name, status, detail, facts from main.actual_multiclass
        where case_name = 'mc_all' and segment_value = 'rare' and metric like '%[highstreet_card]'
        order by metric""")
    assert [r[0] for r in rows] == ["f1[highstreet_card]", "precision[highstreet_card]",
                                    "recall[highstreet_card]", "roc_auc[highstreet_card]"]
    # a class absent from the segment: every per-class row says why, none passes silently
    assert {r[2] for r in rows} == {"no_data"}
    assert "class highstreet_card is neither labelled nor predicted among 59 labelled rows" in rows[0][3]
    assert rows[3][1] == "p_highstreet_card"
    assert all(json.loads(r[4])["class"] == "highstreet_card" for r in rows)


def test_alert_text_shows_the_class():
    from ml_monitor.alerts.model import describe_observation

    text = describe_observation({"metric": "precision[upmarket_card]", "column_name": "y_pred",
                                 "segment_column": "region", "segment_value": "east", "status": "no_data",
                                 "sample_size": 122, "detail": "class upmarket_card is never predicted"})
    assert text.startswith("precision[upmarket_card] of y_pred in segment region = east: no data")


def test_one_scan_of_predictions_and_labels(inline_compiler):
    sql = inline_compiler.compiled_sql(
        "{{ ml_monitor.performance(ref('mc_predictions'), problem='multiclass', metric=['macro_f1', 'roc_auc_ovr_macro', "
        "'log_loss'], per_class=true, prediction_column='y_pred', segment_by=['region', 'channel'], "
        + SCORES + ", " + LABELS + ") }}")
    assert sql.count('"mc_predictions"') == 1, sql
    assert sql.count('"mc_labels"') == 1, sql


@pytest.mark.parametrize("call, message", [
    # score-based metrics without score_columns
    (f"metric='log_loss', classes=['prepaid_card', 'upmarket_card'], {LABELS}",
     "argument 'score_columns' is required for log_loss"),
    (f"metric='macro_f1', prediction_column='y_pred', {LABELS}",
     "argument 'score_columns' or classes is required for macro_f1"),
    # duplicate class names, one column for two classes, both ways of declaring classes
    (f"metric='macro_f1', prediction_column='y_pred', classes=['prepaid_card', 'prepaid_card'], {LABELS}",
     "argument 'classes' names the class prepaid_card twice"),
    (f"metric='log_loss', score_columns={{'prepaid_card': 'p_prepaid_card', 'upmarket_card': 'p_prepaid_card'}}, {LABELS}",
     "argument 'score_columns' maps two classes to the same column p_prepaid_card"),
    (f"metric='log_loss', {SCORES}, classes=['prepaid_card'], {LABELS}",
     "argument 'classes' must not be given with score_columns"),
    (f"metric='log_loss', score_columns={{'prepaid_card': 'p_prepaid_card', 'gold_card': 'p_gold_card'}}, {LABELS}",
     "argument 'score_columns' names column(s) p_gold_card that do not exist"),
    # classes spelt as another type than the labels; labels of another type than predictions
    (f"metric='log_loss', score_columns={{1: 'p_prepaid_card', 2: 'p_highstreet_card'}}, {LABELS}",
     "argument 'score_columns' names the class 1 as numbers but label_column 'y_true' holds text"),
    ("metric='accuracy', prediction_column='y_pred', labels=ref('mc_labels'), join_key='id', label_column='y_code'",
     "argument 'label_column' 'y_code' holds numbers"),
    # binary-only arguments and metrics
    (f"metric='accuracy', prediction_column='y_pred', score_column='p_prepaid_card', {LABELS}",
     "argument 'score_column' is not supported with problem: multiclass"),
    (f"metric='accuracy', prediction_column='y_pred', challenger_prediction_column='y_pred', {LABELS}",
     "argument 'challenger_prediction_column' is not supported with problem: multiclass"),
    (f"metric='pr_auc', {SCORES}, {LABELS}", "argument 'metric' must be one of accuracy, micro_f1"),
    (f"metric='macro_f1', per_class=true, {SCORES}, {LABELS}", "argument 'prediction_column' is required for macro_f1 and per_class"),
    (f"metric='macro_f1', per_class='yes', prediction_column='y_pred', {SCORES}, {LABELS}", "argument 'per_class' must be true or false"),
])
def test_bad_multiclass_arguments_fail_at_compile_time(inline_compiler, call, message):
    ok, output = inline_compiler("{{ ml_monitor.performance(ref('mc_predictions'), problem='multiclass', " + call + ") }}")
    assert not ok
    assert message in output, output[-2000:]
    assert "ml_monitor.performance on" in output


@pytest.mark.parametrize("call, message", [
    (f"problem='ternary', metric='accuracy', prediction_column='y_pred', {LABELS}",
     "argument 'problem' must be one of binary, regression, multiclass"),
    (f"metric='accuracy', prediction_column='y_pred', per_class=true, {LABELS}", "argument 'per_class' needs problem: multiclass"),
    (f"metric='log_loss', score_column='p_prepaid_card', {SCORES}, {LABELS}", "argument 'score_columns' needs problem: multiclass"),
    (f"problem='regression', metric='accuracy', prediction_column='y_pred', {LABELS}",
     "argument 'metric' must be regression metrics with problem: regression"),
])
def test_multiclass_arguments_need_the_problem(inline_compiler, call, message):
    ok, output = inline_compiler("{{ ml_monitor.performance(ref('mc_predictions'), " + call + ") }}")
    assert not ok and message in output, output[-2000:]


def test_calibration_refuses_multiclass(inline_compiler):
    ok, output = inline_compiler("{{ ml_monitor.calibration(ref('mc_predictions'), problem='multiclass', "
                                 + SCORES + ", " + LABELS + ") }}")
    assert not ok and "argument 'problem' is not an argument of ml_monitor.calibration" in output, output[-2000:]


def test_good_multiclass_arguments_compile(inline_compiler):
    # the control for the cases above
    ok, output = inline_compiler("{{ ml_monitor.performance(ref('mc_predictions'), problem='multiclass', "
                                 "metric=['accuracy', 'log_loss'], per_class=true, prediction_column='y_pred', "
                                 + SCORES + ", " + LABELS + ") }}")
    assert ok, output[-2000:]


def test_class_names_with_a_quote_run_and_match_sklearn(tmp_path):
    """A class spelt with a quote (o'brien): the reason of roc_auc[o'brien] held the metric name
    unescaped inside a SQL literal, a syntax error for the whole test on every engine. Values
    against scikit-learn, per class and averaged; the NaN-probability reason is the one that
    names the metric."""
    import numpy as np
    from sklearn import metrics as M

    from dbt_project_runner import build_tiny_project

    classes = ["o'brien", "b", "c"]
    y = ["o'brien", "b", "c", "c", "o'brien", "b"]
    p = ["o'brien", "b", "b", "c", "c", "b"]
    P = np.array([[.7, .2, .1], [.2, .7, .1], [.1, .5, .4], [.1, .2, .7], [.3, .3, .4], [.25, .5, .25]])
    q = lambda v: "'" + v.replace("'", "''") + "'"
    rows = [f"select {i} as id, {q(a)} as y, {q(b)} as yp, {float(r[0])!r} as p1, {float(r[1])!r} as p2, {float(r[2])!r} as p3"
            for i, (a, b, r) in enumerate(zip(y, p, P), 1)]
    nan_rows = rows[:-1] + ["select 6 as id, 'b' as y, 'b' as yp, cast('NaN' as double) as p1, 0.5 as p2, 0.25 as p3"]
    call = ("problem='multiclass', metric=['accuracy', 'macro_f1', 'roc_auc_ovr_macro', 'log_loss'], per_class=true, "
            "join_key='id', label_column='y', prediction_column='yp', "
            "score_columns={\"o'brien\": 'p1', 'b': 'p2', 'c': 'p3'}")
    models = {"src": "\nunion all\n".join(rows), "src_nan": "\nunion all\n".join(nan_rows),
              "perf": "{{ ml_monitor.performance(ref('src'), labels=ref('src'), " + call + ") }}",
              "perf_nan": "{{ ml_monitor.performance(ref('src_nan'), labels=ref('src_nan'), " + call + ") }}"}
    ok, _ = build_tiny_project(root := tmp_path / "quote", models, "version: 2\n")
    assert ok, "the tiny project's build failed (run dbt build in %s to see why)" % root
    got = dict(_rows(root / "e.duckdb", "select metric, value from main.perf"))
    assert got["accuracy"] == pytest.approx(M.accuracy_score(y, p), abs=1e-12)
    assert got["macro_f1"] == pytest.approx(M.f1_score(y, p, average="macro"), abs=1e-12)
    order = [classes.index(c) for c in sorted(classes)]        # scikit-learn wants the labels sorted
    assert got["roc_auc_ovr_macro"] == pytest.approx(
        M.roc_auc_score(y, P[:, order], multi_class="ovr", labels=sorted(classes)), abs=1e-12)
    assert got["log_loss"] == pytest.approx(M.log_loss(y, P[:, order], labels=sorted(classes)), abs=1e-12)
    for i, c in enumerate(classes):
        assert got[f"f1[{c}]"] == pytest.approx(M.f1_score(y, p, labels=[c], average=None)[0], abs=1e-12)
        assert got[f"roc_auc[{c}]"] == pytest.approx(M.roc_auc_score(np.array(y) == c, P[:, i]), abs=1e-12)
    (status, detail), = _rows(root / "e.duckdb", "select status, detail from main.perf_nan where metric = 'roc_auc[o''brien]'")
    assert status == "no_data" and detail == "1 of 6 labelled rows have a NaN or infinite probability: roc_auc[o'brien] undefined"


def test_probabilities_rounded_to_six_decimals_are_scored_as_sklearn_scores_them(tmp_path):
    """Five classes' probabilities stored with 6 decimals: a row's sum is off 1 by up to 2.5e-6.
    scikit-learn's roc_auc_score accepts them (numpy.allclose: |sum - 1| <= 1e-8 + 1e-5 * sum);
    the OvR AUCs were no_data past 1e-6 ("as scikit-learn"), so such a model failed every run.
    A row off by 1e-4 is refused by both."""
    import numpy as np
    from sklearn import metrics as M

    from dbt_project_runner import build_tiny_project

    rng = np.random.default_rng(3)
    classes = ["a", "b", "c", "d", "e"]
    n = 60
    y = [classes[i % 5] for i in range(n)]
    logits = rng.normal(0, 1, (n, 5)) + 1.5 * np.eye(5)[[i % 5 for i in range(n)]]
    P = np.round(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), 6)
    off = np.abs(P.sum(1) - 1)
    assert off.max() > 1e-6 and np.allclose(1, P.sum(1))          # off past 1e-6, within sklearn's test
    cols = ", ".join(f"p_{c}" for c in classes)

    def src(P):
        return "\nunion all\n".join(
            f"select {i} as id, '{y[i]}' as y, " + ", ".join(f"{float(v)!r} as p_{c}" for v, c in zip(P[i], classes))
            for i in range(n))
    P_bad = P.copy()
    P_bad[0, 0] += 1e-4
    call = ("problem='multiclass', metric=['roc_auc_ovr_macro', 'roc_auc_ovr_weighted'], join_key='id', label_column='y', "
            "score_columns={" + ", ".join(f"'{c}': 'p_{c}'" for c in classes) + "}")
    models = {"src": src(P), "src_bad": src(P_bad),
              "perf": "{{ ml_monitor.performance(ref('src'), labels=ref('src'), " + call + ") }}",
              "perf_bad": "{{ ml_monitor.performance(ref('src_bad'), labels=ref('src_bad'), " + call + ") }}"}
    ok, _ = build_tiny_project(root := tmp_path / "rounded", models, "version: 2\n")
    assert ok, "the tiny project's build failed (run dbt build in %s to see why) %s" % (root, cols)
    got = {m: (v, s) for m, v, s in _rows(root / "e.duckdb", "select metric, value, status from main.perf")}
    for avg in ["macro", "weighted"]:
        want = M.roc_auc_score(y, P, multi_class="ovr", average=avg, labels=classes)
        assert got[f"roc_auc_ovr_{avg}"] == (pytest.approx(want, abs=1e-12), "pass"), (avg, got)
    with pytest.raises(ValueError):
        M.roc_auc_score(y, P_bad, multi_class="ovr", labels=classes)
    bad = _rows(root / "e.duckdb", "select status, detail from main.perf_bad where metric like 'roc_auc_ovr%'")
    assert len(bad) == 2 and all(s == "no_data" and "1 of 60 labelled rows have probabilities that do not sum to 1" in d
                                 for s, d in bad), bad
