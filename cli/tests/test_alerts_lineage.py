"""Lineage in alerts (issue 18): a real `dbt build` (DuckDB) with the history hook, its failing
check's alert delivered to a real HTTP server (webhook JSON, Slack) and SMTP server (email)
names the model version and the relation, reference, package version and hashes the history
recorded for the same rows; a run without the hook alerts as before, with no lineage."""

from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path

import pytest

from ml_monitor.alerts import email as email_channel, slack, webhook
from ml_monitor.alerts.base import DeliveryContext
from ml_monitor.alerts.model import Notification, alert_text, build_alerts

from dbt_project_runner import write_package_project

CTX = DeliveryContext(timeout=5)

# two model versions; v2 (the last 2 of 40 requests) is slow and logs no score: serving_slo and
# feature_skew fail on v2's segment only (their overall rows pass)
SEED = "request_id,model_version,latency_ms,score\n" + "".join(
    f"{i},{'v2' if i > 38 else 'v1'},{900 + i if i > 38 else 50 + i},{'' if i > 38 else 0.5}\n" for i in range(1, 41))
REFERENCE = "request_id,score\n" + "".join(f"{i},0.5\n" for i in range(1, 41))

SCHEMA = """models:
  - name: requests
    data_tests:
      - ml_monitor.serving_slo:
          name: requests_slo
          arguments:
            latency_column: latency_ms
            max_p95_ms: 300
            segment_by: [model_version]
          config:
            meta: {owner: ml-team, model_version_column: model_version}
      - ml_monitor.feature_skew:
          name: requests_score_skew
          arguments:
            offline: ref('reference_scores')
            entity_key: request_id
            features: [score]
            max_mismatch_rate: 0.1
            segment_by: [model_version]
          config:
            meta: {model_version_column: model_version}
"""


def _project(root: Path, hook: bool) -> Path:
    from dbt.cli.main import dbtRunner


    write_package_project(root, "lineage_proj", root / "l.duckdb", hooks=int(hook), extra_project_yaml=(
        "models:\n  lineage_proj:\n    +materialized: table\n"
        "data_tests:\n  lineage_proj:\n    +store_failures: true\n"))
    (root / "seeds" / "raw_requests.csv").write_text(SEED)
    (root / "seeds" / "reference_scores.csv").write_text(REFERENCE)
    (root / "models" / "requests.sql").write_text("select * from {{ ref('raw_requests') }}\n")
    (root / "models" / "schema.yml").write_text(SCHEMA)
    res = dbtRunner().invoke(["deps", "--project-dir", str(root), "--profiles-dir", str(root), "--log-level", "none"])
    assert res.success, res.exception
    return root


def _alerts(root: Path) -> dict:
    from ml_monitor import api
    from ml_monitor.config import default_config

    report = api.run_checks(str(root), profiles_dir=str(root), config=default_config(root))
    assert report.exit_code == 1, report.to_dict()
    return {a.test_name: a for a in build_alerts(report)}


@pytest.fixture(scope="module")
def hooked(tmp_path_factory):
    root = _project(tmp_path_factory.mktemp("lineage_hook"), hook=True)
    return root, _alerts(root)


@pytest.fixture(scope="module")
def alerts(hooked):
    return hooked[1]


def _history_lineage(root: Path, test_name: str) -> list[dict]:
    import duckdb

    con = duckdb.connect(str(root / "l.duckdb"), read_only=True)
    try:
        rows = con.execute("select facts from ml_monitor_observations where test_name = ? and status = 'fail'",
                           [test_name]).fetchall()
    finally:
        con.close()
    return [json.loads(r[0])["lineage"] for r in rows]


def test_alert_names_the_model_version_and_the_recorded_lineage(alerts):
    slo = alerts["requests_slo"]
    assert slo.model_version == "v2"                       # the failing row is v2's segment
    lin = slo.lineage
    assert lin["relation"].endswith(".requests") and lin["references"] == [] and lin["baseline"] is None
    assert lin["package_version"] == "0.1.0" and len(lin["config_hash"]) == 32 and len(lin["sql_hash"]) == 32
    assert lin["model_version_column"] == "model_version" and lin["model_versions"] == ["v2"]
    # each failing observation carries the lineage the history recorded for that same row
    (obs,) = slo.observations
    assert obs["segment_value"] == "v2" and obs["facts"]["lineage"]["model_version"] == "v2"
    skew = alerts["requests_score_skew"]
    assert [r.split(".")[-1] for r in skew.lineage["references"]] == ["reference_scores"]
    assert skew.model_version == "v2" and skew.lineage["sql_hash"] != lin["sql_hash"]


