"""Dedup, suppression, resolve, escalation, retry with backoff, configuration errors: on a real state file."""

from __future__ import annotations

import copy
import json
import sqlite3

import pytest

from ml_monitor import api
from ml_monitor.config import load_config
from ml_monitor.delivery import backoff
from ml_monitor.alerts.model import Notification, alert_text
from ml_monitor.outbox import Outbox


@pytest.fixture
def hook_config(tmp_path, http_receiver):
    def make(extra_channels: str = "", routes: str = ""):
        (tmp_path / "ml_monitor.yml").write_text(f"""
state_path: state.sqlite
suppression_interval: 1h
delivery: {{initial_backoff: 60s, max_backoff: 10m}}
channels:
  hook: {{type: webhook, url: "{http_receiver.url('/hook')}"}}
{extra_channels}
{routes}
""")
        return load_config(tmp_path)
    return make


def _events(receiver, path="/hook"):
    return [(r.json["event"], r.json["alert"]["column"], r.json["repeat"]) for r in receiver.at(path)]


def test_dedup_suppression_resolve(hook_config, http_receiver, failing_run_report, healthy_run_report):
    cfg = hook_config()
    t0 = 1_800_000_000.0
    first = api.deliver(failing_run_report, cfg, now=t0)
    assert first.lifecycle.counts()["new"] == 2 and first.delivery.sent == 2
    assert sorted(_events(http_receiver)) == [("trigger", "label", False), ("trigger", "score", False)]

    # still failing 10 minutes later: inside the suppression interval, nothing is sent
    second = api.deliver(failing_run_report, cfg, now=t0 + 600)
    assert second.lifecycle.counts()["suppressed"] == 2 and second.delivery.sent == 0
    assert len(http_receiver.requests) == 2

    # after the interval: one reminder per alert, marked as a repeat with its occurrences
    third = api.deliver(failing_run_report, cfg, now=t0 + 3600)
    assert third.lifecycle.counts()["repeated"] == 2 and third.delivery.sent == 2
    reminders = [r.json for r in http_receiver.requests[2:]]
    assert all(r["repeat"] and r["occurrences"] == 3 for r in reminders)

    # the checks pass again: one resolve per alert, then nothing more
    fourth = api.deliver(healthy_run_report, cfg, now=t0 + 3700)
    assert fourth.lifecycle.counts()["resolved"] == 2 and fourth.delivery.sent == 2
    assert sorted(_events(http_receiver)[4:]) == [("resolve", "label", False), ("resolve", "score", False)]
    # a resolve says when it cleared and how long it failed, not the failing summary again
    resolve = next(r.json for r in http_receiver.requests[4:] if r.json["alert"]["column"] == "score")
    assert resolve["resolved_at"] == "2027-01-15T09:01:40Z" and resolve["occurrences"] == 3
    text = alert_text(Notification.from_dict(resolve))
    assert text.splitlines()[:3] == [
        "[OK] RESOLVED: null_rate failed on predictions.score overall and in 2 segments",
        "The check passes again.",
        "Failing since 2027-01-15 08:00 UTC (seen in 3 runs), resolved 2027-01-15 09:01:40 UTC."], text
    assert "  was: WARN" in text and "null_rate of score" not in text, text
    fifth = api.deliver(healthy_run_report, cfg, now=t0 + 3800)
    assert fifth.lifecycle.counts()["resolved"] == 0 and len(http_receiver.requests) == 6

    rows = {r["title"]: r for r in api.list_alerts(cfg)}
    assert {r["state"] for r in rows.values()} == {"resolved"}
    assert rows["null_rate failed on predictions.score overall and in 2 segments"]["occurrences"] == 3
    assert api.list_alerts(cfg, "undelivered") == []

    # failing again after a resolve is a new alert (not suppressed)
    again = api.deliver(failing_run_report, cfg, now=t0 + 3900)
    assert again.lifecycle.counts()["new"] == 2


