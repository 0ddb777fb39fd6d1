"""`ml-monitor schedule`: run on a cron expression or an interval, one run at a time.

The scheduler holds <state>.scheduler.lock for its lifetime and each run takes <state>.run.lock
(see locks.py): a second scheduler exits with code 2, runs never overlap.

Between two runs it delivers the notifications whose retry backoff has expired (`Retries`: no dbt,
under the run lock like a run), so a failed page is retried after its backoff, not at the next
slot (a day later for `0 0 * * *`).

Signals: the first SIGTERM/SIGINT lets the current run finish (alerts recorded and delivered),
then the scheduler exits 0; a second one aborts the run (dbt cancels its queries; the state
file is transactional, nothing half-written; no alert is raised for the user's own interrupt)
and the scheduler exits 130 (SIGINT) or 143 (SIGTERM).
"""

from __future__ import annotations

import logging
import math
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from ml_monitor.config import ConfigError, parse_duration
from ml_monitor.formatting import iso_utc
from ml_monitor.locks import FileLock, LockHeld, RunLocked, lock_path
from ml_monitor.signals import abort_run, exit_code, handlers, kept_after

log = logging.getLogger("ml_monitor")


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

            if not croniter.is_valid(cron) or len(cron.split()) != 5:
                raise ConfigError(f"invalid cron expression {cron!r} (five fields: minute hour day month weekday)",
                                  key="--cron")
            try:   # valid syntax that never matches (e.g. February 30th)
                croniter(cron, datetime.fromtimestamp(now, timezone.utc)).get_next(float)
            except Exception:  # noqa: BLE001 - croniter's CroniterBadDateError and kin
                raise ConfigError(f"the cron expression {cron!r} never matches a date", key="--cron") from None
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


#: seconds between two looks at the outbox while the scheduler waits for its next slot (a
#: retry enqueued by a concurrent `ml-monitor run` is noticed within this time)
RETRY_POLL = 5.0


@dataclass
class Retries:
    """What the scheduler does between runs: `next_due()` says when the next undelivered
    notification is due (None: none), `deliver()` delivers what is due (e.g. api.deliver_due)."""

    next_due: Callable[[], float | None]
    deliver: Callable[[], Any]


class _Stop:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.in_run = False
        self.signal_name: str | None = None
        self.abort_signal: int | None = None

    def __call__(self, signum: int, frame: Any) -> None:
        if self.event.is_set() and self.in_run:
            self.abort_signal = signum
            abort_run()  # second signal: abort the run (raises KeyboardInterrupt)
        self.signal_name = signal.Signals(signum).name
        if self.in_run and not self.event.is_set():   # said now, not when the run has ended
            log.warning("received %s: the current run finishes, then the scheduler exits "
                        "(send it again to abort the run)", self.signal_name)
        self.event.set()


def with_slot_as_of(config: Any, schedule: Schedule, now: float | None = None) -> Any:
    """The config of one cron run: var ml_monitor_as_of set to the slot (the minute the cron
    matched, UTC) unless the user sets it to a value (--vars, ml_monitor.yml, dbt_project.yml; null
    or blank is unset, as the package reads it). Without it as_of is dbt's run start, a few
    seconds past the slot: `0 0 * * *` with daily windows would
    store a new, unaligned set of windows every night instead of extending one series (the
    metric store's keys are the window bounds). Interval schedules keep dbt's run start."""
    import dataclasses

    from ml_monitor.runner import project_sets_var, var_is_set

    if not schedule.cron or var_is_set(config.dbt.vars.get("ml_monitor_as_of")) \
            or project_sets_var(config.project_dir, "ml_monitor_as_of"):
        return config
    slot = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc).replace(second=0, microsecond=0)
    dbt = dataclasses.replace(config.dbt, vars={**config.dbt.vars, "ml_monitor_as_of": slot.strftime("%Y-%m-%d %H:%M:%S")})
    return dataclasses.replace(config, dbt=dbt)


