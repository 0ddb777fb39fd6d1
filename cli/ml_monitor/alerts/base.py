"""What every channel shares: the delivery error, the delivery context and the text of an alert."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable, TextIO


class DeliveryError(Exception):
    """A notification could not be delivered.

    retryable=True: a transient failure (HTTP 5xx/429, timeout, connection refused, SMTP error,
    command failure); the outbox retries it with backoff.
    retryable=False: a configuration error (HTTP 4xx other than 429, bad credentials, missing
    command); the outbox keeps it as `failed` until `ml-monitor alerts retry`.
    """

    def __init__(self, message: str, retryable: bool = True, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass
class DeliveryContext:
    """Process-wide things a channel may need."""

    # Where the stdout channel writes (the CLI sends it to stderr under --format json).
    stdout: Callable[[], TextIO] = field(default=lambda: sys.stdout)
    # Default network timeout (seconds) when the channel sets none.
    timeout: float = 10.0
    redact: Callable[[str], str] = field(default=lambda s: s)
