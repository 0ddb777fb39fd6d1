"""Retraining triggers without dbt: the rule language (config errors), the evaluation over observation
rows, and the fire / hold / resolve lifecycle in the state file. The end-to-end run is in
test_triggers_e2e.py."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ml_monitor.alerts.model import Notification, alert_text
from ml_monitor.cli import main
from ml_monitor.config import ConfigError, load_config
from ml_monitor.outbox import Outbox
from ml_monitor.runner import RunReport
from ml_monitor.triggers.lifecycle import TriggerLifecycle, TriggerState, trigger_alert
from ml_monitor.triggers.rules import Trigger, When, evaluate, parse_trigger

D1, D2, D3 = "2026-01-07T00:00:00", "2026-01-08T00:00:00", "2026-01-09T00:00:00"
D4 = "2026-01-10T00:00:00"


def obs(test, column, status, start, end, metric="psi", value=0.3, segment=None, monitor="psi_drift",
        threshold=0.2, baseline=None):
    seg_col, seg_val = (segment.split("=") if segment else (None, None))
    return {"test_unique_id": f"test.p.{test}", "test_name": test, "monitor": monitor, "column_name": column,
            "segment_column": seg_col, "segment_value": seg_val, "metric": metric, "value": value,
            "threshold": threshold, "baseline_value": baseline, "sample_size": 100, "window_start": start,
            "window_end": end, "status": status, "detail": None}


def rule(name="t", **when):
    return Trigger(name=name, when=When(**when))


def psi_windows(failing_per_window):
    """Five feature columns' PSI in three daily windows; `failing_per_window[i]` of them fail in window i
    (oldest first)."""
    rows = []
    for (start, end), failing in zip(((D1, D2), (D2, D3), (D3, D4)), failing_per_window):
        for i, col in enumerate(["f1", "f2", "f3", "f4", "f5"]):
            rows.append(obs("psi_features", col, "fail" if i < failing else "pass", start, end))
    return rows


# ------------------------------------------------------------------------- count rules

@pytest.mark.parametrize("failing, holds", [
    ((0, 3, 3), True),      # 3 failing in each of the latest 2 windows
    ((3, 3, 2), False),     # the newest window has only 2
    ((3, 2, 4), False),     # not consecutive: the window before the newest has 2
    ((0, 5, 4), True),
    ((0, 0, 0), False),
])
def test_count_rule_min_count_in_consecutive_windows(failing, holds):
    t = rule(monitor=["psi_drift"], metric=["psi"], status=["fail"], min_count=3, consecutive_windows=2)
    ev = evaluate(t, psi_windows(failing))
    assert ev.holds is holds, ev.reason
    # the evidence: the latest two windows, newest first, with their counts
    assert [(w["window_start"], w["matching_series"]) for w in ev.windows] == [(D3, failing[2]), (D2, failing[1])]
    if holds:
        assert ev.observation_count == failing[1] + failing[2]
        assert {(o["column_name"], o["window_start"]) for o in ev.observations} == \
            {(f"f{i + 1}", D3) for i in range(failing[2])} | {(f"f{i + 1}", D2) for i in range(failing[1])}
        assert all(o["status"] == "fail" for o in ev.observations)
    else:
        assert ev.observations == [] and ev.observation_count == 0


def test_too_few_windows_never_holds():
    rows = [r for r in psi_windows((5, 5, 5)) if r["window_start"] == D3]
    ev = evaluate(rule(min_count=1, consecutive_windows=2), rows)
    assert not ev.holds and ev.reason.startswith("only 1 window(s) evaluated, 2 needed")


def test_series_count_distinct_and_status_list():
    rows = [obs("perf", "score", "fail", D3, D4, metric="roc_auc", monitor="performance"),
            obs("perf", "score", "no_data", D3, D4, metric="roc_auc", monitor="performance", segment="region=EU"),
            obs("perf", "score", "pass", D3, D4, metric="roc_auc", monitor="performance", segment="region=US")]
    assert not evaluate(rule(metric=["roc_auc"], min_count=2), rows).holds
    assert evaluate(rule(metric=["roc_auc"], status=["fail", "no_data"], min_count=2), rows).holds


@pytest.mark.parametrize("segment, expected", [
    ("any", {None, "EU", "US"}), ("overall", {None}), ("region", {"EU", "US"}), ("region=EU", {"EU"}),
    ("country", set()),
])
def test_segment_selector(segment, expected):
    rows = [obs("perf", "score", "fail", D3, D4, metric="roc_auc", segment=s)
            for s in (None, "region=EU", "region=US")]
    ev = evaluate(rule(segment=segment), rows)
    assert ev.holds is bool(expected)
    assert {o["segment_value"] for o in ev.observations} == expected


def test_roc_auc_of_any_segment_failing_selects_by_test_metric_and_tag():
    rows = [obs("perf", "score", "pass", D3, D4, metric="roc_auc", monitor="performance"),
            obs("perf", "score", "fail", D3, D4, metric="roc_auc", monitor="performance", segment="region=EU"),
            obs("perf", "score", "fail", D3, D4, metric="accuracy", monitor="performance"),
            obs("other", "score", "fail", D3, D4, metric="roc_auc", monitor="performance")]
    for r in rows:
        r["tags"] = ["critical"] if r["test_name"] == "perf" else []
    ev = evaluate(rule(test=["perf"], metric=["roc_auc"]), rows)
    assert ev.holds and [(o["test_name"], o["segment_value"]) for o in ev.observations] == [("perf", "EU")]
    assert evaluate(rule(tag=["critical"], metric=["roc_auc"]), rows).observation_count == 1
    assert evaluate(rule(tag=["nope"], metric=["roc_auc"]), rows).reason == \
        "no observation matches the rule's selectors"
    assert evaluate(rule(column=["other_col"]), rows).holds is False


def test_unwindowed_rows_are_one_window():
    rows = [obs("n", "x", "fail", None, None, metric="null_rate", monitor="null_rate")]
    assert evaluate(rule(), rows).holds
    assert not evaluate(rule(consecutive_windows=2), rows).holds


# --------------------------------------------------------------------- promotion gate

def gate_rows(champion, challenger, metric="roc_auc", windows=((D2, D3), (D3, D4)), segment=None):
    rows = []
    for (start, end), a, b in zip(windows, champion, challenger):
        rows.append(obs("cc", "score", "pass", start, end, metric=metric, value=a, monitor="performance",
                        segment=segment))
        rows.append(obs("cc", "score_v2", "pass", start, end, metric=metric, value=b, monitor="performance",
                        segment=segment, baseline=a))
    return rows


GATE = dict(metric=["roc_auc"], champion="score", challenger="score_v2", min_improvement=0.01)


@pytest.mark.parametrize("champion, challenger, windows, holds", [
    ((0.80, 0.80), (0.82, 0.815), 2, True),
    ((0.80, 0.80), (0.82, 0.805), 2, False),     # the newest window improves by 0.005 < 0.01
    ((0.80, 0.80), (0.805, 0.82), 1, True),      # only the newest counts with consecutive_windows 1
    ((0.80, 0.80), (0.805, 0.82), 2, False),
    ((0.80, 0.80), (0.79, 0.79), 1, False),      # worse
])
def test_promotion_gate(champion, challenger, windows, holds):
    ev = evaluate(rule(consecutive_windows=windows, **GATE), gate_rows(champion, challenger))
    assert ev.holds is holds, ev.reason
    newest = [p for p in ev.pairs if p["window_start"] == D3][0]
    assert newest["improvement"] == pytest.approx(challenger[1] - champion[1], abs=1e-12)
    assert newest["champion"] == champion[1] and newest["challenger"] == challenger[1]


def test_gate_boundary_and_lower_is_better():
    # exactly the margin holds (>=); with min_improvement 0, equal values do not (strictly better)
    assert evaluate(rule(**{**GATE, "min_improvement": 0.25}), gate_rows((0.5, 0.5), (0.75, 0.75))).holds
    assert not evaluate(rule(**{**GATE, "min_improvement": 0.0}), gate_rows((0.5, 0.5), (0.5, 0.5))).holds
    # log_loss: lower is better, by the metric's name; higher_is_better overrides it
    ll = gate_rows((0.40, 0.40), (0.30, 0.30), metric="log_loss")
    assert evaluate(rule(**{**GATE, "metric": ["log_loss"]}), ll).holds
    assert not evaluate(rule(**{**GATE, "metric": ["log_loss"], "higher_is_better": True}), ll).holds


def test_gate_needs_every_selected_segment_and_defined_values():
    rows = gate_rows((0.8, 0.8), (0.9, 0.9)) + gate_rows((0.8, 0.8), (0.7, 0.7), segment="region=EU")
    assert evaluate(rule(**GATE), rows).holds                      # default segment: overall
    assert not evaluate(rule(segment="any", **GATE), rows).holds   # EU is worse
    nulls = gate_rows((0.8, 0.8), (0.9, None))
    nulls[-1]["detail"] = "one class only"
    ev = evaluate(rule(**GATE), nulls)
    assert not ev.holds and "one class only" in ev.windows[0]["summary"]
    only_champion = [r for r in gate_rows((0.8, 0.8), (0.9, 0.9)) if r["column_name"] == "score"]
    assert not evaluate(rule(**GATE), only_champion).holds


# ------------------------------------------------------------------------ configuration

CHANNELS = """
channels:
  console: {type: stdout}
  retrain: {type: command, command: ["true"]}
