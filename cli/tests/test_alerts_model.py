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
    assert score.title == "null_rate failed on predictions.score"
    assert score.summary.splitlines() == [
        "null_rate of score overall is 0.4 (threshold 0.1), 5 rows: 2 of 5 rows null (40.0%), above max_null_rate 0.1",
        "null_rate of score in segment segment = a is 0.5 (threshold 0.1), 2 rows: 1 of 2 rows null (50.0%), "
        "above max_null_rate 0.1",
        "null_rate of score in segment segment = b is 0.3333 (threshold 0.1), 3 rows: 1 of 3 rows null (33.33%), "
        "above max_null_rate 0.1"]
    assert label.title == "not_null failed on predictions.label"
    assert label.summary == "1 row(s) of predictions.label violate not_null" and label.observations == []
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
    assert sql.count('from "db"."audit"."t" where status in (\'fail\', \'no_data\')') == 2
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
