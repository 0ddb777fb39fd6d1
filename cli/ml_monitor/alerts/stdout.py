"""Print alerts as plain text (stdout by default; stderr under `--format json`)."""

from __future__ import annotations

from dataclasses import dataclass

from ml_monitor.alerts.base import DeliveryContext
from ml_monitor.alerts.model import Notification, alert_text


@dataclass
class Settings:
    type: str = "stdout"
    send_resolved: bool = True


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    stream = ctx.stdout()
    stream.write(ctx.redact(alert_text(note)) + "\n\n")
    stream.flush()
