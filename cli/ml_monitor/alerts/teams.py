"""Microsoft Teams webhook (Workflows "post to a channel when a webhook request is received"): an Adaptive Card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ml_monitor.alerts._http import post_json
from ml_monitor.alerts.base import DeliveryContext, check_urls, require
from ml_monitor.alerts.model import Notification, alert_facts


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
    f = alert_facts(note)
    color = "Good" if note.event == "resolve" else ("Attention" if note.alert.severity == "error" else "Warning")
    facts = [("Severity", f.severity), *f.facts, ("Fingerprint", f.fingerprint)]
    if f.seen:
        facts.append(("Seen", f.seen))
    if f.runbook and not f.runbook_url:
        facts.append(("Runbook", f.runbook))             # not an http(s)/mailto link: text only
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard", "version": "1.4",
        "body": [
            {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": True, "color": color,
             "text": f.headline},
            {"type": "TextBlock", "wrap": True, "text": f.body},
            {"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in facts]},
        ],
    }
    if f.runbook_url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Runbook", "url": f.runbook_url}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    post_json(settings.url, payload(note), settings.timeout or ctx.timeout, what="Teams")
