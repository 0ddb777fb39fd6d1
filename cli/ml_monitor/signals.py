"""Signals for `ml-monitor run` and `schedule`: SIGTERM behaves like SIGINT (a KeyboardInterrupt
that dbt turns into cancelled queries), and the exit code says which signal stopped us:
130 for SIGINT, 143 for SIGTERM (128 + the signal number, the shell convention)."""

from __future__ import annotations

import signal
import socket
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


# A Python signal handler runs in the main thread, and only when it runs Python code: blocked in
# dbt's wait for its workers (a condition wait), a main thread the kernel did not deliver the
# signal to sleeps on until the running model ends (a SIGTERM once took as long as the model,
# its query never cancelled). The C-level handler writes every signal to the wakeup fd at once,
# from whichever thread received it: the runner's canceller thread reads it there.
_wakeup: socket.socket | None = None
_received = {"count": 0, "abort_after": 0}


def signal_arrived() -> bool:
    """True once the SIGTERM / SIGINT that aborts the run (the `abort_after`-th of `handlers`) has
    reached the process, whether or not the main thread has run its handler yet
    (abort_requested: it has)."""
    reader = _wakeup
    if reader is not None:
        try:
            _received["count"] += sum(1 for b in reader.recv(256) if b in {int(sig) for sig in SIGNALS})
        except OSError:          # nothing to read (non-blocking), or closed
            pass
    arrived = _received["abort_after"] > 0 and _received["count"] >= _received["abort_after"]
    return arrived or _abort.is_set()


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
def handlers(handler: Callable[[int, Any], None], abort_after: int = 0) -> Iterator[None]:
    """Install `handler` for SIGTERM and SIGINT in the main thread; restore the previous ones after.
    `abort_after`: the handler aborts the run at the n-th signal (0: never), which signal_arrived
    then reports before the main thread has run it."""
    global _wakeup
    previous = {}
    _abort.clear()
    _received.update(count=0, abort_after=abort_after)
    pair, old_fd = None, None
    if threading.current_thread() is threading.main_thread():
        for sig in SIGNALS:
            previous[sig] = signal.signal(sig, handler)
        try:
            pair = socket.socketpair()
            for end in pair:
                end.setblocking(False)
            old_fd = signal.set_wakeup_fd(pair[1].fileno(), warn_on_full_buffer=False)
            _wakeup = pair[0]
        except (OSError, ValueError):       # best effort: the Python handler still works
            pair = None
    try:
        yield
    finally:
        if pair is not None:
            _wakeup = None
            signal.set_wakeup_fd(old_fd if old_fd is not None else -1)
            for end in pair:
                end.close()
        for sig, old in previous.items():
            signal.signal(sig, old)
        _abort.clear()
        _received.update(count=0, abort_after=0)


@contextmanager
def interruptible() -> Iterator[Interrupted]:
    """For one run: SIGTERM and SIGINT raise KeyboardInterrupt (dbt cancels its queries, locks and
    the state file are released in order, no process is left to be killed half-way)."""
    state = Interrupted()

    def handler(signum: int, frame: Any) -> None:
        state.signum = signum
        abort_run()

    with handlers(handler, abort_after=1):
        yield state
