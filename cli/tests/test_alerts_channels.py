"""Every channel against a real receiver: HTTP server on 127.0.0.1, aiosmtpd, a real subprocess."""

from __future__ import annotations

import copy
import email
import json
import os
import sys
import time
from email import policy

import pytest
import yaml

from ml_monitor.alerts import command, email as email_channel, jsonl, pagerduty, slack, stdout, teams, webhook
from ml_monitor.alerts.base import DeliveryContext, DeliveryError
from ml_monitor.alerts.model import Alert, Notification, build_alerts
from ml_monitor.config import ConfigError, load_config


@pytest.fixture(scope="module")
def score_alert(failing_run_report):
    """The alert of the failing ml_monitor null_rate test on predictions.score (severity warn)."""
    (alert,) = [a for a in build_alerts(failing_run_report) if a.column == "score"]
    return alert


def _note(alert, event="trigger"):
    return Notification(event, alert, delivery_id=f"d-{event}-1", occurrences=1, first_seen="2026-01-31T00:00:00+00:00")


CTX = DeliveryContext(timeout=5)


def test_slack_block_kit_payload(http_receiver, score_alert):
    slack.send(slack.Settings(url=http_receiver.url("/slack")), _note(score_alert), CTX)
    (req,) = http_receiver.at("/slack")
    body = req.json
    assert req.headers["content-type"] == "application/json"
    assert body["text"] == "[WARN] null_rate failed on predictions.score overall and in 2 segments"
    kinds = [b["type"] for b in body["blocks"]]
    assert kinds == ["header", "section", "section", "context"]
    assert body["blocks"][0]["text"]["text"] == "null_rate failed on predictions.score overall and in 2 segments"
    section = body["blocks"][1]["text"]["text"]
    assert "null_rate of score overall is 0.4 (threshold 0.1)" in section
    assert "segment segment = a is 0.5" in section
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in body["blocks"][2]["fields"]}
    assert fields["*Owner*"] == "ml-team" and fields["*Model*"] == "predictions" and fields["*Column*"] == "score"
    assert fields["*Tags*"] == "ml, scores"
    context = body["blocks"][3]["elements"][0]["text"]
    assert "<https://runbooks.example/score-nulls|Runbook>" in context and score_alert.fingerprint in context

    slack.send(slack.Settings(url=http_receiver.url("/slack")), _note(score_alert, "resolve"), CTX)
    resolved = http_receiver.at("/slack")[1].json
    assert resolved["blocks"][0]["text"]["text"] == "RESOLVED: null_rate failed on predictions.score overall and in 2 segments"
    assert "passes again" in resolved["blocks"][1]["text"]["text"]


def test_slack_fallback_text_is_escaped_like_the_blocks(http_receiver):
    """The top-level `text` is what the notification shows and Slack reads it as mrkdwn: a segment
    value `<!channel>` in the headline reached it unescaped (and would ping the channel)."""
    alert = Alert(fingerprint="f" * 20, kind="check_failed", severity="warn",
                  title="null_rate failed on m.x in g = <!channel> & <@U0123>",
                  summary="null_rate of x in segment g = <!channel> & <@U0123> is 1 (threshold 0.1)")
    slack.send(slack.Settings(url=http_receiver.url("/slack")), _note(alert), CTX)
    body = http_receiver.at("/slack")[0].json
    assert body["text"] == "[WARN] null_rate failed on m.x in g = &lt;!channel&gt; &amp; &lt;@U0123&gt;"
    assert "g = &lt;!channel&gt; &amp; &lt;@U0123&gt; is 1" in body["blocks"][1]["text"]["text"]   # as before


def test_slack_cuts_a_long_alert_between_lines_and_says_how_many_are_left_out(score_alert):
    import dataclasses

    lines = [f"psi of feature_{i} in segment region = r{i} is 0.{i:04d} (threshold 0.2), window ..." for i in range(60)]
    long = dataclasses.replace(score_alert, summary="\n".join(lines))
    text = slack.payload(_note(long))["blocks"][1]["text"]["text"]
    assert len(text) <= 3000
    shown = text.split("\n")[1:-1]
    assert shown == lines[:len(shown)]                        # whole lines only, in order
    assert text.endswith(f"... {60 - len(shown)} more lines not shown (ml-monitor alerts list, or the report)")


