"""`ml-monitor run` and `alerts` end to end: CliRunner in-process plus the real console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import console_script, subprocess_env
from ml_monitor import api
from ml_monitor.cli import main
from ml_monitor.config import load_config
from ml_monitor.outbox import Outbox
from ml_monitor.locks import FileLock


def invoke(args, expect: int, env=None):
    """Run the CLI in-process; re-raise unexpected exceptions; check the exit code."""
    try:
        runner = CliRunner(mix_stderr=False)          # click < 8.2
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(main, [str(a) for a in args], env=env, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("".join(traceback.format_exception(*result.exc_info)))
    assert result.exit_code == expect, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    return result


def _dbt(project: Path, config: Path) -> list:
    return ["--project-dir", project, "--profiles-dir", project, "--config", config]


def test_run_json_then_recovery(tmp_path, dbt_fixture_project, http_receiver):
    config = tmp_path / "ml_monitor.yml"
    config.write_text(f"""
state_path: state.sqlite
channels:
  console: {{type: stdout}}
  hook: {{type: webhook, url: "{http_receiver.url('/hook')}"}}
""")
    failing = invoke(["run", "--format", "json", *_dbt(dbt_fixture_project, config)], expect=1)
    data = json.loads(failing.stdout)               # stdout holds only the JSON document
    assert data["exit_code"] == 1 and data["status"] == "fail" and data["command"] == "build"
    assert data["counts"] == {"checks": 4, "passed": 2, "warned": 1, "failed": 1, "errored": 0, "skipped": 0,
                              "node_errors": 0}
    alerts = {a["column"]: a for a in data["alerts"]}
    assert {a["action"] for a in alerts.values()} == {"new"}
    assert alerts["score"]["severity"] == "warn" and alerts["score"]["owner"] == "ml-team"
    assert alerts["score"]["observations"][0]["value"] == pytest.approx(0.4)
    assert alerts["label"]["severity"] == "error" and alerts["label"]["monitor"] == "not_null"
    assert data["deliveries"]["sent"] == 4
    # the stdout channel wrote to stderr under --format json; the summary line is there too
    assert "[WARN] null_rate failed on predictions.score overall and in 2 segments" in failing.stderr
    assert "build finished in" in failing.stderr and "alerts 2 new" in failing.stderr
    assert len(http_receiver.at("/hook")) == 2
    # dbt's own log is where docs/cli.md says (it was empty: `--log-level none` covered the file too)
    dbt_log = (dbt_fixture_project / "logs" / "dbt.log").read_text()
    assert "Running with dbt=" in dbt_log and "ml_monitor_null_rate" in dbt_log

    healthy = invoke(["run", "--format", "json", "--vars", "{fixture_healthy: true}",
                      *_dbt(dbt_fixture_project, config)], expect=0)
    data = json.loads(healthy.stdout)
    assert data["status"] == "pass" and data["alerts"] == []
    assert sorted(a["column"] for a in data["resolved"]) == ["label", "score"]
    assert [r.json["event"] for r in http_receiver.at("/hook")] == ["trigger", "trigger", "resolve", "resolve"]

    listed = invoke(["alerts", "list", "--format", "json", "--config", config], expect=0)
    rows = json.loads(listed.stdout)
    assert {r["state"] for r in rows["alerts"]} == {"resolved"} and rows["undelivered"] == []


def test_bad_target_is_a_monitoring_failed_alert_exit_2(tmp_path, dbt_fixture_project):
    config = tmp_path / "ml_monitor.yml"
    config.write_text("state_path: state.sqlite\nchannels: {log: {type: jsonl, path: alerts.jsonl}}\n")
    result = invoke(["run", "--format", "json", "--target", "nope", *_dbt(dbt_fixture_project, config)], expect=2)
    data = json.loads(result.stdout)
    assert data["status"] == "error" and "does not have a target named 'nope'" in data["error"]
    (alert,) = data["alerts"]
    assert alert["kind"] == "monitoring_failed" and alert["severity"] == "error"
    assert alert["title"] == "monitoring failed: dbt build of fixture_proj did not complete"
    assert "monitoring failed" in result.stderr
    line = json.loads((tmp_path / "alerts.jsonl").read_text())
    assert line["alert"]["kind"] == "monitoring_failed" and line["alert"]["target"] == "nope"


def test_broken_model_is_exit_2_with_the_node_named(tmp_path, dbt_fixture_project):
    config = tmp_path / "ml_monitor.yml"
    config.write_text("state_path: state.sqlite\nchannels: {console: {type: stdout}}\n")
    result = invoke(["run", "--vars", "{fixture_broken: true}", "--select", "predictions+",
                     *_dbt(dbt_fixture_project, config)], expect=2)
    # text mode: the stdout channel prints the alert on stdout
    assert "[ERROR] monitoring failed: dbt build of fixture_proj did not complete" in result.stdout
    assert "model predictions errored" in result.stdout and "table_that_does_not_exist" in result.stdout
    assert "checks (0 passed" in result.stderr


def test_a_second_run_while_one_is_in_progress_exits_2(tmp_path):
    (tmp_path / "dbt_project.yml").write_text("name: p\n")     # a project: the lock is what stops the run
    (tmp_path / "ml_monitor.yml").write_text("state_path: state.sqlite\n")
    cfg = load_config(tmp_path)
    with FileLock(api.lock_path(cfg, "run")):
        result = invoke(["run", "--project-dir", tmp_path], expect=2)
    assert "another ml-monitor run is in progress" in result.stderr


def test_alerts_list_retry_resolve(tmp_path, http_receiver, failing_run_report):
    (tmp_path / "ml_monitor.yml").write_text(f"""
