"""Alerts built from a real dbt run: one per failing test, metadata, plain words, stable fingerprints, routes."""

from __future__ import annotations

import pytest

from ml_monitor.alerts.model import (CHECK_FAILED, MONITORING_FAILED, build_alerts, check_fingerprint,
                                     describe_observation, monitoring_fingerprint)
from ml_monitor.alerts.routing import channels_for
from ml_monitor.config import load_config
from ml_monitor.runner import observations_sql


def test_every_test_result_is_collected_with_metadata(failing_run_report):
    checks = {(c.monitor, c.column): c for c in failing_run_report.checks}
    assert set(checks) == {("null_rate", "score"), ("null_rate", "id"), ("not_null", "id"), ("not_null", "label")}
    score = checks[("null_rate", "score")]
    assert score.status == "warn" and score.severity == "warn" and score.package == "ml_monitor"
    assert score.model == "predictions" and score.owner == "ml-team"
    assert score.runbook == "https://runbooks.example/score-nulls" and score.tags == ["ml", "scores"]
    assert score.arguments == {"column_name": "score", "max_null_rate": 0.1, "segment_by": ["segment"]}
    assert score.failures == 3   # overall + segments a and b breach 0.1
    assert checks[("not_null", "label")].status == "fail" and checks[("not_null", "label")].package is None
    assert checks[("null_rate", "id")].status == "pass" and checks[("not_null", "id")].status == "pass"
    assert failing_run_report.invocation_id and failing_run_report.counts() == {
        "checks": 4, "passed": 2, "warned": 1, "failed": 1, "errored": 0, "skipped": 0, "node_errors": 0}


def test_failing_observations_are_read_back(failing_run_report):
    (score,) = [c for c in failing_run_report.checks if c.column == "score" and c.monitor == "null_rate"]
    rows = [(o["segment_column"], o["segment_value"], o["value"], o["sample_size"], o["status"])
            for o in score.observations]
    # overall first, then segments; nulls: overall 2/5, a 1/2, b 1/3
    assert rows == [(None, None, pytest.approx(0.4), 5, "fail"), ("segment", "a", pytest.approx(0.5), 2, "fail"),
                    ("segment", "b", pytest.approx(1 / 3), 3, "fail")]
    assert score.observations[0]["detail"] == "2 of 5 rows null (40.0%), above max_null_rate 0.1"


def test_one_alert_per_failing_test(failing_run_report):
    alerts = {a.column: a for a in build_alerts(failing_run_report)}
    assert set(alerts) == {"score", "label"}
    score, label = alerts["score"], alerts["label"]
    assert score.kind == CHECK_FAILED and score.severity == "warn" and label.severity == "error"
    assert score.title == "null_rate failed on predictions.score overall and in 2 segments"
    assert score.summary.splitlines() == [
        "null_rate of score overall is 0.4 (threshold 0.1), 5 rows: 2 of 5 rows null (40.0%), above max_null_rate 0.1",
        "null_rate of score in segment segment = a is 0.5 (threshold 0.1), 2 rows: 1 of 2 rows null (50.0%), "
        "above max_null_rate 0.1",
        "null_rate of score in segment segment = b is 0.3333 (threshold 0.1), 3 rows: 1 of 3 rows null (33.33%), "
        "above max_null_rate 0.1"]
    assert label.title == "not_null failed on predictions.label"
    assert label.summary == "1 row of predictions.label violates not_null" and label.observations == []
    assert label.owner == "data-eng" and label.runbook == "https://runbooks.example/labels"


def test_fingerprint_is_stable_across_runs(failing_run_report, healthy_run_report):
    first = {c.unique_id for c in failing_run_report.checks}
    second = {c.unique_id for c in healthy_run_report.checks}
    assert first == second
    fps = {a.fingerprint for a in build_alerts(failing_run_report)}
    assert fps == {check_fingerprint(u) for u in first if "score" in u or "label" in u}
    assert check_fingerprint("test.p.x") == check_fingerprint("test.p.x") != check_fingerprint("test.p.y")
    assert len(check_fingerprint("test.p.x")) == 20
    assert monitoring_fingerprint("p", None) == monitoring_fingerprint("p", "default") != monitoring_fingerprint("p", "prod")


def test_no_data_and_window_are_described():
    obs = {"metric": "psi", "column_name": "age", "segment_column": "country", "segment_value": "FR",
           "value": None, "threshold": 0.2, "sample_size": 0, "status": "no_data",
           "window_start": "2026-01-30T00:00:00", "window_end": "2026-01-31T00:00:00", "detail": "empty window"}
    assert describe_observation(obs) == ("psi of age in segment country = FR: no data, window 2026-01-30 00:00 UTC "
                                         "to 2026-01-31 00:00 UTC, 0 rows: empty window")


