"""Run a command with the notification as JSON on stdin (retraining hooks, ticket creation)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from dataclasses import dataclass, field

from ml_monitor.alerts.base import DeliveryContext, DeliveryError, SettingsError
from ml_monitor.alerts.model import Notification


@dataclass
class Settings:
    command: list[str] | str
    type: str = "command"
    timeout: float = 300.0
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    send_resolved: bool = True

    def __post_init__(self) -> None:
        if not argv(self):
            raise SettingsError("command", "the command is empty")


def argv(settings: Settings) -> list[str]:
    return shlex.split(settings.command) if isinstance(settings.command, str) else list(settings.command)


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    args = argv(settings)
    env = {**os.environ, **settings.env, "ML_MONITOR_EVENT": note.event,
           "ML_MONITOR_FINGERPRINT": note.alert.fingerprint, "ML_MONITOR_DELIVERY_ID": note.delivery_id}
    data = json.dumps(note.to_dict(), default=str)
    try:
        done = subprocess.run(args, input=data, text=True, capture_output=True, timeout=settings.timeout,
                              cwd=settings.cwd, env=env, check=False)
    except FileNotFoundError:
        raise DeliveryError(f"command not found: {args[0] if args else '(empty)'}", retryable=False) from None
    except PermissionError:
        raise DeliveryError(f"command not executable: {args[0]}", retryable=False) from None
    except subprocess.TimeoutExpired:
        raise DeliveryError(f"command timed out after {settings.timeout:g}s and was killed", retryable=True) from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        raise DeliveryError(f"command exited with {done.returncode}" + (": " + " | ".join(tail) if tail else ""),
                            retryable=True)