def test_teams_adaptive_card(http_receiver, score_alert):
    teams.send(teams.Settings(url=http_receiver.url("/teams")), _note(score_alert), CTX)
    body = http_receiver.at("/teams")[0].json
    assert body["type"] == "message"
    att = body["attachments"][0]
    assert att["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = att["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == "null_rate failed on predictions.score overall and in 2 segments" and card["body"][0]["color"] == "Warning"
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts["Owner"] == "ml-team" and facts["Severity"] == "WARN" and facts["Fingerprint"] == score_alert.fingerprint
    assert card["actions"][0]["url"] == "https://runbooks.example/score-nulls"


def test_generic_webhook_with_headers_and_idempotency_key(http_receiver, score_alert):
    settings = webhook.Settings(url=http_receiver.url("/hook"), headers={"X-Team": "ml"})
    webhook.send(settings, _note(score_alert), CTX)
    req = http_receiver.at("/hook")[0]
    assert req.headers["x-team"] == "ml" and req.headers["idempotency-key"] == "d-trigger-1"
    body = req.json
    assert body["event"] == "trigger" and body["delivery_id"] == "d-trigger-1"
    a = body["alert"]
    assert a["fingerprint"] == score_alert.fingerprint and a["severity"] == "warn" and a["owner"] == "ml-team"
    assert a["runbook"] == "https://runbooks.example/score-nulls" and a["tags"] == ["ml", "scores"]
    overall = [o for o in a["observations"] if o["segment_column"] is None][0]
    assert overall["value"] == pytest.approx(0.4) and overall["threshold"] == pytest.approx(0.1)
    assert overall["sample_size"] == 5 and overall["status"] == "fail"


def test_pagerduty_events_v2_trigger_and_resolve(http_receiver, failing_run_report):
    alerts = {a.column: a for a in build_alerts(failing_run_report)}
    settings = pagerduty.Settings(routing_key="R0UTINGKEY", url=http_receiver.url("/v2/enqueue"), source="warehouse")
    pagerduty.send(settings, _note(alerts["label"]), CTX)
    pagerduty.send(settings, _note(alerts["label"], "resolve"), CTX)
    trigger, resolve = [r.json for r in http_receiver.at("/v2/enqueue")]
    assert trigger["routing_key"] == "R0UTINGKEY" and trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == alerts["label"].fingerprint
    p = trigger["payload"]
    assert p["summary"] == "[ERROR] not_null failed on predictions.label"
    assert p["severity"] == "error" and p["source"] == "warehouse" and p["component"] == "predictions"
    assert p["group"] == "data-eng" and p["class"] == "not_null"
    assert p["custom_details"]["failures"] == 1
    assert trigger["links"] == [{"href": "https://runbooks.example/labels", "text": "Runbook"}]
    assert resolve == {"routing_key": "R0UTINGKEY", "event_action": "resolve",
                       "dedup_key": alerts["label"].fingerprint}


@pytest.mark.parametrize("value, seconds", [
    ("7", 7.0), ("0", 0.0), ("-5", 0.0),
    ("Wed, 21 Oct 2026 07:28:00 GMT", 120.0),      # an HTTP date: the wait until then
    ("Wed, 21 Oct 2026 07:20:00 GMT", 0.0),        # in the past: retry now
    ("soon", None), ("", None),
])
def test_retry_after_takes_seconds_or_an_http_date(value, seconds):
    from datetime import datetime, timezone

    from ml_monitor.alerts._http import _retry_after

    now = datetime(2026, 10, 21, 7, 26, tzinfo=timezone.utc).timestamp()
    assert _retry_after({"Retry-After": value}, now=now) == seconds
    assert _retry_after({}, now=now) is None


def test_http_status_classification(http_receiver, score_alert):
    url = http_receiver.url("/x")
    http_receiver.script["/x"] = [500, 429, 404, 400]
    for expected_retryable in (True, True, False, False):
        with pytest.raises(DeliveryError) as err:
            webhook.send(webhook.Settings(url=url), _note(score_alert), CTX)
        assert err.value.retryable is expected_retryable, err.value.message
    assert "configuration error" in err.value.message
    # 429 carried Retry-After: 7
    http_receiver.script["/x"] = [429]
    with pytest.raises(DeliveryError) as err:
        webhook.send(webhook.Settings(url=url), _note(score_alert), CTX)
    assert err.value.retry_after == 7.0
    # connection refused and timeouts are retryable
    from conftest import free_port

    with pytest.raises(DeliveryError) as err:
        webhook.send(webhook.Settings(url=f"http://127.0.0.1:{free_port()}/none"), _note(score_alert), CTX)
    assert err.value.retryable and "cannot reach" in err.value.message
    http_receiver.delay["/slow"] = 2.0
    with pytest.raises(DeliveryError) as err:
        webhook.send(webhook.Settings(url=http_receiver.url("/slow"), timeout=0.3), _note(score_alert), CTX)
    assert err.value.retryable and "timed out" in err.value.message


def test_timeout_bounds_the_whole_exchange_not_each_read(score_alert):
    """A server that answers one byte every 0.3 s never trips a per-read timeout of 1 s; the
    delivery still fails (retryable) within about that second instead of waiting for it."""
    import socket as _socket
    import threading

    server = _socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    stop = threading.Event()

    def drip() -> None:
        conn, _ = server.accept()
        conn.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
            if stop.wait(0.3):
                break
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                break
        conn.close()

    threading.Thread(target=drip, daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(DeliveryError) as err:
            webhook.send(webhook.Settings(url=f"http://127.0.0.1:{server.getsockname()[1]}/drip", timeout=1.0),
                         _note(score_alert), CTX)
    finally:
        stop.set()
        server.close()
    assert err.value.retryable and "timed out after 1s" in err.value.message
    assert time.monotonic() - started < 3.0      # the drip alone takes ~12 s


def test_a_line_break_in_a_segment_value_still_gets_the_alert_mailed(smtp_receiver, failing_run_report, score_alert):
    """The title names the failing segment; a segment value with a line break (`em\\nea`) made an
    email Subject that Python's email refuses: the alert was retried for ever and never mailed
    (and `alerts list` printed it on two lines). The title writes it as an escape; the email
    channel keeps the Subject on one line also for a title recorded by an earlier version."""
    report = copy.deepcopy(failing_run_report)
    (check,) = [c for c in report.checks if c.column == "score"]
    check.observations = [o for o in check.observations if o.get("segment_column") is None] + [
        {**o, "segment_value": "em\nea\r\tx"} for o in check.observations if o.get("segment_value") == "a"]
    check.failing_segments = 1                         # the read-back's count of every failing segment
    (alert,) = [a for a in build_alerts(report) if a.column == "score"]
    assert alert.title == "null_rate failed on predictions.score overall and in segment = em\\nea\\r\\tx"
    old_title = copy.deepcopy(alert)
    old_title.title = "null_rate failed on predictions.score in segment = em\nea"
    settings = email_channel.Settings(host=smtp_receiver.host, port=smtp_receiver.port, security="none",
                                      sender="ml-monitor@example.com", to=["oncall@example.com"])
    for a in (alert, old_title):
        email_channel.send(settings, _note(a), CTX)
    subjects = [email.message_from_bytes(raw, policy=policy.default)["Subject"].strip()
                for _, _, raw in smtp_receiver.messages]
    assert subjects == ["[ml-monitor] [WARN] " + alert.title,
                        "[ml-monitor] [WARN] null_rate failed on predictions.score in segment = em\\nea"]


def test_email_text_and_html(smtp_receiver, score_alert):
    settings = email_channel.Settings(host=smtp_receiver.host, port=smtp_receiver.port, security="none",
                                      sender="ml-monitor@example.com", to=["oncall@example.com", "b@example.com"])
    email_channel.send(settings, _note(score_alert), CTX)
    (mail_from, rcpts, raw), = smtp_receiver.messages
    assert mail_from == "ml-monitor@example.com" and rcpts == ["oncall@example.com", "b@example.com"]
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == "[ml-monitor] [WARN] null_rate failed on predictions.score overall and in 2 segments"
    assert msg["X-ML-Monitor-Fingerprint"] == score_alert.fingerprint
    # one thread per alert: the resolve refers to the same root as the trigger
    assert msg["References"] == msg["In-Reply-To"] == f"<{score_alert.fingerprint}@ml-monitor>"
    resolved = email_channel.message(email_channel.Settings(host="h", to=["a@b"], sender="c@d"),
                                     _note(score_alert, "resolve"))
    assert resolved["References"] == msg["References"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "null_rate of score overall is 0.4 (threshold 0.1)" in text and "owner: ml-team" in text
    assert "<h2>null_rate failed on predictions.score overall and in 2 segments</h2>" in html
    assert "href='https://runbooks.example/score-nulls'" in html

    smtp_receiver.fail_next = 1
    with pytest.raises(DeliveryError) as err:
        email_channel.send(settings, _note(score_alert), CTX)
    assert err.value.retryable and "451" in err.value.message
    # STARTTLS against a server that does not offer it is a configuration error
    with pytest.raises(DeliveryError) as err:
        email_channel.send(email_channel.Settings(host=smtp_receiver.host, port=smtp_receiver.port,
                                                  sender="a@b", to=["c@d"]), _note(score_alert), CTX)
    assert not err.value.retryable


def test_command_channel_gets_json_on_stdin_and_times_out(tmp_path, score_alert):
    out = tmp_path / "got.json"
    script = f"import sys, os; open({str(out)!r}, 'w').write(os.environ['ML_MONITOR_EVENT'] + '\\n' + sys.stdin.read())"
    command.send(command.Settings(command=[sys.executable, "-c", script]), _note(score_alert), CTX)
    event, body = out.read_text().split("\n", 1)
    assert event == "trigger"
    assert json.loads(body)["alert"]["fingerprint"] == score_alert.fingerprint
    with pytest.raises(DeliveryError) as err:
        command.send(command.Settings(command=[sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5),
                     _note(score_alert), CTX)
    assert err.value.retryable and "timed out" in err.value.message
    with pytest.raises(DeliveryError) as err:
        command.send(command.Settings(command=[sys.executable, "-c", "import sys; sys.exit('boom')"]),
                     _note(score_alert), CTX)
    assert err.value.retryable and "exited with 1" in err.value.message and "boom" in err.value.message
    with pytest.raises(DeliveryError) as err:
        command.send(command.Settings(command="no-such-binary-xyz --flag"), _note(score_alert), CTX)
    assert not err.value.retryable


def test_command_with_a_missing_cwd_says_so(tmp_path, score_alert):
    """Popen's error for a missing cwd reads like a missing program ("command not found: sh")."""
    for cwd, problem in ((tmp_path / "gone", "does not exist"), (tmp_path / "file", "is not a directory")):
        if cwd.name == "file":
            cwd.write_text("")
        with pytest.raises(DeliveryError) as err:
            command.send(command.Settings(command=["sh", "-c", "cat"], cwd=str(cwd)), _note(score_alert), CTX)
        assert not err.value.retryable
        assert err.value.message == f"the working directory (cwd) {cwd} {problem}"


def test_command_timeout_kills_the_children_too(tmp_path, score_alert):
    """`sh -c` starts the real job as a child: on timeout the whole process group is killed, so
    the job does not keep running while the delivery is retried (a retraining run twice)."""
    pidfile = tmp_path / "child.pid"
    script = f"sleep 30 & echo $! > {pidfile}; wait"
    with pytest.raises(DeliveryError) as err:
        command.send(command.Settings(command=["sh", "-c", script], timeout=1.0), _note(score_alert), CTX)
    assert err.value.retryable and "timed out" in err.value.message
    pid = int(pidfile.read_text())
    deadline = time.time() + 5
    while time.time() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid), "the command's child survived its timeout"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (killed, not yet reaped by init) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_command_as_a_string_in_the_config_is_one_command_line(tmp_path, score_alert):
    """A string is split like a shell line (not taken as the name of one program); a string that
    cannot be split is a configuration error naming the key."""
    out = tmp_path / "got.txt"
    line = f"{sys.executable} -c 'import sys; open(sys.argv[1], \"w\").write(\"ran\")' {out}"
    (tmp_path / "ml_monitor.yml").write_text(yaml.safe_dump({"channels": {"hook": {"type": "command", "command": line}}}))
    cfg = load_config(tmp_path)
    command.send(cfg.channels["hook"], _note(score_alert), CTX)
    assert out.read_text() == "ran"
    bad = {"channels": {"hook": {"type": "command", "command": "echo 'unterminated"}}}
    (tmp_path / "ml_monitor.yml").write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert err.value.key == "channels.hook.command" and "cannot be split" in str(err.value)


def test_jsonl_and_stdout(tmp_path, capsys, score_alert):
    path = tmp_path / "sub" / "alerts.jsonl"
    jsonl.send(jsonl.Settings(path=str(path)), _note(score_alert), CTX)
    jsonl.send(jsonl.Settings(path=str(path)), _note(score_alert, "resolve"), CTX)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["event"] for line in lines] == ["trigger", "resolve"]
    assert lines[0]["alert"]["observations"][0]["value"] == pytest.approx(0.4)
    stdout.send(stdout.Settings(), _note(score_alert), DeliveryContext())
    printed = capsys.readouterr().out
    assert printed.startswith("[WARN] null_rate failed on predictions.score overall and in 2 segments\n")
    assert "runbook: https://runbooks.example/score-nulls" in printed