def test_escalation_from_warn_to_error_bypasses_suppression(hook_config, http_receiver, failing_run_report):
    import copy

    cfg = hook_config()
    api.deliver(failing_run_report, cfg, now=1000.0)
    worse = copy.deepcopy(failing_run_report)
    for c in worse.checks:
        if c.status == "warn":
            c.status = "fail"
    out = api.deliver(worse, cfg, now=1060.0)
    assert [a.column for a in out.lifecycle.repeated] == ["score"]
    assert [a.column for a in out.lifecycle.suppressed] == ["label"]
    assert http_receiver.requests[-1].json["alert"]["severity"] == "error"


def test_server_500_then_200_is_retried_with_backoff(hook_config, http_receiver, failing_run_report):
    cfg = hook_config()
    http_receiver.script["/hook"] = [500, 500]
    t0 = 2_000_000_000.0
    out = api.deliver(failing_run_report, cfg, now=t0)
    assert out.delivery.retrying == 2 and out.delivery.sent == 0
    pending = api.list_deliveries(cfg)
    assert [p["state"] for p in pending] == ["pending", "pending"]
    assert all(p["attempts"] == 1 and "HTTP 500" in p["last_error"] for p in pending)

    with Outbox(cfg.state_path) as ob:
        rows = ob.db.execute("select next_attempt_at from deliveries").fetchall()
        assert [r[0] for r in rows] == [t0 + 60, t0 + 60]          # initial_backoff
    # a run 30 s later: alerts suppressed, retries not due yet (the server is not hammered)
    later = api.deliver(failing_run_report, cfg, now=t0 + 30)
    assert later.lifecycle.counts()["suppressed"] == 2 and later.delivery.sent == 0
    assert len(http_receiver.at("/hook")) == 2
    # a run after the backoff: the server now answers 200 and both are delivered
    due = api.deliver(failing_run_report, cfg, now=t0 + 61)
    assert due.delivery.sent == 2 and api.list_deliveries(cfg) == []
    assert len(http_receiver.at("/hook")) == 4  # 2 failures + 2 successes, nothing dropped or duplicated
    ids = [r.json["delivery_id"] for r in http_receiver.at("/hook")]
    assert sorted(ids[:2]) == sorted(ids[2:])   # the same deliveries were retried


def test_retry_command_ignores_backoff(hook_config, http_receiver, failing_run_report):
    cfg = hook_config()
    http_receiver.script["/hook"] = [503, 503, 503]
    out = api.deliver(failing_run_report, cfg, now=3_000_000_000.0)
    assert out.delivery.retrying == 2
    first = api.retry(cfg)                          # one more 503, one success
    assert (first.sent, first.retrying) == (1, 1)
    assert [p["attempts"] for p in api.list_deliveries(cfg)] == [2]
    assert api.retry(cfg).sent == 1 and api.list_deliveries(cfg) == []


def test_backoff_doubles_and_is_capped(hook_config):
    cfg = hook_config()
    assert [backoff(cfg, n, None) for n in (1, 2, 3, 4, 5, 6)] == [60, 120, 240, 480, 600, 600]
    assert backoff(cfg, 1, 300) == 300     # Retry-After wins when longer
    # a dead endpoint retried for weeks: 2 ** 1024 would overflow a float (a crash every run)
    assert [backoff(cfg, n, None) for n in (1025, 10**6)] == [600, 600]


def test_an_echoed_secret_is_redacted_before_the_error_is_cut(tmp_path, http_receiver, failing_run_report):
    """The server echoes a long token path after 290 characters: the error is redacted whole and
    only then clipped, so no part of the token survives (a clip made first cut the token in two,
    and the part left matched no secret)."""
    token_path = "/hook/" + "p" * 280 + "tokenSECRET0123456789"
    (tmp_path / "ml_monitor.yml").write_text(f"""
state_path: state.sqlite
channels:
  hook: {{type: webhook, url: "{http_receiver.url(token_path)}"}}
""")
    cfg = load_config(tmp_path)
    http_receiver.script[token_path] = [404, 404]
    out = api.deliver(failing_run_report, cfg)
    assert out.delivery.failed == 2
    errors = [p["last_error"] for p in api.list_deliveries(cfg)] + out.delivery.errors
    assert errors and all("HTTP 404" in e for e in errors)
    for e in errors:
        assert "ppppp" not in e and "SECRET" not in e and "\n" not in e and len(e) <= 500, e


