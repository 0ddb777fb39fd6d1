"""Append one JSON object per notification to a file (JSON lines)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import ClassVar

from ml_monitor.alerts.base import DeliveryContext, DeliveryError, require
from ml_monitor.alerts.model import Notification


@dataclass
class Settings:
    path: str
    type: str = "jsonl"
    send_resolved: bool = True

    PATH_FIELDS: ClassVar[tuple[str, ...]] = ("path",)

    def __post_init__(self) -> None:
        require(self, "path")


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    line = ctx.redact(json.dumps(note.to_dict(), default=str, sort_keys=True)) + "\n"
    try:
        os.makedirs(os.path.dirname(os.path.abspath(settings.path)), exist_ok=True)
        # O_APPEND: one write per line, so concurrent writers never interleave a line.
        fd = os.open(settings.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        raise DeliveryError(f"cannot write {settings.path}: {e.strerror or e}", retryable=True) from None