def test_observation_query_is_adapter_agnostic():
    from ml_monitor.runner import CheckResult

    c = CheckResult("test.p.t", "t", "fail", "error", "null_rate", "ml_monitor", "m", "c",
                    relation_name='"db"."audit"."t"')
    sql = observations_sql([c, c], 5)
    # per check: the rows, and the count of their distinct segments (a scalar subquery)
    assert sql.count('from "db"."audit"."t" where status in (\'fail\', \'no_data\')') == 4
    assert sql.count("as ml_monitor_segments") == 2
    assert "row_number() over" in sql and "ml_monitor_rank <= 5" in sql and "limit" not in sql


def test_routes_by_severity_tag_owner_and_kind(tmp_path, failing_run_report):
    (tmp_path / "ml_monitor.yml").write_text("""
channels:
  console: {type: stdout}
  pager: {type: pagerduty, routing_key: abcd}
  ml: {type: slack, url: "http://127.0.0.1:9/x"}
  ops: {type: webhook, url: "http://127.0.0.1:9/y"}
routes:
  - channels: [console]
  - severity: error
    channels: [pager]
  - tags: [scores]
    owner: [ml-team]
    channels: [ml]
  - owner: nobody
    channels: [ops]
  - kind: monitoring_failed
    channels: [ops, pager]
""")
    cfg = load_config(tmp_path)
    alerts = {a.column: a for a in build_alerts(failing_run_report)}
    assert channels_for(alerts["score"], cfg) == ["console", "ml"]
    assert channels_for(alerts["label"], cfg) == ["console", "pager"]
    from ml_monitor.alerts.model import Alert

    broken = Alert("f", MONITORING_FAILED, "error", "monitoring failed", "x", tags=["monitoring_failed"])
    assert channels_for(broken, cfg) == ["console", "pager", "ops"]
    cfg.routes = []
    assert channels_for(alerts["score"], cfg) == ["console", "pager", "ml", "ops"]


def _check(monitor, column=None, observations=(), package="ml_monitor", failures=None):
    from ml_monitor.runner import CheckResult
    return CheckResult(unique_id=f"test.p.{monitor}", name=monitor, status="fail", severity="error", monitor=monitor,
                       package=package, model="predictions", column=column, observations=list(observations),
                       failures=failures)


def _obs(metric, column=None, segment=None, status="fail"):
    seg_col, seg_value = segment or (None, None)
    return {"metric": metric, "column_name": column, "segment_column": seg_col, "segment_value": seg_value,
            "status": status, "value": 0.5, "threshold": 0.7}


def test_titles_tell_two_tests_of_one_monitor_apart(failing_run_report):
    """What a phone shows: two performance tests, a threshold and an anomaly null_rate, two drift
    tests on one model must not have the same title."""
    from ml_monitor.alerts.model import alert_for_check

    def title(check):
        return alert_for_check(check, failing_run_report).title

    apac = ("region", "apac")
    assert title(_check("performance", observations=[_obs("accuracy", segment=apac)])) == \
        "performance failed on predictions: accuracy in region = apac"
    assert title(_check("performance", observations=[_obs("roc_auc", segment=apac), _obs("roc_auc", segment=apac)])) == \
        "performance failed on predictions: roc_auc in region = apac"
    assert title(_check("null_rate", "income", [_obs("null_rate", "income")])) == "null_rate failed on predictions.income"
    assert title(_check("null_rate", "income", [_obs("null_rate_anomaly", "income")])) == \
        "null_rate failed on predictions.income: null_rate_anomaly"
    assert title(_check("psi_drift", observations=[_obs("psi", c) for c in ("age", "days", "device")])) == \
        "psi_drift failed on predictions: psi of age, psi of days and 1 more"
    assert title(_check("performance", observations=[_obs("roc_auc"), _obs("roc_auc", segment=apac),
                                                     _obs("roc_auc", segment=("region", "emea"))])) == \
        "performance failed on predictions: roc_auc overall and in 2 segments"
    # counts in words: thousands separated, singular at 1
    assert alert_for_check(_check("not_null", "income", package=None, failures=1110),
                           failing_run_report).summary == "1,110 rows of predictions.income violate not_null"


def test_anomaly_rows_read_as_a_score_against_a_sensitivity():
    from ml_monitor.alerts.model import describe_observation

    row = {"metric": "null_rate_anomaly", "column_name": "income", "value": 92.86, "threshold": 5,
           "baseline_value": 0.01096, "status": "fail"}
    assert describe_observation(row) == \
        "null_rate_anomaly of income overall is 92.86 (anomaly score, sensitivity 5, baseline 0.01096)"
    assert describe_observation({**row, "metric": "null_rate"}) == \
        "null_rate of income overall is 92.86 (threshold 5, baseline 0.01096)"