def test_4xx_is_a_configuration_error_kept_until_retry(hook_config, http_receiver, failing_run_report):
    cfg = hook_config(extra_channels=f"  broken: {{type: webhook, url: \"{http_receiver.url('/gone')}\"}}")
    http_receiver.script["/gone"] = [404, 404]
    out = api.deliver(failing_run_report, cfg)
    assert out.delivery.sent == 2 and out.delivery.failed == 2
    failed = api.list_deliveries(cfg)
    assert {p["channel"] for p in failed} == {"broken"} and {p["state"] for p in failed} == {"failed"}
    assert all("HTTP 404" in p["last_error"] and "configuration error" in p["last_error"] for p in failed)
    # not retried automatically...
    with Outbox(cfg.state_path) as ob:
        assert ob.due(now=4_000_000_000.0) == []
    # ...but `alerts retry` re-sends it once the endpoint is fixed
    assert api.retry(cfg).sent == 2 and api.list_deliveries(cfg) == []
    assert len(http_receiver.at("/gone")) == 4


def test_monitoring_failed_alert_and_recovery(hook_config, http_receiver, failing_run_report):
    import copy

    cfg = hook_config()
    broken = copy.deepcopy(failing_run_report)
    broken.checks, broken.error = [], "Runtime Error: could not connect to the warehouse"
    out = api.deliver(broken, cfg)
    (alert,) = out.lifecycle.new
    assert alert.kind == "monitoring_failed" and alert.severity == "error"
    assert "could not connect to the warehouse" in alert.summary
    api.deliver(failing_run_report, cfg)          # the run works again
    events = [(r.json["event"], r.json["alert"]["kind"]) for r in http_receiver.at("/hook")]
    assert ("resolve", "monitoring_failed") in events


def test_manual_resolve_and_unrouted_alerts_are_kept(hook_config, http_receiver, failing_run_report):
    cfg = hook_config(routes="routes:\n  - severity: error\n    channels: [hook]")
    out = api.deliver(failing_run_report, cfg)
    assert [a.column for a in out.lifecycle.new] == ["label"]
    assert [a.column for a in out.lifecycle.unrouted] == ["score"]   # recorded, visible in `alerts list`
    assert {r["state"] for r in api.list_alerts(cfg, "open")} == {"open"} and len(api.list_alerts(cfg, "open")) == 2
    label = [a for a in out.lifecycle.new][0]
    alert, delivery = api.resolve(cfg, label.fingerprint[:8])
    assert alert.fingerprint == label.fingerprint and delivery.sent == 1
    assert http_receiver.requests[-1].json["event"] == "resolve"
    assert api.resolve(cfg, label.fingerprint)[0] is None     # already resolved


def test_state_file_is_plain_sqlite(hook_config, failing_run_report):
    cfg = hook_config()
    api.deliver(failing_run_report, cfg)
    db = sqlite3.connect(cfg.state_path)
    rows = db.execute("select event, channel, state, notification from deliveries").fetchall()
    assert sorted((e, c, s) for e, c, s, _ in rows) == [("trigger", "hook", "delivered")] * 2
    assert {json.loads(n)["alert"]["title"] for *_, n in rows} == {
        "null_rate failed on predictions.score overall and in 2 segments", "not_null failed on predictions.label"}


def test_a_resolve_never_overtakes_its_trigger(hook_config, http_receiver, failing_run_report, healthy_run_report):
    cfg = hook_config()
    http_receiver.script["/hook"] = [500, 500]               # both triggers fail first
    t0 = 5_000_000_000.0
    assert api.deliver(failing_run_report, cfg, now=t0).delivery.retrying == 2
    # the checks pass before the triggers got through: the resolves wait for them
    out = api.deliver(healthy_run_report, cfg, now=t0 + 10)
    assert out.lifecycle.counts()["resolved"] == 2 and (out.delivery.sent, out.delivery.waiting) == (0, 2)
    result = api.retry(cfg)
    assert result.sent == 4 and api.list_deliveries(cfg) == []
    delivered = [(r.json["alert"]["column"], r.json["event"]) for r in http_receiver.at("/hook")[2:]]
    for column in ("score", "label"):
        events = [e for c, e in delivered if c == column]
        assert events == ["trigger", "resolve"]


