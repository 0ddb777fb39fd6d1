"""Channel kinds: the `type:` of a channel in ml_monitor.yml -> its module (settings + send)."""

from __future__ import annotations

import importlib
from types import ModuleType

CHANNEL_TYPES = ("stdout", "jsonl", "slack", "teams", "webhook", "email", "pagerduty", "command")


def channel_module(kind: str) -> ModuleType:
    """The module implementing channel `kind`: it defines `Settings` (a dataclass) and `send`."""
    if kind not in CHANNEL_TYPES:
        raise KeyError(kind)
    return importlib.import_module(f"ml_monitor.alerts.{kind}")
