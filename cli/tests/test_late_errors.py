"""Columns that do not exist fail when the test is compiled, naming the test, the argument, the
missing column and the columns that do exist, instead of a raw engine error (Binder Error) at
run time; a misspelt argument names the closest real one (instead of Jinja's "takes no keyword
argument" or a parse error that stops the whole invocation); text labels against numeric
predictions are explained in words (instead of a Conversion Error). Each bad test fails on its
own, the good one still runs (issue #13, item 7)."""

from __future__ import annotations

import pytest

from dbt_project_runner import named_data_test, run_dbt, write_package_project

pytestmark = pytest.mark.adversarial

LABELS = "ref('labels')"
PERF = f"labels: {LABELS}, join_key: id, label_column: label, label_timestamp_column: label_ts, timestamp_column: ts"
BAD = {
    # test name -> (yaml of the test, words the error must contain)
    "null_rate_missing_column": ("ml_monitor.null_rate:\n  arguments: {columns: [x, nope]}",
                                 ["ml_monitor.null_rate", "'columns'", "nope", "do not exist", "id, x, ts, seg, pred, score"]),
    "null_rate_missing_segment": ("ml_monitor.null_rate:\n  arguments: {columns: [x], segment_by: [region]}",
                                  ["ml_monitor.null_rate", "'segment_by'", "region", "do not exist", "seg"]),
    "null_rate_missing_timestamp": ("ml_monitor.null_rate:\n  arguments: {columns: [x], timestamp_column: when, window: {period: day}}",
                                    ["'timestamp_column'", "when", "do not exist"]),
    "freshness_missing_timestamp": ("ml_monitor.freshness:\n  arguments: {timestamp_column: when, max_age: {period: hour, count: 6}}",
                                    ["ml_monitor.freshness", "'timestamp_column'", "when", "do not exist"]),
    # a reference relation without the segment column: named at compile time, not a Binder Error
    "psi_segment_missing_in_reference": ("ml_monitor.psi_drift:\n  arguments: {columns: [x], reference: ref('labels'), segment_by: [seg]}",
                                         ["ml_monitor.psi_drift", "'segment_by'", "seg", "do not exist", "labels", "id, label, label_ts"]),
    # a reference relation without a monitored column: the same compile error (was a Binder Error)
    "psi_column_missing_in_reference": ("ml_monitor.psi_drift:\n  arguments: {columns: [id, x], reference: ref('labels')}",
                                        ["ml_monitor.psi_drift", "'columns'", "x that do not exist of", "labels", "id, label, label_ts"]),
    "ks_column_missing_in_reference": ("ml_monitor.ks_drift:\n  arguments: {columns: [x], reference: ref('labels')}",
                                       ["ml_monitor.ks_drift", "'columns'", "x that do not exist of", "labels"]),
    "wasserstein_column_missing_in_reference": ("ml_monitor.wasserstein_drift:\n  arguments: {columns: [x], reference: ref('labels')}",
                                                ["ml_monitor.wasserstein_drift", "'columns'", "x that do not exist of", "labels"]),
    "js_column_missing_in_reference": ("ml_monitor.js_drift:\n  arguments: {columns: [x], reference: ref('labels')}",
                                       ["ml_monitor.js_drift", "'columns'", "x that do not exist of", "labels"]),
    "binned_column_missing_in_reference": ("ml_monitor.binned_drift:\n  arguments: {columns: [x], reference: ref('labels')}",
                                           ["ml_monitor.binned_drift", "'columns'", "x that do not exist of", "labels"]),
    "prediction_score_missing_in_reference": ("ml_monitor.prediction_drift:\n  arguments: {score_column: score, reference: ref('labels')}",
                                              ["ml_monitor.prediction_drift", "'score_column'", "score that do not exist of", "labels"]),
    "prediction_column_missing_in_reference": (
        "ml_monitor.prediction_drift:\n  arguments: {score_column: id, prediction_column: pred, reference: ref('labels')}",
        ["ml_monitor.prediction_drift", "'prediction_column'", "pred that do not exist of", "labels"]),
    "cardinality_column_missing_in_reference": ("ml_monitor.cardinality:\n  arguments: {columns: [seg], reference: ref('labels')}",
                                                ["ml_monitor.cardinality", "'columns'", "seg that do not exist of", "labels", "id, label, label_ts"]),
    "performance_score_missing_in_reference": (
        f"ml_monitor.performance:\n  arguments: {{metric: roc_auc, score_column: score, {PERF}, reference: ref('text_labels'), max_drop: {{absolute: 0.1}}}}",
        ["ml_monitor.performance", "'score_column'", "score that do not exist of", "text_labels", "id, label"]),
    "calibration_segment_missing_in_reference": (
        f"ml_monitor.calibration:\n  arguments: {{score_column: score, {PERF}, reference: ref('text_labels'), segment_by: [seg]}}",
        ["ml_monitor.calibration", "'segment_by'", "seg that do not exist of", "text_labels"]),
    "psi_missing_column": ("ml_monitor.psi_drift:\n  arguments: {columns: [nope], reference_where: \"seg = 'a'\"}",
                           ["ml_monitor.psi_drift", "'columns'", "nope", "do not exist"]),
    "performance_missing_label_column": (f"ml_monitor.performance:\n  arguments: {{metric: accuracy, prediction_column: pred, {PERF.replace('label_column: label', 'label_column: outcome')}}}",
                                         ["ml_monitor.performance", "'label_column'", "outcome", "do not exist", "labels", "id, label, label_ts"]),
    "performance_missing_label_ts": (f"ml_monitor.performance:\n  arguments: {{metric: accuracy, prediction_column: pred, {PERF.replace('label_timestamp_column: label_ts', 'label_timestamp_column: labelled_at')}}}",
                                     ["'label_timestamp_column'", "labelled_at", "do not exist"]),
    "performance_missing_join_key_in_labels": (f"ml_monitor.performance:\n  arguments: {{metric: accuracy, prediction_column: pred, {PERF.replace('join_key: id', 'join_key: seg')}}}",
                                               ["'join_key'", "seg", "do not exist", "labels"]),
    # misspelt arguments: an error for that test alone, naming the closest real argument
    "null_rate_misspelt": ("ml_monitor.null_rate:\n  arguments: {columns: [x], max_null_rat: 0.1}",
                           ["ml_monitor.null_rate", "'max_null_rat'", "is not an argument", "did you mean 'max_null_rate'"]),
    "psi_misspelt": ("ml_monitor.psi_drift:\n  arguments: {columns: [x], reference_where: \"seg = 'a'\", tresholds: 0.1}",
                     ["ml_monitor.psi_drift", "'tresholds'", "did you mean 'threshold'", "epsilon"]),
    "volume_misspelt": ("ml_monitor.volume:\n  arguments: {timestamp_column: ts, window: {period: day}, min_cont: 1}",
                        ["ml_monitor.volume", "'min_cont'", "did you mean 'min_count'"]),
    # the list of arguments is the test's own signature: windows / fail_on / anomaly included
    "null_rate_windows_misspelt": ("ml_monitor.null_rate:\n  arguments: {columns: [x], windws: 7}",
                                   ["ml_monitor.null_rate", "'windws'", "did you mean 'windows'", "fail_on", "anomaly"]),
    # the tests added later (production failures, estimates) reject a misspelling the same way,
    # instead of a Jinja error at parse time that stops the whole project
    "serving_slo_misspelt": ("ml_monitor.serving_slo:\n  arguments: {latency_column: score, max_p95ms: 100}",
                             ["ml_monitor.serving_slo", "'max_p95ms'", "did you mean 'max_p95_ms'"]),
    "feature_skew_misspelt": ("ml_monitor.feature_skew:\n  arguments: {offline: ref('labels'), entity_key: id, features: [x], n_exmples: 2}",
                              ["ml_monitor.feature_skew", "'n_exmples'", "did you mean 'n_examples'"]),
    "point_in_time_misspelt": ("ml_monitor.point_in_time:\n  arguments: {cutoff_column: ts, feature_time_columns: [ts], max_leakage_rat: 0}",
                               ["ml_monitor.point_in_time", "'max_leakage_rat'", "did you mean 'max_leakage_rate'"]),
    "estimated_performance_misspelt": ("ml_monitor.estimated_performance:\n  arguments: {reference: ref('labels'), score_column: score, metirc: roc_auc}",
                                       ["ml_monitor.estimated_performance", "'metirc'", "did you mean 'metric'"]),
    # performance: its arguments as a user may give them (fail_on_no_data, not the internal series_windows)
    "performance_misspelt": (f"ml_monitor.performance:\n  arguments: {{metric: accuracy, prediction_column: pred, {PERF}, segmnt_by: [seg]}}",
                             ["ml_monitor.performance", "'segmnt_by'", "did you mean 'segment_by'", "fail_on_no_data"]),
    # a time argument naming text or numbers: a compile error, not "operator does not exist: text >= timestamp"
    "volume_text_timestamp": ("ml_monitor.volume:\n  arguments: {timestamp_column: seg, window: {period: day}, min_count: 1}",
                              ["ml_monitor.volume", "'timestamp_column'", "must name a timestamp or date column", "seg is"]),
    "performance_numeric_label_ts": (f"ml_monitor.performance:\n  arguments: {{metric: accuracy, prediction_column: pred, {PERF.replace('label_timestamp_column: label_ts', 'label_timestamp_column: label')}}}",
                                     ["'label_timestamp_column'", "must name a timestamp or date column", "label is"]),
    # point_in_time compares times with its cutoff: a time of another kind is a compile error
    "point_in_time_text_cutoff": ("ml_monitor.point_in_time:\n  arguments: {cutoff_column: seg, feature_time_columns: [ts]}",
                                  ["ml_monitor.point_in_time", "'feature_time_columns'", "same kind as cutoff_column", "seg is", "ts is"]),
    "point_in_time_numeric_feature_time": ("ml_monitor.point_in_time:\n  arguments: {cutoff_column: ts, feature_time_columns: [ts, score]}",
                                           ["'feature_time_columns'", "same kind as cutoff_column", "score is"]),
    "point_in_time_numeric_valid_from": (
        "ml_monitor.point_in_time:\n  arguments: {cutoff_column: ts, feature_history: ref('labels'), entity_key: id, "
        "valid_from: label, valid_to: label_ts, history_features: [id]}",
        ["'valid_from'", "same kind as cutoff_column", "label is"]),
    # text labels against numeric predictions / a numeric positive_label, explained in words
    "performance_text_labels_vs_int_predictions": (
        "ml_monitor.performance:\n  arguments: {metric: precision, prediction_column: pred, labels: ref('text_labels'), "
        "join_key: id, label_column: label, positive_label: 'yes'}",
        ["ml_monitor.performance", "'label_column'", "holds text", "'pred' holds numbers", "same kind"]),
    "performance_text_labels_numeric_positive": (
        "ml_monitor.performance:\n  arguments: {metric: roc_auc, score_column: score, labels: ref('text_labels'), "
        "join_key: id, label_column: label}",
        ["ml_monitor.performance", "'positive_label'", "is numbers", "holds text", "positive_label: 'yes'"]),
}


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lateerrors")
    p = tmp / "proj"
    write_package_project(p, "lateerrors", tmp / "b.duckdb", hooks=0)
    (p / "seeds" / "events.csv").write_text(
        "id,x,ts,seg,pred,score\n1,1.0,2026-01-10 10:00:00,a,1,0.9\n2,,2026-01-10 11:00:00,b,0,0.2\n")
    (p / "seeds" / "labels.csv").write_text("id,label,label_ts\n1,1,2026-01-11 00:00:00\n2,0,2026-01-11 00:00:00\n")
    (p / "seeds" / "text_labels.csv").write_text("id,label\n1,yes\n2,no\n")
    tests = "\n".join(named_data_test(n, y, 6) for n, (y, _) in BAD.items())
    good = named_data_test("null_rate_fine", "ml_monitor.null_rate:\n  arguments: {columns: [x], max_null_rate: 1, segment_by: [SEG]}", 6)
    (p / "seeds" / "schema.yml").write_text("seeds:\n  - name: events\n    data_tests:\n" + tests + "\n" + good + "\n")
    assert run_dbt(["deps"], "duckdb", tmp / "w", project=p).returncode == 0
    run = run_dbt(["build"], "duckdb", tmp / "w", project=p)
    return {r["unique_id"].split(".")[2]: r for r in run.results}, run.output


@pytest.mark.parametrize("name", sorted(BAD))
def test_missing_column_is_a_compile_error_naming_what_exists(bad_run, name):
    results, output = bad_run
    assert name in results, output[-3000:]
    r = results[name]
    assert r["status"] == "error", r
    assert "Compilation Error" in r["message"], r["message"]
    assert "Binder Error" not in r["message"] and "Conversion Error" not in r["message"]
    assert "takes no keyword argument" not in r["message"]
    for word in BAD[name][1]:
        assert word in r["message"], (word, r["message"])
    assert "series_windows" not in r["message"]


def test_good_test_still_runs_and_names_match_without_regard_to_case(bad_run):
    results, output = bad_run
    assert results["null_rate_fine"]["status"] == "pass", output[-3000:]