def test_delivered_rows_are_pruned_after_retention(hook_config, failing_run_report):
    cfg = hook_config()
    api.deliver(failing_run_report, cfg, now=1_000_000.0)
    first = {d["id"] for d in api.list_deliveries(cfg, undelivered_only=False)}
    assert len(first) == 2
    later = api.deliver(failing_run_report, cfg, now=1_000_000.0 + cfg.delivery.retention + 1)
    assert later.lifecycle.counts()["repeated"] == 2         # reminders, past the suppression interval
    kept = api.list_deliveries(cfg, undelivered_only=False)
    assert len(kept) == 2 and not first & {d["id"] for d in kept}   # the old delivered rows are gone
    assert len(api.list_alerts(cfg, "open")) == 2            # the alerts themselves are kept


def test_an_interrupt_while_sending_keeps_the_alerts_queued(hook_config, http_receiver, failing_run_report,
                                                            monkeypatch):
    """A signal during delivery: the alerts are recorded (their transaction committed), the unsent
    notifications stay queued, the message says so, and the next delivery sends them."""
    from ml_monitor.signals import RunInterrupted, kept_after

    cfg = hook_config()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(api, "deliver_pending", interrupted)
        with pytest.raises(RunInterrupted) as err:
            api.deliver(failing_run_report, cfg, now=1000.0)
    assert err.value.stage == "delivery" and "stay queued" in kept_after(err.value)
    assert http_receiver.requests == []
    assert len(api.list_alerts(cfg, "open")) == 2
    assert len(api.list_deliveries(cfg, undelivered_only=True)) == 2
    again = api.deliver(failing_run_report, cfg, now=1010.0)
    assert again.delivery.sent == 2 and len(http_receiver.requests) == 2


def test_an_interrupt_before_the_alerts_are_recorded_keeps_nothing(hook_config, failing_run_report, monkeypatch):
    from ml_monitor.signals import RunInterrupted, kept_after

    cfg = hook_config()
    real = Outbox.record

    def record_then_interrupt(self, *args, **kwargs):
        with self.transaction() as db:          # the record's own transaction, interrupted inside
            db.execute("insert into meta (key, value) values ('half', 'written')")
            raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(Outbox, "record", record_then_interrupt)
        with pytest.raises(KeyboardInterrupt) as err:
            api.deliver(failing_run_report, cfg, now=1000.0)
    assert not isinstance(err.value, RunInterrupted) and "nothing recorded" in kept_after(err.value)
    assert api.list_alerts(cfg) == [] and api.list_deliveries(cfg) == []
    with Outbox(cfg.state_path) as outbox:
        assert outbox.db.execute("select count(*) from meta where key = 'half'").fetchone()[0] == 0
    assert real is Outbox.record



def test_a_segment_that_starts_failing_is_sent_at_once_not_suppressed(hook_config, http_receiver, failing_run_report):
    """Inside the suppression interval a still-failing alert is quiet, unless it spread: a metric,
    column or segment failing that did not in the run before is sent at once, saying what is new."""
    import dataclasses

    cfg = hook_config()

    def report(segments):
        checks = []
        for c in failing_run_report.checks:
            if c.column == "score":
                obs = [o for o in c.observations if o["segment_value"] in segments]
                c = dataclasses.replace(c, observations=obs, failures=len(obs), failing_observations=len(obs))
            checks.append(c)
        return dataclasses.replace(failing_run_report, checks=checks)

    t0 = 1_800_000_000.0
    api.deliver(report([None, "a"]), cfg, now=t0)
    assert len(http_receiver.requests) == 2
    spread = api.deliver(report([None, "a", "b"]), cfg, now=t0 + 600)         # b fails too: news
    assert spread.lifecycle.counts()["repeated"] == 1 and spread.lifecycle.counts()["suppressed"] == 1
    (sent,) = [r.json for r in http_receiver.requests[2:]]
    assert sent["change"] == "spread" and sent["newly_failing"] == ["null_rate of score in segment = b"]
    assert sent["alert"]["column"] == "score"
    for later in (report([None, "a", "b"]), report([None, "b"])):             # the same, then less: quiet
        out = api.deliver(later, cfg, now=t0 + 1200)
        assert out.lifecycle.counts()["suppressed"] == 2, out.lifecycle.counts()
    assert len(http_receiver.requests) == 3
    text = alert_text(Notification.from_dict(sent))
    assert text.startswith("[WARN] SPREAD: null_rate failed on predictions.score overall and in 2 segments\n"
                           "Newly failing since the run before: null_rate of score in segment = b\n")