def test_monitoring_failed_says_each_cause_once_and_what_was_skipped(failing_run_report):
    import dataclasses

    from ml_monitor.alerts.model import Notification, alert_facts, monitoring_failed_alert

    errors = [{"resource_type": "model", "name": f"m{i}", "message": "Catalog Error: schema raw does not exist"}
              for i in range(7)] + [{"resource_type": "test", "name": "t", "message": "division by zero"}]
    checks = [dataclasses.replace(c, status="skipped") if c.column == "score" else c for c in failing_run_report.checks]
    report = dataclasses.replace(failing_run_report, node_errors=errors, checks=checks)
    alert = monitoring_failed_alert(report)
    assert alert.summary.splitlines() == [
        "7 nodes (model m0, model m1, model m2, ...) errored: Catalog Error: schema raw does not exist",
        "test t errored: division by zero",
        "1 check skipped, not evaluated: " + next(c.name for c in checks if c.status == "skipped")]
    assert alert_facts(Notification("resolve", alert)).body.startswith("dbt completes again")


def test_argument_errors_lose_dbts_jinja_call_stack_other_errors_keep_it():
    """An ml_monitor argument error names test, argument and what exists; dbt appends the Jinja
    call stack of our internal macros (`> in macro _arg_error …`), noise in a 3 a.m. alert. It is
    dropped there; another error (which may point into the user's own macro) keeps it."""
    from ml_monitor.runner import _clean

    ours = ("\x1b[31mCompilation Error in test broken (models/schema.yml)\x1b[0m\n"
            "  ml_monitor.null_rate on \"db\".\"main\".\"events\": argument 'columns' names column(s) nope that do not exist\n"
            "  \n  > in macro _arg_error (macros/core/args.sql)\n  > called by test broken (models/schema.yml)\n")
    assert _clean(ours) == ("Compilation Error in test broken (models/schema.yml)\n"
                            "  ml_monitor.null_rate on \"db\".\"main\".\"events\": argument 'columns' names column(s) nope that do not exist")
    theirs = "Compilation Error in model m\n  'foo' is undefined\n  \n  > in macro my_macro (macros/mine.sql)"
    assert "> in macro my_macro" in _clean(theirs)
    assert _clean(None) is None and _clean("  ") is None


def test_a_source_and_a_model_of_the_same_name_stay_apart():
    """Tests on source('raw', 'labels') and on the model labels were all `labels` in alerts, the
    history and the report: a source's table is named `<source>.<table>`."""
    from types import SimpleNamespace as NS

    from ml_monitor.runner import _model_name

    on_source = NS(attached_node=None, depends_on=NS(nodes=["source.shop.raw.labels"]))
    on_model = NS(attached_node="model.shop.labels", depends_on=NS(nodes=["model.shop.labels"]))
    singular = NS(attached_node=None, depends_on=NS(nodes=["model.shop.labels", "model.shop.other"]))
    assert (_model_name(on_source), _model_name(on_model), _model_name(singular)) == ("raw.labels", "labels", "labels")
    assert _model_name(NS(attached_node=None, depends_on=NS(nodes=[]))) is None


def test_title_counts_every_failing_segment_not_only_those_read_back(dbt_fixture_project, failing_run_report):
    """With `failing_rows: 2` only the overall row and segment a are read back; segment b failed
    too, so the title must not say "in segment = a" (an on-call reading it thinks b is fine)."""
    import dataclasses

    from ml_monitor import api
    from ml_monitor.alerts.model import alert_for_check
    from ml_monitor.config import default_config

    config = default_config(dbt_fixture_project)
    config = dataclasses.replace(config, dbt=dataclasses.replace(config.dbt, failing_rows=2))
    report = api.run_checks(str(dbt_fixture_project), profiles_dir=str(dbt_fixture_project), config=config)
    (score,) = [c for c in report.checks if c.column == "score" and c.monitor == "null_rate"]
    assert [(o["segment_column"], o["segment_value"]) for o in score.observations] == [(None, None), ("segment", "a")]
    assert score.failing_observations == 3 and score.failing_segments == 2
    alert = alert_for_check(score, report)
    assert alert.title == "null_rate failed on predictions.score overall and in 2 segments"
    assert alert.summary.splitlines()[-1] == "... and 1 more failing observation(s)"


def test_title_with_a_failing_segment_beyond_the_rows_read_back():
    from ml_monitor.alerts.model import what_failed

    only_overall = _check("null_rate", "income", [_obs("null_rate", "income")])
    only_overall.failing_segments = 1
    assert what_failed(only_overall, only_overall.observations) == " overall and in 1 segment"
    seg = _check("null_rate", "income", [_obs("null_rate", "income", ("region", "eu"))])
    seg.failing_segments = 1
    assert what_failed(seg, seg.observations) == " in region = eu"