def run_schedule(config: Any, schedule: Schedule, run: Callable[[], Any], run_now: bool = False,
                 max_runs: int | None = None, retries: Retries | None = None) -> int:
    """Call `run` (one monitoring run, e.g. `lambda: api.monitor(config)`) on every slot until
    stopped, and between runs `retries.deliver()` when `retries.next_due()` has come; returns the
    exit code (0 stopped; 130 / 143 a run or delivery aborted by a second SIGINT / SIGTERM).
    Raises LockHeld."""
    lock = FileLock(lock_path(config, "scheduler"))
    lock.acquire()
    stop = _Stop()
    with handlers(stop, abort_after=2):     # the second signal aborts a run
        try:
            code, _ = _loop(config, schedule, run, run_now, max_runs, stop, retries)
        finally:
            lock.release()
    return code


def _wait(config: Any, next_at: float, stop: _Stop, retries: Retries | None) -> int:
    """Wait for the slot at `next_at`, delivering due retries meanwhile; the exit code of a
    delivery aborted by a second signal, else 0."""
    look_at = time.time()                        # at once: the run just ended may have left retries
    while not stop.event.is_set() and time.time() < next_at:
        now = time.time()
        if retries is not None and now >= look_at:
            due = _next_due(config, retries)
            if due is not None and due <= now:
                stop.in_run = True
                try:
                    retries.deliver()
                except KeyboardInterrupt as e:
                    log.warning("delivery of due notifications aborted by a second signal: %s", kept_after(e))
                    return exit_code(stop.abort_signal)
                except Exception as e:  # noqa: BLE001 - a broken delivery must not stop the scheduler
                    log.exception("delivery of due notifications crashed: %s", config.redact(str(e)))
                finally:
                    stop.in_run = False
                due = _next_due(config, retries)
            now = time.time()
            # a due time in the past: busy elsewhere (a run holds the lock): look again later
            look_at = now + RETRY_POLL if due is None or due <= now else min(due, now + RETRY_POLL)
        wake = min(next_at, look_at) if retries is not None else next_at
        stop.event.wait(min(1.0, max(0.0, wake - time.time())))
    return 0


def _next_due(config: Any, retries: Retries) -> float | None:
    try:
        return retries.next_due()
    except Exception as e:  # noqa: BLE001 - e.g. a state file locked for long: the next look may work
        log.warning("could not read the outbox for due notifications: %s", config.redact(str(e)))
        return None


def _loop(config: Any, schedule: Schedule, run: Callable[[], Any], run_now: bool, max_runs: int | None,
          stop: _Stop, retries: Retries | None = None) -> tuple[int, int]:
    runs = 0
    code = 0
    now = time.time()
    next_at = now if run_now else schedule.next_after(now)
    log.info("scheduler started (pid %d): %s; first run at %s", os.getpid(), schedule.describe(),
             _ts(next_at))
    while not stop.event.is_set():
        code = _wait(config, next_at, stop, retries)
        if code or stop.event.is_set():
            break
        slot = next_at
        stop.in_run = True
        started = time.monotonic()
        try:
            run()
        except RunLocked as e:
            log.warning("slot %s skipped: %s", _ts(slot), e)
        except ConfigError as e:        # e.g. a selection that matches no test: say it, no traceback
            log.error("run of slot %s failed: configuration error: %s", _ts(slot), config.redact(str(e)))
        except KeyboardInterrupt as e:
            code = exit_code(stop.abort_signal)
            log.warning("run aborted after %.1fs by a second signal: %s", time.monotonic() - started, kept_after(e))
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
                 "the current run was aborted" if code else "no run left unfinished", runs)
    return code, runs


def _ts(t: float) -> str:
    return iso_utc(t, "seconds")

__all__ = ["FileLock", "LockHeld", "Retries", "RunLocked", "Schedule", "run_schedule"]