"""


def _load(tmp_path, triggers: str):
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    (tmp_path / "ml_monitor.yml").write_text(CHANNELS + "triggers:\n" + triggers)
    return load_config(tmp_path)


def test_config_reads_triggers(tmp_path):
    config = _load(tmp_path, """
  feature_drift:
    description: three features drifting for two days
    when: {monitor: psi_drift, metric: psi, min_count: 3, consecutive_windows: 2}
    channels: [retrain]
  promote_v2:
    when: {test: churn_challenger_auc, metric: roc_auc, champion: score, challenger: score_v2,
           min_improvement: 0.01}
""")
    drift, gate = config.triggers
    assert drift.name == "feature_drift" and drift.channels == ["retrain"] and drift.when.min_count == 3
    assert drift.when.status == ["fail"] and drift.when.segment_rule == "any" and drift.severity == "warn"
    assert gate.when.is_gate and gate.channels is None and gate.when.segment_rule == "overall"


@pytest.mark.parametrize("text, key, message", [
    ("  t: {when: {metric: psi}, channels: [nope]}", "triggers.t.channels", "unknown channel 'nope'"),
    ("  t: {when: {metrics: psi}}", "triggers.t.when.metrics", "unknown key 'metrics'"),
    ("  t: {channels: [retrain]}", "triggers.t.when", "required key 'when'"),
    ("  t: {when: {status: failed}}", "triggers.t.when.status", "unknown status 'failed'"),
    ("  t: {when: {min_count: 0}}", "triggers.t.when.min_count", "must be 1 or more"),
    ("  t: {when: {consecutive_windows: 0}}", "triggers.t.when.consecutive_windows", "must be 1 or more"),
    ("  t: {when: {challenger: v2, metric: auc}}", "triggers.t.when", "needs both"),
    ("  t: {when: {champion: a, challenger: b}}", "triggers.t.when.metric", "exactly one metric"),
    ("  t: {when: {champion: a, challenger: b, metric: auc, min_count: 2}}", "triggers.t.when.min_count",
     "count rules"),
    ("  t: {when: {metric: auc, min_improvement: 0.1}}", "triggers.t.when.min_improvement", "promotion gate"),
    ("  t: {when: {champion: a, challenger: b, metric: auc, min_improvement: -1}}",
     "triggers.t.when.min_improvement", ">= 0"),
    ("  t: {when: {}, severity: page}", "triggers.t.severity", "unknown severity"),
    ("  t: {when: {}, name: x}", "triggers.t.name", "unknown key 'name'"),
    ("  - when: {}", "triggers", "expected a mapping"),
    # a typo'd monitor would select no test: the trigger never evaluated, never fired
    ("  t: {when: {monitor: psi_drfit}}", "triggers.t.when.monitor", "unknown monitor 'psi_drfit' (did you mean: psi_drift"),
    ("  t: {when: {monitor: drift}}", "triggers.t.when.monitor", "unknown monitor 'drift' ("),
    ("  t: {when: {segment: '=eu'}}", "triggers.t.when.segment", "<column>=<value>, got '=eu'"),
    ("  t: {when: {champion: v7, challenger: v7, metric: roc_auc}}", "triggers.t.when.challenger",
     "compare a model with itself"),
])
def test_config_errors_name_the_key(tmp_path, text, key, message):
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, text + "\n")
    assert err.value.key == key and message in str(err.value)


def test_unknown_channel_is_exit_2(tmp_path):
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    (tmp_path / "ml_monitor.yml").write_text(CHANNELS + "triggers:\n  t: {when: {}, channels: [gone]}\n")
    result = CliRunner().invoke(main, ["triggers", "list", "--project-dir", str(tmp_path)])
    assert result.exit_code == 2 and "trigger to unknown channel 'gone'" in result.output


# ---------------------------------------------------------------------------- lifecycle

def _report():
    return RunReport(command="build", project_dir="/p", project="proj", target=None,
                     started_at="2026-01-10T00:00:00+00:00", invocation_id="inv-1")


def test_fire_hold_resolve_refire(tmp_path):
    t = rule(name="feature_drift", monitor=["psi_drift"], min_count=3, consecutive_windows=2)
    t.description = "three features drifting"
    report = _report()

    def step(failing, now):
        ev = evaluate(t, psi_windows(failing))
        with Outbox(tmp_path / "state.sqlite") as box:
            out = TriggerState(box).record([(t, ev, trigger_alert(t, ev, report))], {"feature_drift": ["retrain"]},
                                           {"retrain"}, TriggerLifecycle(), now=now)
            deliveries = box.deliveries()
            rows = TriggerState(box).rows()
        return out, deliveries, rows

    out, deliveries, rows = step((0, 1, 1), 100.0)
    assert out.clear == ["feature_drift"] and deliveries == [] and rows[0]["state"] == "clear"
    out, deliveries, rows = step((0, 3, 4), 200.0)
    assert [a.title for a in out.fired] == ["trigger feature_drift fired: three features drifting"]
    (d,) = deliveries
    assert d["event"] == "trigger" and d["channel"] == "retrain"
    assert rows[0]["state"] == "firing" and rows[0]["fired_count"] == 1
    evidence = rows[0]["event"]["evidence"]
    assert evidence["trigger"] == "feature_drift" and evidence["observation_count"] == 7
    assert [w["window_start"] for w in evidence["windows"]] == [D3, D2]
    out, deliveries, rows = step((0, 4, 5), 300.0)        # still holds: no second notification
    assert out.held == ["feature_drift"] and out.fired == [] and len(deliveries) == 1
    assert rows[0]["state"] == "firing" and rows[0]["fired_count"] == 1
    out, deliveries, rows = step((0, 4, 2), 400.0)        # clears: one resolve to the same channel
    assert [a.fingerprint for a in out.resolved] == [rows[0]["fingerprint"]]
    assert [(x["event"], x["channel"]) for x in deliveries] == [("trigger", "retrain"), ("resolve", "retrain")]
    assert rows[0]["state"] == "clear" and rows[0]["resolved_at"] is not None
    resolved = out.resolved[0]
    with Outbox(tmp_path / "state.sqlite") as box:
        (raw,) = box.db.execute("select notification from deliveries where event = 'resolve'").fetchall()
    text = alert_text(Notification.from_dict(json.loads(raw[0])))
    assert text.startswith("[OK] RESOLVED: trigger feature_drift fired") and "no longer holds: not at least 3" in text
    assert "Fired 1970-01-01 00:03:20 UTC, resolved 1970-01-01 00:06:40 UTC." in text and "was: WARN" in text
    out, deliveries, rows = step((0, 3, 3), 500.0)        # holds again: a new firing
    assert len(out.fired) == 1 and rows[0]["fired_count"] == 2 and len(deliveries) == 3


def test_event_text_and_payload_carry_the_evidence():
    t = rule(name="auc_segments", metric=["roc_auc"])
    rows = [obs("perf", "score", "fail", D3, D4, metric="roc_auc", value=0.61, threshold=0.7, segment="region=EU")]
    ev = evaluate(t, rows)
    alert = trigger_alert(t, ev, _report())
    text = alert_text(Notification("trigger", alert))
    assert "at least 1 series with status fail in the latest window" in text
    assert "window 2026-01-09 00:00 UTC to 2026-01-10 00:00 UTC: 1 series" in text
    assert "roc_auc of score in segment region = EU is 0.61 (threshold 0.7)" in text
    payload = json.loads(json.dumps(Notification("trigger", alert).to_dict()))
    assert payload["alert"]["kind"] == "trigger"
    assert payload["alert"]["evidence"]["observations"][0]["value"] == 0.61


def test_windows_are_grouped_by_their_end():
    # a 1-day PSI window and a 7-day KS window ending at the same as_of are one evaluation point
    rows = [obs("psi", "f1", "fail", D3, D4), obs("ks", "f2", "fail", "2026-01-03T00:00:00", D4, metric="ks"),
            obs("psi", "f1", "pass", D2, D3)]
    ev = evaluate(rule(min_count=2), rows)
    assert ev.holds and ev.windows[0]["window_end"] == D4 and ev.windows[0]["window_start"] == "2026-01-03T00:00:00"
    assert not evaluate(rule(min_count=2, consecutive_windows=2), rows).holds


# ------------------------------------------------------------------------------- the docs

def test_the_docs_example_loads_and_names_the_demos_tests(tmp_path):
    """docs/triggers.md's runnable ml_monitor.yml reads without error and its tests exist in the demo."""
    import re
    from pathlib import Path

    import yaml

    repo = Path(__file__).resolve().parents[2]
    page = (repo / "docs" / "triggers.md").read_text(encoding="utf-8")
    example = re.search(r"cat > ml_monitor.yml <<'EOF'\n(.*?)\nEOF\n", page, re.S).group(1)
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    (tmp_path / "ml_monitor.yml").write_text(example)
    config = load_config(tmp_path)
    assert [t.name for t in config.triggers] == ["feature_drift", "feature_drift_two_days", "auc_of_any_segment"]
    demo = yaml.safe_load((repo / "cli/ml_monitor/demo/project/models/churn_model.yml").read_text())
    names = set(re.findall(r"'name': '([^']+)'", repr(demo)))
    for t in config.triggers:
        assert set(t.when.test) <= names, t.when.test
    cli = (repo / "docs" / "cli.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# ml_monitor.yml, beside dbt_project.yml.*?)```", cli, re.S).group(1)
    data = yaml.safe_load(block)
    assert data["triggers"]["feature_drift"]["when"]["consecutive_windows"] == 2