def test_every_alert_says_how_to_look(tmp_path, failing_run_report, http_receiver):
    """The report (report_url), the command that reruns the test alone, and the failing rows dbt
    kept: in the text and in every channel's facts."""
    (tmp_path / "ml_monitor.yml").write_text(f"""
state_path: state.sqlite
report_url: https://reports.example.com/ml/churn.html
channels:
  hook: {{type: webhook, url: "{http_receiver.url('/hook')}"}}
""")
    cfg = load_config(tmp_path)
    api.deliver(failing_run_report, cfg, now=1000.0)
    notes = {r.json["alert"]["column"]: Notification.from_dict(r.json) for r in http_receiver.at("/hook")}
    score = notes["score"]
    assert score.alert.report_url == "https://reports.example.com/ml/churn.html"
    text = alert_text(score)
    assert "  report: https://reports.example.com/ml/churn.html" in text
    assert f"  rerun: dbt test --select {score.alert.test_name}" in text
    assert score.alert.failures_relation and f"  failing rows: select * from {score.alert.failures_relation}" in text


def test_a_channel_added_while_an_alert_fails_gets_it_at_once(hook_config, http_receiver, failing_run_report):
    """A channel added to ml_monitor.yml while an alert keeps failing got nothing until the
    suppression interval ran out (a new user adding Slack saw `0 new … suppressed`). It gets the
    open alerts at once, as still failing; the channels that had them stay suppressed, and the
    new one is suppressed from then on."""
    cfg = hook_config()
    t0 = 1_800_000_000.0
    assert api.deliver(failing_run_report, cfg, now=t0).delivery.sent == 2
    cfg2 = hook_config(extra_channels=f"  pager: {{type: webhook, url: \"{http_receiver.url('/pager')}\"}}")
    out = api.deliver(failing_run_report, cfg2, now=t0 + 600)
    assert out.lifecycle.counts()["repeated"] == 2 and out.delivery.sent == 2
    assert sorted(_events(http_receiver, "/pager")) == [("trigger", "label", True), ("trigger", "score", True)]
    assert len(http_receiver.at("/hook")) == 2                      # the first channel: still suppressed
    again = api.deliver(failing_run_report, cfg2, now=t0 + 1200)
    assert again.lifecycle.counts()["suppressed"] == 2 and again.delivery.sent == 0
    # both channels had it: both get the resolve later, and the reminder at the interval
    later = api.deliver(failing_run_report, cfg2, now=t0 + 3600)
    assert later.delivery.sent == 4


def test_notifications_held_behind_a_failed_delivery_are_said_with_what_to_do(
        hook_config, http_receiver, failing_run_report, healthy_run_report, caplog, monkeypatch):
    """A configuration error (here a redirect, never followed) is not retried automatically, and the
    later notifications of its alert to its channel wait behind it (they go out in order): every run
    says how many are held and what to do, and `alerts list` shows no next attempt for them."""
    import logging

    from test_cli_run import invoke

    monkeypatch.setattr(logging.getLogger("ml_monitor"), "propagate", True)
    cfg = hook_config(extra_channels=f"  moved: {{type: webhook, url: \"{http_receiver.url('/moved')}\"}}")
    http_receiver.script["/moved"] = [301]                  # once: the first alert's delivery fails
    t0 = 1_800_000_000.0
    first = api.deliver(failing_run_report, cfg, now=t0)
    assert first.delivery.failed == 1 and first.delivery.held == 0
    with caplog.at_level(logging.WARNING, logger="ml_monitor"):
        for i in range(1, 4):                                # fail/pass cycles: resolve, fail again, ...
            out = api.deliver(healthy_run_report if i % 2 else failing_run_report, cfg, now=t0 + 60 * i)
    # resolve, trigger, resolve of the failed alert wait behind its failed delivery
    assert out.delivery.to_dict()["held"] == 3 and out.delivery.failed == 0
    assert out.delivery.stuck == [{"channel": "moved", "failed": 1, "held": 3,
                                   "last_error": out.delivery.stuck[0]["last_error"]}]
    assert "HTTP 301 redirect" in out.delivery.stuck[0]["last_error"]
    assert "3 held behind 1 earlier failed delivery to moved (`ml-monitor alerts retry` once fixed)" in out.summary()
    assert ("3 notifications to moved held behind 1 failed delivery, not retried automatically (last error: HTTP 301"
            in caplog.text)
    assert "fix the channel, then run `ml-monitor alerts retry`" in caplog.text
    # `alerts list`: no next attempt for what no run will send by itself
    rows = api.list_deliveries(cfg)
    assert [(r["state"], r["held"], r["next_attempt_at"]) for r in rows] == \
        [("failed", False, None)] + [("pending", True, None)] * 3
    listed = invoke(["alerts", "list", "--config", cfg.source_file], expect=0).stdout
    assert "next " not in listed.split("undelivered:")[1]
    assert listed.count("held behind a failed delivery") == 3 and "not retried automatically:" in listed
    # fixed: `alerts retry` sends them all, in order
    assert api.retry(cfg).sent == 4 and api.list_deliveries(cfg) == []
    assert [r.json["event"] for r in http_receiver.at("/moved")][-4:] == ["trigger", "resolve", "trigger", "resolve"]


