"""Generic JSON webhook: POST the notification (event, delivery_id, alert) with optional headers."""

from __future__ import annotations

from dataclasses import dataclass, field

from ml_monitor.alerts._http import post_json
from ml_monitor.alerts.base import DeliveryContext
from ml_monitor.alerts.model import Notification


@dataclass
class Settings:
    url: str
    type: str = "webhook"
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    send_resolved: bool = True


def payload(note: Notification) -> dict:
    return note.to_dict()


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    headers = {"Idempotency-Key": note.delivery_id, **settings.headers}
    post_json(settings.url, payload(note), settings.timeout or ctx.timeout, headers, what="the webhook")
