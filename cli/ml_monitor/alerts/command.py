"""Run a command with the notification as JSON on stdin (retraining hooks, ticket creation)."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
from dataclasses import dataclass, field
from typing import ClassVar

from ml_monitor.alerts.base import DeliveryContext, DeliveryError, SettingsError
from ml_monitor.alerts.model import Notification


@dataclass
class Settings:
    # str first: a string is one shell-like command line (split with shlex), not a list of one
    command: str | list[str]
    type: str = "command"
    timeout: float = 300.0
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    send_resolved: bool = True

    # a credential reaches a command through a ${VAR} in its env (or, visible to every user of the
    # host, in its arguments): such a value is a secret, a literal one (MODE: full) a setting
    SECRET_VAR_FIELDS: ClassVar[tuple[str, ...]] = ("command", "env")

    def __post_init__(self) -> None:
        try:
            args = argv(self)
        except ValueError as e:
            raise SettingsError("command", f"cannot be split into arguments ({e}): {self.command!r}") from None
        if not args:
            raise SettingsError("command", "the command is empty")


def argv(settings: Settings) -> list[str]:
    return shlex.split(settings.command) if isinstance(settings.command, str) else list(settings.command)


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    args = argv(settings)
    env = {**os.environ, **settings.env, "ML_MONITOR_EVENT": note.event,
           "ML_MONITOR_FINGERPRINT": note.alert.fingerprint, "ML_MONITOR_DELIVERY_ID": note.delivery_id}
    data = json.dumps(note.to_dict(), default=str)
    if settings.cwd and not os.path.isdir(settings.cwd):
        # Popen says "No such file or directory" naming nothing, read as the command not being found
        problem = "is not a directory" if os.path.exists(settings.cwd) else "does not exist"
        raise DeliveryError(f"the working directory (cwd) {settings.cwd} {problem}", retryable=False)
    try:
        # its own process group: on timeout the whole group is killed, children included (a
        # `sh -c` wrapper's job must not keep running while the delivery is retried)
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=settings.cwd, env=env, start_new_session=True)
    except FileNotFoundError:
        raise DeliveryError(f"command not found: {args[0] if args else '(empty)'}", retryable=False) from None
    except PermissionError:
        raise DeliveryError(f"command not executable: {args[0]}", retryable=False) from None
    try:
        stdout, stderr = proc.communicate(input=data, timeout=settings.timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise DeliveryError(f"command timed out after {settings.timeout:g}s and was killed", retryable=True) from None
    except BaseException:
        _kill_group(proc)
        raise
    if proc.returncode != 0:
        tail = (stderr or stdout or "").strip().splitlines()[-3:]
        raise DeliveryError(f"command exited with {proc.returncode}" + (": " + " | ".join(tail) if tail else ""),
                            retryable=True)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the command's process group (it leads one: start_new_session), then reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        pass
