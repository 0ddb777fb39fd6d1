"""Generic JSON webhook: POST the notification (event, delivery_id, alert) with optional headers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ml_monitor.alerts._http import post_json
from ml_monitor.alerts.base import DeliveryContext, SettingsError, check_urls, require
from ml_monitor.alerts.model import Notification


@dataclass
class Settings:
    url: str
    type: str = "webhook"
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    send_resolved: bool = True

    SECRET_FIELDS: ClassVar[tuple[str, ...]] = ("url", "headers")
    URL_FIELDS: ClassVar[tuple[str, ...]] = ("url",)

    def __post_init__(self) -> None:
        require(self, "url")
        check_urls(self)
        for name, value in self.headers.items():
            # http.client would refuse it at every delivery ("invalid url for the webhook
            # (ValueError)"); often the trailing newline of a token read from a file. The value,
            # a secret as often as not, is never repeated.
            if any(c in f"{name}{value}" for c in "\r\n"):
                raise SettingsError(f"headers.{name}", f"header {str(name).strip()} contains a line break (CR or LF): "
                                    "remove it (often the trailing newline of an environment variable)")


def payload(note: Notification) -> dict:
    return note.to_dict()


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    headers = {"Idempotency-Key": note.delivery_id, **settings.headers}
    post_json(settings.url, payload(note), settings.timeout or ctx.timeout, headers, what="the webhook")