def test_gate_over_the_rows_performance_writes_for_challenger_columns():
    """The integration project's expected rows of a challenger_columns case (the shape `performance`
    writes: champion and challenger rows told apart by column_name) drive the gate."""
    import csv
    from pathlib import Path

    seed = Path(__file__).resolve().parents[2] / "integration_tests/seeds/expected/expected_performance.csv"
    rows = []
    for r in csv.DictReader(seed.open()):
        if r["case_name"] != "challenger_columns":
            continue
        rows.append({**{k: (v or None) for k, v in r.items()}, "test_name": "challenger_columns",
                     "value": float(r["value"]) if r["value"] else None})
    accuracy = dict(metric=["accuracy"], champion="predicted_label", challenger="predicted_label_v2")
    overall = [r for r in rows if r["metric"] == "accuracy" and r["segment_column"] is None]
    gain = float(overall[1]["value"]) - float(overall[0]["value"])       # 0.6410 - 0.6368
    assert evaluate(rule(min_improvement=gain - 1e-9, **accuracy), rows).holds
    assert not evaluate(rule(min_improvement=gain + 1e-9, **accuracy), rows).holds
    assert not evaluate(rule(segment="any", **accuracy), rows).holds          # apac: 0.463 < 0.5
    assert not evaluate(rule(metric=["roc_auc"], champion="score", challenger="score_v2"), rows).holds


