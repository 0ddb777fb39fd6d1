"""Print alerts as plain text (stdout by default; stderr under `--format json`)."""

from __future__ import annotations

from dataclasses import dataclass

from ml_monitor.alerts.base import DeliveryContext, check_digest
from ml_monitor.alerts.model import Notification, alert_text, digest_text


@dataclass
class Settings:
    type: str = "stdout"
    send_resolved: bool = True
    digest: int = 0                  # from this many notifications due at once: one message (0: off)

    def __post_init__(self) -> None:
        check_digest(self)


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    stream = ctx.stdout()
    stream.write(ctx.redact(alert_text(note)) + "\n\n")
    stream.flush()


def send_digest(settings: Settings, notes: list[Notification], ctx: DeliveryContext) -> None:
    stream = ctx.stdout()
    stream.write(ctx.redact(digest_text(notes)) + "\n\n")
    stream.flush()
