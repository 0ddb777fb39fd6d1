"""`ml-monitor schedule`: run on a cron expression or an interval, one run at a time.

Locks are OS file locks (fcntl.flock) on files beside the state file:
  <state>.scheduler.lock  held for the scheduler's lifetime: a second scheduler exits with code 2;
  <state>.run.lock        held during each run (also by `ml-monitor run`): runs never overlap.
The kernel releases a flock when its process dies, so a lock left by a killed process is
recovered by the next process at once; the pid written in the file is only informative.

Signals: the first SIGTERM/SIGINT lets the current run finish (alerts recorded and delivered),
then the scheduler exits 0; a second one aborts the run (dbt cancels its queries; the state
file is transactional, nothing half-written) and the scheduler exits 130.
"""

from __future__ import annotations

import fcntl
import logging
import math
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from ml_monitor.config import ConfigError, parse_duration

log = logging.getLogger("ml_monitor")


class LockHeld(Exception):
    pass


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
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
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


@dataclass
class Schedule:
    cron: str | None = None
    every: float | None = None
    anchor: float = 0.0            # interval slots are anchor + k * every

    @classmethod
    def parse(cls, cron: str | None, every: str | None, now: float | None = None) -> "Schedule":
        if bool(cron) == bool(every):
            raise ConfigError("give exactly one of --cron or --every", key="--cron/--every")
        now = time.time() if now is None else now
        if cron:
            from croniter import croniter

            if not croniter.is_valid(cron):
                raise ConfigError(f"invalid cron expression {cron!r}", key="--cron")
            return cls(cron=cron, anchor=now)
        seconds = parse_duration(every, "--every")
        if seconds < 1:
            raise ConfigError(f"the interval must be at least 1s, got {every!r}", key="--every")
        return cls(every=seconds, anchor=now)

    def next_after(self, t: float) -> float:
        """The first slot strictly after t (cron in UTC)."""
        if self.cron:
            from croniter import croniter

            return float(croniter(self.cron, datetime.fromtimestamp(t, timezone.utc)).get_next(float))
        assert self.every
        k = math.floor((t - self.anchor) / self.every) + 1
        return self.anchor + k * self.every

    def describe(self) -> str:
        return f"cron '{self.cron}' (UTC)" if self.cron else f"every {self.every:g}s"


class _Stop:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.in_run = False
        self.signal_name: str | None = None

    def __call__(self, signum: int, frame: Any) -> None:
        if self.event.is_set() and self.in_run:
            raise KeyboardInterrupt  # second signal: abort the run
        self.signal_name = signal.Signals(signum).name
        self.event.set()


def run_schedule(config: Any, schedule: Schedule, run_now: bool = False, max_runs: int | None = None,
                 run: Callable[[], Any] | None = None) -> int:
    """Loop until stopped; returns the exit code (0 stopped, 130 aborted). Raises LockHeld."""
    from ml_monitor import api

    run = run or (lambda: api.monitor(config))
    lock = FileLock(api.lock_path(config, "scheduler"))
    lock.acquire()
    stop = _Stop()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, stop)
    runs = 0
    code = 0
    try:
        now = time.time()
        next_at = now if run_now else schedule.next_after(now)
        log.info("scheduler started (pid %d): %s; first run at %s", os.getpid(), schedule.describe(),
                 datetime.fromtimestamp(next_at, timezone.utc).isoformat(timespec="seconds"))
        while not stop.event.is_set():
            while not stop.event.is_set() and time.time() < next_at:
                stop.event.wait(min(1.0, max(0.0, next_at - time.time())))
            if stop.event.is_set():
                break
            slot = next_at
            stop.in_run = True
            started = time.monotonic()
            try:
                run()
            except api.RunLocked as e:
                log.warning("slot %s skipped: %s", _ts(slot), e)
            except KeyboardInterrupt:
                log.warning("run aborted after %.1fs by a second signal", time.monotonic() - started)
                code = 130
                break
            except Exception as e:  # noqa: BLE001 - one broken run must not stop the scheduler
                log.exception("run crashed after %.1fs: %s", time.monotonic() - started, config.redact(str(e)))
            finally:
                stop.in_run = False
            runs += 1
            if max_runs and runs >= max_runs:
                log.info("scheduler stopping after %d run(s) (--max-runs)", runs)
                break
            now = time.time()
            next_at = schedule.next_after(max(now, slot))
            missed = 0
            probe = schedule.next_after(slot)
            while probe < next_at and missed < 10_000:
                missed += 1
                probe = schedule.next_after(probe)
            if missed:
                log.warning("the run overran its slot: %d missed slot(s) skipped, not run twice; next run at %s",
                            missed, _ts(next_at))
        if stop.signal_name:
            log.info("received %s: %s; scheduler exiting after %d run(s)", stop.signal_name,
                     "the current run was aborted" if code == 130 else "no run left unfinished", runs)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        lock.release()
    return code


def _ts(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")
