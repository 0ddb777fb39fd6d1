"""POST JSON and classify the outcome: 2xx ok; 429/5xx/408/timeouts/refused retryable; other 4xx,
every 3xx and a malformed URL are configuration errors.

Redirects are never followed: urllib would replay a 301/302 as a GET without the body (the alert
is lost while the delivery looks sent) and carry the Authorization header to wherever `Location`
points. A 3xx therefore fails the delivery; the alert stays in the outbox."""

from __future__ import annotations

import email.utils
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import timezone
from typing import Any

from ml_monitor import __version__
from ml_monitor.alerts.base import DeliveryError

RETRYABLE_STATUS = {408, 425, 429}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turn every redirect into an HTTPError carrying the 3xx status (nothing is sent to Location)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, PLR0913
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def _retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds, or an HTTP date (RFC 9110 10.2.3;
    a date in the past is 0). None when absent or unreadable."""
    value = headers.get("Retry-After") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:                   # "-0000": an HTTP date is always GMT
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def post_json(url: str, payload: Any, timeout: float, headers: dict[str, str] | None = None,
              what: str = "endpoint") -> int:
    """POST `payload` as JSON; return the HTTP status or raise DeliveryError.

    `timeout` bounds the whole exchange, not only each socket read: a server that answers one
    byte at a time would otherwise hold the run (or the scheduler) for as long as it likes. The
    request runs in a daemon thread; past the deadline the delivery fails as retryable (the
    request may still arrive: receivers deduplicate by the Idempotency-Key header).
    Error messages never contain the URL (it often embeds a secret token).
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["status"] = _post_json(url, payload, timeout, headers, what)
        except BaseException as e:  # noqa: BLE001 - handed to the caller below
            box["error"] = e

    worker = threading.Thread(target=work, name="ml-monitor-post", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise DeliveryError(f"timed out after {timeout:g}s waiting for {what} (no complete answer in that time)",
                            retryable=True)
    if "error" in box:
        raise box["error"]
    return box["status"]


def _post_json(url: str, payload: Any, timeout: float, headers: dict[str, str] | None, what: str) -> int:
    body = json.dumps(payload, default=str).encode("utf-8")
    all_headers = {"Content-Type": "application/json", "User-Agent": f"ml-monitor/{__version__}"}
    all_headers.update(headers or {})
    request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as e:
        try:
            # enough to redact a secret the server echoes in full: the message is redacted and
            # only then clipped to one line (delivery.clip_message)
            text = e.read(8192).decode("utf-8", "replace").strip()
        except Exception:  # noqa: BLE001 - the body is only informative
            text = ""
        if 300 <= e.code < 400:
            # the Location is not repeated: it may carry the same token as the configured url
            raise DeliveryError(f"HTTP {e.code} redirect from {what}, not followed (configuration error: "
                                "set the channel's url to the final address)", retryable=False) from None
        detail = f"HTTP {e.code} from {what}" + (f": {text}" if text else "")
        if e.code in RETRYABLE_STATUS or e.code >= 500:
            raise DeliveryError(detail, retryable=True, retry_after=_retry_after(e.headers)) from None
        raise DeliveryError(detail + " (configuration error: check the channel's url and credentials)",
                            retryable=False) from None
    except (socket.timeout, TimeoutError):
        raise DeliveryError(f"timed out after {timeout:g}s waiting for {what}", retryable=True) from None
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise DeliveryError(f"timed out after {timeout:g}s waiting for {what}", retryable=True) from None
        raise DeliveryError(f"cannot reach {what}: {reason}", retryable=True) from None
    except http.client.InvalidURL:
        raise DeliveryError(f"invalid url for {what} (configuration error: check the channel's url)",
                            retryable=False) from None
    except (ConnectionError, OSError) as e:
        raise DeliveryError(f"cannot reach {what}: {e.__class__.__name__}: {e}", retryable=True) from None
    except ValueError as e:  # malformed URL
        raise DeliveryError(f"invalid url for {what} ({e.__class__.__name__})", retryable=False) from None