# ------------------------------------------------------------- which triggers a run evaluates

def _check(name, status="fail", tags=()):
    from ml_monitor.runner import CheckResult

    return CheckResult(unique_id=f"test.p.{name}", name=name, status=status, severity="error", monitor="psi_drift",
                       package="ml_monitor", model="m", column=None, tags=list(tags))


def test_not_evaluated_when_the_tests_did_not_run_or_errored_and_store_errors_are_exit_2(tmp_path, monkeypatch):
    from ml_monitor import api
    from ml_monitor.outbox import Lifecycle
    from ml_monitor.delivery import DeliveryReport
    from ml_monitor.triggers import store

    config = _load(tmp_path, """
  a: {when: {test: psi_a}, channels: [console]}
  b: {when: {test: psi_b}, channels: [console]}
  c: {when: {tag: drift}, channels: [console]}
""")
    report = _report()
    report.checks = [_check("psi_a"), _check("psi_b", status="error")]
    asked = []

    def fake_store(project_dir, ids, *args):
        asked.append(sorted(ids))
        return [{**obs("psi_a", "f1", "fail", D3, D4), "test_unique_id": "test.p.psi_a"}]

    monkeypatch.setattr(api, "read_store", fake_store)
    out, results = api.evaluate_triggers(report, config)
    assert asked == [["test.p.psi_a"]]                       # one read, only the tests that ran
    assert [(t.name, ev.holds) for t, ev, _ in results] == [("a", True)]
    assert out.not_evaluated == {"b": "test(s) psi_b did not complete (error)",
                                 "c": "none of its tests ran in this run"}

    report.error = "could not connect"
    out, results = api.evaluate_triggers(report, config)
    assert results == [] and set(out.not_evaluated) == {"a", "b", "c"}

    report.error = None

    def broken(*args):
        raise store.StoreError("the history table ml_monitor_observations does not exist")

    monkeypatch.setattr(api, "read_store", broken)
    lifecycle = api.run_triggers(report, config)
    assert lifecycle.error.startswith("the history table") and "a" in lifecycle.not_evaluated
    outcome = api.RunOutcome(report, Lifecycle(), DeliveryReport(), lifecycle)
    assert report.exit_code == 1 and outcome.exit_code == 2
    assert outcome.to_dict(config)["exit_code"] == 2 and "could not be evaluated" in outcome.summary()