def test_an_alert_whose_test_left_the_project_is_resolved(hook_config, http_receiver, failing_run_report):
    """Changing a test's arguments gives it a new unique_id (a new alert); the old test never runs
    again, so its alert stayed open for ever (a PagerDuty incident never resolved). A completed run
    whose manifest lacks the test resolves it, saying why; an unknown manifest or a broken run
    resolves nothing."""
    # the run read the build's own manifest, before the `dbt show` of the failing rows replaced it
    assert failing_run_report.project_tests is not None
    assert {c.unique_id for c in failing_run_report.checks} <= failing_run_report.project_tests
    cfg = hook_config()
    t0 = 1_800_000_000.0
    assert api.deliver(failing_run_report, cfg, now=t0).lifecycle.counts()["new"] == 2
    label = next(c for c in failing_run_report.checks if c.failed and c.column == "label")

    # the label test's arguments changed: this run has a new test instead, which passes
    changed = copy.deepcopy(failing_run_report)
    changed.checks = [c for c in changed.checks if c.unique_id != label.unique_id]
    changed.project_tests = failing_run_report.project_tests - {label.unique_id}
    blind = copy.deepcopy(changed)
    blind.project_tests = None                                # no manifest of this run: nothing said
    assert api.deliver(blind, cfg, now=t0 + 60).lifecycle.counts()["resolved"] == 0
    broken = copy.deepcopy(changed)
    broken.error = "could not connect"                        # exit 2: proves nothing about the tests
    assert api.deliver(broken, cfg, now=t0 + 90).lifecycle.counts()["resolved"] == 0

    out = api.deliver(changed, cfg, now=t0 + 120)             # (it resolves the broken run's alert too)
    assert sorted((a.kind, a.column or "") for a in out.lifecycle.resolved) == [
        ("check_failed", "label"), ("monitoring_failed", "")]
    assert out.lifecycle.counts()["suppressed"] == 1
    resolve = next(r.json for r in http_receiver.requests if r.json["event"] == "resolve"
                   and r.json["alert"]["column"] == "label")
    assert "The test no longer exists in the project" in alert_text(Notification.from_dict(resolve))
    assert sorted(r["state"] for r in api.list_alerts(cfg) if r["kind"] == "check_failed") == ["open", "resolved"]
    assert api.deliver(changed, cfg, now=t0 + 180).lifecycle.counts()["resolved"] == 0   # once


def _at(report, as_of: str):
    """The run report as if dbt had run with var ml_monitor_as_of = as_of."""
    out = copy.deepcopy(report)
    out.dbt_args = [a for a in out.dbt_args]
    if "--vars" in out.dbt_args:
        i = out.dbt_args.index("--vars")
        out.dbt_args[i + 1] = json.dumps({**json.loads(out.dbt_args[i + 1]), "ml_monitor_as_of": as_of})
    else:
        out.dbt_args += ["--vars", json.dumps({"ml_monitor_as_of": as_of})]
    return out


