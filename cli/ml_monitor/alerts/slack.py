"""Slack incoming webhook, as Block Kit blocks (with a plain `text` fallback for notifications)."""

from __future__ import annotations

from dataclasses import dataclass

from ml_monitor.alerts._http import post_json
from ml_monitor.alerts.base import ChatWebhookSettings, DeliveryContext
from ml_monitor.alerts.model import (Notification, alert_facts, clip_lines, digest_headline, digest_lines,
                                    digest_severity)

ICONS = {"resolve": ":white_check_mark:", "error": ":rotating_light:", "warn": ":warning:"}


@dataclass
class Settings(ChatWebhookSettings):
    type: str = "slack"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(note: Notification) -> dict:
    f = alert_facts(note)
    icon = ICONS["resolve"] if note.event == "resolve" else ICONS.get(note.alert.severity, ":warning:")
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": clip_lines(f.headline, 150), "emoji": True}}]
    head = f"{icon} *{f.severity}*\n"                  # a section's text holds 3,000 characters
    blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                               "text": head + clip_lines(_escape(f.body), 3000 - len(head))}})
    for i in range(0, len(f.facts), 10):                  # a section holds 10 fields
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{label}*\n{_escape(value)}"[:2000]} for label, value in f.facts[i:i + 10]]})
    context = [f"fingerprint `{f.fingerprint}`"]
    if f.seen:
        context.append(f.seen)
    if f.runbook_url:
        context.append(f"<{f.runbook_url}|Runbook>")
    elif f.runbook:
        context.append(f"runbook: {_escape(f.runbook)}")     # not an http(s)/mailto link: text only
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]})
    # `text` is the notification's fallback, read as mrkdwn: escaped like the blocks (a segment value
    # `<!channel>` must not ping a channel)
    return {"text": _escape(f"[{f.severity}] {f.headline}"), "blocks": blocks}


def digest_payload(notes: list[Notification]) -> dict:
    """Several notifications in one message: the headline, then one line per alert."""
    severity, headline = digest_severity(notes), digest_headline(notes)
    icon = ICONS["resolve"] if severity == "OK" else ICONS.get(severity.lower(), ":warning:")
    head = f"{icon} *{severity}*\n"
    lines = clip_lines("\n".join(_escape(line) for line in digest_lines(notes)), 3000 - len(head))
    return {"text": _escape(f"[{severity}] {headline}"), "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": clip_lines(headline, 150), "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": head + lines}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
            "one message for the alerts of one run (`digest`); each alert's facts: `ml-monitor alerts list`"}]}]}


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    post_json(settings.url, payload(note), settings.timeout or ctx.timeout, what="Slack")


def send_digest(settings: Settings, notes: list[Notification], ctx: DeliveryContext) -> None:
    post_json(settings.url, digest_payload(notes), settings.timeout or ctx.timeout, what="Slack")