def test_count_columns_counts_a_feature_once_whatever_its_tests():
    """"Three or more features drift": a feature failing psi, ks and js is one feature, not three."""
    rows = [obs(test, "days", "fail", D3, D4, metric=m, monitor=mon)
            for test, m, mon in (("p", "psi", "psi_drift"), ("k", "ks", "ks_drift"), ("j", "js_distance", "js_drift"))]
    rows.append(obs("p", "device", "fail", D3, D4, metric="psi", monitor="psi_drift"))
    by_series = evaluate(rule(status=["fail"], min_count=3), rows)
    assert by_series.holds and by_series.windows[0]["matching_series"] == 4
    by_column = evaluate(rule(status=["fail"], min_count=3, count="columns"), rows)
    assert not by_column.holds
    assert by_column.reason == "not at least 3 columns with status fail in the latest window (found 2)"
    assert by_column.windows[0]["summary"] == "2 columns with status fail (needs 3)"
    two = evaluate(rule(status=["fail"], min_count=2, count="columns"), rows)
    assert two.holds and two.reason == "at least 2 columns with status fail in the latest window"
    assert two.observation_count == 4                   # the evidence keeps every failing series


def test_count_must_be_series_or_columns(tmp_path):
    with pytest.raises(ConfigError) as err:
        parse_trigger("t", {"when": {"count": "features"}}, tmp_path / "ml_monitor.yml", [])
    assert err.value.key == "triggers.t.when.count" and "expected series or columns" in str(err.value)
    with pytest.raises(ConfigError) as err:
        parse_trigger("t", {"when": {"count": "columns", "champion": "a", "challenger": "b", "metric": "auc"}},
                      tmp_path / "ml_monitor.yml", [])
    assert "applies to count rules" in str(err.value)


