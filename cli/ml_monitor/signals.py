"""Signals for `ml-monitor run` and `schedule`: SIGTERM behaves like SIGINT (a KeyboardInterrupt
that dbt turns into cancelled queries), and the exit code says which signal stopped us:
130 for SIGINT, 143 for SIGTERM (128 + the signal number, the shell convention)."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

SIGNALS = (signal.SIGTERM, signal.SIGINT)

# Set when a handler aborts a run. dbt's code is not the only code between the handler and us:
# libraries with a bare `except:` (mashumaro, deserialising a relation in dbt's main thread) turn
# the KeyboardInterrupt into an error of their own, which dbt then reports as a failed run. The
# runner reads this flag after dbt returns, so an abort stays an abort wherever it landed.
_abort = threading.Event()


def abort_run() -> None:
    """Called by a signal handler: remember the abort, then raise KeyboardInterrupt."""
    _abort.set()
    raise KeyboardInterrupt


def abort_requested() -> bool:
    """True once a handler has aborted the current run (cleared when handlers are installed)."""
    return _abort.is_set()


def exit_code(signum: int | None) -> int:
    """128 + signal number; 130 when the signal is unknown (an interrupt from the keyboard)."""
    return 128 + (signum or signal.SIGINT)


class RunInterrupted(KeyboardInterrupt):
    """A signal stopped a run at `stage`; `kept` says, for people, what the run left behind (the
    alert lifecycle is one transaction: before it commits nothing is kept, after it the alerts are,
    and notifications not yet sent stay queued in the outbox)."""

    KEPT = {
        "dbt": "dbt's queries were cancelled, no alert raised, nothing recorded",
        "alerts": "dbt had finished; no alert raised (the next run raises them)",
        "delivery": "this run's alerts are recorded; notifications not yet sent stay queued and go out "
                    "with the next run (or `ml-monitor alerts retry`)",
        "triggers": "this run's alerts are recorded and delivered; the retraining triggers are evaluated "
                    "again by the next run",
        "retries": "notifications not yet sent stay queued for their next attempt (or `ml-monitor alerts retry`)",
    }

    def __init__(self, stage: str) -> None:
        super().__init__(stage)
        self.stage = stage

    @property
    def kept(self) -> str:
        return self.KEPT[self.stage]


def kept_after(e: BaseException) -> str:
    """What an interrupted run left behind (a bare KeyboardInterrupt: it never got past dbt)."""
    return e.kept if isinstance(e, RunInterrupted) else RunInterrupted.KEPT["dbt"]


class Interrupted:
    """What stopped us: set by the handler; `signum` is the last signal received."""

    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else "SIGINT"

    @property
    def exit_code(self) -> int:
        return exit_code(self.signum)


@contextmanager
def handlers(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """Install `handler` for SIGTERM and SIGINT in the main thread; restore the previous ones after."""
    previous = {}
    _abort.clear()
    if threading.current_thread() is threading.main_thread():
        for sig in SIGNALS:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        _abort.clear()


@contextmanager
def interruptible() -> Iterator[Interrupted]:
    """For one run: SIGTERM and SIGINT raise KeyboardInterrupt (dbt cancels its queries, locks and
    the state file are released in order, no process is left to be killed half-way)."""
    state = Interrupted()

    def handler(signum: int, frame: Any) -> None:
        state.signum = signum
        abort_run()

    with handlers(handler):
        yield state