def test_lineage_matches_the_history_rows(hooked):
    """The alert's lineage is the history's (one place computes it: macros/history/lineage.sql)."""
    root, alerts = hooked
    (recorded,) = _history_lineage(root, "requests_slo")
    slo = alerts["requests_slo"]
    assert slo.observations[0]["facts"]["lineage"] == recorded
    for key in ("relation", "references", "baseline", "package_version", "config_hash", "sql_hash"):
        assert slo.lineage[key] == recorded[key]


def test_webhook_slack_and_email_carry_the_lineage(alerts, http_receiver, smtp_receiver):
    slo = alerts["requests_slo"]
    note = Notification("trigger", slo, delivery_id="d-1")
    webhook.send(webhook.Settings(url=http_receiver.url("/hook"), headers={"Authorization": "Bearer s3cr3t-token"}),
                 note, CTX)
    body = http_receiver.at("/hook")[0].json
    assert body["alert"]["model_version"] == "v2"
    assert body["alert"]["lineage"]["sql_hash"] == slo.lineage["sql_hash"]
    assert body["alert"]["observations"][0]["facts"]["lineage"]["relation"] == slo.lineage["relation"]
    assert "s3cr3t-token" not in json.dumps(body)              # the channel's secret is never in a payload

    slack.send(slack.Settings(url=http_receiver.url("/slack")), note, CTX)
    fields = {f["text"].split("\n")[0]: f["text"].split("\n", 1)[1]
              for f in http_receiver.at("/slack")[0].json["blocks"][2]["fields"]}
    assert fields["*Model version*"] == "v2"
    assert fields["*Lineage*"].startswith("relation ") and "ml_monitor 0.1.0" in fields["*Lineage*"]
    assert f"SQL md5 {slo.lineage['sql_hash'][:12]}" in fields["*Lineage*"]

    settings = email_channel.Settings(host=smtp_receiver.host, port=smtp_receiver.port, security="none",
                                      sender="ml-monitor@example.com", to=["oncall@example.com"])
    email_channel.send(settings, note, CTX)
    msg = email.message_from_bytes(smtp_receiver.messages[0][2], policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    assert "model version: v2" in text and f"config md5 {slo.lineage['config_hash'][:12]}" in text
    assert "<th align='left'>Lineage</th>" in msg.get_body(("html",)).get_content()


def test_without_the_history_hook_alerts_have_no_lineage(tmp_path):
    alerts = _alerts(_project(tmp_path / "p", hook=False))
    slo = alerts["requests_slo"]
    assert slo.lineage is None and slo.model_version is None
    assert slo.observations and "lineage" not in (slo.observations[0]["facts"] or {})
    text = alert_text(Notification("trigger", slo))
    assert "  lineage:" not in text and "  model version:" not in text


def test_check_lineage_of_several_rows_and_none():
    from ml_monitor.lineage import check_lineage, lineage_text

    common = {"relation": "db.main.requests", "references": ["db.main.ref"], "baseline": None,
              "package_version": "0.1.0", "config_hash": "a" * 32, "sql_hash": "b" * 32,
              "model_version_column": "model_version"}
    overall = json.dumps({"lineage": {**common, "model_version": None, "model_versions": ["v1", "v2"]}})
    v2 = {"n": 1, "lineage": {**common, "model_version": "v2", "model_versions": None}}
    both = check_lineage([overall, v2])
    assert both["model_version"] is None and both["model_versions"] == ["v1", "v2"]
    assert check_lineage([v2])["model_version"] == "v2"
    assert check_lineage([None, "not json", {"n": 1}]) is None
    assert lineage_text(both) == ("relation db.main.requests · reference db.main.ref · ml_monitor 0.1.0"
                                  " · config md5 aaaaaaaaaaaa · SQL md5 bbbbbbbbbbbb")