def test_the_docs_retraining_hook_starts_training_only_for_a_trigger(tmp_path):
    """docs/triggers.md's jobs/retrain.py, run by the real command channel: `ML_MONITOR_EVENT` is
    `trigger` for a check alert and its reminders too; only a trigger's firing starts training."""
    import re
    import sys
    from pathlib import Path

    from ml_monitor.alerts import command
    from ml_monitor.alerts.base import DeliveryContext
    from ml_monitor.alerts.model import Alert

    page = (Path(__file__).resolve().parents[2] / "docs" / "triggers.md").read_text(encoding="utf-8")
    script = re.search(r"```python\n(# jobs/retrain.py.*?)```", page, re.S).group(1)
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "retrain.py").write_text(script)
    settings = command.Settings(command=[sys.executable, "jobs/retrain.py"], cwd=str(tmp_path))
    check = Alert(fingerprint="c" * 20, kind="check_failed", severity="warn", title="psi_drift failed on predictions",
                  summary="psi of device is 0.35 (threshold 0.2)", tags=["drift"])
    fired = trigger_alert(rule(name="feature_drift"), evaluate(rule(name="feature_drift"),
                                                               [obs("psi", "f1", "fail", D3, D4)]), _report())
    notes = [Notification("trigger", check, delivery_id="d1"),                        # a drift check alert
             Notification("trigger", check, delivery_id="d2", repeat=True, occurrences=5),   # its reminder
             Notification("resolve", check, delivery_id="d3"),
             Notification("trigger", fired, delivery_id="d4"),                        # the trigger fires
             Notification("resolve", fired, delivery_id="d5")]
    for note in notes:
        command.send(settings, note, DeliveryContext())
    requests = [json.loads(line) for line in (tmp_path / "retrain_requests.jsonl").read_text().splitlines()]
    assert requests == [{"trigger": "feature_drift", "reason": fired.evidence["reason"], "idempotency_key": "d4"}]