def test_a_backfill_of_an_earlier_day_leaves_the_alerts_of_later_days_alone(
        hook_config, http_receiver, failing_run_report, healthy_run_report):
    """Daily runs at ml_monitor_as_of 03-06 and 03-07 fail; the missed day 03-05 is then run (a
    backfill) and passes. It said nothing about 03-07: the alert stayed open (no resolve sent,
    then a new page the next day). A failing backfill does not re-send or overwrite either; the
    next run of a later day decides again."""
    cfg = hook_config()
    t0 = 1_800_000_000.0
    assert api.deliver(_at(failing_run_report, "2026-03-06 00:00:00"), cfg, now=t0).lifecycle.counts()["new"] == 2
    api.deliver(_at(failing_run_report, "2026-03-07"), cfg, now=t0 + 60)
    sent = len(http_receiver.requests)

    backfill = api.deliver(_at(healthy_run_report, "2026-03-05T00:00:00Z"), cfg, now=t0 + 120)
    lc = backfill.lifecycle.counts()
    assert lc["resolved"] == 0 and lc["earlier"] == 2, lc
    assert "2 left as a run of a later ml_monitor_as_of decided" in backfill.summary()
    assert len(http_receiver.requests) == sent
    assert {r["state"] for r in api.list_alerts(cfg) if r["kind"] == "check_failed"} == {"open"}
    # a failing backfill after the suppression interval: no reminder about an old day, state kept
    old = api.deliver(_at(failing_run_report, "2026-03-04 00:00:00"), cfg, now=t0 + 7200)
    assert old.lifecycle.counts()["repeated"] == 0 and old.lifecycle.counts()["earlier"] == 2
    assert all(a["as_of"] == "2026-03-07T00:00:00Z" for a in
               (json.loads(r[0]) for r in sqlite3.connect(cfg.state_path).execute(
                   "select alert from alerts where kind = 'check_failed'")))
    # the same day again (a re-run) still decides, and so does the next day
    assert api.deliver(_at(healthy_run_report, "2026-03-07 00:00:00"), cfg, now=t0 + 7300).lifecycle.counts()["resolved"] == 2
    # a backfill after the resolve does not re-open what a later day resolved
    again = api.deliver(_at(failing_run_report, "2026-03-05 00:00:00+00:00"), cfg, now=t0 + 7400)
    assert again.lifecycle.counts()["new"] == 0 and again.lifecycle.counts()["earlier"] == 2
    assert api.deliver(_at(failing_run_report, "2026-03-08"), cfg, now=t0 + 7500).lifecycle.counts()["new"] == 2


def test_run_as_of_reads_the_var_as_the_package_does(tmp_path):
    from datetime import datetime, timezone

    from ml_monitor.runner import RunReport, parse_as_of, run_as_of

    utc = timezone.utc
    assert parse_as_of("2026-01-31") == datetime(2026, 1, 31, tzinfo=utc)
    assert parse_as_of("2026-01-31T05:45:00+05:45") == datetime(2026, 1, 31, tzinfo=utc)
    assert parse_as_of("2026-01-31 00:00:00.5 UTC") == datetime(2026, 1, 31, tzinfo=utc)
    assert parse_as_of("2026-01-31 01:00-0100") == datetime(2026, 1, 31, 2, tzinfo=utc)
    assert parse_as_of("{{ env_var('X') }}") is None
    (tmp_path / "dbt_project.yml").write_text("name: p\nvars:\n  ml_monitor_as_of: 2026-02-01 00:00:00\n")
    report = RunReport(command="build", project_dir=str(tmp_path), project="p", target=None,
                       started_at="2026-12-01T10:00:00Z")
    assert run_as_of(report) == datetime(2026, 2, 1, tzinfo=utc)               # the project's var
    report.dbt_args = ["build", "--vars", json.dumps({"ml_monitor_as_of": "2026-03-01"})]
    assert run_as_of(report) == datetime(2026, 3, 1, tzinfo=utc)               # --vars wins
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    report.dbt_args = ["build", "--vars", json.dumps({"ml_monitor_as_of": None})]
    assert run_as_of(report) == datetime(2026, 12, 1, 10, tzinfo=utc)          # unset: the run's start