state_path: state.sqlite
channels:
  hook: {{type: webhook, url: "{http_receiver.url('/hook')}"}}
""")
    cfg = load_config(tmp_path)
    with Outbox(cfg.state_path) as ob:
        api.process(failing_run_report, cfg, ob)          # recorded, not yet delivered
    listed = invoke(["alerts", "list", "--project-dir", tmp_path], expect=0)
    assert "open     warn  null_rate failed on predictions.score overall and in 2 segments" in listed.stdout
    assert "(1 pending, 0 failed)" in listed.stdout and "undelivered:" in listed.stdout
    only = json.loads(invoke(["alerts", "list", "--state", "undelivered", "--format", "json",
                              "--project-dir", tmp_path], expect=0).stdout)
    assert len(only["alerts"]) == 2 and len(only["undelivered"]) == 2

    http_receiver.script["/hook"] = [500]
    invoke(["alerts", "retry", "--project-dir", tmp_path], expect=1)      # one is still undelivered
    retried = invoke(["alerts", "retry", "--project-dir", tmp_path, "--format", "json"], expect=0)
    assert json.loads(retried.stdout)["sent"] == 1

    fp = [a.fingerprint for a in api.build_alerts(failing_run_report) if a.column == "label"][0]
    # a wildcard or a too-short prefix resolves nothing (the prefix is not a LIKE pattern)
    for bad in ("%", "_", "", fp[:2]):
        invoke(["alerts", "resolve", bad, "--project-dir", tmp_path], expect=2)
    assert len(api.list_alerts(cfg, "open")) == 2
    resolved = invoke(["alerts", "resolve", fp[:10], "--project-dir", tmp_path], expect=0)
    assert "resolved " + fp in resolved.stderr and "1 notification(s) sent" in resolved.stderr
    assert http_receiver.requests[-1].json["event"] == "resolve"
    # the notification does not claim the check passes: it was resolved by hand
    from ml_monitor.alerts.model import Notification, alert_text
    text = alert_text(Notification.from_dict(http_receiver.requests[-1].json))
    assert "Resolved by hand" in text and "passes again" not in text, text
    invoke(["alerts", "resolve", fp, "--project-dir", tmp_path], expect=2)
    assert [r["state"] for r in api.list_alerts(cfg, "resolved")] == ["resolved"]


SECRET = "s3cr3t-T0KEN-4f9a1c"


def test_console_script_and_secrets_never_leak(tmp_path, dbt_fixture_project, http_receiver):
    """One real subprocess of `ml-monitor run`; the secret is in webhook URLs and a header."""
    config = tmp_path / "ml_monitor.yml"
    config.write_text(f"""
