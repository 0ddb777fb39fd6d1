"""Logging for the CLI: one stderr handler on the `ml_monitor` logger, secrets redacted."""

from __future__ import annotations

import logging
import sys
from typing import Any, Callable, TextIO

from ml_monitor.formatting import printable

log = logging.getLogger("ml_monitor")


class _StderrHandler(logging.StreamHandler):
    """Writes to the *current* sys.stderr (click's CliRunner swaps it)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass

    def format(self, record: logging.LogRecord) -> str:
        # dbt's error messages and a channel's answer are quoted in log lines: a terminal escape
        # sequence in them (from a segment value, say) is written escaped, never run
        return printable(super().format(record))


class _Redact(logging.Filter):
    """On the logger itself, so every handler (ours, or a host application's via propagation)
    sees the message with the secrets already replaced."""

    def __init__(self, redact: Callable[[Any], Any]) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def setup_logging(config: Any = None, verbose: bool = False) -> None:
    """One stderr handler on the `ml_monitor` logger; `config.redact` (if given) hides its secrets."""
    for h in list(log.handlers):
        if isinstance(h, _StderrHandler):
            log.removeHandler(h)
    for f in list(log.filters):
        if isinstance(f, _Redact):
            log.removeFilter(f)
    if config is not None:
        log.addFilter(_Redact(config.redact))
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s ml-monitor %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False      # dbt installs a root handler: propagating would print every line twice
