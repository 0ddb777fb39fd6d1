"""Microsoft Teams webhook (Workflows "post to a channel when a webhook request is received"): an Adaptive Card."""

from __future__ import annotations

from dataclasses import dataclass

from ml_monitor.alerts._http import post_json
from ml_monitor.alerts.base import ChatWebhookSettings, DeliveryContext
from ml_monitor.alerts.model import Notification, alert_facts, digest_headline, digest_lines, digest_severity


@dataclass
class Settings(ChatWebhookSettings):
    type: str = "teams"


def _text(text: str) -> str:
    """Text for a TextBlock or a fact, which Teams reads as Markdown: `[click](https://…)` in a
    segment value must not become a link whose words hide where it goes. A zero-width space
    between `]` and `(` breaks the link syntax and shows nothing (bare URLs still show themselves)."""
    return text.replace("](", "]\u200b(")


def _message(card_body: list[dict], actions: list[dict] | None = None) -> dict:
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard", "version": "1.4", "body": card_body}
    if actions:
        card["actions"] = actions
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def payload(note: Notification) -> dict:
    f = alert_facts(note)
    color = "Good" if note.event == "resolve" else ("Attention" if note.alert.severity == "error" else "Warning")
    facts = [("Severity", f.severity), *f.facts, ("Fingerprint", f.fingerprint)]
    if f.seen:
        facts.append(("Seen", f.seen))
    if f.runbook and not f.runbook_url:
        facts.append(("Runbook", f.runbook))             # not an http(s)/mailto link: text only
    body = [
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": True, "color": color,
         "text": _text(f.headline)},
        {"type": "TextBlock", "wrap": True, "text": _text(f.body)},
        {"type": "FactSet", "facts": [{"title": label, "value": _text(value)} for label, value in facts]},
    ]
    actions = [{"type": "Action.OpenUrl", "title": "Runbook", "url": f.runbook_url}] if f.runbook_url else None
    return _message(body, actions)


def digest_payload(notes: list[Notification]) -> dict:
    """Several notifications in one card: the headline, then one line per alert."""
    severity = digest_severity(notes)
    color = "Good" if severity == "OK" else ("Attention" if severity == "ERROR" else "Warning")
    return _message([
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": True, "color": color,
         "text": _text(digest_headline(notes))},
        {"type": "TextBlock", "wrap": True, "text": _text("\n\n".join(digest_lines(notes)))},
        {"type": "TextBlock", "wrap": True, "isSubtle": True,
         "text": "one message for the alerts of one run (digest); each alert's facts: ml-monitor alerts list"},
    ])


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    post_json(settings.url, payload(note), settings.timeout or ctx.timeout, what="Teams")


def send_digest(settings: Settings, notes: list[Notification], ctx: DeliveryContext) -> None:
    post_json(settings.url, digest_payload(notes), settings.timeout or ctx.timeout, what="Teams")