state_path: state.sqlite
channels:
  console: {{type: stdout}}
  log: {{type: jsonl, path: alerts.jsonl}}
  hook:
    type: webhook
    url: "{http_receiver.url('/hook/')}${{ML_TEST_SECRET}}"
    headers: {{Authorization: "Bearer ${{ML_TEST_SECRET}}"}}
  broken: {{type: webhook, url: "{http_receiver.url('/gone/')}${{ML_TEST_SECRET}}"}}
""")
    http_receiver.script[f"/gone/{SECRET}"] = [404, 404]   # the 404 body echoes the path (and the secret)
    done = subprocess.run([console_script(), "run", "--format", "json", "-v", *map(str, _dbt(dbt_fixture_project, config))],
                          env=subprocess_env(ML_TEST_SECRET=SECRET), capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["deliveries"] == {"sent": 6, "retrying": 0, "failed": 2, "busy": 0, "waiting": 0, "held": 0,
                                  "stuck": [{"channel": "broken", "failed": 2, "held": 0,
                                             "last_error": data["deliveries"]["stuck"][0]["last_error"]}],
                                  "errors": data["deliveries"]["errors"]}
    assert all("HTTP 404" in e and "***" in e for e in data["deliveries"]["errors"])
    # the secret was really used...
    assert len(http_receiver.at(f"/hook/{SECRET}")) == 2
    assert http_receiver.at(f"/hook/{SECRET}")[0].headers["authorization"] == f"Bearer {SECRET}"
    # ...and appears in no output, log, alert file, state file or dump
    env = {"ML_TEST_SECRET": SECRET}
    listed = invoke(["alerts", "list", "--config", config], expect=0, env=env)
    dumped = invoke(["alerts", "list", "--format", "json", "--config", config], expect=0, env=env)
    retried = invoke(["alerts", "retry", "--config", config, "--format", "json"], expect=0, env=env)
    outputs = {"stdout": done.stdout, "stderr": done.stderr, "list": listed.stdout + listed.stderr,
               "dump": dumped.stdout + dumped.stderr, "retry": retried.stdout + retried.stderr,
               "jsonl": (tmp_path / "alerts.jsonl").read_text()}
    for name in ("state.sqlite", "state.sqlite-wal"):
        if (tmp_path / name).exists():
            outputs[name] = (tmp_path / name).read_bytes().decode("latin-1")
    dbt_log = dbt_fixture_project / "logs" / "dbt.log"
    if dbt_log.exists():
        outputs["dbt.log"] = dbt_log.read_text(errors="replace")
    assert "[WARN] null_rate failed on predictions.score overall and in 2 segments" in done.stderr      # the outputs are real
    assert "configuration error" in outputs["list"] and "***" in outputs["list"]
    leaks = [name for name, text in outputs.items() if SECRET in text]
    assert leaks == []


def test_notifications_to_a_removed_channel_can_be_discarded(tmp_path, http_receiver, failing_run_report):
    """`alerts retry` cannot send to a channel removed from ml_monitor.yml (exit 1 forever, even after
    `alerts resolve`): it says how to get out, and `alerts discard --channel` drops them; a notification
    a live process is sending is left alone."""
    import os
    import socket

    hook = f'  hook: {{type: webhook, url: "{http_receiver.url("/hook")}"}}\n'
    config = tmp_path / "ml_monitor.yml"
    config.write_text("state_path: state.sqlite\nchannels:\n  log: {type: jsonl, path: alerts.jsonl}\n" + hook)
    cfg = load_config(tmp_path)
    with Outbox(cfg.state_path) as ob:
        api.process(failing_run_report, cfg, ob)          # two alerts, to log and hook, not yet delivered
        ids = [r["id"] for r in ob.due() if r["channel"] == "hook"]
        # one of them is being sent right now by another live process on this host
        ob.db.execute("update deliveries set claimed_by = ?, claimed_at = ? where id = ?",
                      (f"{socket.gethostname()}:{os.getppid()}", 4_000_000_000.0, ids[0]))
    config.write_text("state_path: state.sqlite\nchannels:\n  log: {type: jsonl, path: alerts.jsonl}\n")
    retried = invoke(["alerts", "retry", "--config", config], expect=1)
    assert "retried: 2 sent, 0 still failing, 1 configuration errors, 1 busy; 2 undelivered" in retried.stderr
    busy, left = sorted(api.list_deliveries(cfg), key=lambda r: r["id"] != ids[0])
    assert (busy["state"], left["channel"], left["state"]) == ("pending", "hook", "failed")
    assert "channel 'hook' is not configured" in left["last_error"]
    assert "`ml-monitor alerts discard --channel hook`" in left["last_error"]

    discarded = invoke(["alerts", "discard", "--channel", "hook", "--config", config], expect=1)
    assert "discarded 1 undelivered notification to 'hook', 1 being sent now left alone" in discarded.stderr
    with Outbox(cfg.state_path) as ob:                    # that process died: its claim is stale now
        ob.db.execute("update deliveries set claimed_by = ? where id = ?", (f"{socket.gethostname()}:999999999", ids[0]))
    data = json.loads(invoke(["alerts", "discard", "--channel", "hook", "--config", config, "--format", "json"],
                             expect=0).stdout)
    assert data == {"channel": "hook", "discarded": 1, "busy": 0}
    invoke(["alerts", "retry", "--config", config], expect=0)
    assert api.list_deliveries(cfg) == [] and http_receiver.at("/hook") == []
    assert all(a["deliveries"] == {"pending": 0, "failed": 0, "delivered": 1} for a in api.list_alerts(cfg))
    with Outbox(cfg.state_path) as ob:                    # kept for the record until retention
        assert [r["state"] for r in ob.db.execute("select state from deliveries where channel = 'hook'")] == \
            ["discarded", "discarded"]
        assert ob.prune(0, now=4_100_000_000.0) == 4


def test_an_alert_of_a_test_whose_arguments_changed_resolves(tmp_path, dbt_fixture_project, http_receiver):
    """Raising a threshold to quiet a check gives the test a new unique_id: the old alert's test
    never ran again and the alert (a PagerDuty incident) stayed open for ever. The next run
    resolves it, saying the test is gone; the other open alert stays open."""
    project = tmp_path / "proj"
    # symlinks=True: dbt_packages/ml_monitor links to the repository, whose integration_tests may hold
    # a link back to it (dbt deps there): followed, the copy never ends
    shutil.copytree(dbt_fixture_project, project, symlinks=True,
                    ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*"))
    profiles = project / "profiles.yml"                       # its own warehouse, not the shared fixture's
    profiles.write_text(profiles.read_text().replace(str(dbt_fixture_project / "fixture.duckdb"),
                                                     str(project / "fixture.duckdb")))
    assert str(dbt_fixture_project) not in profiles.read_text()
    config = tmp_path / "ml_monitor.yml"
    config.write_text(f"state_path: state.sqlite\nchannels:\n  hook: {{type: webhook, url: "
                      f"\"{http_receiver.url('/hook')}\"}}\n")
    invoke(["run", *_dbt(project, config)], expect=1)
    schema = project / "models" / "schema.yml"
    schema.write_text(schema.read_text().replace("max_null_rate: 0.1\n", "max_null_rate: 0.5\n", 1))
    data = json.loads(invoke(["run", "--format", "json", *_dbt(project, config)], expect=1).stdout)
    assert [a["column"] for a in data["resolved"]] == ["score"]
    resolve = http_receiver.at("/hook")[-1].json
    assert resolve["event"] == "resolve" and resolve["alert"]["column"] == "score"
    listed = json.loads(invoke(["alerts", "list", "--format", "json", "--config", config], expect=0).stdout)
    assert sorted((r["title"].split()[0], r["state"]) for r in listed["alerts"]) == [
        ("not_null", "open"), ("null_rate", "resolved")]


def test_python_dash_m_ml_monitor_is_the_command(tmp_path):
    """`python -m ml_monitor` (a virtualenv whose bin/ is not on PATH) is the `ml-monitor` command;
    it had no __main__ and said "is a package and cannot be directly executed"."""
    import sys
    proc = subprocess.run([sys.executable, "-m", "ml_monitor", "--help"], capture_output=True, text=True,
                          env=subprocess_env(), cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout and "run" in proc.stdout and "alerts" in proc.stdout
