"""Slack incoming webhook, as Block Kit blocks (with a plain `text` fallback for notifications)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ml_monitor.alerts._http import post_json
from ml_monitor.alerts.base import DeliveryContext, check_urls, require
from ml_monitor.alerts.model import Notification

ICONS = {"resolve": ":white_check_mark:", "error": ":rotating_light:", "warn": ":warning:"}


@dataclass
class Settings:
    url: str
    type: str = "slack"
    timeout: float | None = None
    send_resolved: bool = True

    SECRET_FIELDS: ClassVar[tuple[str, ...]] = ("url",)
    URL_FIELDS: ClassVar[tuple[str, ...]] = ("url",)

    def __post_init__(self) -> None:
        require(self, "url")
        check_urls(self)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(note: Notification) -> dict:
    a = note.alert
    icon = ICONS["resolve"] if note.event == "resolve" else ICONS.get(a.severity, ":warning:")
    header = f"{note.headline}"[:150]
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}}]
    body = "The check passes again." if note.event == "resolve" else a.summary
    blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                               "text": f"{icon} *{a.severity.upper()}*\n{_escape(body)}"[:3000]}})
    fields = [(label, value) for label, value in (
        ("Model", a.model), ("Column", a.column), ("Test", a.test_name), ("Owner", a.owner),
        ("Tags", ", ".join(a.tags) if a.tags else None),
        ("Project", f"{a.project} ({a.target or 'default'})" if a.project else None)) if value]
    if fields:
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{label}*\n{_escape(str(value))}"[:2000]} for label, value in fields[:10]]})
    context = [f"fingerprint `{a.fingerprint}`"]
    if note.event == "trigger" and note.occurrences > 1:
        context.append(f"seen in {note.occurrences} runs since {note.first_seen}")
    if a.runbook:
        context.append(f"<{a.runbook}|Runbook>")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]})
    return {"text": f"[{a.severity.upper()}] {note.headline}", "blocks": blocks}


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    post_json(settings.url, payload(note), settings.timeout or ctx.timeout, what="Slack")
