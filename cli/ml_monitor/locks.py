"""File locks beside the state file: one run at a time, one scheduler at a time.

Locks are OS file locks (fcntl.flock):
  <state>.scheduler.lock  held for the scheduler's lifetime: a second scheduler exits with code 2;
  <state>.run.lock        held during each run (by `ml-monitor run` and each scheduled run).
The kernel releases a flock when its process dies, so a lock left by a killed process is
recovered by the next process at once; the pid written in the file is only informative.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
from pathlib import Path
from typing import Any

from ml_monitor.formatting import iso_utc

log = logging.getLogger("ml_monitor")


class LockHeld(Exception):
    """The lock is held by another live process (the message names it)."""


class RunLocked(LockHeld):
    """Another run of the same project/state holds the run lock."""


def lock_path(state_path: str | os.PathLike | Any, name: str) -> str:
    """The lock file `name` (run, scheduler) beside the state file; accepts a Config too."""
    state = getattr(state_path, "state_path", state_path)
    return f"{Path(state)}.{name}.lock"


class FileLock:
    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        self.fd: int | None = None

    def holder(self) -> str:
        try:
            with open(self.path, encoding="utf-8") as f:
                return f.read().strip() or "unknown process"
        except OSError:
            return "unknown process"

    def acquire(self) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(f"{self.path} is held by {self.holder()}") from None
        previous = os.read(fd, 200).decode("utf-8", "replace").strip()
        if previous:
            log.debug("recovered lock %s left by %s", self.path, previous)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        stamp = iso_utc(time.time(), "seconds")
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()} since {stamp}\n".encode())
        os.fsync(fd)
        self.fd = fd

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "FileLock":
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def run_lock(state_path: Any) -> FileLock:
    """Take the run lock now; raises RunLocked naming the holder."""
    lock = FileLock(lock_path(state_path, "run"))
    try:
        lock.acquire()
    except LockHeld as e:
        raise RunLocked(f"another ml-monitor run is in progress ({e})") from None
    return lock
