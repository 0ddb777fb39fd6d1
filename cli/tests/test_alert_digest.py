"""`digest: N` on a chat / email / stdout channel: N or more notifications due at once go as one
message, each keeping its own outbox row (delivered, retried or failed together); order per alert
and channel is kept. Against the real HTTP receiver and SMTP server of conftest.py."""

from __future__ import annotations

import email
import io
from email import policy

import pytest

from ml_monitor import api
from ml_monitor.alerts.base import DeliveryContext
from ml_monitor.config import ConfigError, load_config
from ml_monitor.delivery import deliver_pending
from ml_monitor.outbox import Outbox

T0 = 1_800_000_000.0
TITLES = ["[ERROR] not_null failed on predictions.label",
          "[WARN] null_rate failed on predictions.score overall and in 2 segments"]


def _config(tmp_path, channel: str):
    (tmp_path / "ml_monitor.yml").write_text(
        f"state_path: state.sqlite\ndelivery: {{initial_backoff: 60s, max_backoff: 10m}}\nchannels:\n  team: {channel}\n")
    return load_config(tmp_path)


def _states(cfg):
    with Outbox(cfg.state_path) as box:
        return sorted((d["event"], d["state"], d["attempts"]) for d in box.deliveries())


def test_two_alerts_go_as_one_slack_message(tmp_path, http_receiver, failing_run_report, healthy_run_report):
    cfg = _config(tmp_path, f'{{type: slack, url: "{http_receiver.url("/slack")}", digest: 2}}')
    run = api.deliver(failing_run_report, cfg, now=T0)
    assert run.lifecycle.counts()["new"] == 2 and run.delivery.sent == 2
    (req,) = http_receiver.at("/slack")                      # one message for both
    body = req.json
    headline = body["blocks"][0]["text"]["text"]
    assert headline == f"2 alerts from {failing_run_report.project}: 2 new", headline
    assert body["text"] == f"[ERROR] {headline}"
    lines = body["blocks"][1]["text"]["text"].split("\n")
    assert lines[0] == ":rotating_light: *ERROR*"
    # errors first, each with the first line of what failed
    assert len(lines) == 3 and all(line.startswith(title) for line, title in zip(lines[1:], TITLES)), lines
    assert "null_rate of score overall is 0.4 (threshold 0.1)" in lines[2]
    assert _states(cfg) == [("trigger", "delivered", 1), ("trigger", "delivered", 1)]

    # both resolve in one run: one message again, OK
    api.deliver(healthy_run_report, cfg, now=T0 + 60)
    resolved = http_receiver.at("/slack")[1].json
    assert resolved["text"] == f"[OK] 2 alerts from {failing_run_report.project}: 2 resolved"
    assert resolved["blocks"][1]["text"]["text"].split("\n")[1].startswith("[OK] RESOLVED: ")


def test_below_the_threshold_each_alert_is_its_own_message(tmp_path, http_receiver, failing_run_report):
    cfg = _config(tmp_path, f'{{type: slack, url: "{http_receiver.url("/slack")}", digest: 3}}')
    api.deliver(failing_run_report, cfg, now=T0)
    assert sorted(r.json["text"] for r in http_receiver.at("/slack")) == TITLES


def test_a_failed_digest_is_retried_as_a_whole_and_nothing_is_lost(tmp_path, http_receiver, failing_run_report):
    cfg = _config(tmp_path, f'{{type: teams, url: "{http_receiver.url("/teams")}", digest: 2}}')
    http_receiver.script["/teams"] = [503]
    run = api.deliver(failing_run_report, cfg, now=T0)
    assert run.delivery.retrying == 2 and run.delivery.sent == 0
    assert _states(cfg) == [("trigger", "pending", 1), ("trigger", "pending", 1)]
    with Outbox(cfg.state_path) as box:                       # backoff: not due yet, then due
        assert deliver_pending(cfg, box, now=T0 + 30).sent == 0
        again = deliver_pending(cfg, box, now=T0 + 61)
    assert again.sent == 2 and again.retrying == 0
    first, second = http_receiver.at("/teams")
    assert first.body == second.body                          # the same card, sent once successfully
    card = second.json["attachments"][0]["content"]
    assert card["body"][0]["text"] == f"2 alerts from {failing_run_report.project}: 2 new"
    assert card["body"][0]["color"] == "Attention"
    assert card["body"][1]["text"].split("\n\n")[0].startswith(TITLES[0])
    assert _states(cfg) == [("trigger", "delivered", 2), ("trigger", "delivered", 2)]


def test_a_resolve_whose_trigger_is_still_undelivered_waits_outside_the_digest(
        tmp_path, http_receiver, failing_run_report, healthy_run_report):
    cfg = _config(tmp_path, f'{{type: slack, url: "{http_receiver.url("/slack")}", digest: 2}}')
    http_receiver.script["/slack"] = [503]
    api.deliver(failing_run_report, cfg, now=T0)              # both triggers pending, backoff 60 s
    run = api.deliver(healthy_run_report, cfg, now=T0 + 10)   # both resolves due, triggers not yet
    assert run.delivery.sent == 0 and run.delivery.waiting == 2
    with Outbox(cfg.state_path) as box:
        later = deliver_pending(cfg, box, now=T0 + 61)        # all four due: one digest, in order
    assert later.sent == 4
    body = http_receiver.at("/slack")[-1].json
    assert body["blocks"][0]["text"]["text"].endswith(": 2 new, 2 resolved")


def test_email_digest_has_every_alert_in_full(tmp_path, smtp_receiver, failing_run_report):
    cfg = _config(tmp_path, f'{{type: email, host: "{smtp_receiver.host}", port: {smtp_receiver.port}, '
                            'security: none, from: "ml@example.com", to: ["oncall@example.com"], digest: 2}')
    api.deliver(failing_run_report, cfg, now=T0)
    (_, _, raw), = smtp_receiver.messages
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == f"[ml-monitor] [ERROR] 2 alerts from {failing_run_report.project}: 2 new"
    assert len(msg["X-ML-Monitor-Fingerprint"].split(", ")) == 2 and msg["References"] is None
    text = msg.get_body(("plain",)).get_content()
    assert text.count("  fingerprint: ") == 2 and "null_rate of score overall is 0.4 (threshold 0.1)" in text


def test_stdout_digest(tmp_path, failing_run_report):
    cfg = _config(tmp_path, "{type: stdout, digest: 2}")
    buf = io.StringIO()
    api.deliver(failing_run_report, cfg, ctx=DeliveryContext(stdout=lambda: buf), now=T0)
    out = buf.getvalue()
    assert out.startswith(f"[ERROR] 2 alerts from {failing_run_report.project}: 2 new\n[ERROR] "), out
    assert out.count("  fingerprint: ") == 2          # then each alert in full


@pytest.mark.parametrize("value, problem", [
    ("1", "expected 0 (off) or a number of notifications of 2 or more, got 1"),
    ("-3", "expected 0 (off) or a number of notifications of 2 or more, got -3"),
])
def test_a_wrong_digest_is_a_config_error_naming_the_key(tmp_path, value, problem):
    with pytest.raises(ConfigError) as err:
        _config(tmp_path, f'{{type: slack, url: "https://hooks.example/x", digest: {value}}}')
    assert "channels.team.digest" in str(err.value) and problem in str(err.value)


def test_machine_channels_take_no_digest(tmp_path):
    with pytest.raises(ConfigError) as err:
        _config(tmp_path, '{type: webhook, url: "https://hooks.example/x", digest: 2}')
    assert "channels.team.digest" in str(err.value) and "unknown key 'digest'" in str(err.value)
