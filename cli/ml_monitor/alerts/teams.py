"""Microsoft Teams webhook (Workflows "post to a channel when a webhook request is received"): an Adaptive Card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ml_monitor.alerts._http import post_json
from ml_monitor.alerts.base import DeliveryContext, check_urls, require
from ml_monitor.alerts.model import Notification


@dataclass
class Settings:
    url: str
    type: str = "teams"
    timeout: float | None = None
    send_resolved: bool = True

    SECRET_FIELDS: ClassVar[tuple[str, ...]] = ("url",)
    URL_FIELDS: ClassVar[tuple[str, ...]] = ("url",)

    def __post_init__(self) -> None:
        require(self, "url")
        check_urls(self)


def payload(note: Notification) -> dict:
    a = note.alert
    color = "Good" if note.event == "resolve" else ("Attention" if a.severity == "error" else "Warning")
    body = "The check passes again." if note.event == "resolve" else a.summary
    facts = [{"title": label, "value": str(value)} for label, value in (
        ("Severity", a.severity), ("Model", a.model), ("Column", a.column), ("Test", a.test_name),
        ("Owner", a.owner), ("Tags", ", ".join(a.tags) if a.tags else None),
        ("Fingerprint", a.fingerprint)) if value]
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard", "version": "1.4",
        "body": [
            {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": True, "color": color,
             "text": note.headline},
            {"type": "TextBlock", "wrap": True, "text": body},
            {"type": "FactSet", "facts": facts},
        ],
    }
    if a.runbook:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Runbook", "url": a.runbook}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    post_json(settings.url, payload(note), settings.timeout or ctx.timeout, what="Teams")