def test_a_secret_in_the_metric_store_reaches_neither_the_state_nor_the_command(tmp_path, monkeypatch):
    """A trigger's evidence comes from the metric store (segment values, details) and may quote a
    channel's secret: it is redacted when the rule is evaluated, like an alert when it is built, so
    the state file (the trigger's reason and event, the outbox) and the command's stdin never hold it."""
    from ml_monitor import api

    secret = "BEARERsecret67890"
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    (tmp_path / "ml_monitor.yml").write_text(f"""
state_path: state.sqlite
channels:
  retrain: {{type: command, command: ["sh", "-c", "cat >> '{tmp_path / 'stdin.txt'}'"], env: {{TOKEN: "${{TOKEN}}"}}}}
triggers:
  drift: {{when: {{test: psi_a, segment: any}}, channels: [retrain]}}
""")
    config = load_config(tmp_path, environ={"TOKEN": f"Bearer {secret}"})
    report = _report()
    report.checks = [_check("psi_a", status="fail")]
    row = obs("psi_a", "f1", "fail", D3, D4, segment=f"g={secret}")
    monkeypatch.setattr(api, "read_store", lambda *args: [{**row, "detail": f"category {secret} is new"}])
    out = api.run_triggers(report, config)
    (fired,) = out.fired
    assert "g = ***" in fired.summary and "category *** is new" in fired.summary, fired.summary
    stdin = (tmp_path / "stdin.txt").read_text()
    assert json.loads(stdin)["alert"]["observations"][0]["segment_value"] == "***"
    state = b"".join(p.read_bytes() for p in tmp_path.glob("state.sqlite*")).decode("utf-8", "replace")
    assert "g = ***" in state and secret not in state and secret not in stdin


