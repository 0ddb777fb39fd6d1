"""The delivery loop: send every due notification of the outbox through its channel, with backoff.

A retryable failure (DeliveryError.retryable) goes back to `pending` with an exponential backoff
(initial_backoff * 2^(attempts-1), capped at max_backoff, at least Retry-After); a configuration
error stays `failed` until `ml-monitor alerts retry`. A bug in a channel never loses the alert.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ml_monitor.alerts.base import DeliveryContext, DeliveryError
from ml_monitor.alerts.model import Notification
from ml_monitor.alerts.registry import channel_module
from ml_monitor.config import Config
from ml_monitor.outbox import Outbox

log = logging.getLogger("ml_monitor")


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0          # transient failure: retried later with backoff
    failed: int = 0            # configuration error: kept until `alerts retry`
    busy: int = 0              # claimed by another live process
    waiting: int = 0           # an earlier notification of the same alert to that channel is undelivered
    errors: list[str] = field(default_factory=list)
    # the outbox after this delivery: per channel with failed deliveries (never retried automatically),
    # how many failed and how many notifications are held behind them (Outbox.stuck)
    stuck: list[dict[str, Any]] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(s["held"] for s in self.stuck)

    def to_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "retrying": self.retrying, "failed": self.failed, "busy": self.busy,
                "waiting": self.waiting, "held": self.held, "stuck": self.stuck, "errors": self.errors}


MESSAGE_CHARS = 400


def clip_message(text: str) -> str:
    """A delivery error for logs and the state file, after redaction: one line, at most
    MESSAGE_CHARS (a secret cut in two by a clip made before redaction would survive it)."""
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + " …"


def backoff(config: Config, attempts: int, retry_after: float | None) -> float:
    """Seconds to wait before attempt `attempts + 1`."""
    d = config.delivery
    # the exponent is capped: 2 ** 1024 overflows a float (a dead endpoint reaches that attempt
    # after weeks), and 2 ** 60 is beyond any max_backoff already
    delay = min(d.max_backoff, d.initial_backoff * (2.0 ** min(max(0, attempts - 1), 60)))
    return max(delay, min(retry_after or 0.0, d.max_backoff))


def deliver_pending(config: Config, outbox: Outbox, ctx: DeliveryContext | None = None,
                    include_failed: bool = False, force: bool = False, now: float | None = None) -> DeliveryReport:
    """Send every due delivery (all pending ones with force=True; also failed ones with include_failed).

    A channel with `digest: N` gets the notifications due to it in one message when there are at
    least N (each keeps its own row in the outbox: delivered, retried or failed together)."""
    ctx = ctx or DeliveryContext(timeout=config.delivery.timeout, redact=config.redact)
    clock = (lambda: now) if now is not None else time.time
    out = DeliveryReport()
    rows = outbox.due(now=now, include_failed=include_failed, force=force)
    by_channel: dict[str, list[Any]] = {}
    for row in rows:
        by_channel.setdefault(row["channel"], []).append(row)
    for channel, group in by_channel.items():
        settings = config.channels.get(channel)
        digest = bool(getattr(settings, "digest", 0)) and len(group) >= settings.digest

        def one(notes: list[Notification]) -> None:
            if settings is None:
                raise DeliveryError(f"channel {channel!r} is not configured in {config.where} (removed?): add it "
                                    f"back, or drop its notifications with `ml-monitor alerts discard --channel "
                                    f"{channel}`", retryable=False)
            channel_module(settings.type).send(settings, notes[0], ctx)

        claimed: list[tuple[Any, Notification]] = []
        for row in group:
            # notifications of one alert to one channel go out in order: a row waits for the earlier
            # undelivered ones, unless they are in this digest, ahead of it
            along = {r["id"] for r, _ in claimed}
            if any(e not in along for e in outbox.earlier_undelivered(row["id"])):
                out.waiting += 1
                continue
            note = outbox.claim(row["id"], config.delivery.lease, now=clock(), along_with=along)
            if note is not None:
                # alerts are redacted when they are built (alerts.model.build_alerts); again here for
                # what a state file written before that holds
                note = note.redacted(config.redact)
            if note is None:
                out.busy += 1
            elif digest:
                claimed.append((row, note))
            else:                                # sent at once: a later row may wait for this one
                _attempt(config, outbox, out, channel, [(row, note)], clock, one)
        if len(claimed) > 1:
            _attempt(config, outbox, out, channel, claimed, clock,
                     lambda notes: channel_module(settings.type).send_digest(settings, notes, ctx))
        elif claimed:                            # one left: sent alone
            _attempt(config, outbox, out, channel, claimed, clock, one)
    out.stuck = outbox.stuck()
    return out


def _attempt(config: Config, outbox: Outbox, out: DeliveryReport, channel: str, claimed: list[tuple[Any, Notification]],
             clock: Callable[[], float], send: Callable[[list[Notification]], None]) -> None:
    """Send the claimed notifications (one, or a digest) and record the outcome of each."""
    notes = [note for _, note in claimed]
    what = notes[0].alert.fingerprint if len(notes) == 1 else f"a digest of {len(notes)} notifications"
    try:
        send(notes)
    except DeliveryError as e:
        message = clip_message(config.redact(e.message))
        for row, _ in claimed:
            attempts = outbox.attempts(row["id"])
            next_at = clock() + backoff(config, attempts, e.retry_after)
            outbox.failed(row["id"], message, e.retryable, next_at)
        if e.retryable:
            out.retrying += len(claimed)
            log.warning("delivery of %s to %s failed (attempt %d), will retry in %.0fs: %s",
                        what, channel, attempts, next_at - clock(), message)
        else:
            out.failed += len(claimed)
            log.error("delivery of %s to %s failed: %s", what, channel, message)
        out.errors.append(f"{channel}: {message}")
    except Exception as e:  # noqa: BLE001 - a bug in a channel must not lose the alert
        message = clip_message(config.redact(f"{e.__class__.__name__}: {e}"))
        for row, _ in claimed:
            attempts = outbox.attempts(row["id"])
            outbox.failed(row["id"], message, True, clock() + backoff(config, attempts, None))
        out.retrying += len(claimed)
        out.errors.append(f"{channel}: {message}")
        log.error("delivery of %s to %s raised %s", what, channel, message)
    else:
        for row, _ in claimed:
            outbox.delivered(row["id"], now=clock())
        out.sent += len(claimed)