def test_the_monitor_list_is_the_packages_generic_tests():
    from pathlib import Path

    from ml_monitor.triggers.rules import MONITORS

    tests = Path(__file__).resolve().parents[2] / "macros" / "generic_tests"
    assert sorted(MONITORS) == sorted(p.stem for p in tests.glob("*.sql"))


@pytest.mark.parametrize("selector", ["volume_anomaly", "volume"])
def test_monitor_selects_an_anomaly_test_by_its_name_or_its_rows_monitor(tmp_path, monkeypatch, selector):
    # volume_anomaly's rows say monitor 'volume': `monitor: volume_anomaly` selected the test but
    # none of its rows, so the trigger stayed clear whatever the data
    from ml_monitor import api

    config = _load(tmp_path, f"  vol: {{when: {{monitor: {selector}, metric: row_count_anomaly}}, channels: [console]}}\n")
    report = _report()
    report.checks = [_check("vol_anom")]
    report.checks[0].monitor = "volume_anomaly"
    row = obs("vol_anom", None, "fail", D3, D4, metric="row_count_anomaly", monitor="volume")
    monkeypatch.setattr(api, "read_store", lambda *a: [row])
    out, results = api.evaluate_triggers(report, config)
    assert [(t.name, ev.holds) for t, ev, _ in results] == [("vol", True)]


def test_a_selector_matching_no_row_says_what_exists_and_is_logged(tmp_path, monkeypatch, caplog):
    from ml_monitor import api

    config = _load(tmp_path, """
  typo: {when: {test: psi_a, metric: psii}, channels: [console]}
  seg: {when: {test: psi_a, segment: regon=eu}, channels: [console]}
  ok: {when: {test: psi_a, metric: psi}, channels: [console]}
""")
    report = _report()
    report.checks = [_check("psi_a")]
    rows = [obs("psi_a", "f1", "fail", D3, D4), obs("psi_a", "f1", "fail", D3, D4, segment="region=eu")]
    monkeypatch.setattr(api, "read_store", lambda *a: rows)
    with caplog.at_level("WARNING", logger="ml_monitor"):
        out, results = api.evaluate_triggers(report, config)
    got = {t.name: ev for t, ev, _ in results}
    assert got["ok"].holds and not got["typo"].holds and not got["seg"].holds
    assert "metric psii is not among the rows of psi_a (metric values: psi); did you mean psi?" in got["typo"].reason
    assert "segment regon=eu" in got["seg"].reason and "overall, region=eu" in got["seg"].reason
    logged = [r.getMessage() for r in caplog.records]
    assert any("trigger 'typo'" in m and "did you mean psi?" in m for m in logged)
    assert any("trigger 'seg'" in m for m in logged) and not any("trigger 'ok'" in m for m in logged)
